"""Starting the app: start page, new file, open, recent files, menus and shortcuts, the command line."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui import app as app_module
from hmip_desktop.ui.errors import as_sentence, quoted_commands
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


def shortcuts_of(window: MainWindow) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for action in window.findChildren(type(window.undo_action)):
        keys = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]
        if keys:
            found[action.text().replace("&", "")] = keys
    return found


def test_the_start_page_offers_open_and_new(window: MainWindow) -> None:
    assert window.pages.currentWidget() is window.start_page
    assert window.windowTitle() == "HMIP Desktop"
    assert window.start_page.no_recent.isVisible()
    assert not window.start_page.recent.isVisible()


def test_a_new_inspection_file_through_the_dialog(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    qtbot.mouseClick(window.start_page.new_button, Qt.MouseButton.LeftButton)
    dialog = window.new_file_dialog
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.path.setText(str(tmp_path))
    qtbot.keyClicks(dialog.inspection_id, "KENT-2014")
    qtbot.keyClicks(dialog.area, "Kent")
    qtbot.keyClicks(dialog.assessor, "Ann Smith")
    dialog.role.setCurrentIndex(dialog.role.findData("local-assessor"))
    with qtbot.waitSignal(window.file_opened):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    path = tmp_path / "kent-2014-ann-smith.hmip"
    assert path.exists()
    assert window.windowTitle() == "kent-2014-ann-smith.hmip — Ann Smith (Local assessor) — HMIP Desktop"
    with InspectionFile.open(path, read_only=True) as inspection:
        info = inspection.info()
    assert (info.inspection_id, info.area, info.owner.name, info.owner.role) == (
        "KENT-2014",
        "Kent",
        "Ann Smith",
        "local-assessor",
    )
    qtbot.waitUntil(lambda: window.recent.paths() == [path.resolve()])  # once the list is painted


def test_a_file_closed_at_once_is_among_the_recent_files_all_the_same(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile
) -> None:
    """Opening remembers the file once its list is painted (REMEMBER_AFTER_MS); closing sooner does it then."""
    assert window.open_file(mini_file.path)
    assert window.close_file()
    assert window.recent.paths() == [mini_file.path.resolve()]
    assert window.start_page.recent.model().rowCount() == 1


def test_a_new_file_is_never_written_over_an_existing_one(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile
) -> None:
    assert not window.create_file(
        mini_file.path, {"inspection_id": "X-1", "area": "Kent", "assessor": "Bo", "role": "inspector"}
    )
    box = window.findChild(QMessageBox, "userError")
    assert box is not None and "already exists" in box.text()
    assert window.session is None


def test_a_message_that_starts_with_a_plain_word_reads_as_a_sentence(window: MainWindow, tmp_path: Path) -> None:
    """The core writes its messages for the command line's "error: …" line; a dialog shows a sentence."""
    missing = tmp_path / "gone" / "ann.hmip"
    assert not window.create_file(
        missing, {"inspection_id": "X-1", "area": "Kent", "assessor": "Bo", "role": "inspector"}
    )
    box = window.findChild(QMessageBox, "userError")
    assert box is not None
    assert box.text() == f"The folder {missing.parent} does not exist; choose another with Browse…"


def test_a_command_a_message_names_is_quoted_not_shown_in_backticks() -> None:
    """The core marks commands as Markdown does, for the command line; a dialog shows text as it is."""
    assert as_sentence("kent.hmip is an aggregate of inspections; rebuild it with `hmip aggregate`") == (
        "kent.hmip is an aggregate of inspections; rebuild it with “hmip aggregate”."
    )
    assert as_sentence("use `hmip new FILE --role lead …`, or `hmip merge --create`") == (
        "Use “hmip new FILE --role lead …”, or “hmip merge --create”."
    )
    assert quoted_commands("a lone ` stays as it is") == "a lone ` stays as it is"


def test_open_remembers_the_file_and_the_start_page_lists_it(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(mini_file.path), ""))
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.session is not None and window.session.path == mini_file.path.resolve()
    assert window.windowTitle() == "ann.hmip — Ann Smith (Inspector) — HMIP Desktop"
    add_case(window, "KT-0001")
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None and window.pages.currentWidget() is window.start_page
    recent = window.start_page.recent
    assert recent.isVisible() and recent.model().rowCount() == 1
    window.start_page.focus_default()
    with qtbot.waitSignal(window.file_opened):
        qtbot.keyClick(recent, Qt.Key.Key_Return)
    assert window.workspace is not None and window.workspace.cases.model.rowCount() == 1


