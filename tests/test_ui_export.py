""" "Export for lead…": passphrase twice, where to save, a package written off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case, answer_fresh_case, click_option, form_of, row, shown_whole

from hmip_desktop.model.file.package import ScryptParams, open_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui.errors import LogFile, setup_logging
from hmip_desktop.ui.export_package import PackageExport, PassphraseDialog
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT
PASSPHRASE = "kent autumn lighthouse"
WORKER_TIMEOUT = 30_000


@pytest.fixture(autouse=True)
def cheap_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default scrypt cost takes 128 MiB and a third of a second; the format is the same."""
    monkeypatch.setattr(PackageExport, "kdf", ScryptParams(n=2**10, r=8, p=1))


@pytest.fixture
def save_as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Answers the save dialog with tmp_path/out/<what it proposed>; records each proposal."""
    proposals: list[str] = []
    (tmp_path / "out").mkdir()

    def answer(_parent: object, _caption: str, proposed: str, _filter: str) -> tuple[str, str]:
        proposals.append(proposed)
        return str(tmp_path / "out" / Path(proposed).stem), ""  # typed without the suffix

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return proposals


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's log for this test only."""
    path = setup_logging(tmp_path / "logs")
    root = logging.getLogger("hmip_desktop")
    ours = [h for h in root.handlers if isinstance(h, LogFile) and Path(h.baseFilename) == path]
    yield path
    for handler in ours:
        root.removeHandler(handler)
        handler.close()


def open_dialog(window: MainWindow) -> PassphraseDialog:
    assert window.export_action.isEnabled()
    window.export_action.trigger()
    dialog = window.findChild(PassphraseDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.passphrase.echoMode() == dialog.repeat.echoMode() == dialog.passphrase.EchoMode.Password
    return dialog


def type_passphrases(qtbot: QtBot, dialog: PassphraseDialog, first: str, second: str) -> None:
    dialog.passphrase.clear()
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.passphrase, first)
    qtbot.keyClicks(dialog.repeat, second)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_export_waits_for_a_file(window: MainWindow) -> None:
    assert not window.export_action.isEnabled()
    assert window.ask_export() is None


