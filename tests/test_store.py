"""The inspection file: round trips, relevance, completion, audit, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from audit_support import verify_audit_chain

from hmip_desktop.model.errors import CaseError, FileNotInspection, InvalidAnswer, SchemaTooNew, UserError
from hmip_desktop.model.file import store
from hmip_desktop.model.file.migrations import APPLICATION_ID, SCHEMA_VERSION
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument


def answer_everything(inspection: InspectionFile, ref: str) -> None:
    for qid, value in [
        ("cd.gender", "female"),
        ("cd.rosh", "high"),
        ("cd.report", "none"),
        ("f.acc.identified", "not-relevant"),
        ("p.plan", "sufficient"),
        ("r.rmp", "no"),
        ("v.victims", "yes"),
        ("l.oversight", "yes"),
    ]:
        inspection.set_answer(ref, qid, value, create_case=True)


def test_round_trip(tmp_path: Path, mini_file: InspectionFile) -> None:
    mini_file.set_answer("KT-001", "cd.gender", "female", "from the record", create_case=True)
    mini_file.set_illustration("KT-001", True, "Good joint work with children's services.")
    path = mini_file.path
    mini_file.close()

    with InspectionFile.open(path, read_only=True) as again:
        case = again.get_case("KT-001")
        answer = again.answers_for(case.uuid)["cd.gender"]
        assert (answer.value, answer.note, answer.assessor, answer.revision) == (
            "female",
            "from the record",
            "Ann Smith",
            1,
        )
        assert case.illustration and "children" in case.illustration_text
        info = again.info()
        assert (info.inspection_id, info.area, info.owner.role) == ("KENT-2014", "Kent", "inspector")
        assert info.instrument.id == "mini-test"
        assert info.schema_version == SCHEMA_VERSION
        assert again.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_revision_counts_changes_and_unchanged_answer_is_not_rewritten(mini_file: InspectionFile) -> None:
    first = mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    same = mini_file.set_answer("KT-001", "cd.gender", "female")
    changed = mini_file.set_answer("KT-001", "cd.gender", "male")
    assert first.revision == same.revision == 1
    assert changed.revision == 2
    actions = [e.action for e in mini_file.audit_entries()]
    assert actions.count("answer") == 2


def test_value_must_be_an_option(mini_file: InspectionFile) -> None:
    with pytest.raises(InvalidAnswer, match="use one of: male, female"):
        mini_file.set_answer("KT-001", "cd.gender", "unknown", create_case=True)
    with pytest.raises(InvalidAnswer, match="no question"):
        mini_file.set_answer("KT-001", "nope", "yes", create_case=True)


def test_question_that_does_not_apply_is_refused(mini_file: InspectionFile) -> None:
    mini_file.set_answer("KT-001", "cd.report", "none", create_case=True)
    with pytest.raises(InvalidAnswer, match="does not apply"):
        mini_file.set_answer("KT-001", "s.quality", "yes")
    mini_file.set_answer("KT-001", "cd.report", "written")
    mini_file.set_answer("KT-001", "s.quality", "yes")


def test_changing_a_gate_makes_answers_stale_but_keeps_them(
    mini_file: InspectionFile, mini_instrument: Instrument
) -> None:
    mini_file.set_answer("KT-001", "cd.report", "written", create_case=True)
    mini_file.set_answer("KT-001", "s.quality", "yes")
    mini_file.set_answer("KT-001", "s.proposal", "no")
    mini_file.set_answer("KT-001", "cd.report", "none")
    values = mini_file.values_for(mini_file.get_case("KT-001").uuid)
    assert values["s.quality"] == "yes"  # kept
    assert relevance.stale_question_ids(mini_instrument, values) == {"s.quality", "s.proposal"}
    assert "s.quality" not in relevance.effective_values(mini_instrument, values)


def test_chained_gate_follows_a_stale_gate(mini_instrument: Instrument) -> None:
    # s.proposal depends on s.quality, which depends on cd.report: oral makes
    # s.quality apply but s.proposal not (it needs a written report).
    values = {"cd.report": "oral", "s.quality": "yes"}
    assert "s.proposal" not in relevance.relevant_question_ids(mini_instrument, values)
    values = {"cd.report": "none", "s.quality": "yes"}
    relevant = relevance.relevant_question_ids(mini_instrument, values)
    assert "s.quality" not in relevant and "s.proposal" not in relevant


def test_complete_lists_every_gap_then_succeeds(mini_file: InspectionFile) -> None:
    mini_file.set_answer("KT-001", "cd.gender", "male", create_case=True)
    with pytest.raises(CaseError) as caught:
        mini_file.complete_case("KT-001")
    assert "7 unanswered" in caught.value.message
    assert any("cd.rosh" in line for line in caught.value.details)
    answer_everything(mini_file, "KT-001")
    assert mini_file.complete_case("KT-001").status == "complete"
    with pytest.raises(CaseError, match="reopen it"):
        mini_file.set_answer("KT-001", "cd.gender", "female")
    assert mini_file.reopen_case("KT-001").status == "draft"
    mini_file.set_answer("KT-001", "cd.gender", "female")


def test_case_refs_are_references_not_names(mini_file: InspectionFile) -> None:
    for bad in ["", "John Smith", "x" * 41, "KT 001", "KT\n001"]:
        with pytest.raises(CaseError):
            mini_file.add_case(bad)
    mini_file.add_case("KT/2014-001")
    with pytest.raises(CaseError, match="already exists"):
        mini_file.add_case("KT/2014-001")


def test_long_notes_are_refused_and_control_characters_dropped(mini_file: InspectionFile) -> None:
    with pytest.raises(InvalidAnswer, match="limit"):
        mini_file.set_answer("KT-001", "cd.gender", "male", "x" * 10_000_000, create_case=True)
    assert mini_file.find_case("KT-001") is None  # nothing half-written
    record = mini_file.set_answer("KT-001", "cd.gender", "male", "line one\nline\x07 two\x00", create_case=True)
    assert record.note == "line one\nline two"


def test_audit_chain_verifies_and_detects_edits(mini_file: InspectionFile) -> None:
    answer_everything(mini_file, "KT-001")
    assert verify_audit_chain(mini_file) is None
    mini_file.conn.execute("UPDATE audit SET new_value = 'no' WHERE seq = 3")
    broken = verify_audit_chain(mini_file)
    assert broken is not None and broken.seq == 3


def test_create_refuses_to_overwrite(tmp_path: Path, mini_instrument: Instrument) -> None:
    path = tmp_path / "a.hmip"
    path.write_bytes(b"precious")
    with pytest.raises(UserError, match="already exists"):
        InspectionFile.create(path, inspection_id="K", area="Kent", assessor="A", instrument=mini_instrument)
    assert path.read_bytes() == b"precious"


def test_create_never_replaces_a_file_that_takes_the_name_while_it_is_made(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (or a second window) saving a file of the same name while this one is made: the
    new file is not moved over it, and no temporary file is left behind."""
    path = tmp_path / "a.hmip"
    real_migrate = store.migrate

    def migrate_while_another_saves(conn: sqlite3.Connection, applied_at: str | None = None) -> list[str]:
        path.write_bytes(b"precious")
        return real_migrate(conn, applied_at)

    monkeypatch.setattr(store, "migrate", migrate_while_another_saves)
    with pytest.raises(UserError, match=r"already exists.*not replaced"):
        InspectionFile.create(path, inspection_id="K", area="Kent", assessor="A", instrument=mini_instrument)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["a.hmip"]


