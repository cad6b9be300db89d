"""Diverged copies of one assessor file (same file, edited on two laptops) merge answer by answer.

What a file says is the set of its newest versions, told apart by their audit
lineage: a change one copy made and the other did not see is kept; two copies
that changed one answer differently are a conflict, never a silent drop; an
older copy changes nothing; and the result is the same in every order.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, add_case, new_file, team_file

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, available_instruments
from hmip_desktop.model.merge.conflicts import list_conflicts, resolve_conflict
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.merge.one_file import provenance
from hmip_desktop.scoring.load import score_file


def mini() -> Instrument:
    return next(i for i in available_instruments() if i.id == "mini-test")


def outcome(lead: InspectionFile) -> dict[str, Any]:
    """What a merge decides, with a disputed answer as the set of values in dispute (its interim value
    in the lead's file is whichever arrived first, and is never scored)."""
    disputed = {(c.case_ref, c.question_id): frozenset(s.value for s in c.sides) for c in list_conflicts(lead)}
    answers = lead.all_answers()
    cases = {}
    for case in lead.list_cases():
        cases[case.case_ref] = (
            case.status,
            case.illustration,
            case.illustration_text,
            {
                qid: ("disputed", disputed[(case.case_ref, qid)])
                if (case.case_ref, qid) in disputed
                else (a.value, a.note)
                for qid, a in sorted(answers.get(case.uuid, {}).items())
            },
        )
    scores = score_file(lead, include_incomplete=True).to_json()
    return {"cases": cases, "disputed": disputed, "scores": scores}


@pytest.fixture
def laptops(tmp_path: Path, mini_instrument: Instrument) -> tuple[Path, Path, Path]:
    """Ann's file as first merged, and two copies of it edited apart: on her laptop and on the office PC."""
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    office = tmp_path / "office" / "ann.hmip"
    office.parent.mkdir()
    shutil.copy(ann, office)
    first = tmp_path / "first" / "ann.hmip"
    first.parent.mkdir()
    shutil.copy(ann, first)
    return first, ann, office


def edit(path: Path, case_ref: str, **answers: str) -> None:
    with InspectionFile.open(path) as file:
        file.reopen_case(case_ref)
        for qid, value in answers.items():
            file.set_answer(case_ref, qid.replace("_", "."), value)
        file.complete_case(case_ref)


def test_corrections_made_on_two_laptops_are_both_kept_in_either_order(
    tmp_path: Path, mini_instrument: Instrument, laptops: tuple[Path, Path, Path]
) -> None:
    first, laptop, office = laptops
    edit(laptop, "KT-001", p_plan="insufficient")
    edit(office, "KT-001", r_rmp="yes")
    results = []
    for n, order in enumerate([[first, laptop, office], [first, office, laptop], [office, laptop], [laptop, office]]):
        with new_file(tmp_path, f"lead{n}.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
            summary = merge_files(lead, order)
            assert summary.refused == []
            answers = lead.answers_for(lead.get_case("KT-001").uuid)
            assert (answers["p.plan"].value, answers["r.rmp"].value) == ("insufficient", "yes")
            assert list_conflicts(lead) == []
            assert lead.get_case("KT-001").status == "complete"
            results.append(outcome(lead))
            if order[0] is first:
                assert any("edited on two computers" in w for w in summary.files[2].warnings), summary.to_json()
    assert all(result == results[0] for result in results)


def test_two_laptops_that_disagree_on_an_answer_raise_a_conflict(
    tmp_path: Path, mini_instrument: Instrument, laptops: tuple[Path, Path, Path]
) -> None:
    first, laptop, office = laptops
    edit(laptop, "KT-001", p_plan="insufficient")
    edit(office, "KT-001", p_plan="not-done", r_rmp="yes")
    for n, order in enumerate(itertools.permutations([first, laptop, office])):
        with new_file(tmp_path, f"lead{n}.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
            merge_files(lead, list(order))
            [conflict] = list_conflicts(lead)
            assert (conflict.case_ref, conflict.question_id) == ("KT-001", "p.plan")
            assert sorted((s.value, s.assessor, s.source) for s in conflict.sides) == [
                ("insufficient", "Ann Smith", "ann.hmip"),
                ("not-done", "Ann Smith", "ann.hmip"),
            ]
            assert lead.answers_for(lead.get_case("KT-001").uuid)["r.rmp"].value == "yes"
            result = score_file(lead)
            assert (result.cases_scored, result.cases_held_out) == (1, 1)  # KT-002 scored, KT-001 held out
            case = lead.get_case("KT-001")
            said = sorted(s.value or "" for s in provenance(lead, case.uuid)[(case.uuid, "p.plan")])
            assert said == ["insufficient", "not-done"]
            resolve_conflict(lead, "KT-001", "p.plan", value="insufficient", note="checked with Ann")
            assert score_file(lead).cases_scored == 2


def test_a_copy_that_has_seen_the_other_supersedes_it(
    tmp_path: Path, mini_instrument: Instrument, laptops: tuple[Path, Path, Path]
) -> None:
    """The office copy is brought back to the laptop and edited again there: a newer copy, not a rival."""
    first, _laptop, office = laptops
    edit(office, "KT-001", p_plan="not-done")
    newer = tmp_path / "newer" / "ann.hmip"
    newer.parent.mkdir()
    shutil.copy(office, newer)
    edit(newer, "KT-001", p_plan="insufficient")
    for n, order in enumerate(itertools.permutations([first, office, newer])):
        with new_file(tmp_path, f"lead{n}.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
            summary = merge_files(lead, list(order))
            assert list_conflicts(lead) == []
            assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "insufficient"
            assert not any("two computers" in w for f in summary.files for w in f.warnings)


def test_a_diverged_copy_that_changes_a_lead_amendment_raises_a_conflict(
    tmp_path: Path, mini_instrument: Instrument, laptops: tuple[Path, Path, Path]
) -> None:
    first, laptop, office = laptops
    edit(laptop, "KT-001", p_plan="insufficient")
    with new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [first, laptop])
        lead.reopen_case("KT-001")
        lead.set_answer("KT-001", "p.plan", "sufficient", "the lead's reading")
        edit(office, "KT-001", p_plan="not-done")
        merge_files(lead, [office])
        [conflict] = list_conflicts(lead)
        assert sorted((s.value, s.assessor) for s in conflict.sides) == [
            ("not-done", "Ann Smith"),
            ("sufficient", "Lee Lead"),
        ]
        assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "sufficient"  # never overwritten


def test_a_file_merged_before_lineages_were_kept_still_takes_a_newer_copy(
    tmp_path: Path, mini_instrument: Instrument
) -> None:
    """A lead file merged by an earlier version holds no lineage: revisions decide, as they did then."""
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    with new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [ann])
        lead.conn.execute("BEGIN")
        rows = lead.conn.execute("SELECT case_uuid, source_id, answers FROM case_sources").fetchall()
        import json

        for case_uuid, source_id, said in rows:
            old = {k: v[:4] for k, v in json.loads(said).items() if not k.startswith("#")}
            lead.conn.execute(
                "UPDATE case_sources SET answers = ? WHERE case_uuid = ? AND source_id = ?",
                (json.dumps(old), case_uuid, source_id),
            )
        lead.conn.execute("COMMIT")
        edit(ann, "KT-001", p_plan="not-done")
        [result] = merge_files(lead, [ann]).files
        assert (result.answers_changed, result.conflicts_raised) == (1, 0)
        assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "not-done"


# -- the property: any family of copies, merged in any order -------------------------------------------

EDITABLE = ["cd.gender", "cd.rosh", "p.plan", "r.rmp", "v.victims", "l.oversight"]
CASES = ["KT-001", "KT-002"]

EDIT = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(CASES), st.sampled_from(EDITABLE), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("status"), st.sampled_from(CASES), st.booleans()),
    st.tuples(st.just("illustration"), st.sampled_from(CASES), st.booleans()),
)
#: Each copy: which earlier copy it was taken from (0: the file as first sent), and the edits made on it.
FAMILY = st.lists(st.tuples(st.integers(0, 4), st.lists(EDIT, max_size=4)), min_size=1, max_size=4)


