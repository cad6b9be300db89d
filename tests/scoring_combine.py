"""Combining results scored separately (several inspections into a national figure): a reference for the tests.

Question counts add up exactly; scores do not (a mean of two inspections' 50 %
is not the national 50 % unless they had the same number of cases). So the
counts are summed and every mean is recomputed from them, which gives exactly
what scoring all the cases together gives -- except the criteria's and
outcomes' 95 % intervals, which need each case's answers, not the counts
(`scoring.intervals`): a combined result has none (the questions' Wilson
intervals, from counts, are there).
"""

from __future__ import annotations

from collections.abc import Sequence

from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.engine import criterion_scores, factor_rows, outcome_scores, question_score
from hmip_desktop.scoring.result import MIN_GROUP_CASES, Breakdown, GroupScores, QuestionScore, ScoringResult


def _sum_questions(instrument: Instrument, parts: Sequence[dict[str, QuestionScore]]) -> dict[str, QuestionScore]:
    summed: dict[str, QuestionScore] = {}
    for question in instrument.scored_questions:
        qid = question.id
        present = [part[qid] for part in parts if qid in part]
        summed[qid] = question_score(
            qid,
            sum(q.applicable for q in present),
            sum(q.above_line for q in present),
            sum(q.not_counted for q in present),
            sum(q.unanswered for q in present),
        )
    return summed


def _combine_breakdown(instrument: Instrument, parts: Sequence[Breakdown]) -> Breakdown:
    order: dict[str, str] = {}
    members: dict[str, list[GroupScores]] = {}
    for breakdown in parts:
        for group in breakdown.groups:
            order.setdefault(group.value, group.label)
            members.setdefault(group.value, []).append(group)
    groups = []
    for value, label in order.items():
        cases = sum(g.cases for g in members[value])
        questions = _sum_questions(instrument, [g.questions for g in members[value]])
        groups.append(
            GroupScores(
                value=value,
                label=label,
                cases=cases,
                too_small=cases < MIN_GROUP_CASES,
                outcomes=outcome_scores(instrument, questions),
                questions=questions,
            )
        )
    return Breakdown(question_id=parts[0].question_id, label=parts[0].label, groups=tuple(groups))


def combine_results(instrument: Instrument, results: Sequence[ScoringResult]) -> ScoringResult:
    """One result for all the cases behind `results`, as if scored together.

    Breakdowns are kept for the questions every result was broken down by.
    """
    for result in results:
        if (result.instrument_id, result.instrument_version) != (instrument.id, instrument.version):
            raise InstrumentError(
                f"cannot combine scores made with {result.instrument_id} v{result.instrument_version} "
                f"with scores made with {instrument.id} v{instrument.version}"
            )
    if len({r.include_incomplete for r in results}) > 1:
        raise ValueError("cannot combine results that differ in whether incomplete cases count")
    questions = _sum_questions(instrument, [r.questions for r in results])
    shared_by = [qid for qid in (results[0].breakdowns if results else {}) if all(qid in r.breakdowns for r in results)]
    return ScoringResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        cases_scored=sum(r.cases_scored for r in results),
        cases_held_out=sum(r.cases_held_out for r in results),
        unresolved_conflicts=sum(r.unresolved_conflicts for r in results),
        cases_incomplete=sum(r.cases_incomplete for r in results),
        include_incomplete=results[0].include_incomplete if results else False,
        questions=questions,
        criteria=criterion_scores(instrument, questions),
        outcomes=outcome_scores(instrument, questions),
        factors=factor_rows(instrument, questions),
        breakdowns={qid: _combine_breakdown(instrument, [r.breakdowns[qid] for r in results]) for qid in shared_by},
    )
