"""The team merge: provenance, idempotence, order, re-sent files, double marking, conflicts."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path

import pytest
from audit_support import audit_consistency, verify_audit_chain
from merge_support import FULL_CASE, add_case, content, new_file, sha256, team_file

from hmip_desktop.model.errors import CaseError, UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import list_conflicts, resolve_conflict
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.merge.incoming import read_incoming
from hmip_desktop.model.merge.one_file import FileMerger, provenance
from hmip_desktop.scoring.load import score_file


@pytest.fixture
def lead(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    master = new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead")
    yield master
    master.close()


def open_conflicts(master: InspectionFile) -> list[tuple[str, str, list[tuple[str | None, str]]]]:
    return [
        (c.case_ref, c.question_id, [(side.value, side.assessor) for side in c.sides]) for c in list_conflicts(master)
    ]


# -- merging and provenance ------------------------------------------------------------------


def test_merge_adds_cases_with_provenance_and_a_ledger_entry(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    summary = merge_files(lead, [ann])

    [result] = summary.files
    assert (result.status, result.cases_added, result.answers_changed) == ("merged", 2, 2 * len(FULL_CASE))
    assert set(content(lead)) == {"KT-001", "KT-002"}
    case = lead.get_case("KT-001")
    assert case.status == "complete"
    with InspectionFile.open(ann, read_only=True) as source:
        file_uuid = source.info().file_uuid
        source_case = source.get_case("KT-001")
        plan_revision = source.answers_for(source_case.uuid)["p.plan"].revision
    assert case.uuid == source_case.uuid  # the assessor's case id is kept for provenance
    [said] = provenance(lead, case.uuid)[(case.uuid, "p.plan")]
    assert (said.file_uuid, said.file_name, said.assessor, said.revision, said.value) == (
        file_uuid,
        "ann.hmip",
        "Ann Smith",
        plan_revision,
        "sufficient",
    )
    ledger = lead.conn.execute(
        "SELECT file_uuid, file_name, sha256, assessor, cases_added, answers_changed FROM imports"
    ).fetchall()
    assert ledger == [(file_uuid, "ann.hmip", sha256(ann), "Ann Smith", 2, 2 * len(FULL_CASE))]
    assert "Ann Smith" in [a.name for a in lead.assessors()]


def test_lead_file_stays_tamper_evident_after_merging(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    merge_files(lead, [ann, bob])
    resolve_conflict(lead, "KT-001", "p.plan", take="Bob Jones")
    assert verify_audit_chain(lead) is None
    assert audit_consistency(lead) == []
    actions = [e.action for e in lead.audit_entries()]
    for action in (
        "merge-case-add",
        "answers-merge",
        "merge-file",
        "conflict-raise",
        "answer-resolve",
        "conflict-resolve",
    ):
        assert action in actions


def test_backup_is_taken_before_the_first_write(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-002": None})
    merge_files(lead, [ann])
    summary = merge_files(lead, [bob])
    assert summary.backup is not None and summary.backup.parent == tmp_path / "backups"
    with InspectionFile.open(summary.backup, read_only=True) as backup:
        assert [c.case_ref for c in backup.list_cases()] == ["KT-001"]  # the state before this merge


def test_progress_is_reported_per_file(lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bad = tmp_path / "bad.hmip"
    bad.write_bytes(b"")
    calls: list[tuple[int, int, str]] = []
    merge_files(lead, [ann, bad], progress=lambda i, n, name: calls.append((i, n, name)))
    assert calls == [(1, 2, "ann.hmip"), (2, 2, "bad.hmip")]


def test_a_failure_inside_a_file_rolls_it_back_entirely(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})

    def fail(self: FileMerger) -> None:
        raise UserError("the disk is full")

    monkeypatch.setattr(FileMerger, "_finish_import", fail)
    before = sha256(lead.path)
    [result] = merge_files(lead, [ann]).files
    assert result.status == "refused" and "the disk is full" in result.reason
    assert sha256(lead.path) == before  # both cases had been written, and both were rolled back


# -- idempotence and order -------------------------------------------------------------------


def test_merging_the_same_file_again_changes_nothing_and_says_so(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    merge_files(lead, [ann])
    before = sha256(lead.path)
    [result] = merge_files(lead, [ann]).files
    assert result.status == "unchanged" and "already merged" in result.reason
    assert sha256(lead.path) == before


def test_same_content_in_other_bytes_changes_no_case(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    merge_files(lead, [ann])
    before = content(lead)
    with InspectionFile.open(ann) as source:
        source.set_finding("foreword", "not merged: findings are the lead's")
    [result] = merge_files(lead, [ann]).files
    assert (result.status, result.cases_unchanged, result.answers_changed) == ("merged", 2, 0)
    assert not result.changed_anything
    assert content(lead) == before


def test_non_conflicting_files_in_any_order_give_the_same_master(tmp_path: Path, mini_instrument: Instrument) -> None:
    team = tmp_path / "team"
    team.mkdir()
    ann = team_file(
        team, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": {**FULL_CASE, "cd.gender": "female"}}
    )
    bob = team_file(team, "bob.hmip", "Bob Jones", mini_instrument, {"KT-003": {**FULL_CASE, "cd.report": "none"}})
    with new_file(team, "cy.hmip", "Cy Quinn", mini_instrument) as cy:
        add_case(cy, "KT-001", FULL_CASE, complete=True, notes={"p.plan": "seen the plan"})  # double marking, agreeing
        add_case(cy, "KT-004", {"cd.gender": "male"})  # a draft
        cy.set_illustration("KT-004", True, "good work with housing")
    files = [ann, bob, team / "cy.hmip"]
    results = []
    for n, order in enumerate(itertools.permutations(files)):
        with new_file(tmp_path, f"lead{n}.hmip", "Lee Lead", mini_instrument, role="lead") as master:
            merge_files(master, list(order))
            assert list_conflicts(master) == []
            results.append((content(master), score_file(master, include_incomplete=True).to_json()))
    assert all(result == results[0] for result in results[1:])
    merged, _scores = results[0]
    assert merged["KT-001"][3]["p.plan"] == ("sufficient", "seen the plan")
    assert merged["KT-004"][:3] == ("draft", True, "good work with housing")


# -- re-sent files --------------------------------------------------------------------------------


def test_resent_file_applies_the_assessors_changes(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    merge_files(lead, [ann])
    with InspectionFile.open(ann) as source:
        source.reopen_case("KT-001")
        source.set_answer("KT-001", "p.plan", "insufficient", "the plan missed housing")
    [result] = merge_files(lead, [ann]).files
    assert (result.cases_updated, result.cases_unchanged, result.answers_changed) == (1, 1, 1)
    assert result.conflicts_raised == 0
    assert lead.get_case("KT-001").status == "draft"  # complete -> draft follows the re-sent file
    answer = lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"]
    assert (answer.value, answer.note, answer.assessor) == ("insufficient", "the plan missed housing", "Ann Smith")
    with InspectionFile.open(ann) as source:
        source.complete_case("KT-001")
    merge_files(lead, [ann])
    assert lead.get_case("KT-001").status == "complete"


def test_lead_amendment_and_resent_change_become_a_conflict(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    merge_files(lead, [ann])
    lead.set_answer("KT-001", "p.plan", "not-done", "the lead's reading")  # the lead amends in MASTER
    with InspectionFile.open(ann) as source:
        source.set_answer("KT-001", "p.plan", "insufficient")  # and the assessor changes it too
        source.set_answer("KT-001", "r.rmp", "yes")  # an answer the lead left alone
    [result] = merge_files(lead, [ann]).files
    assert result.conflicts_raised == 1 and result.answers_changed == 1
    assert open_conflicts(lead) == [("KT-001", "p.plan", [("not-done", "Lee Lead"), ("insufficient", "Ann Smith")])]
    answers = lead.answers_for(lead.get_case("KT-001").uuid)
    assert answers["p.plan"].value == "not-done"  # never silently overwritten
    assert answers["r.rmp"].value == "yes"
    assert score_file(lead, include_incomplete=True).cases_held_out == 1


def test_lead_amendment_stands_when_the_assessor_did_not_change_that_answer(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    merge_files(lead, [ann])
    lead.set_answer("KT-001", "p.plan", "not-done")
    with InspectionFile.open(ann) as source:
        source.set_answer("KT-001", "r.rmp", "yes")
    merge_files(lead, [ann])
    answers = lead.answers_for(lead.get_case("KT-001").uuid)
    assert (answers["p.plan"].value, answers["r.rmp"].value) == ("not-done", "yes")
    assert list_conflicts(lead) == []


def test_resent_change_that_agrees_with_the_lead_is_no_conflict(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    merge_files(lead, [ann])
    lead.set_answer("KT-001", "p.plan", "not-done")
    with InspectionFile.open(ann) as source:
        source.set_answer("KT-001", "p.plan", "not-done")
    merge_files(lead, [ann])
    assert list_conflicts(lead) == []


def test_older_copy_after_a_newer_one_is_ignored(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    old_copy = tmp_path / "old" / "ann.hmip"
    old_copy.parent.mkdir()
    shutil.copy(ann, old_copy)
    with InspectionFile.open(ann) as source:
        source.set_answer("KT-001", "p.plan", "insufficient")
    merge_files(lead, [ann])
    [result] = merge_files(lead, [old_copy]).files
    assert (result.status, result.changed_anything) == ("merged", False)
    assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "insufficient"


# -- double marking -------------------------------------------------------------------------------


def test_identical_double_marking_credits_both_assessors(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    with new_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument) as bob:
        add_case(bob, "KT-001", FULL_CASE, complete=True, notes={"p.plan": "agreed after reading"})
    summary = merge_files(lead, [ann, tmp_path / "bob.hmip"])
    assert summary.total("conflicts_raised") == 0
    case = lead.get_case("KT-001")
    credited = [(s.assessor, s.value) for s in provenance(lead)[(case.uuid, "p.plan")]]
    assert credited == [("Ann Smith", "sufficient"), ("Bob Jones", "sufficient")]
    assert lead.answers_for(case.uuid)["p.plan"].note == "agreed after reading"
    assert score_file(lead).cases_scored == 1


def test_differing_double_marking_raises_a_conflict_per_answer(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    bob = team_file(
        tmp_path,
        "bob.hmip",
        "Bob Jones",
        mini_instrument,
        {"KT-001": {**FULL_CASE, "p.plan": "insufficient", "r.rmp": "yes"}},
    )
    [_first, second] = merge_files(lead, [ann, bob]).files
    assert (second.cases_updated, second.conflicts_raised) == (1, 2)
    assert open_conflicts(lead) == [
        ("KT-001", "p.plan", [("sufficient", "Ann Smith"), ("insufficient", "Bob Jones")]),
        ("KT-001", "r.rmp", [("no", "Ann Smith"), ("yes", "Bob Jones")]),
    ]
    result = score_file(lead)
    assert (result.cases_scored, result.cases_held_out, result.unresolved_conflicts) == (1, 1, 2)
    before = sha256(lead.path)
    merge_files(lead, [ann, bob])  # again: no duplicate conflicts
    assert sha256(lead.path) == before


def test_resent_file_that_comes_to_agree_settles_the_conflict(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(
        tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "insufficient"}}
    )
    merge_files(lead, [ann, bob])
    with InspectionFile.open(bob) as source:
        source.reopen_case("KT-001")
        source.set_answer("KT-001", "p.plan", "sufficient")
        source.complete_case("KT-001")
    [result] = merge_files(lead, [bob]).files
    assert result.conflicts_settled == 1
    assert list_conflicts(lead) == []
    [settled] = list_conflicts(lead, include_resolved=True)
    assert (settled.resolved_by, settled.resolution_value) == ("merge", "sufficient")


# -- resolving -----------------------------------------------------------------------------------------


@pytest.fixture
def conflicted(lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument) -> tuple[InspectionFile, Path, Path]:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    merge_files(lead, [ann, bob])
    return lead, ann, bob


def test_resolve_by_taking_an_assessors_side(conflicted: tuple[InspectionFile, Path, Path]) -> None:
    lead, _ann, _bob = conflicted
    assert score_file(lead).cases_held_out == 1
    resolved = resolve_conflict(lead, "KT-001", "p.plan", take="bob jones", note="checked the record")
    assert (resolved.resolution_value, resolved.resolved_by, resolved.resolution_note) == (
        "not-done",
        "Lee Lead",
        "checked the record",
    )
    answer = lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"]
    assert (answer.value, answer.assessor) == ("not-done", "Bob Jones")
    assert list_conflicts(lead) == []
    assert score_file(lead).cases_scored == 1
    entry = [e for e in lead.audit_entries() if e.action == "conflict-resolve"][-1]
    assert (entry.case_ref, entry.question_id, entry.new_value, entry.actor) == (
        "KT-001",
        "p.plan",
        "not-done",
        "Lee Lead",
    )


def test_resolve_by_value(conflicted: tuple[InspectionFile, Path, Path]) -> None:
    lead, _ann, _bob = conflicted
    resolve_conflict(lead, "KT-001", "p.plan", value="insufficient")
    answer = lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"]
    assert (answer.value, answer.assessor) == ("insufficient", "Lee Lead")


def test_resolve_refuses_what_it_cannot_do(conflicted: tuple[InspectionFile, Path, Path]) -> None:
    lead, _ann, _bob = conflicted
    with pytest.raises(CaseError, match="the sides are Ann Smith, Bob Jones"):
        resolve_conflict(lead, "KT-001", "p.plan", take="Cy Quinn")
    with pytest.raises(UserError, match=r"'maybe' is not an answer to p\.plan"):
        resolve_conflict(lead, "KT-001", "p.plan", value="maybe")
    with pytest.raises(CaseError, match=r"no open conflict on KT-001 r\.rmp"):
        resolve_conflict(lead, "KT-001", "r.rmp", value="yes")
    assert len(list_conflicts(lead)) == 1


def test_resolution_is_kept_when_files_are_merged_again(conflicted: tuple[InspectionFile, Path, Path]) -> None:
    lead, ann, bob = conflicted
    resolve_conflict(lead, "KT-001", "p.plan", take="Ann Smith")
    merge_files(lead, [ann, bob])
    assert list_conflicts(lead) == []
    with InspectionFile.open(bob) as source:  # Bob changes his answer again: the lead decides again
        source.reopen_case("KT-001")
        source.set_answer("KT-001", "p.plan", "insufficient")
    merge_files(lead, [bob])
    assert open_conflicts(lead) == [("KT-001", "p.plan", [("sufficient", "Ann Smith"), ("insufficient", "Bob Jones")])]
    assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "sufficient"


def test_incoming_reader_gives_every_answer_with_its_revision(tmp_path: Path, mini_instrument: Instrument) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    with InspectionFile.open(ann) as source:
        source.set_answer("KT-001", "p.plan", "insufficient")
    work = tmp_path / "work"
    work.mkdir()
    incoming = read_incoming(ann, work)
    [case] = incoming.cases
    answers = incoming.answers[case.uuid]
    assert answers["p.plan"].revision == 2 and answers["p.plan"].value == "insufficient"
    assert incoming.sha256 == sha256(ann) and incoming.warnings == []
    conn = sqlite3.connect(ann)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    conn.close()
