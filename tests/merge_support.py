"""Helpers for the merge tests: team files with the mini-test instrument, and MASTER's content."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hmip_desktop.model.file.records import Role
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument

INSPECTION = "KENT-2014"

#: A full, completable set of answers for the mini-test instrument.
FULL_CASE: dict[str, str] = {
    "cd.gender": "male",
    "cd.rosh": "medium",
    "cd.report": "written",
    "s.quality": "yes",
    "s.proposal": "no",
    "f.acc.identified": "yes",
    "p.plan": "sufficient",
    "r.rmp": "no",
    "v.victims": "yes",
    "f.acc.interventions": "yes",
    "f.acc.progress": "insufficient",
    "l.oversight": "no",
}


def new_file(
    folder: Path,
    name: str,
    assessor: str,
    instrument: Instrument,
    *,
    role: Role = "inspector",
    inspection: str = INSPECTION,
) -> InspectionFile:
    return InspectionFile.create(
        folder / name, inspection_id=inspection, area="Kent", assessor=assessor, role=role, instrument=instrument
    )


def add_case(
    inspection: InspectionFile,
    case_ref: str,
    answers: Mapping[str, str] | None = None,
    *,
    complete: bool = False,
    notes: Mapping[str, str] | None = None,
) -> None:
    # Only answers to questions that apply (a changed gate drops the questions behind it).
    values = relevance.effective_values(inspection.instrument, dict(FULL_CASE if answers is None else answers))
    notes = notes or {}
    for qid, value in values.items():
        inspection.set_answer(case_ref, qid, value, notes.get(qid), create_case=True)
    if complete:
        inspection.complete_case(case_ref)


def team_file(
    folder: Path,
    name: str,
    assessor: str,
    instrument: Instrument,
    cases: Mapping[str, Mapping[str, str] | None],
    *,
    complete: bool = True,
    inspection: str = INSPECTION,
) -> Path:
    """A closed assessor's file holding `cases` (None: FULL_CASE)."""
    with new_file(folder, name, assessor, instrument, inspection=inspection) as file:
        for ref, answers in cases.items():
            add_case(file, ref, answers, complete=complete)
    return folder / name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def content(master: InspectionFile) -> dict[str, Any]:
    """What the merge decides: per case_ref its status, illustration, and answer values and notes."""
    answers = master.all_answers()
    return {
        case.case_ref: (
            case.status,
            case.illustration,
            case.illustration_text,
            {qid: (a.value, a.note) for qid, a in sorted(answers.get(case.uuid, {}).items())},
        )
        for case in master.list_cases()
    }
