"""The cases behind a figure: which case refs make up a question's "n of N".

The lead clicks a figure on the dashboard and wants to read the cases behind
it. These functions walk the cases exactly as `score_cases` does (same plan,
same relevance, same held-out and incomplete rules), so the lists always
match the counts shown: len(above) == n and len(above) + len(below) == N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.engine import _plan_for, _walk, breakdown_question
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.result import NOT_RECORDED


@dataclass(frozen=True)
class CasesBehind:
    question_id: str
    #: Case refs judged above the line (the n), in input order.
    above: tuple[str, ...]
    #: Case refs judged below the line (N - n).
    below: tuple[str, ...]
    #: Relevant and answered with a "not counted" option (outside N).
    not_counted: tuple[str, ...]


def _group_value(instrument: Instrument, effective: dict[str, str], context_id: str) -> str:
    value = effective.get(context_id, NOT_RECORDED)
    if instrument.by_id[context_id].option(value) is None:
        return NOT_RECORDED
    return value


def _counted(case: CaseInput, include_incomplete: bool) -> bool:
    return not case.held_out and (case.complete or include_incomplete)


def cases_behind(
    instrument: Instrument,
    cases: Sequence[CaseInput],
    question_id: str,
    *,
    include_incomplete: bool = False,
    within: tuple[str, str] | None = None,
) -> CasesBehind:
    """The case refs above and below the line on one scored question.

    `within` = (context question id, option value) limits the walk to one
    breakdown group, matching the group's own "n of N".
    """
    question = instrument.question(question_id)
    if within is not None:
        breakdown_question(instrument, within[0])
    plan = _plan_for(instrument)
    above: list[str] = []
    below: list[str] = []
    not_counted: list[str] = []
    for case in cases:
        if not _counted(case, include_incomplete):
            continue
        effective, _events = _walk(plan, case.values)
        if within is not None and _group_value(instrument, effective, within[0]) != within[1]:
            continue
        value = effective.get(question_id)
        if value is None:
            continue
        option = question.option(value)
        if option is None or option.above_line is None:
            not_counted.append(case.case_ref)
        elif option.above_line:
            above.append(case.case_ref)
        else:
            below.append(case.case_ref)
    return CasesBehind(question_id, tuple(above), tuple(below), tuple(not_counted))


def cases_in_groups(
    instrument: Instrument, cases: Sequence[CaseInput], context_id: str, *, include_incomplete: bool = False
) -> dict[str, tuple[str, ...]]:
    """Case refs per breakdown group (option value, or NOT_RECORDED), matching the groups' case counts."""
    breakdown_question(instrument, context_id)
    plan = _plan_for(instrument)
    groups: dict[str, list[str]] = {}
    for case in cases:
        if not _counted(case, include_incomplete):
            continue
        effective, _events = _walk(plan, case.values)
        groups.setdefault(_group_value(instrument, effective, context_id), []).append(case.case_ref)
    return {value: tuple(refs) for value, refs in groups.items()}
