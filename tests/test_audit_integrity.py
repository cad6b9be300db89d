"""Edits made outside the app are detected: the audit hash chain and audit/answer consistency."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from audit_support import audit_consistency, tamper_warnings, verify_audit_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.records import Provenance
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file
from hmip_desktop.model.instrument.definition import Instrument

STAMP = "2014-06-02T10:00:00+00:00"


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
        broken = verify_audit_chain(inspection)
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
        merged = Provenance(assessor="Bob Jones", action="answer-merge", detail="from bob.hmip", merged=True)
        mini_file.write_answer(case, "cd.gender", "male", "", provenance=merged)
        mini_file.write_answer(case, "cd.rosh", "low", "", provenance=merged)
    assert audit_consistency(mini_file) == []
    assert verify_audit_chain(mini_file) is None


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["KT-001", "KT-002", "KT-003"]),
        st.sampled_from(
            [
                ("cd.gender", "male"),
                ("cd.gender", "female"),
                ("cd.gender", None),
                ("cd.report", "written"),
                ("cd.report", "none"),
                ("s.quality", "yes"),
                ("f.acc.identified", "yes"),
                ("f.acc.progress", "good"),
                ("p.plan", "not-done"),
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
        assert verify_audit_chain(inspection) is None
        result = verify_file(path)  # seals and the end of the log agree too, whatever the app did
        assert result.ok, result.problems
    path.unlink()


# -- every piece of judged state: seals, the end of the log, `hmip verify` ------------------------------


def sealed_files(folder: Path, instrument: Instrument) -> tuple[Path, Path]:
    """An assessor's file (a complete case, a draft case, an illustration) and a lead's file merged from
    it and a second file that disagrees (an open conflict) and with a findings text."""
    from merge_support import FULL_CASE, add_case, new_file, team_file

    from hmip_desktop.model.merge.files import merge_files

    with new_file(folder, "ann.hmip", "Ann Smith", instrument) as ann:
        add_case(ann, "KT-001", complete=True, notes={"p.plan": "plan seen on the record"})
        add_case(ann, "KT-002", {"cd.gender": "female", "cd.rosh": "high"})
        ann.set_illustration("KT-001", True, "A joint home visit within days.")
    bob = team_file(folder, "bob.hmip", "Bob Jones", instrument, {"KT-001": {**FULL_CASE, "p.plan": "insufficient"}})
    with new_file(folder, "lead.hmip", "Lee Lead", instrument, role="lead") as lead:
        merge_files(lead, [folder / "ann.hmip", bob])
        lead.set_finding("summary.public", "The service protected the public well.")
    return folder / "ann.hmip", folder / "lead.hmip"


# (name, which file, statements as a database browser would run them, words the first problem holds)
HAND_EDITS = [
    (
        "status",
        "ann",
        ["UPDATE cases SET status = 'complete' WHERE case_ref = 'KT-002'"],
        "case KT-002: its details (reference, status, practice illustration) changed",
    ),
    (
        "note",
        "ann",
        ["UPDATE answers SET note = 'no plan' WHERE question_id = 'p.plan'"],
        "case KT-001: its answers (a value, note or assessor) changed",
    ),
    (
        "illustration",
        "ann",
        ["UPDATE cases SET illustration_text = 'Nothing of note.' WHERE case_ref = 'KT-001'"],
        "case KT-001: its details",
    ),
    (
        "illustration flag",
        "lead",
        ["UPDATE cases SET illustration = 0 WHERE case_ref = 'KT-001'"],
        "case KT-001: its details",
    ),
    (
        "assessor",
        "lead",
        ["UPDATE answers SET assessor = 'Bob Jones' WHERE question_id = 'cd.gender'"],
        "its answers (a value, note or assessor) changed",
    ),
    (
        "last audit entry",
        "ann",
        ["DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)"],
        "end of the audit log: the audit log ends at entry",
    ),
    (
        "last audit entry, counter too",
        "lead",
        [
            "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
            "UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'audit'",
        ],
        "HMIP Desktop last wrote entry",
    ),
    ("audit entry renumbered", "ann", ["UPDATE audit SET seq = 0 WHERE seq = 1"], "entries are numbered 0 to"),
    ("conflict deleted", "lead", ["DELETE FROM conflicts"], "case KT-001: its conflicts (sides or resolution) changed"),
    ("findings", "lead", ["UPDATE findings SET text = 'The service failed.'"], "the findings texts changed"),
    (
        "owner's role",
        "ann",
        ["UPDATE assessors SET role = 'lead'"],
        "the inspection's details or the team list changed",
    ),
    (
        "case deleted",
        "ann",
        [
            "DELETE FROM answers WHERE case_uuid IN (SELECT uuid FROM cases WHERE case_ref = 'KT-002')",
            "DELETE FROM cases WHERE case_ref = 'KT-002'",
        ],
        "the file holds None but the audit log's last entry says",
    ),
    ("provenance", "lead", ["UPDATE case_sources SET status = 'draft'"], "what the team files said about it"),
    ("import ledger", "lead", ["DELETE FROM imports WHERE file_name = 'bob.hmip'"], "the import ledger changed"),
]


@pytest.mark.parametrize(("name", "which", "statements", "expected"), HAND_EDITS, ids=[e[0] for e in HAND_EDITS])
def test_a_hand_edit_of_any_judged_state_fails_verification(
    tmp_path: Path,
    mini_instrument: Instrument,
    capsys: pytest.CaptureFixture[str],
    name: str,
    which: str,
    statements: list[str],
    expected: str,
) -> None:
    ann, lead = sealed_files(tmp_path, mini_instrument)
    path = {"ann": ann, "lead": lead}[which]
    assert verify_file(path).ok
    outside_edit(path, *statements)
    result = verify_file(path)
    assert not result.ok
    assert expected in result.failure_message(), result.problems
    before = path.read_bytes()
    assert main(["verify", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{path.name} failed verification: " in err and expected in err
    assert path.read_bytes() == before  # verifying changes nothing


def test_a_case_forced_complete_is_named_by_the_seal_and_by_completeness(
    tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann, _lead = sealed_files(tmp_path, mini_instrument)
    outside_edit(ann, "UPDATE cases SET status = 'complete' WHERE case_ref = 'KT-002'")
    result = verify_file(ann)
    by_name = {check.name: check for check in result.checks}
    assert by_name["completeness"].problems[0].startswith("case KT-002 is marked complete but ")
    assert re.search(r"questions? that (applies is|apply are) unanswered", by_name["completeness"].problems[0])


def test_files_written_only_by_the_app_pass_and_say_what_was_checked(
    tmp_path: Path, mini_instrument: Instrument, capsys: pytest.CaptureFixture[str]
) -> None:
    ann, lead = sealed_files(tmp_path, mini_instrument)
    for path in (ann, lead):
        result = verify_file(path)
        assert result.ok, result.problems
        assert [c.name for c in result.checks] == [
            "integrity",
            "schema",
            "file details",
            "audit chain",
            "end of the audit log",
            "answers against the log",
            "seals",
            "case references",
            "completeness",
        ]
    assert [c.skipped != "" for c in verify_file(lead).checks][-1]  # a lead's file: completeness not asked
    assert main(["verify", str(lead), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["role"] == "lead" and report["first_problem"] is None


def test_a_damaged_file_stops_at_integrity(tmp_path: Path, mini_instrument: Instrument) -> None:
    ann, _lead = sealed_files(tmp_path, mini_instrument)
    conn = sqlite3.connect(ann)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'answers'").fetchone()
    (page,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(ann.read_bytes())
    data[(root - 1) * page : (root - 1) * page + 12] = b"\x0d\xff\xff" + b"\x00" * 9  # a broken page header
    ann.write_bytes(bytes(data))
    result = verify_file(ann)
    assert not result.checks[0].ok and result.checks[0].name == "integrity"
    assert result.failure_message().startswith("ann.hmip failed verification: integrity: ann.hmip is damaged (")
    assert all(c.skipped.startswith("not run") for c in result.checks[1:])


def test_a_file_of_schema_2_is_read_as_it_is_and_sealed_when_opened_for_editing(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmip_desktop.model.file import migrations

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        with InspectionFile.create(
            tmp_path / "old.hmip",
            inspection_id="KENT-2014",
            area="Kent",
            assessor="Olga Old",
            instrument=mini_instrument,
        ) as old:
            old.set_answer("KT-001", "cd.gender", "female", "seen", create_case=True)
            assert old.schema_version() == 2
    path = tmp_path / "old.hmip"
    result = verify_file(path)
    seals = next(c for c in result.checks if c.name == "seals")
    assert result.ok and seals.skipped.startswith("schema 2 has no seals")
    with InspectionFile.open(path, read_only=True) as reading:  # read as it is, not refused
        assert reading.schema_version() == 2
    outside_edit(path, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    assert "the newest 1 entry was deleted" in verify_file(path).failure_message()  # no seals needed for this


def test_seals_in_bulk_equal_seals_one_by_one(tmp_path: Path, mini_instrument: Instrument) -> None:
    from hmip_desktop.model.file.seal import all_seals, subject_seal

    _ann, lead = sealed_files(tmp_path, mini_instrument)
    conn = sqlite3.connect(lead)
    bulk = all_seals(conn)
    assert len([s for s in bulk if s.startswith("case:")]) == 2
    assert bulk == {subject: subject_seal(conn, subject) for subject in bulk}
    assert bulk == dict(conn.execute("SELECT subject, seal FROM seals").fetchall())
    conn.close()


def test_a_case_the_merge_takes_in_whole_is_sealed_without_reading_its_answers_back(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge says which answers it wrote for a new case; the seal made from them is the one read back."""
    from merge_support import INSPECTION, add_case, new_file

    from hmip_desktop.model.file import seal
    from hmip_desktop.model.merge.files import merge_files

    with new_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument) as ann:
        # Notes outside the basic plane and with quotes, and a cleared answer (no row is written for it).
        add_case(ann, "KT-001", complete=True, notes={"p.plan": 'plan "seen" 𝄞 ŵ', "r.rmp": "\\ and \t"})
        add_case(ann, "KT-002", {"cd.gender": "female", "cd.rosh": "high"})
        ann.set_answer("KT-002", "cd.rosh", None)
        taken = ann.get_case("KT-001").uuid
    # A case of another file under the same id: MASTER gives it a new one, so its rows' digest is not the
    # one the reading worked out (the merging process works it out from the rows it wrote).
    ids = iter([str(uuid.uuid4()), taken])
    with InspectionFile.create(
        tmp_path / "bob.hmip",
        inspection_id=INSPECTION,
        area="Kent",
        assessor="Bob Jones",
        instrument=mini_instrument,
        uuid_factory=lambda: next(ids),
    ) as bob:
        add_case(bob, "KT-009", complete=True)
    read_back: list[str] = []
    digests_by_case = seal._digests_by_case

    def recording(conn: sqlite3.Connection, table: str, rows_read=None, cases=None):  # type: ignore[no-untyped-def]
        if table == "answers" and cases is not None:
            read_back.extend(cases)
        return digests_by_case(conn, table, rows_read, cases)

    monkeypatch.setattr(seal, "_digests_by_case", recording)
    with new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [tmp_path / "ann.hmip", tmp_path / "bob.hmip"], readers=0)
        merged = {case.case_ref: case.uuid for case in lead.list_cases()}
        assert len(merged) == 3 and merged["KT-009"] != taken
        assert not set(merged.values()) & set(read_back)  # sealed from what was written...
        stored = dict(lead.conn.execute("SELECT subject, seal FROM seals").fetchall())
        assert all(stored[f"case:{case}"] == seal.case_seal(lead.conn, case) for case in merged.values())  # same
        assert seal.check_seals(lead.conn) == []
    assert verify_file(tmp_path / "lead.hmip").ok