@dataclass
class Copy:
    """The test's own account of one copy: per (case, key) the ids of the edits behind it, and its values."""

    path: Path
    history: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    values: dict[tuple[str, str], Any] = field(default_factory=dict)

    def derive(self, path: Path) -> Copy:
        shutil.copy(self.path, path)
        return Copy(path, {k: list(v) for k, v in self.history.items()}, dict(self.values))


def apply_edits(copy: Copy, edits: list[tuple[Any, ...]], instrument: Instrument, ids: itertools.count[int]) -> None:
    with InspectionFile.open(copy.path) as file:

        def record(case_ref: str, key: str, value: Any) -> None:
            if copy.values[(case_ref, key)] != value:
                copy.history[(case_ref, key)].append(next(ids))
                copy.values[(case_ref, key)] = value

        for kind, case_ref, *rest in edits:
            if kind == "answer":
                qid, pick, with_note = rest
                value = instrument.question(qid).options[pick % len(instrument.question(qid).options)].value
                note = f"note {next(ids)}" if with_note else None
                old = copy.values[(case_ref, qid)]
                new = (value, note if note is not None else old[1])
                if new == old:
                    continue
                if copy.values[(case_ref, "#status")] == "complete":
                    file.reopen_case(case_ref)
                    record(case_ref, "#status", "draft")
                file.set_answer(case_ref, qid, value, note)
                record(case_ref, qid, new)
            elif kind == "status":
                (complete,) = rest
                (file.complete_case if complete else file.reopen_case)(case_ref)
                record(case_ref, "#status", "complete" if complete else "draft")
            else:
                (flagged,) = rest
                text = f"illustration {next(ids)}" if flagged else ""
                file.set_illustration(case_ref, flagged, text)
                record(case_ref, "#illustration", (flagged, text))


