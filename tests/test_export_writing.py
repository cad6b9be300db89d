"""Writing the research exports: each write has its own temporary file, and nothing half-written is left.

Two exports to one target (two windows, a script run twice) once shared one temporary name
(``.NAME.writing``): one moved the other's half-written workbook into place or found its temporary
file gone, and a workbook write stopped by anything but a disk error left its temporary file behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from openpyxl import Workbook, load_workbook

from hmip_desktop.exports import tables as tables_module
from hmip_desktop.exports.tables import Table, write_csv, write_sqlite, write_xlsx
from hmip_desktop.model.errors import UserError

TABLES = [
    Table("cases", ["case_ref", "status"], [[f"KT-{n:03d}", "complete"] for n in range(300)]),
    Table("questions", ["question_id", "text"], [["cd.gender", "Gender"]]),
]
#: How long a test waits for the other write to reach the same point (a hang is a failure, not a wait).
MEET_SECONDS = 20


def leftovers(folder: Path) -> list[str]:
    """Anything in `folder` that is not a finished export: temporary files, journals."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def run_together(writes: list[Callable[[], object]]) -> list[object]:
    """Run each write on its own thread; what each returned or raised."""
    outcomes: list[object] = [None] * len(writes)

    def run(n: int) -> None:
        try:
            outcomes[n] = writes[n]()
        except BaseException as exc:  # the test looks at what each write ended in
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(writes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=4 * MEET_SECONDS)
        assert not thread.is_alive()
    return outcomes


def meeting_before(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, parties: int, *, after: bool = False
) -> threading.Barrier:
    """Make `owner.name` wait for the other writes at the same point (before the call, or after it)."""
    barrier = threading.Barrier(parties, timeout=MEET_SECONDS)
    original = getattr(owner, name)

    def meet(*args: Any, **kwargs: Any) -> Any:
        if not after:
            barrier.wait()
        result = original(*args, **kwargs)
        if after:
            barrier.wait()
        return result

    monkeypatch.setattr(owner, name, meet)
    return barrier


def test_two_workbooks_written_to_one_name_at_once_end_in_one_whole_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "export.xlsx"
    # Both save at the same moment, then both move their file into place.
    meeting_before(monkeypatch, Workbook, "save", 2)
    outcomes = run_together([lambda: write_xlsx(TABLES, target), lambda: write_xlsx(TABLES, target)])
    assert outcomes == [target, target]
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == ["cases", "questions"]
    assert len(list(workbook["cases"].iter_rows())) == 301
    workbook.close()
    assert leftovers(tmp_path) == []


def test_two_databases_written_to_one_name_at_once_one_is_written_the_other_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "analysis.db"
    # Both have passed the "is the name free" check and write their tables at the same moment.
    meeting_before(monkeypatch, sqlite_utils.db.Table, "insert_all", 2)
    outcomes = run_together([lambda: write_sqlite(TABLES, target), lambda: write_sqlite(TABLES, target)])
    assert sorted(type(o).__name__ for o in outcomes) == ["PosixPath", "UserError"], outcomes
    refusal = next(o for o in outcomes if isinstance(o, UserError))
    assert "already exists" in str(refusal) and "was not replaced" in str(refusal)
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 300  # whole, and only once
    assert conn.execute("SELECT count(*) FROM questions").fetchone()[0] == 1
    conn.close()
    assert leftovers(tmp_path) == []


def test_a_database_that_appears_while_the_export_is_written_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is taken after the checks but before the finished file is moved: the other file stays."""
    target = tmp_path / "analysis.db"
    original = sqlite_utils.Database.close

    def close_and_someone_saves(self: sqlite_utils.Database) -> None:
        original(self)
        if not target.exists():
            target.write_bytes(b"someone's own database")

    monkeypatch.setattr(sqlite_utils.Database, "close", close_and_someone_saves)
    with pytest.raises(UserError, match="already exists"):
        write_sqlite(TABLES, target)
    assert target.read_bytes() == b"someone's own database"
    assert leftovers(tmp_path) == []


class Stop(BaseException):
    """Not an Exception: as Ctrl+C or a closing worker would stop a write."""


def stop_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """`owner.name` does its work (a part of the file is on disk), then the write is stopped."""
    original = getattr(owner, name)

    def then_stop(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        raise Stop

    monkeypatch.setattr(owner, name, then_stop)


@pytest.mark.parametrize("error", [Stop, RuntimeError, OSError])
def test_a_workbook_write_stopped_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    target = tmp_path / "export.xlsx"
    target.write_bytes(b"last week's export")
    original = Workbook.save

    def save_then_fail(self: Workbook, filename: str) -> None:
        original(self, filename)
        assert Path(filename).stat().st_size > 0  # the whole workbook is on disk under its temporary name
        raise error("stopped")

    monkeypatch.setattr(Workbook, "save", save_then_fail)
    with pytest.raises(UserError if error is OSError else error):
        write_xlsx(TABLES, target)
    assert target.read_bytes() == b"last week's export"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [Stop, RuntimeError, sqlite3.OperationalError])
def test_a_database_write_stopped_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    original = sqlite_utils.db.Table.insert_all

    def insert_then_fail(self: sqlite_utils.db.Table, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)
        raise error("stopped")

    monkeypatch.setattr(sqlite_utils.db.Table, "insert_all", insert_then_fail)
    with pytest.raises(UserError if error is sqlite3.OperationalError else error):
        write_sqlite(TABLES, tmp_path / "analysis.db")
    assert not (tmp_path / "analysis.db").exists()
    assert leftovers(tmp_path) == []


def test_a_csv_write_stopped_half_way_leaves_the_old_file_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text("last week's cases")
    stop_after(monkeypatch, tables_module, "_csv_rows")
    with pytest.raises(Stop):
        write_csv(TABLES, folder)
    assert (folder / "cases.csv").read_text() == "last week's cases"
    assert leftovers(folder) == []
