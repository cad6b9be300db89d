"""The analysis export: one plain SQLite database built with sqlite-utils."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.exports.tables import Table, export_tables, write_sqlite
from hmip_desktop.model.file.store import InspectionFile


@pytest.fixture
def answered(mini_file: InspectionFile) -> InspectionFile:
    mini_file.set_answer("KT-001", "cd.gender", "female", '=HYPERLINK("x")', create_case=True)
    mini_file.set_answer("KT-001", "cd.report", "written")
    mini_file.set_answer("KT-001", "s.quality", "no")
    mini_file.set_answer("KT-002", "cd.gender", "male", create_case=True)
    return mini_file


def test_every_export_table_becomes_a_table_with_typed_columns(answered: InspectionFile, tmp_path: Path) -> None:
    tables = export_tables(answered, include_incomplete=True)
    target = write_sqlite(tables, tmp_path / "analysis.db")
    conn = sqlite3.connect(target)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {table.name for table in tables}
    for table in tables:
        assert conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0] == len(table.rows)
    notes = [row[0] for row in conn.execute("SELECT note FROM answers WHERE note != ''")]
    assert notes == ['=HYPERLINK("x")']  # a database runs no formulas: kept as written
    types = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(scores)")}
    assert types["applicable"] == "INTEGER"
    assert not list(tmp_path.glob(".*writing"))


def test_refuses_an_inspection_file_name(answered: InspectionFile, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="extension"):
        write_sqlite(export_tables(answered), tmp_path / "lead.hmip")
    assert not (tmp_path / "lead.hmip").exists()


def test_cli_export_sqlite(answered: InspectionFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = answered.path
    answered.close()
    assert main(["export", str(path), "--sqlite", str(tmp_path / "out.db"), "--include-incomplete"]) == 0
    assert "tables" in capsys.readouterr().out and (tmp_path / "out.db").exists()
    assert main(["export", str(path)]) == EXIT_BAD_INPUT


def test_an_empty_table_is_still_a_table_with_its_columns(tmp_path: Path) -> None:
    """As in the CSV files and the workbook: no rows still says what the table would hold."""
    target = write_sqlite(
        [Table("agreement_pairs", ["case_ref", "question_id", "first", "second"], [])], tmp_path / "a.db"
    )
    conn = sqlite3.connect(target)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(agreement_pairs)")]
    assert columns == ["case_ref", "question_id", "first", "second"]
    assert conn.execute("SELECT count(*) FROM agreement_pairs").fetchone()[0] == 0
