"""The app opens a file before the checks that read it whole, and runs them at once after, before any write.

`InspectionFile.open(check_later=True)` still refuses another program's database
or an unknown schema at once; only SQLite's page check (quick_check, ~10 ms a
7 MB file) and the check that every answer value reads wait, for
`finish_checks`: the window runs them as soon as the case list is on screen (or
at once if the list meets a damaged value), and the store runs them before the
first write if they have not run yet. A file that fails is closed again with one
plain message, unchanged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.model.errors import FileNotInspection
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui import main_window
from hmip_desktop.ui.case_list_model import PROGRESS
from hmip_desktop.ui.errors import ExceptionReporter
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


@pytest.fixture
def ann(tmp_path: Path, mini_instrument: Instrument) -> Path:
    (tmp_path / "files").mkdir()
    path = tmp_path / "files" / "ann.hmip"  # alone in its folder (the window's settings live in tmp_path)
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as inspection:
        inspection.set_answer("KT-001", "cd.gender", "female", create_case=True)
        inspection.set_finding("summary.public", "Public protection was sound.")
    return path


def damage_findings_page(path: Path) -> None:
    """Break the header of the findings table's page, as a bad sector would: nothing opening reads."""
    conn = sqlite3.connect(path)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'findings'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size : (root - 1) * size + 12] = b"\x0d\xff\xff" + b"\x00" * 9
    path.write_bytes(bytes(data))


def damage_answer_value(path: Path) -> None:
    """Make one answer's value invalid UTF-8, as a flipped bit would (nothing opening reads it)."""
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET value = CAST(X'66FF6D616C65' AS TEXT) WHERE value = 'female'")
    conn.commit()
    conn.close()


def messages(window: MainWindow) -> list[str]:
    return [box.text() for box in window.findChildren(QMessageBox, "userError") if box.isVisible()]


def test_a_file_whose_pages_are_checked_later_is_checked_before_any_write(ann: Path) -> None:
    damage_findings_page(ann)
    with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
        InspectionFile.open(ann)  # checked at once, as the command line opens files
    before = ann.read_bytes()
    with InspectionFile.open(ann, check_later=True) as inspection:
        assert inspection.checks_pending
        assert [case.case_ref for case in inspection.list_cases()] == ["KT-001"]
        with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
            inspection.set_answer("KT-001", "cd.gender", "male")
        with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
            inspection.finish_checks()
        assert inspection.checks_pending
    assert ann.read_bytes() == before


def test_a_sound_file_is_checked_once_and_written_as_usual(ann: Path) -> None:
    with InspectionFile.open(ann, check_later=True) as inspection:
        assert inspection.checks_pending
        inspection.set_answer("KT-001", "cd.gender", "male")  # the check runs first, and passes
        assert not inspection.checks_pending
        inspection.finish_checks()  # nothing left to do
    with InspectionFile.open(ann) as inspection:
        assert inspection.answer(inspection.get_case("KT-001").uuid, "cd.gender").value == "male"


def test_an_older_file_is_never_upgraded_before_its_pages_are_checked(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmip_desktop.model.file import migrations

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        InspectionFile.create(
            tmp_path / "old.hmip",
            inspection_id="KENT-2014",
            area="Kent",
            assessor="Olga Old",
            instrument=mini_instrument,
        ).close()
    damage_findings_page(tmp_path / "old.hmip")
    before = (tmp_path / "old.hmip").read_bytes()
    with pytest.raises(FileNotInspection, match=r"old\.hmip is damaged \("):
        InspectionFile.open(tmp_path / "old.hmip", check_later=True)  # an upgrade writes: checked first
    assert (tmp_path / "old.hmip").read_bytes() == before


@pytest.mark.parametrize("read_only", [False, True], ids=["for editing", "read-only"])
def test_the_app_shows_the_file_then_closes_it_again_when_its_pages_are_damaged(
    qtbot: QtBot, window: MainWindow, ann: Path, read_only: bool
) -> None:
    damage_findings_page(ann)
    before = ann.read_bytes()
    assert window.open_file(ann, read_only=read_only)  # on screen first...
    assert window.session is not None and window.session.inspection.checks_pending

    qtbot.waitUntil(lambda: bool(messages(window)))  # ...then checked, at once
    assert messages(window)[0].startswith("ann.hmip is damaged (")
    assert window.session is None and window.pages.currentWidget() is window.start_page
    assert sorted(p.name for p in ann.parent.iterdir()) == ["ann.hmip"]  # no edit lock left behind
    assert ann.read_bytes() == before


def test_the_app_checks_a_sound_file_as_soon_as_it_is_on_screen(qtbot: QtBot, window: MainWindow, ann: Path) -> None:
    assert window.open_file(ann)
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: not session.inspection.checks_pending)
    assert window.session is session


def test_an_answer_value_that_does_not_read_is_found_by_the_checks_left_and_before_any_write(ann: Path) -> None:
    damage_answer_value(ann)
    before = ann.read_bytes()
    with InspectionFile.open(ann, check_later=True) as inspection:
        assert [case.case_ref for case in inspection.list_cases()] == ["KT-001"]
        with pytest.raises(FileNotInspection, match=r"answers table is not valid UTF-8"):
            inspection.set_finding("summary.public", "A write that reads no answer.")
        with pytest.raises(FileNotInspection, match=r"answers table is not valid UTF-8"):
            inspection.finish_checks()
        assert inspection.checks_pending
    assert ann.read_bytes() == before


@pytest.mark.parametrize("sorted_by_progress", [False, True], ids=["painting a row", "sorting by progress"])
def test_the_list_meeting_a_value_that_does_not_read_has_the_file_checked_and_closed_at_once(
    qtbot: QtBot, window: MainWindow, ann: Path, monkeypatch: pytest.MonkeyPatch, sorted_by_progress: bool
) -> None:
    """The value is met as the list paints its row, or sorts every row by progress (the order it was
    left in): the list asks for the checks then (the window's own timer is put off past the test here),
    and the file is closed with one plain message; no bug report, nothing raised in a paint."""
    if sorted_by_progress:
        assert window.open_file(ann)
        assert window.workspace is not None
        window.workspace.cases.table.sortByColumn(PROGRESS, Qt.SortOrder.AscendingOrder)
        window.close_file()  # the list's order is kept
    monkeypatch.setattr(main_window, "CHECK_LATER_MS", 600_000)
    damage_answer_value(ann)
    before = ann.read_bytes()
    reporter = ExceptionReporter(lambda: window)
    reporter.install()
    try:
        assert window.open_file(ann)  # on screen first...
        qtbot.waitUntil(lambda: bool(messages(window)))  # ...then closed, at once
        assert len(messages(window)) == 1 and "answers table is not valid UTF-8" in messages(window)[0]
        assert window.session is None and window.pages.currentWidget() is window.start_page
        assert reporter.dialog is None
    finally:
        reporter.uninstall()
    assert ann.read_bytes() == before
