"""Render the README's screenshots offscreen from a demo inspection.

    QT_QPA_PLATFORM=offscreen python -m hmip_desktop.ui.screenshots docs/screenshots

Writes start-page.png, case-list.png, case-form.png and case-form-dark.png (the
same form under a dark palette, as Windows 11 in dark mode gives it) at
1280×800, using the real instrument and one assessor's demo file part-way
through fieldwork.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

SIZE = (1280, 800)
ASSESSOR_FILE = "helen-carter.hmip"


def mid_fieldwork_file(folder: Path) -> Path:
    """A demo assessor's file with the last cases reopened and partly answered, and one new case."""
    from hmip_desktop.model.demo import generate_demo
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.instrument import relevance

    paths = generate_demo(folder / "demo", cases=86, assessors=8, merge=False)
    path = next(p for p in paths if p.name == ASSESSOR_FILE)
    with InspectionFile.open(path) as inspection:
        cases = inspection.list_cases()
        for case, keep in ((cases[-3], None), (cases[-2], 70), (cases[-1], 24)):
            inspection.reopen_case(case.case_ref)
            if keep is None:
                continue
            values = inspection.values_for(case.uuid)
            order = [q.id for q in inspection.instrument.questions if q.id in values]
            for question_id in reversed(order[keep:]):
                inspection.set_answer(case.case_ref, question_id, None)
            assert relevance.stale_question_ids(inspection.instrument, inspection.values_for(case.uuid)) == set()
        inspection.add_case("KT-0089")
    return path


def take_screenshots(out_dir: Path) -> list[Path]:
    from hmip_desktop.ui.application import application  # the app's own style, as it starts
    from hmip_desktop.ui.main_window import MainWindow

    app = application([])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="hmip-shots-") as tmp:
        folder = Path(tmp)
        path = mid_fieldwork_file(folder)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        # A few recent files, as an assessor would have them.
        window = MainWindow(settings)
        for name in ("kent-2014-practice.hmip", ASSESSOR_FILE):
            window.recent.remember(path.with_name(name) if name != ASSESSOR_FILE else path)
        window.recent_model.reload()
        window.resize(*SIZE)
        window.show()
        window.start_page.focus_default()
        app.processEvents()
        written.append(save(window, out_dir / "start-page.png"))

        assert window.open_file(path)
        workspace = window.workspace
        assert workspace is not None
        rows = workspace.cases.model.rows()
        workspace.cases.select_case(rows[-2].uuid)
        app.processEvents()
        window.statusBar().clearMessage()
        written.append(save(window, out_dir / "case-list.png"))

        workspace.open_case(rows[-2].uuid)
        form = workspace.form
        state = form.state
        assert state is not None
        unanswered = [q for q in form.form_layout.order if q in state.relevant and q not in state.values]
        focus = next(q for q in unanswered if form.instrument.question(q).help)
        order = list(form.form_layout.order)
        answered_before = [q for q in order[: order.index(focus)] if q in state.values]
        form.row(answered_before[-1]).note.setPlainText(
            "Assessment completed within five days of sentence; clear link to the offence analysis."
        )
        form.flush()
        form.focus_question(focus)
        form.row(focus).set_guidance_visible(True)
        page = form.section_pages[form.form_layout.section_of[focus]]
        app.processEvents()
        if form.row(focus).y() + form.row(focus).height() < page.viewport().height():
            page.verticalScrollBar().setValue(0)  # the section's title in view too
        app.processEvents()
        window.statusBar().clearMessage()
        written.append(save(window, out_dir / "case-form.png"))

        from hmip_desktop.ui.colours import reference_palettes

        light = QPalette(app.palette())
        app.setPalette(reference_palettes()["dark"])  # the app follows a palette change as it runs
        app.processEvents()
        written.append(save(window, out_dir / "case-form-dark.png"))
        app.setPalette(light)
        window.close()
    return written


def save(window: QApplication | object, target: Path) -> Path:
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    QApplication.processEvents()
    image = window.grab()
    if image.width() != SIZE[0]:
        image = image.scaled(
            SIZE[0], SIZE[1], Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    image.save(str(target))
    return target


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path("docs/screenshots")
    for path in take_screenshots(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