def test_rows_inserted_for_a_case_are_sealed_as_the_file_holds_them(
    tmp_path: Path, mini_instrument: Instrument
) -> None:
    """`insert_case_rows` seals from what it wrote only when that is all of the case's rows, in the
    table's column order, and nothing else changed the case since in the same save."""
    from hmip_desktop.model.file.seal import check_seals

    _ann, lead_path = sealed_files(tmp_path, mini_instrument)
    with InspectionFile.open(lead_path) as lead:
        case_uuid = lead.get_case("KT-002").uuid
        columns = [row[1] for row in lead.conn.execute("PRAGMA table_info(answers)")]

        def answer(question_id: str, note: str = "", case: str = case_uuid) -> tuple[object, ...]:
            values = {"case_uuid": case, "question_id": question_id, "value": None, "note": note}
            values |= {"revision": 1, "assessor": "Lee Lead", "updated_at": STAMP, "merged_revision": None}
            return tuple(values[name] for name in columns)

        with lead.transaction():  # two more rows of a case that has some: not all of its rows
            lead.insert_case_rows(
                "answers", columns, [(case_uuid, [answer("q.extra1", "one"), answer("q.extra2")], None)]
            )
        assert check_seals(lead.conn) == []
        with lead.transaction():  # all of the case's rows, but the columns in another order than the table's
            lead.conn.execute("DELETE FROM answers WHERE case_uuid = ?", (case_uuid,))
            reordered = [tuple(reversed(answer("q.extra3", "three")))]
            lead.insert_case_rows("answers", list(reversed(columns)), [(case_uuid, reordered, None)])
        assert check_seals(lead.conn) == []
        with lead.transaction():  # all of its rows, then one changed again in the same save
            lead.conn.execute("DELETE FROM answers WHERE case_uuid = ?", (case_uuid,))
            lead.insert_case_rows(
                "answers", columns, [(case_uuid, [answer("cd.gender"), answer("cd.rosh", "a")], None)]
            )
            lead.conn.execute("UPDATE answers SET note = 'changed again' WHERE case_uuid = ?", (case_uuid,))
        assert check_seals(lead.conn) == []
        held = lead.conn.execute("SELECT count(*) FROM answers").fetchone()
        with pytest.raises(ValueError, match="rows of another case"), lead.transaction():
            lead.insert_case_rows("answers", columns, [(case_uuid, [answer("q.x"), answer("q.y", case="other")], None)])
        assert lead.conn.execute("SELECT count(*) FROM answers").fetchone() == held  # nothing written


