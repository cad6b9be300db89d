"""The one-pass audit check finds exactly what an independent chain check finds; the hash is the documented one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from audit_support import reference_hash, verify_audit_chain
from hypothesis import given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, add_case, new_file, team_file

from hmip_desktop.model.file.audit import AUDIT_FIELDS, check_audit, entry_hash
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.files import merge_files

TEXT = st.one_of(
    st.none(), st.text(max_size=30), st.sampled_from(['"quoted"', "back\\slash", "tab\there", "ŵŷ", "\u2028"])
)
#: What a doctored file can hold where text belongs.
DOCTORED = st.one_of(TEXT, st.integers(), st.floats(allow_nan=False))


@settings(max_examples=300)
@given(
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    fields=st.fixed_dictionaries({name: DOCTORED for name in AUDIT_FIELDS}),
)
def test_entry_hash_is_the_documented_json_hash(prev: str, fields: dict[str, object]) -> None:
    assert entry_hash(prev, **fields) == reference_hash(prev, fields)


def stored_values(inspection: InspectionFile) -> dict[tuple[str, str], str | None]:
    refs = {case.uuid: case.case_ref for case in inspection.list_cases()}
    return {
        (refs[case_uuid], qid): answer.value
        for case_uuid, answers in inspection.all_answers().items()
        for qid, answer in answers.items()
    }


def assert_same_findings(path: Path, *, tampered: bool) -> None:
    with InspectionFile.open(path, read_only=True) as inspection:
        result = check_audit(inspection.conn, stored_values(inspection))
        broken = verify_audit_chain(inspection)
        assert result.broken == (None if broken is None else (broken.seq, broken.action, broken.at))
    assert bool(result.broken or result.inconsistencies) == tampered  # each edit is found by one or the other


def edit_outside(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.fixture
def assessor_file(tmp_path: Path, mini_instrument: Instrument) -> Path:
    with new_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument) as ann:
        add_case(ann, "KT-001", FULL_CASE, complete=True, notes={"p.plan": 'a "quoted" note ŵ'})
        add_case(ann, "KT-002", {"cd.gender": "female", "p.plan": "not-done"})
        ann.set_answer("KT-002", "p.plan", "insufficient")
        ann.set_answer("KT-002", "cd.gender", None)
    return tmp_path / "ann.hmip"


@pytest.fixture
def lead_file(tmp_path: Path, mini_instrument: Instrument, assessor_file: Path) -> Path:
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    with new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [assessor_file, bob])
    return tmp_path / "lead.hmip"


TAMPERING = {
    "clean": None,
    "answer": "UPDATE answers SET value = 'yes' WHERE question_id = 'r.rmp'",
    "entry": "UPDATE audit SET detail = 'nothing to see' WHERE seq = 2",
    "tail": "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit WHERE action LIKE 'answer%')",
    "prev-hash": "UPDATE audit SET prev_hash = 'x' WHERE seq = 3",
    "old-value": "UPDATE audit SET old_value = 'yes' WHERE seq = (SELECT max(seq) FROM audit WHERE action = 'answer')",
    "bulk-entry": "UPDATE audit SET new_value = '{\"p.plan\": \"no\"}' WHERE action = 'answers-merge'",
}
ASSESSOR_CASES = ["clean", "answer", "entry", "tail", "prev-hash", "old-value"]
LEAD_CASES = ["clean", "answer", "entry", "tail", "prev-hash", "bulk-entry"]


@pytest.mark.parametrize("name", ASSESSOR_CASES)
def test_same_findings_on_an_assessors_file(assessor_file: Path, name: str) -> None:
    tampering = TAMPERING[name]
    if tampering:
        edit_outside(assessor_file, tampering)
    assert_same_findings(assessor_file, tampered=tampering is not None)


@pytest.mark.parametrize("name", LEAD_CASES)
def test_same_findings_on_a_merged_lead_file(lead_file: Path, name: str) -> None:
    tampering = TAMPERING[name]
    if tampering:
        edit_outside(lead_file, tampering)
    assert_same_findings(lead_file, tampered=tampering is not None)
