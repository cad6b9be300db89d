"""Reading an inspection file into scoring inputs, through the store's API (no SQL here)."""

from __future__ import annotations

from collections.abc import Sequence

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import conflicted_case_uuids, list_conflicts
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.result import ScoringResult


def inputs_from_file(inspection: InspectionFile) -> list[CaseInput]:
    """Every case of the file with its answer values; cases with an open conflict are marked held out."""
    values = inspection.all_values()
    held = conflicted_case_uuids(inspection)
    return [
        CaseInput(
            uuid=case.uuid,
            case_ref=case.case_ref,
            complete=case.is_complete,
            held_out=case.uuid in held,
            values=values.get(case.uuid, {}),
            inspection_id=inspection.inspection_id,
        )
        for case in inspection.list_cases()
    ]


def score_file(
    inspection: InspectionFile, *, include_incomplete: bool = False, by: Sequence[str] = ()
) -> ScoringResult:
    return score_cases(
        inspection.instrument,
        inputs_from_file(inspection),
        include_incomplete=include_incomplete,
        by=by,
        unresolved_conflicts=len(list_conflicts(inspection)),
    )