@pytest.mark.parametrize(
    ("statements", "then", "expected"),
    [
        (
            ["UPDATE cases SET status = 'complete' WHERE case_ref = 'KT-002'"],
            lambda f: f.set_illustration("KT-002", True, "Reworded in the app."),
            "case KT-002: its details (reference, status, practice illustration) changed outside HMIP Desktop",
        ),
        (
            ["UPDATE answers SET note = 'softer wording' WHERE question_id = 'cd.rosh'"],
            lambda f: f.set_answer("KT-002", "cd.rosh", "low"),
            "case KT-002: its answers (a value, note or assessor) changed outside HMIP Desktop",
        ),
        (
            [
                "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
                "UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'audit'",
            ],
            lambda f: f.set_answer("KT-002", "cd.gender", "male"),
            "HMIP Desktop last wrote entry",
        ),
    ],
    ids=["status, then the illustration", "note, then the same answer", "log cut, then any save"],
)
def test_a_save_in_the_app_after_a_hand_edit_logs_it_rather_than_sealing_over_it(
    tmp_path: Path, mini_instrument: Instrument, statements: list[str], then: object, expected: str
) -> None:
    ann, _lead = sealed_files(tmp_path, mini_instrument)
    with InspectionFile.open(ann) as opened:
        opened.reopen_case("KT-001")  # a legitimate save first: nothing to find
    outside_edit(ann, *statements)
    with InspectionFile.open(ann) as opened:
        then(opened)  # type: ignore[operator]
        logged = [e for e in opened.audit_entries() if e.action == "outside-edit"]
    assert len(logged) == 1 and expected in logged[0].detail
    result = verify_file(ann)
    assert not result.ok
    assert any(expected in problem and "found before this save" in problem for problem in result.problems)
    assert next(c for c in result.checks if c.name == "audit chain").ok  # the log itself is sound


