"""Each inspection's own scores within an aggregate file (one entry for an ordinary file)."""

from __future__ import annotations

from collections.abc import Sequence

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.aggregate import case_inspection_ids
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.load import inputs_from_file
from hmip_desktop.scoring.result import ScoringResult


def scores_by_inspection(
    inspection: InspectionFile, *, include_incomplete: bool = False, by: Sequence[str] = ()
) -> dict[str, ScoringResult]:
    """Each inspection's own scores within an aggregate (one entry for an ordinary file)."""
    inspection_of = case_inspection_ids(inspection)
    groups: dict[str, list[CaseInput]] = {}
    for case in inputs_from_file(inspection):
        groups.setdefault(inspection_of[case.uuid], []).append(case)
    open_by_case: dict[str, int] = {}
    for conflict in list_conflicts(inspection):
        open_by_case[conflict.case_uuid] = open_by_case.get(conflict.case_uuid, 0) + 1
    return {
        inspection_id: score_cases(
            inspection.instrument,
            cases,
            include_incomplete=include_incomplete,
            by=by,
            unresolved_conflicts=sum(open_by_case.get(case.uuid, 0) for case in cases),
        )
        for inspection_id, cases in sorted(groups.items())
    }
