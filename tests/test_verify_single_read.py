"""`hmip verify` reads each table once and a save skips re-checking what it sealed itself, without
missing anything: a value SQLite cannot read in a case table, a seal computed the way files were
always sealed, and an edit made through another connection between two saves."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from merge_support import FULL_CASE, add_case, new_file

from hmip_desktop.model.file.audit import OUTSIDE_EDIT
from hmip_desktop.model.file.seal import SEAL_VERSION, all_seals
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file
from hmip_desktop.model.instrument.definition import Instrument


def sound_file(folder: Path, instrument: Instrument) -> Path:
    with new_file(folder, "ann.hmip", "Ann Smith", instrument) as inspection:
        add_case(inspection, "KT-001", FULL_CASE, complete=True, notes={"cd.gender": "seen in the file"})
        add_case(inspection, "KT-002", {"cd.gender": "female"})
    return folder / "ann.hmip"


@pytest.mark.parametrize(
    ("table", "update"),
    [
        ("answers", "UPDATE answers SET note = CAST(x'C328' AS TEXT) WHERE question_id = 'cd.gender'"),
        # The log is read once, by the chain check: its damage is still the integrity check's finding.
        ("audit", "UPDATE audit SET detail = CAST(x'C328' AS TEXT) WHERE seq = 3"),
    ],
)
def test_a_value_that_cannot_be_read_in_a_table_the_checks_read_fails_the_integrity_check(
    tmp_path: Path, mini_instrument: Instrument, table: str, update: str
) -> None:
    path = sound_file(tmp_path, mini_instrument)
    conn = sqlite3.connect(path)
    # Bytes that are not UTF-8, stored as text: SQLite's integrity check passes, reading it fails.
    conn.execute(update)
    conn.commit()
    conn.close()
    result = verify_file(path)
    integrity = result.checks[0]
    assert integrity.name == "integrity"
    assert integrity.problems == (
        f"ann.hmip is damaged in its {table} (a text value is not valid UTF-8); use a backup copy",
    )
    assert all(check.skipped for check in result.checks[1:])


def _reference_digest(kind: str, rows: list[tuple[Any, ...]]) -> str:
    """The seal of one part as files have been sealed since SEAL_VERSION 1 (rows as JSON arrays)."""
    payload = json.dumps([kind, SEAL_VERSION, [list(row) for row in rows]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def test_bulk_seals_are_the_seals_files_already_hold(tmp_path: Path, mini_instrument: Instrument) -> None:
    conn = sqlite3.connect(sound_file(tmp_path, mini_instrument))
    seals = all_seals(conn)
    order = {"cases": "uuid", "answers": "question_id", "conflicts": "id", "case_sources": "source_id"}
    parts = {"cases": "case", "answers": "answers", "conflicts": "conflicts", "case_sources": "sources"}
    for (case_uuid,) in conn.execute("SELECT uuid FROM cases").fetchall():
        expected = ";".join(
            f"{part}="
            + _reference_digest(
                part,
                conn.execute(
                    f'SELECT * FROM "{table}" WHERE {"uuid" if table == "cases" else "case_uuid"} = ? '
                    f'ORDER BY "{order[table]}"',
                    (case_uuid,),
                ).fetchall(),
            )
            for table, part in parts.items()
        )
        assert seals[f"case:{case_uuid}"] == expected
        held = conn.execute("SELECT seal FROM seals WHERE subject = ?", (f"case:{case_uuid}",)).fetchone()[0]
        assert held == expected
    conn.close()


def test_an_edit_through_another_connection_between_two_saves_is_still_found(
    tmp_path: Path, mini_instrument: Instrument
) -> None:
    path = sound_file(tmp_path, mini_instrument)
    with InspectionFile.open(path) as inspection:
        inspection.set_answer("KT-002", "cd.gender", "male")  # this connection seals KT-002
        other = sqlite3.connect(path)
        other.execute("UPDATE cases SET illustration_text = 'added by hand' WHERE case_ref = 'KT-002'")
        other.commit()
        other.close()
        inspection.set_answer("KT-002", "cd.gender", "female")  # touches KT-002 again
        logged = inspection.conn.execute(
            "SELECT case_ref, detail FROM audit WHERE action = ?", (OUTSIDE_EDIT,)
        ).fetchall()
    assert [ref for ref, _detail in logged] == ["KT-002"]
    assert "practice illustration" in logged[0][1]
    result = verify_file(path)
    assert not result.ok and any("KT-002" in problem for problem in result.problems)


def test_saves_in_the_app_alone_log_nothing_and_verify(tmp_path: Path, mini_instrument: Instrument) -> None:
    path = sound_file(tmp_path, mini_instrument)
    with InspectionFile.open(path) as inspection:
        for value in ("male", "female", "male"):
            inspection.set_answer("KT-002", "cd.gender", value)
        assert (
            inspection.conn.execute("SELECT count(*) FROM audit WHERE action = ?", (OUTSIDE_EDIT,)).fetchone()[0] == 0
        )
    assert verify_file(path).ok