def test_the_seal_triggers_go_in_before_the_first_write_not_as_the_file_opens(
    tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann, _lead = sealed_files(tmp_path, mini_instrument)

    def temp_triggers(opened: InspectionFile) -> int:
        return int(opened.conn.execute("SELECT count(*) FROM sqlite_temp_schema WHERE type = 'trigger'").fetchone()[0])

    with InspectionFile.open(ann) as opened:
        assert temp_triggers(opened) == 0  # opened to be read: ~1 ms of triggers not made
        opened.reopen_case("KT-001")
        assert temp_triggers(opened) > 0
    assert verify_file(ann).ok  # the write was sealed


def test_saves_in_the_app_alone_log_nothing_found(tmp_path: Path, mini_instrument: Instrument) -> None:
    ann, lead = sealed_files(tmp_path, mini_instrument)
    for path in (ann, lead):
        with InspectionFile.open(path) as opened:
            assert [e for e in opened.audit_entries() if e.action == "outside-edit"] == []


def test_the_merge_s_warnings_name_what_verify_names(tmp_path: Path, mini_instrument: Instrument) -> None:
    """`outside_edits` (what the merge warns with): the seals, the end and numbering of the log, and edits
    a later save found and logged."""
    from hmip_desktop.model.file.verify import outside_edits

    ann, _lead = sealed_files(tmp_path, mini_instrument)
    outside_edit(ann, "UPDATE cases SET illustration_text = 'Reworded.' WHERE case_ref = 'KT-001'")
    with InspectionFile.open(ann) as opened:
        opened.set_illustration("KT-001", True, "Reworded again, in the app.")
    outside_edit(ann, "UPDATE audit SET seq = 0 WHERE seq = 1")
    conn = sqlite3.connect(ann)
    found = outside_edits(conn)
    conn.close()
    assert any("numbered 0 to" in line for line in found)
    assert any("found before this save: case KT-001: its details" in line for line in found)
