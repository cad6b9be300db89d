"""The app opens a file before SQLite has checked its pages, and checks them at once after, before any write.

`InspectionFile.open(check_pages_later=True)` still refuses another program's
database or an unknown schema at once; only the page check (quick_check, ~10 ms
a 7 MB file) waits, for `check_pages`: the window runs it as soon as the case
list is on screen, and the store runs it before the first write if it has not
run yet. A file that fails it is closed again with a plain message, unchanged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.model.errors import FileNotInspection
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
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


def test_a_file_whose_pages_are_checked_later_is_checked_before_any_write(ann: Path) -> None:
    damage_findings_page(ann)
    with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
        InspectionFile.open(ann)  # checked at once, as the command line opens files
    before = ann.read_bytes()
    with InspectionFile.open(ann, check_pages_later=True) as inspection:
        assert inspection.pages_unchecked
        assert [case.case_ref for case in inspection.list_cases()] == ["KT-001"]
        with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
            inspection.set_answer("KT-001", "cd.gender", "male")
        with pytest.raises(FileNotInspection, match=r"ann\.hmip is damaged \("):
            inspection.check_pages()
        assert inspection.pages_unchecked
    assert ann.read_bytes() == before


def test_a_sound_file_is_checked_once_and_written_as_usual(ann: Path) -> None:
    with InspectionFile.open(ann, check_pages_later=True) as inspection:
        assert inspection.pages_unchecked
        inspection.set_answer("KT-001", "cd.gender", "male")  # the check runs first, and passes
        assert not inspection.pages_unchecked
        inspection.check_pages()  # nothing left to do
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
        InspectionFile.open(tmp_path / "old.hmip", check_pages_later=True)  # an upgrade writes: checked first
    assert (tmp_path / "old.hmip").read_bytes() == before


@pytest.mark.parametrize("read_only", [False, True], ids=["for editing", "read-only"])
def test_the_app_shows_the_file_then_closes_it_again_when_its_pages_are_damaged(
    qtbot: QtBot, window: MainWindow, ann: Path, read_only: bool
) -> None:
    damage_findings_page(ann)
    before = ann.read_bytes()
    assert window.open_file(ann, read_only=read_only)  # on screen first...
    assert window.session is not None and window.session.inspection.pages_unchecked

    def messages() -> list[str]:
        return [box.text() for box in window.findChildren(QMessageBox, "userError") if box.isVisible()]

    qtbot.waitUntil(lambda: bool(messages()))  # ...then checked, at once
    assert messages()[0].startswith("ann.hmip is damaged (")
    assert window.session is None and window.pages.currentWidget() is window.start_page
    assert sorted(p.name for p in ann.parent.iterdir()) == ["ann.hmip"]  # no edit lock left behind
    assert ann.read_bytes() == before


def test_the_app_checks_a_sound_file_as_soon_as_it_is_on_screen(qtbot: QtBot, window: MainWindow, ann: Path) -> None:
    assert window.open_file(ann)
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: not session.inspection.pages_unchecked)
    assert window.session is session