def make_foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("case_ref,question_id\n"), "not an SQLite"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated"),
        (lambda p: (p.unlink(), make_foreign_sqlite(p)), "another application"),
    ],
    ids=["empty", "text", "truncated", "foreign"],
)
def test_files_that_are_not_ours_get_a_message(mini_file: InspectionFile, damage, message: str) -> None:
    path = mini_file.path
    answer_everything(mini_file, "KT-001")
    mini_file.close()
    damage(path)
    with pytest.raises(FileNotInspection, match=message):
        InspectionFile.open(path)


def test_newer_schema_is_refused_with_the_version(mini_file: InspectionFile) -> None:
    path = mini_file.path
    mini_file.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    mini_file.close()
    with pytest.raises(SchemaTooNew, match=f"file schema {SCHEMA_VERSION + 5}"):
        InspectionFile.open(path)


def test_unknown_instrument_is_refused(mini_file: InspectionFile) -> None:
    path = mini_file.path
    mini_file.conn.execute("UPDATE meta SET value = 'beef' WHERE key = 'instrument_sha256'")
    mini_file.close()
    with pytest.raises(UserError, match="does not have"):
        InspectionFile.open(path)


def test_file_is_complete_without_side_files(mini_file: InspectionFile) -> None:
    answer_everything(mini_file, "KT-001")
    assert mini_file.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert mini_file.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    siblings = sorted(p.name for p in mini_file.path.parent.iterdir())
    assert siblings == ["ann.hmip"]


def test_read_only_open_refuses_writes(mini_file: InspectionFile) -> None:
    path = mini_file.path
    mini_file.close()
    with InspectionFile.open(path, read_only=True) as again, pytest.raises(UserError, match="read-only"):
        again.add_case("KT-009")
