"""Never lose work, never edit twice: locks, errors, the CLI's files, workers, killed processes."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThread, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import (
    QT_STRICT,
    add_case,
    click_option,
    form_of,
    press,
    row,
    stored_notes,
    stored_values,
)

from hmip_desktop.cli.main import main as hmip
from hmip_desktop.model.errors import CaseError, ImportRejected
from hmip_desktop.model.file.lock import current_host, lock_path_for
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui.details_dialog import DetailsDialog
from hmip_desktop.ui.errors import ExceptionReporter, setup_logging
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.workers import run_in_thread, run_on_file

pytestmark = QT_STRICT

FIXTURE_INSTRUMENTS = Path(__file__).parent / "fixtures" / "instruments"


def test_a_file_locked_on_another_computer_opens_read_only(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile
) -> None:
    mini_file.add_case("KT-0001")
    lock_path_for(mini_file.path).write_text(
        json.dumps({"host": "field-laptop-7", "pid": 4242, "since": "2014-01-14T09:30:00+00:00", "token": "t"})
    )
    assert window.open_file(mini_file.path)
    session = window.session
    assert session is not None and session.read_only
    assert window.banner.isVisible()
    assert "field-laptop-7" in window.banner.label.text()
    assert window.banner.label.text().startswith("<b>Read-only:</b> ann.hmip is being edited by ")
    assert window.windowTitle() == "ann.hmip — Ann Smith (Inspector) [read-only] — HMIP Desktop"
    assert window.workspace is not None
    assert not window.workspace.cases.add_button.isEnabled()
    window.workspace.open_case(window.workspace.cases.model.rows()[0].uuid)
    form = form_of(window)
    assert form.status_label.text() == "Read-only file"
    form.focus_question("cd.gender")
    press(qtbot, Qt.Key.Key_1)
    assert stored_values(mini_file.path, "KT-0001") == {}
    # Closing never removes the other computer's lock.
    window.close_file()
    assert json.loads(lock_path_for(mini_file.path).read_text())["host"] == "field-laptop-7"


def test_a_second_window_on_the_same_file_is_read_only_until_the_first_closes(
    qtbot: QtBot, window: MainWindow, settings: object, mini_file: InspectionFile
) -> None:
    assert window.open_file(mini_file.path)
    assert window.session is not None and not window.session.read_only
    second = MainWindow(QSettings(str(mini_file.path.parent / "second.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.open_file(mini_file.path)
    assert second.session is not None and second.session.read_only
    assert "this computer" in second.banner.label.text()
    window.close_file()
    assert not lock_path_for(mini_file.path).exists()
    second.reload()
    assert second.session is not None and not second.session.read_only
    assert not second.banner.isVisible()
    second.close()


def test_taking_over_a_lock_left_by_a_crashed_laptop(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile
) -> None:
    lock_path_for(mini_file.path).write_text(
        json.dumps({"host": "field-laptop-7", "pid": 4242, "since": "2014-01-14T09:30:00+00:00", "token": "t"})
    )
    window.open_file(mini_file.path)
    window.banner.take_over_button.click()
    cancel = window.take_over_box
    assert cancel is not None
    qtbot.mouseClick(cancel.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert window.session is not None and window.session.read_only and window.take_over_box is None
    window.banner.take_over_button.click()
    box = window.take_over_box
    assert box is not None and box.isVisible()
    # The question is asked in the message and answered on the button (a title is not shown everywhere).
    assert "Edit it here instead?" in box.text() and "field-laptop-7" in box.text()
    edit_here = next(b for b in box.buttons() if b.text() == "&Edit here")
    assert box.defaultButton() != edit_here  # Enter does not take a file over
    qtbot.mouseClick(edit_here, Qt.MouseButton.LeftButton)
    assert window.session is not None and not window.session.read_only
    holder = json.loads(lock_path_for(mini_file.path).read_text())
    assert (holder["host"], holder["pid"]) == (current_host(), os.getpid())
    add_case(window, "KT-0001")
    click_option(qtbot, window, "cd.gender", 0)
    assert stored_values(mini_file.path, "KT-0001") == {"cd.gender": "male"}


def test_a_lock_left_by_a_dead_process_here_is_replaced(window: MainWindow, mini_file: InspectionFile) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    lock_path_for(mini_file.path).write_text(
        json.dumps({"host": current_host(), "pid": child.pid, "since": "2014-01-14T09:30:00+00:00", "token": "t"})
    )
    assert window.open_file(mini_file.path)
    assert window.session is not None and not window.session.read_only


def test_files_written_by_the_cli_open_in_the_app_and_back(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bo.hmip"
    assert hmip(["new", str(path), "--inspection", "KENT-2014", "--area", "Kent", "--assessor", "Bo Lee"]) == 0
    assert hmip(["answer", str(path), "KT-0007", "cd.gender", "female", "--note", "from the case record"]) == 0
    assert window.open_file(path)
    assert window.workspace is not None
    window.workspace.open_case(window.workspace.cases.model.rows()[0].uuid)
    assert row(window, "cd.gender").value() == "female"
    assert row(window, "cd.gender").note.toPlainText() == "from the case record"
    click_option(qtbot, window, "cd.rosh", 2)
    window.close_file()
    capsys.readouterr()
    assert hmip(["cases", "list", str(path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["case_ref"], c["answered"]) for c in listed] == [("KT-0007", 2)]
    assert stored_values(path, "KT-0007") == {"cd.gender": "female", "cd.rosh": "high"}
    assert hmip(["answer", str(path), "KT-0007", "cd.rosh", "low"]) == 0
    assert window.open_file(path)
    window.workspace.open_case(window.workspace.cases.model.rows()[0].uuid)
    assert row(window, "cd.rosh").value() == "low"


def test_an_unexpected_error_shows_copyable_details_logs_and_the_app_carries_on(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    log_file = setup_logging(tmp_path / "logs")
    reporter = ExceptionReporter(lambda: opened)
    reporter.install()
    try:

        def broken_slot() -> None:
            raise ZeroDivisionError("a bug in a slot")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        dialog = reporter.dialog
        assert dialog is not None
        details = dialog.details.toPlainText()
        assert "ZeroDivisionError: a bug in a slot" in details and "broken_slot" in details
        assert "Your answers are safe" in dialog.message.text()
        dialog.copy_button.click()
        assert QGuiApplication.clipboard().text() == details
        for handler in logging.getLogger("hmip_desktop").handlers:
            handler.flush()
        assert "ZeroDivisionError: a bug in a slot" in log_file.read_text(encoding="utf-8")
        dialog.close()
    finally:
        reporter.uninstall()
        for handler in list(logging.getLogger("hmip_desktop").handlers):
            if getattr(handler, "baseFilename", "") == str(log_file):
                logging.getLogger("hmip_desktop").removeHandler(handler)
                handler.close()
    # Still working: an answer goes to the file.
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    assert stored_values(opened.session.path, "KT-0001") == {"cd.gender": "male"}


def test_an_expected_error_reaching_the_hook_is_only_a_plain_message(qtbot: QtBot, opened: MainWindow) -> None:
    reporter = ExceptionReporter(lambda: opened)
    reporter.install()
    try:

        def refused() -> None:
            raise CaseError("case KT-0001 is marked complete; reopen it before changing answers")

        QTimer.singleShot(0, refused)
        qtbot.waitUntil(lambda: opened.findChild(QMessageBox, "userError") is not None)
        assert reporter.dialog is None
    finally:
        reporter.uninstall()


def test_errors_on_worker_threads_reach_the_dialog(qtbot: QtBot, opened: MainWindow) -> None:
    reporter = ExceptionReporter(lambda: opened)
    reporter.install()
    try:
        thread = threading.Thread(target=lambda: 1 / 0, name="background")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        assert reporter.dialog is not None and "thread background" in reporter.dialog.details.toPlainText()
        reporter.dialog.close()
    finally:
        reporter.uninstall()


def test_run_in_thread_reports_progress_and_result_on_the_gui_thread(qtbot: QtBot) -> None:
    seen: list[tuple[int, int, str]] = []
    threads: list[object] = []

    def work(progress: object) -> int:
        threads.append(QThread.currentThread())
        for step in range(3):
            progress(step + 1, 3, f"step {step + 1}")  # type: ignore[operator]
        return 42

    job = run_in_thread(work)
    job.progress.connect(lambda done, total, text: seen.append((done, total, text)))
    with qtbot.waitSignal(job.finished) as finished:
        pass
    assert finished.args == [42]
    assert threads and threads[0] is not QThread.currentThread()
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen[-1] == (3, 3, "step 3")


def test_run_in_thread_reports_failure(qtbot: QtBot) -> None:
    def work(_progress: object) -> None:
        raise ImportRejected("sample.csv was not imported", ["line 3: 'Jo Bloggs' is not a valid case reference"])

    job = run_in_thread(work)
    with qtbot.waitSignal(job.failed) as failed:
        pass
    assert isinstance(failed.args[0], ImportRejected)
    assert job.is_done and job.error is failed.args[0]


def test_run_on_file_uses_its_own_connection(qtbot: QtBot, mini_file: InspectionFile) -> None:
    mini_file.add_case("KT-0001")

    def work(inspection: InspectionFile, _progress: object) -> tuple[bool, list[str]]:
        return inspection is not mini_file and inspection.conn is not mini_file.conn, [
            c.case_ref for c in inspection.list_cases()
        ]

    job = run_on_file(mini_file.path, work, read_only=True)
    with qtbot.waitSignal(job.finished) as finished:
        pass
    assert finished.args[0] == (True, ["KT-0001"])


def test_importing_the_case_sample(qtbot: QtBot, opened: MainWindow, tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("case_ref,cd.gender,cd.rosh\nKT-0001,male,high\nKT-0002,Female,low\n", encoding="utf-8")
    assert opened.workspace is not None
    panel = opened.workspace.cases
    job = panel.import_sample(sample)
    with qtbot.waitSignal(panel.import_finished):
        pass
    assert job.error is None
    assert [r.case_ref for r in panel.model.rows()] == ["KT-0001", "KT-0002"]
    assert panel.model.rows()[1].rosh == "Low"
    assert panel.import_button.isEnabled()


def test_a_bad_case_sample_is_refused_with_every_bad_row_listed(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text(
        "case_ref,cd.gender,cd.rosh\nKT-0001,male,high\nJo Bloggs,male,low\nKT-0003,dragon,low\n", encoding="utf-8"
    )
    assert opened.workspace is not None
    panel = opened.workspace.cases
    panel.import_sample(sample)
    with qtbot.waitSignal(panel.import_finished):
        pass
    report = opened.findChild(DetailsDialog, "userError")
    assert report is not None and report.isVisible()
    listed = report.details.toPlainText().splitlines()
    assert any("line 3" in line and "Jo Bloggs" in line for line in listed)
    assert any("line 4" in line and "dragon" in line for line in listed)
    assert "nothing was written" in report.message.text()
    assert panel.model.rowCount() == 0
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        assert inspection.list_cases() == []


# -- whole-process safety ---------------------------------------------------------------------

DRIVER = """
import os, sys
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from hmip_desktop.ui import app as app_module
path, mode, folder = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
app, window, reporter = app_module.launch(
    [str(path)], settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), log_dir=folder
)
notifier = app_module.close_on_signals(app, window)

