"""What opening a file at start-up loads: only what the first screen needs.

The merge, scoring, report builder (reportlab), cipher, CSV import, case form
and the lead's panels load when first used; so do the dialogs, the start page
(when a file is named on the command line), the log's rotating handler and
the lead's file check. The start-up benchmark (benchmarks/bench_app.py)
measures the time, these tests keep the heavy modules off the path. Each runs
the app in a fresh interpreter, so the modules other tests imported do not
count.

PySide6 makes a Qt class, and the Python enums of its kind (~0.2 ms each), when
it is first used, so the Qt classes made are guarded too: a dialog imported at
the top of a module, or the first look-up of a widget Qt made itself (which
makes PySide6 build every widget class there is, ~9 ms), shows up here.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, instrument_paths, load_instrument

CHILD = """
import sys
from pathlib import Path
from hmip_desktop.ui import app as app_module  # first, as the hmip-desktop script imports it
from PySide6.QtCore import QSettings, QTimer

folder = Path(sys.argv[2])
app, window, reporter = app_module.launch(
    [sys.argv[1]], settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), log_dir=folder
)

def report():
    titles = [window.workspace.tabText(i) for i in range(window.workspace.count())]
    print("TABS", "|".join(titles))
    print("MODULES", " ".join(sys.modules))  # in the order they were imported
    import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
    made = [name for module in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets) for name in vars(module)]
    print("QTCLASSES", " ".join(sorted(made)))
    app.quit()

# After every part has heard of the file and the window is back in the event loop.
window.file_opened.connect(lambda _session: QTimer.singleShot(0, report))
QTimer.singleShot(30_000, app.quit)
app.exec()
"""

#: Loaded when first used, never to show a file.
LATER = {
    "reportlab",
    "cryptography",
    "pydantic",  # validates an instrument file once per user (validated_cache.py); report/area.py uses it
    "hmip_desktop.report.builder",
    "hmip_desktop.model.merge.files",
    "hmip_desktop.model.merge.conflicts",  # the Conflicts badge is a count (InspectionFile.open_conflict_count)
    "hmip_desktop.model.file.package",
    "hmip_desktop.model.imports.csv_import",
    "hmip_desktop.scoring.engine",
    "hmip_desktop.ui.form.case_form",
    "hmip_desktop.ui.export_package",
    "hmip_desktop.ui.lead.import_panel",
    "hmip_desktop.ui.lead.conflicts_panel",
    "hmip_desktop.ui.lead.dashboard",
    "hmip_desktop.ui.lead.findings",
    "hmip_desktop.ui.lead.report_panel",
    "hmip_desktop.model.file.verify",  # the lead's file check starts once the file is on screen
    "hmip_desktop.model.file.audit",  # the log's writer and the seals: at the first write (store.py)
    "hmip_desktop.model.file.seal",
    "hmip_desktop.ui.start_page",  # a file named on the command line opens instead
    "hmip_desktop.ui.new_file_dialog",
    "hmip_desktop.ui.add_case_dialog",
    "hmip_desktop.ui.workers",  # the worker threads: a CSV import, the lead's file check
    "hmip_desktop.ui.details_dialog",
    "hmip_desktop.ui.accessibility",
    "hmip_desktop.ui.style",  # Fusion's indicators redrawn: on a dark palette only (ui.application)
    "hmip_desktop.ui.form.text_history",
    "logging.handlers",  # socket, pickle, queue: the log file's handler is made with its first record
    "uuid",  # and platform: opening a file makes no new ids
    "socket",  # the edit lock names this computer from os.uname()
    "subprocess",
    "html",
    "importlib.resources",  # the shipped files are found without it (model/assets.py)
    "importlib.readers",
}

#: Qt classes made when first used, never to show a file. QWizard and QCalendarWidget stand for the
#: whole set PySide6 builds at the first look-up of a widget made by Qt (a scroll area's viewport).
QT_LATER = {"QFileDialog", "QMessageBox", "QListView", "QFormLayout", "QComboBox", "QWizard", "QCalendarWidget"}
#: Named only in annotations or checks on the start path (the Add case dialog, the form's notes, keys).
QT_LATER |= {"QDialog", "QDialogButtonBox", "QPlainTextEdit", "QKeyEvent", "QThreadPool"}
#: QAction(text, parent) would be told from QAction(icon, text, parent) by making QIcon (~1.3 ms).
QT_LATER |= {"QIcon"}
#: Made with the first event handed to Python (an event handler or filter run as the list shows, an
#: event class imported for an annotation): QEvent's enums cost ~2 ms.
QT_LATER |= {"QEvent"}
#: A Python style (QProxyStyle) is called for every primitive drawn: QStyle's enums (~15 ms of a start).
QT_LATER |= {"QProxyStyle", "QStyle"}  # asking a light start's style its name would make QStyle


def start_app(path: Path, folder: Path) -> tuple[list[str], list[str], set[str]]:
    """The tabs shown, the modules loaded (in the order they were) and the Qt classes made once the file
    is open."""
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(folder)], capture_output=True, text=True, timeout=120
    )
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in done.stdout.splitlines() if " " in line}
    assert "QTCLASSES" in lines, done.stderr[-2000:]
    return lines["TABS"].split("|"), lines["MODULES"].split(), set(lines["QTCLASSES"].split())


def heavy(modules: Iterable[str]) -> set[str]:
    return {name for name in modules if name in LATER or name.split(".")[0] in LATER}


@pytest.fixture(autouse=True)
def _instrument_records_made() -> None:
    """pydantic validates an instrument file once per user (model/instrument/validated_cache.py); the
    starts measured here come after that, as every start but the first after an install does."""
    for path in instrument_paths():
        load_instrument(path)


@pytest.mark.parametrize("role", ["inspector", "lead"])
def test_opening_a_file_loads_nothing_it_does_not_show(tmp_path: Path, mini_instrument: Instrument, role: str) -> None:
    path = tmp_path / f"{role}.hmip"
    with InspectionFile.create(
        path,
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Ann Smith",
        role=role,
        instrument=mini_instrument,  # type: ignore[arg-type]
    ) as made:
        for ref in ("KT-0001", "KT-0002", "KT-0003"):  # a list to show (an empty one shows a note instead)
            made.add_case(ref)
        made.set_answer("KT-0001", "cd.gender", "male")
    tabs, loaded, qt_classes = start_app(path, tmp_path / "run")
    modules = set(loaded)
    assert heavy(modules) == set()
    # The model loads before PySide6, which reads the source of every module imported after it (app.py).
    after_qt = loaded[loaded.index("PySide6.QtCore") :]
    assert [name for name in after_qt if name.startswith("hmip_desktop.model")] == []
    assert qt_classes & QT_LATER == set()
    assert {"QTableView", "QMainWindow"} <= qt_classes  # what the guard reads is there
    lead_modules = {name for name in modules if name.startswith("hmip_desktop.ui.lead")}
    if role == "lead":
        assert tabs[2:] == ["Team files", "Conflicts", "Scores", "Agreement", "Findings", "Area", "Report"]
        # The tabs exist; the panels behind them (and the merge, scoring, report) load when first shown.
        assert lead_modules <= {"hmip_desktop.ui.lead", "hmip_desktop.ui.lead.workspace", "hmip_desktop.ui.lead.drops"}
        assert "hmip_desktop.ui.lead.workspace" in lead_modules
    else:
        assert tabs == ["Cases", "Case form"]
        assert lead_modules == set()  # an assessor's file never loads the lead's part