def test_recent_files_survive_a_restart(qtbot: QtBot, settings: QSettings, mini_file: InspectionFile) -> None:
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.open_file(mini_file.path)
    first.close()
    second = MainWindow(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.recent.paths() == [mini_file.path.resolve()]


def test_a_file_that_is_not_an_inspection_file_gets_a_plain_message(window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "notes.hmip"
    other.write_text("not a database")
    assert not window.open_file(other)
    box = window.findChild(QMessageBox, "userError")
    assert box is not None and "not an HMIP inspection file" in box.text()
    assert box.icon() == QMessageBox.Icon.Warning
    # A sentence, whose file name keeps its own case.
    assert box.text() == "notes.hmip is not an HMIP inspection file (not an SQLite database)."
    assert not (tmp_path / "notes.hmip.lock").exists()
    assert window.pages.currentWidget() is window.start_page


def test_standard_menus_and_shortcuts(window: MainWindow) -> None:
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]
    keys = shortcuts_of(window)
    assert keys["Open…"] == ["Ctrl+O"]
    assert keys["New inspection file…"] == ["Ctrl+N"]
    assert keys["Undo"] == ["Ctrl+Z"]
    assert keys["Redo"] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert keys["Guidance for this question"] == ["F1"]
    assert keys["Next criterion"] == ["Ctrl+]"]
    assert keys["Find case"] == ["Ctrl+F"]


def test_file_actions_wait_for_a_file(qtbot: QtBot, window: MainWindow, mini_file: InspectionFile) -> None:
    assert not window.import_action.isEnabled()
    window.open_file(mini_file.path)
    assert window.import_action.isEnabled()


def test_keyboard_help_lists_the_keys(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)  # no question on screen: F1 explains the keys
    box = window.findChild(QMessageBox, "keyboardHelp")
    assert box is not None and "next question without an answer" in box.text()


def test_the_command_line_opens_the_file(qtbot: QtBot, mini_file: InspectionFile, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    _app, main, reporter = app_module.launch([str(mini_file.path)], settings=settings, log_dir=tmp_path / "logs")
    qtbot.addWidget(main)
    try:
        assert main.isVisible()
        opening = main.pages.currentWidget()
        assert isinstance(opening, QLabel) and opening.text() == "Opening ann.hmip…"
        qtbot.waitUntil(lambda: main.session is not None)
        assert main.windowTitle().startswith("ann.hmip — Ann Smith")
        assert (tmp_path / "logs" / "hmip-desktop.log").exists()
    finally:
        reporter.uninstall()
        main.close()


def test_the_command_line_read_only_option(qtbot: QtBot, mini_file: InspectionFile, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    _app, main, reporter = app_module.launch(["--read-only", str(mini_file.path)], settings=settings, log_dir=tmp_path)
    qtbot.addWidget(main)
    try:
        qtbot.waitUntil(lambda: main.session is not None)
        assert main.session is not None and main.session.read_only
        assert main.windowTitle().endswith("[read-only] — HMIP Desktop")
        assert not Path(str(mini_file.path) + ".lock").exists()
    finally:
        reporter.uninstall()
        main.close()


TOKENS = [
    "ann.hmip",
    "b c.hmip",
    "",
    "x-y",
    "--read-only",
    "--self-test",
    "--read",
    "-platform",
    "offscreen",
    "-",
    "--",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=4))
def test_the_command_line_reads_as_argparse_reads_it(argv: list[str]) -> None:
    assert vars(app_module.parse_args(argv)) == vars(app_module.argparse_args(argv))


def test_the_usual_command_lines_are_read_without_argparse(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse's first use looks its texts up for translation (~3 ms of a start)."""

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("argparse was used")

    monkeypatch.setattr(app_module.argparse, "ArgumentParser", refused)
    for argv in ([], ["ann.hmip"], ["--read-only", "ann.hmip"], ["ann.hmip", "--self-test"]):
        app_module.parse_args(argv)


@pytest.mark.parametrize("named", ["a file", "no file", "a missing file"])
def test_the_cycle_collector_waits_for_the_first_screen_and_is_on_again_after_it(
    qtbot: QtBot, mini_file: InspectionFile, tmp_path: Path, named: str
) -> None:
    """Off while the app starts (app.launch), on again once the first screen is up, whatever it is; what
    starting made is frozen meanwhile and handed back to it shortly after."""
    argv = {"a file": [str(mini_file.path)], "no file": [], "a missing file": [str(tmp_path / "nowhere.hmip")]}[named]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert gc.isenabled()
    _app, main, reporter = app_module.launch(argv, settings=settings, log_dir=tmp_path / "logs")
    qtbot.addWidget(main)
    try:
        assert not gc.isenabled()
        qtbot.waitUntil(gc.isenabled)
        if named == "a file":
            assert main.session is not None  # the file was open before the collector came back
        qtbot.waitUntil(lambda: gc.get_freeze_count() == 0)
    finally:
        reporter.uninstall()
        main.close()
        gc.enable()  # whatever went wrong, the rest of the tests collect
        gc.unfreeze()


def test_a_missing_file_on_the_command_line_leaves_the_start_page(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    _app, main, reporter = app_module.launch([str(tmp_path / "nowhere.hmip")], settings=settings, log_dir=tmp_path)
    qtbot.addWidget(main)
    try:
        qtbot.waitUntil(lambda: main.pages.currentWidget() is main.start_page)
        box = main.findChild(QMessageBox, "userError")
        assert box is not None and "does not exist" in box.text()
    finally:
        reporter.uninstall()
        main.close()