def act():
    workspace = window.workspace
    case_uuid = workspace.cases.model.rows()[0].uuid
    workspace.open_case(case_uuid)
    form = workspace.form
    if mode == "answer":
        window.session.saved.connect(lambda _when: print("saved", flush=True))
        form.choose_answer("cd.rosh", "high")
    else:
        row = form.row("cd.rosh")
        row.note.setPlainText("typed just before the shutdown")
        print("typed", flush=True)

window.file_opened.connect(lambda _session: QTimer.singleShot(0, act))
sys.exit(app.exec())
"""


def run_driver(path: Path, mode: str, folder: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HMIP_INSTRUMENT_PATH=str(FIXTURE_INSTRUMENTS))
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(path), mode, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_killed_app_keeps_every_acknowledged_answer_and_its_lock_is_replaced(
    mini_file: InspectionFile, tmp_path: Path
) -> None:
    mini_file.add_case("KT-0001")
    child = run_driver(mini_file.path, "answer", tmp_path)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "saved"
        assert lock_path_for(mini_file.path).exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert stored_values(mini_file.path, "KT-0001") == {"cd.rosh": "high"}
    from hmip_desktop.model.file.lock import FileLock

    assert FileLock(mini_file.path).acquire() is None  # the dead process's lock is stale


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_closes_the_app_and_writes_the_note_being_typed(mini_file: InspectionFile, tmp_path: Path) -> None:
    mini_file.add_case("KT-0001")
    child = run_driver(mini_file.path, "note", tmp_path)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "typed"
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert stored_notes(mini_file.path, "KT-0001") == {"cd.rosh": "typed just before the shutdown"}
    assert not lock_path_for(mini_file.path).exists()
