"""Render the lead workspace's screenshots offscreen from the demo inspection (1280×800).

    QT_QPA_PLATFORM=offscreen python -m hmip_desktop.ui.lead.screenshots docs/screenshots

Writes lead-import-summary.png, lead-conflicts.png, lead-dashboard.png and
lead-report-preview.png. The demo is built in a temporary folder; nothing is
left behind but the pictures.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QWidget

from hmip_desktop.model.demo import generate_demo, write_demo_findings
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.session import Changes

SIZE = (1280, 800)


def wait_for(signal: object, timeout_ms: int = 120_000) -> list[object]:
    loop = QEventLoop()
    got: list[object] = []

    def done(*args: object) -> None:
        got.extend(args)
        loop.quit()

    signal.connect(done)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(done)  # type: ignore[attr-defined]
    return got


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


#: The second reader's evidence for a judgement below / above the line.
SECOND_OPINIONS = {
    False: "Not enough in the record to show this was done well enough; the contact log has a five-week gap.",
    True: "Done well enough on my reading: the review in March covers it, although it came late.",
}


def double_mark(first: Path, second: Path, count: int = 3) -> None:
    """Quality-assurance double marking: a second assessor reads some of the first's cases and
    disagrees on one judgement each, with an evidence note (the conflicts a lead settles)."""
    with InspectionFile.open(first, read_only=True) as source:
        cases = [c for c in source.list_cases() if c.is_complete][:count]
        answers = {c.case_ref: source.answers_for(c.uuid) for c in cases}
        instrument = source.instrument
    with InspectionFile.open(second) as target:
        for ref, case_answers in answers.items():
            order = [q for q in instrument.questions if q.id in case_answers]
            changed = next(
                q
                for q in reversed(order)
                if q.is_scored
                and q.relevant_if is None
                and case_answers[q.id].value is not None
                and not any(q.id in str(other.relevant_if) for other in instrument.questions)
            )
            for question in order:
                answer = case_answers[question.id]
                value, note = answer.value, answer.note
                if question is changed:
                    option = next(o for o in question.options if o.value != value and o.above_line is not None)
                    value, note = option.value, SECOND_OPINIONS[bool(option.above_line)]
                target.set_answer(ref, question.id, value, note, create_case=True)
            target.complete_case(ref)


def summary_page(document: QPdfDocument) -> int:
    """The report's summary page (the outcome scores table), else the first page."""
    for page in range(document.pageCount()):
        words = " ".join(document.getAllText(page).text().split())
        if "proportion of work judged to have been done well enough" in words:
            return page
    return 0


def save(widget: QWidget, target: Path) -> None:
    settle()
    widget.grab().save(str(target))
    print("wrote", target)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="hmip-shots-") as tmp:
        folder = Path(tmp) / "kent"
        paths = generate_demo(folder, cases=86, assessors=8, merge=False)
        team, lead_path = paths[:-1], paths[-1]
        double_mark(team[0], team[1])
        # What a lead's inbox looks like: one file sent twice, one that is not an inspection file.
        broken = folder / "team-notes.hmip"
        broken.write_bytes(b"Minutes of the team meeting, saved with the wrong name.\n" * 40)
        resent = folder / "helen-carter (1).hmip"
        shutil.copyfile(team[0], resent)

        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(*SIZE)
        window.show()
        assert window.open_file(lead_path)
        workspace = window.workspace
        assert workspace is not None and workspace.lead is not None
        lead = workspace.lead

        workspace.setCurrentWidget(lead.import_tab)
        lead.import_panel.import_files([*team, broken, resent])
        wait_for(lead.import_panel.merged)
        wait_for(lead.dashboard.refreshed)
        save(window, out / "lead-import-summary.png")

        workspace.setCurrentWidget(lead.conflicts_tab)
        # Half-way through a decision: an answer chosen and the note written, waiting for Resolve.
        detail = lead.conflicts.detail
        detail.cards[0].button.click()
        detail.note.setText("Checked the contact log with both assessors: the gap is real")
        save(window, out / "lead-conflicts.png")

        workspace.setCurrentWidget(lead.dashboard_tab)
        dashboard = lead.dashboard
        view = dashboard.outcomes_view
        view.selectRow(2)
        view.clicked.emit(dashboard.outcomes.index(2, 0))
        dashboard.questions_view.setCurrentIndex(dashboard.question_scope.index(1, 0))
        save(window, out / "lead-dashboard.png")

        # The lead's narrative, as `hmip demo` writes it (every view reads it again).
        lead.session.run(write_demo_findings, Changes(everything=True))
        workspace.setCurrentWidget(lead.report_tab)
        lead.report.preview()
        wait_for(lead.report.built)
        lead.report.go_to_page(summary_page(lead.report.document))
        settle(1500)  # the viewer renders pages on its own thread
        save(window, out / "lead-report-preview.png")

        window.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
