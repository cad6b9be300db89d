"""Incoming files that must be refused: one message naming the file, MASTER byte for byte unchanged."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from merge_support import FULL_CASE, add_case, content, new_file, sha256, team_file

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file import migrations
from hmip_desktop.model.file.migrations import SCHEMA_VERSION
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.files import merge_files

FIXTURES = Path(__file__).parent / "fixtures" / "instruments"


@pytest.fixture
def master(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    """A lead file that already holds one merged case, so a stray write would show."""
    first = team_file(tmp_path, "first.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    lead = new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead")
    assert merge_files(lead, [first]).merged
    yield lead
    lead.close()


@pytest.fixture
def good_file(tmp_path: Path, mini_instrument: Instrument) -> Path:
    return team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-002": None})


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def not_sqlite(folder: Path, good: Path, _instrument: Instrument) -> Path:
    path = folder / "notes.hmip"
    path.write_bytes(b"case notes, not a database\n" * 50)
    return path


def zero_bytes(folder: Path, good: Path, _instrument: Instrument) -> Path:
    path = folder / "empty.hmip"
    path.write_bytes(b"")
    return path


def truncated(folder: Path, good: Path, _instrument: Instrument) -> Path:
    path = folder / "cut.hmip"
    path.write_bytes(good.read_bytes()[: 3 * 4096])
    return path


def other_application(folder: Path, good: Path, _instrument: Instrument) -> Path:
    path = folder / "photos.hmip"
    _sql(path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO photos (name) VALUES ('x')")
    return path


def other_inspection(folder: Path, good: Path, instrument: Instrument) -> Path:
    return team_file(folder, "surrey.hmip", "Sue Brown", instrument, {"SY-001": None}, inspection="SURREY-2014")


def other_instrument_version(folder: Path, good: Path, instrument: Instrument) -> Path:
    data = json.loads((FIXTURES / "mini-test.json").read_text(encoding="utf-8"))
    data["version"] = "0.2"
    extra = folder / "instruments"
    extra.mkdir()
    (extra / "mini-test-0.2.json").write_text(json.dumps(data), encoding="utf-8")
    old_path = os.environ["HMIP_INSTRUMENT_PATH"]
    os.environ["HMIP_INSTRUMENT_PATH"] = os.pathsep.join([old_path, str(extra)])
    try:
        from hmip_desktop.model.instrument.definition import available_instruments

        newer = next(i for i in available_instruments() if i.id == "mini-test" and i.version == "0.2")
        return team_file(folder, "v02.hmip", "Vic Two", newer, {"KT-009": None})
    finally:
        os.environ["HMIP_INSTRUMENT_PATH"] = old_path


def newer_schema(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    return good


def with_trigger(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, "CREATE TRIGGER wipe AFTER INSERT ON answers BEGIN DELETE FROM audit; END")
    return good


def with_view(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, "CREATE VIEW everything AS SELECT * FROM answers")
    return good


def forged_value(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, "UPDATE answers SET value = 'maybe' WHERE question_id = 'p.plan'")
    return good


def note_not_utf8(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, "UPDATE answers SET note = CAST(X'4A6F6EC328' AS TEXT) WHERE question_id = 'p.plan'")  # "Jon" + bad
    return good


def audit_text_not_utf8(folder: Path, good: Path, _instrument: Instrument) -> Path:
    _sql(good, "UPDATE audit SET detail = CAST(X'FF61' AS TEXT) WHERE seq = 2")
    return good


def lead_file_itself(folder: Path, good: Path, _instrument: Instrument) -> Path:
    copy = folder / "lead-copy.hmip"
    copy.write_bytes((folder / "lead.hmip").read_bytes())
    return copy


BadFile = Callable[[Path, Path, Instrument], Path]

REFUSALS: list[tuple[BadFile, str]] = [
    (not_sqlite, r"notes\.hmip is not an HMIP inspection file \(not an SQLite database\)"),
    (zero_bytes, r"empty\.hmip is empty \(0 bytes\)"),
    (truncated, r"cut\.hmip is truncated"),
    (other_application, r"photos\.hmip is an SQLite database of another application"),
    (other_inspection, r"surrey\.hmip belongs to inspection SURREY-2014, not KENT-2014"),
    (other_instrument_version, r"v02\.hmip was made with the instrument mini-test v0\.2 .* uses mini-test v0\.1"),
    (newer_schema, rf"bob\.hmip was written by a newer HMIP Desktop \(file schema {SCHEMA_VERSION + 1}"),
    (with_trigger, r"bob\.hmip carries trigger wipe, which HMIP Desktop never creates"),
    (with_view, r"bob\.hmip carries view everything, which HMIP Desktop never creates"),
    (forged_value, r"bob\.hmip holds 1 value HMIP Desktop would never write"),
    (lead_file_itself, r"lead-copy\.hmip is the lead's file itself"),
    # The text itself is never quoted: a note may hold a name.
    (note_not_utf8, r"^bob\.hmip is damaged \(a text value is not valid UTF-8\); ask for a fresh copy$"),
    (audit_text_not_utf8, r"^bob\.hmip is damaged \(a text value is not valid UTF-8\); ask for a fresh copy$"),
]


@pytest.mark.parametrize(("make_bad", "message"), REFUSALS, ids=[f.__name__ for f, _m in REFUSALS])
def test_refused_file_leaves_master_byte_for_byte_unchanged(
    master: InspectionFile,
    good_file: Path,
    tmp_path: Path,
    mini_instrument: Instrument,
    make_bad: BadFile,
    message: str,
) -> None:
    bad = make_bad(tmp_path, good_file, mini_instrument)
    bad_before = bad.read_bytes()
    master_before = sha256(master.path)
    backups_before = sorted((tmp_path / "backups").iterdir())

    summary = merge_files(master, [bad])

    [result] = summary.files
    assert result.status == "refused"
    assert result.name == bad.name
    assert re.search(message, result.reason), result.reason
    assert sha256(master.path) == master_before
    assert sorted((tmp_path / "backups").iterdir()) == backups_before  # no write, so no backup either
    assert summary.backup is None
    assert bad.read_bytes() == bad_before  # the incoming file is never written either


def test_one_refused_file_does_not_stop_the_others(
    master: InspectionFile, good_file: Path, tmp_path: Path, mini_instrument: Instrument
) -> None:
    bad = not_sqlite(tmp_path, good_file, mini_instrument)
    summary = merge_files(master, [bad, good_file])
    assert [f.status for f in summary.files] == ["refused", "merged"]
    assert set(content(master)) == {"KT-001", "KT-002"}


def test_trigger_in_an_incoming_file_never_runs(
    master: InspectionFile, good_file: Path, tmp_path: Path, mini_instrument: Instrument
) -> None:
    _sql(
        good_file,
        "CREATE TABLE ran (x)",
        "CREATE TRIGGER mark AFTER UPDATE ON meta BEGIN INSERT INTO ran VALUES (1); END",
    )
    merge_files(master, [good_file])
    conn = sqlite3.connect(good_file)
    assert conn.execute("SELECT count(*) FROM ran").fetchone()[0] == 0
    conn.close()


def test_a_journal_that_is_not_hot_beside_the_file_changes_nothing(master: InspectionFile, good_file: Path) -> None:
    """SQLite ignores a journal whose header was zeroed (a finished save); so does the merge, and says nothing.

    A hot journal is rolled back in the private copy (tests/test_merge_faults.py)."""
    good_file.with_name(good_file.name + "-journal").write_bytes(b"\x00" * 512)
    [result] = merge_files(master, [good_file]).files
    assert (result.status, result.cases_added, result.warnings) == ("merged", 1, [])


def test_older_schema_is_migrated_in_a_copy_and_merged(
    master: InspectionFile, tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        with new_file(tmp_path, "old.hmip", "Olga Old", mini_instrument) as old:
            add_case(old, "KT-003", FULL_CASE, complete=True)
            assert old.schema_version() == 1
    before = (tmp_path / "old.hmip").read_bytes()
    [result] = merge_files(master, [tmp_path / "old.hmip"]).files
    assert result.status == "merged" and result.cases_added == 1
    assert any("older file format (schema 1)" in w for w in result.warnings)
    assert (tmp_path / "old.hmip").read_bytes() == before  # migrated only in the temporary copy
    assert content(master)["KT-003"][3]["p.plan"] == ("sufficient", "")


def test_master_that_is_not_a_lead_file_is_refused(
    good_file: Path, tmp_path: Path, mini_instrument: Instrument
) -> None:
    with new_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument) as not_lead:
        before = sha256(not_lead.path)
        with pytest.raises(UserError, match="Ann Smith's inspector file; merge into a lead file"):
            merge_files(not_lead, [good_file])
        assert sha256(not_lead.path) == before


def test_broken_audit_chain_is_a_warning_naming_the_entry(master: InspectionFile, good_file: Path) -> None:
    conn = sqlite3.connect(good_file)
    seq = conn.execute("SELECT min(seq) FROM audit WHERE action = 'answer'").fetchone()[0]
    conn.execute("UPDATE audit SET new_value = 'female' WHERE seq = ?", (seq,))
    conn.commit()
    conn.close()
    [result] = merge_files(master, [good_file]).files
    assert result.status == "merged"
    assert any(f"bob.hmip: the audit log is broken at entry #{seq}" in w for w in result.warnings), result.warnings
    ledger = master.conn.execute("SELECT warning FROM imports WHERE file_name = 'bob.hmip'").fetchone()[0]
    assert f"#{seq}" in ledger