def test_the_package_holds_every_answer_and_the_note_being_typed(
    qtbot: QtBot, opened: MainWindow, save_as: list[str], tmp_path: Path, log_file: Path
) -> None:
    path = opened.session.path
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 1)
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "From the OASys summary")  # still waiting for its autosave pause

    dialog = open_dialog(opened)
    exporter = opened.package_export
    assert exporter is not None
    with qtbot.waitSignal(exporter.written, timeout=WORKER_TIMEOUT) as written:
        type_passphrases(qtbot, dialog, PASSPHRASE, PASSPHRASE)
        # Off the GUI thread, with a busy indicator, and not startable twice meanwhile.
        assert exporter.running and exporter.busy is not None and exporter.busy.isVisible()
        assert opened.ask_export() is None
    qtbot.waitUntil(lambda: not exporter.running)
    assert exporter.busy is None

    assert save_as == [str(path.with_name("ann.hmipx"))]  # <file stem>.hmipx beside the file
    target = tmp_path / "out" / "ann.hmipx"
    assert written.args[0].path == target and target.exists()
    box = opened.findChild(QMessageBox, "packageWritten")
    assert box is not None and "ann.hmipx" in box.text()
    assert "passphrase separately" in box.text() and "same email" in box.text()

    unpacked = open_package(target, PASSPHRASE, tmp_path / "out")
    with InspectionFile.open(unpacked, read_only=True) as inspection:
        case = inspection.get_case("KT-0001")
        answer = inspection.answers_for(case.uuid)["cd.gender"]
    assert (answer.value, answer.note) == ("female", "From the OASys summary")

    # The passphrase is kept nowhere: not in the dialog, the settings or the log.
    assert dialog.take_passphrase() == ""
    assert all(PASSPHRASE not in str(opened.settings.value(key)) for key in opened.settings.allKeys())
    opened.settings.sync()
    settings_file = Path(opened.settings.fileName())  # none yet if nothing was set (the recent files wait 50 ms)
    assert not settings_file.exists() or PASSPHRASE not in settings_file.read_text(encoding="utf-8")
    for handler in logging.getLogger("hmip_desktop").handlers:
        handler.flush()
    assert PASSPHRASE not in log_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("short", "short", "at least 8 characters"),
        (PASSPHRASE, PASSPHRASE + "!", "differ"),
        ("        x ", "        x ", "at least 8 characters"),  # spaces do not count
    ],
)
def test_a_short_or_mismatched_passphrase_is_refused_in_the_dialog(
    qtbot: QtBot, opened: MainWindow, save_as: list[str], tmp_path: Path, first: str, second: str, message: str
) -> None:
    dialog = open_dialog(opened)
    type_passphrases(qtbot, dialog, first, second)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert message in dialog.error.text()
    qtbot.waitUntil(lambda: shown_whole(dialog.error))  # the dialog grows to show all of it
    assert dialog.repeat.text() == ""  # typed again, so a typo is not repeated
    assert save_as == [] and list((tmp_path / "out").iterdir()) == []
    assert not (opened.package_export and opened.package_export.running)

    # Put right, it goes ahead.
    exporter = opened.package_export
    assert exporter is not None
    with qtbot.waitSignal(exporter.written, timeout=WORKER_TIMEOUT):
        type_passphrases(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    assert (tmp_path / "out" / "ann.hmipx").exists()


def test_cancelling_writes_nothing(qtbot: QtBot, opened: MainWindow, save_as: list[str], tmp_path: Path) -> None:
    dialog = open_dialog(opened)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert save_as == [] and list((tmp_path / "out").iterdir()) == []


def test_a_package_that_cannot_be_written_gets_a_plain_message(
    qtbot: QtBot, opened: MainWindow, save_as: list[str], tmp_path: Path
) -> None:
    occupied = tmp_path / "out" / "ann.hmipx"
    occupied.write_text("the team's spreadsheet, saved under the wrong name")
    dialog = open_dialog(opened)
    exporter = opened.package_export
    assert exporter is not None
    with qtbot.waitSignal(exporter.done, timeout=WORKER_TIMEOUT):
        type_passphrases(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    box = opened.findChild(QMessageBox, "userError")
    assert box is not None and "is not a package" in box.text()
    assert PASSPHRASE not in box.text()
    assert occupied.read_text() == "the team's spreadsheet, saved under the wrong name"
    assert opened.findChild(QMessageBox, "packageWritten") is None


class FolderOpener(QObject):
    """Stands in for the system's file manager: records the folders it is asked to show."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def show(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def file_manager() -> Iterator[FolderOpener]:
    opener = FolderOpener()
    QDesktopServices.setUrlHandler("file", opener, "show")
    yield opener
    QDesktopServices.unsetUrlHandler("file")


def test_draft_cases_are_named_before_exporting(qtbot: QtBot, opened: MainWindow, save_as: list[str]) -> None:
    for ref in ("KT-0001", "KT-0002", "KT-0003"):
        add_case(opened, ref)
    form = form_of(opened)
    answer_fresh_case(qtbot, opened)
    assert form.mark_complete()  # KT-0003 complete, two drafts left
    dialog = open_dialog(opened)
    assert dialog.drafts.isVisible()
    assert dialog.drafts.text().startswith("2 of 3 cases are drafts (not marked complete): KT-0001, KT-0002.")
    assert "count complete cases only" in dialog.drafts.text()
    # A warning, not a refusal: the export goes ahead if wanted.
    exporter = opened.package_export
    assert exporter is not None
    with qtbot.waitSignal(exporter.written, timeout=WORKER_TIMEOUT):
        type_passphrases(qtbot, dialog, PASSPHRASE, PASSPHRASE)


def test_no_warning_when_every_case_is_complete(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    answer_fresh_case(qtbot, opened)
    assert form_of(opened).mark_complete()
    dialog = open_dialog(opened)
    assert not dialog.drafts.isVisible() and dialog.drafts.text() == ""
    dialog.reject()


def test_the_written_message_offers_to_show_the_package_in_its_folder(
    qtbot: QtBot, opened: MainWindow, save_as: list[str], tmp_path: Path, file_manager: FolderOpener
) -> None:
    dialog = open_dialog(opened)
    exporter = opened.package_export
    assert exporter is not None
    with qtbot.waitSignal(exporter.written, timeout=WORKER_TIMEOUT):
        type_passphrases(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    box = opened.findChild(QMessageBox, "packageWritten")
    assert box is not None
    show = box.findChild(QPushButton, "showInFolder")
    assert show is not None and show.text() == "Show in folder"
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert file_manager.opened == [str(tmp_path / "out")]