def expected_positions(copies: list[Copy], key: tuple[str, str]) -> list[Any]:
    """The values of the newest versions among the copies: those no other copy has seen and replaced."""
    versions = {(copy.history[key][-1], copy.values[key]) for copy in copies}
    return [
        value
        for last, value in versions
        if not any(last in copy.history[key] and copy.history[key][-1] != last for copy in copies)
    ]


@settings(
    max_examples=int(os.environ.get("HMIP_DIVERGED_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(family=FAMILY, data=st.data())
def test_any_family_of_copies_merges_the_same_in_every_order(family: list[Any], data: st.DataObject) -> None:
    instrument = mini()
    ids = itertools.count(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with new_file(folder, "ann.hmip", "Ann Smith", instrument) as ann:
            for case_ref in CASES:
                add_case(ann, case_ref, FULL_CASE, complete=True)
        original = Copy(folder / "ann.hmip")
        for case_ref in CASES:
            for qid in EDITABLE:
                original.history[(case_ref, qid)] = [next(ids)]
                original.values[(case_ref, qid)] = (FULL_CASE[qid], "")
            original.history[(case_ref, "#status")] = [next(ids)]
            original.values[(case_ref, "#status")] = "complete"
            original.history[(case_ref, "#illustration")] = [next(ids)]
            original.values[(case_ref, "#illustration")] = (False, "")
        copies = [original]
        for n, (parent, edits) in enumerate(family, start=1):
            (folder / f"copy{n}").mkdir()
            copy = copies[parent % len(copies)].derive(folder / f"copy{n}" / "ann.hmip")
            apply_edits(copy, edits, instrument, ids)
            copies.append(copy)

        orders = [copies, copies[::-1], data.draw(st.permutations(copies))]
        results = []
        for n, order in enumerate(orders):
            with new_file(folder, f"lead{n}.hmip", "Lee Lead", instrument, role="lead") as lead:
                summary = merge_files(lead, [copy.path for copy in order])
                assert summary.refused == []
                results.append(outcome(lead))
        assert results[1] == results[0]
        assert results[2] == results[0]

        # Nothing silently dropped: each answer is what the newest versions agree on, or a conflict among them.
        merged = results[0]
        for case_ref in CASES:
            status, flagged, _text, answers = merged["cases"][case_ref]
            for qid in EDITABLE:
                positions = expected_positions(copies, (case_ref, qid))
                values = {value for value, _note in positions}
                if len(values) > 1:
                    assert answers[qid] == ("disputed", frozenset(values)), (case_ref, qid, positions)
                else:
                    assert answers[qid][0] == next(iter(values)), (case_ref, qid, positions)
            statuses = expected_positions(copies, (case_ref, "#status"))
            assert status == ("complete" if all(s == "complete" for s in statuses) else "draft")
            illustrations = expected_positions(copies, (case_ref, "#illustration"))
            assert flagged == any(flag for flag, _text in illustrations)
