"""Edits made outside the app are detected: the audit hash chain and audit/answer consistency."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.integrity import audit_consistency, tamper_warnings
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.master_answers import write_answer


def populated(inspection: InspectionFile) -> Path:
    inspection.set_answer("KT-001", "cd.gender", "female", create_case=True)
    inspection.set_answer("KT-001", "cd.rosh", "high")
    inspection.set_answer("KT-001", "cd.rosh", "medium", "second look")
    inspection.set_answer("KT-002", "p.plan", "sufficient", create_case=True)
    path = inspection.path
    inspection.close()
    return path


def outside_edit(path: Path, *statements: str) -> None:
    """What someone with a database browser could do: plain SQL, no app."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def seq_of(path: Path, where: str) -> int:
    conn = sqlite3.connect(path)
    (seq,) = conn.execute(f"SELECT seq FROM audit WHERE {where}").fetchone()
    conn.close()
    return int(seq)


def check(path: Path) -> tuple[int | None, list[str], list[str]]:
    with InspectionFile.open(path, read_only=True) as inspection:
        broken = inspection.verify_audit_chain()
        return (broken.seq if broken else None), audit_consistency(inspection), tamper_warnings(inspection)


def test_untouched_file_is_clean(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    assert check(path) == (None, [], [])


def test_changed_audit_row_is_named(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    target = seq_of(path, "question_id = 'cd.rosh' AND new_value = 'high'")
    outside_edit(path, f"UPDATE audit SET new_value = 'low' WHERE seq = {target}")
    broken, _consistency, warnings = check(path)
    assert broken == target
    assert warnings[0].startswith(f"ann.hmip: the audit log is broken at entry #{target} (answer,")


def test_answer_and_its_audit_row_changed_together_breaks_the_chain(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    target = seq_of(path, "question_id = 'cd.gender'")
    outside_edit(
        path,
        "UPDATE answers SET value = 'male' WHERE question_id = 'cd.gender'",
        f"UPDATE audit SET new_value = 'male' WHERE seq = {target}",
    )
    broken, consistency, _ = check(path)
    assert broken == target
    assert consistency == []  # consistent with each other: only the chain can tell


def test_answer_changed_without_touching_the_log_is_found_by_consistency(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    outside_edit(path, "UPDATE answers SET value = 'low' WHERE question_id = 'cd.rosh'")
    broken, consistency, warnings = check(path)
    assert broken is None  # the chain alone cannot see this
    assert consistency == ["case KT-001, cd.rosh: the file holds 'low' but the audit log's last entry says 'medium'"]
    assert warnings == ["ann.hmip: " + consistency[0]]


def test_inserted_and_deleted_answers_are_found(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    outside_edit(
        path,
        "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at) "
        "SELECT case_uuid, 'v.victims', 'yes', '', 1, 'Ann Smith', updated_at FROM answers "
        "WHERE question_id = 'p.plan'",
        "DELETE FROM answers WHERE question_id = 'cd.gender'",
    )
    _broken, consistency, _ = check(path)
    assert consistency == [
        "case KT-001, cd.gender: the file holds None but the audit log's last entry says 'female'",
        "case KT-002, v.victims: the file holds 'yes' but no audit entry records it",
    ]


def test_deleted_audit_row_breaks_the_chain_at_the_next_entry(mini_file: InspectionFile) -> None:
    path = populated(mini_file)
    target = seq_of(path, "question_id = 'cd.rosh' AND new_value = 'high'")
    outside_edit(path, f"DELETE FROM audit WHERE seq = {target}")
    broken, consistency, _ = check(path)
    assert broken == target + 1
    assert any("says the answer was 'high'" in line for line in consistency)


def test_cutting_the_tail_of_the_log_is_found_by_consistency(mini_file: InspectionFile) -> None:
    """Removing the newest entries leaves a valid chain; the answers they recorded no longer match."""
    path = populated(mini_file)
    last = seq_of(path, "question_id = 'p.plan'")
    outside_edit(path, f"DELETE FROM audit WHERE seq >= {last}")
    broken, consistency, _ = check(path)
    assert broken is None
    assert consistency == ["case KT-002, p.plan: the file holds 'sufficient' but no audit entry records it"]


def test_merge_writes_are_consistent(mini_file: InspectionFile) -> None:
    """Answers written by the merge carry "answer-*" audit entries, which the replay follows."""
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    case = mini_file.get_case("KT-001")
    with mini_file.transaction():
        write_answer(
            mini_file, case.uuid, "KT-001", "cd.gender", "male", "", assessor="Bob Jones",
            action="answer-merge", detail="from bob.hmip",
        )
        write_answer(
            mini_file, case.uuid, "KT-001", "cd.rosh", "low", "", assessor="Bob Jones",
            action="answer-merge", detail="from bob.hmip",
        )
    assert audit_consistency(mini_file) == []
    assert mini_file.verify_audit_chain() is None


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["KT-001", "KT-002", "KT-003"]),
        st.sampled_from(
            [
                ("cd.gender", "male"), ("cd.gender", "female"), ("cd.gender", None),
                ("cd.report", "written"), ("cd.report", "none"), ("s.quality", "yes"),
                ("f.acc.identified", "yes"), ("f.acc.progress", "good"), ("p.plan", "not-done"),
            ]
        ),
        st.sampled_from([None, "", "a note", "another note"]),
        st.sampled_from(["set", "complete", "reopen"]),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_app_edits_is_consistent(tmp_path: Path, mini_instrument: Instrument, operations) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"p{abs(hash(tuple(map(str, operations))))}.hmip"
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as inspection:
        for ref, (qid, value), note, action in operations:
            try:
                if action == "set":
                    inspection.set_answer(ref, qid, value, note, create_case=True)
                elif action == "complete":
                    inspection.complete_case(ref)
                else:
                    inspection.reopen_case(ref)
            except UserError:
                pass  # refused edits (irrelevant answer, complete case, unknown case) change nothing
        assert audit_consistency(inspection) == []
        assert inspection.verify_audit_chain() is None
    path.unlink()
