"""The inspectorate's scoring method (Appendix 5), exact and fast.

- A question's score is the share of the cases where it applies in which the
  work was above the line. A case counts for a question only where the
  question is relevant to it (stale answers never count), answered, and the
  answer's option has `above_line` True or False (not "not counted").
  A question with no such case has no score and is left out of every mean.
- A criterion's score is the mean of its questions' scores; an outcome's score
  is the mean of the scores of every question counting towards it
  (`question.outcomes`, so one question may sit in two outcomes).
- Only complete cases count unless `include_incomplete`; cases held out by an
  open merge conflict never count.
- Criteria and outcomes carry a 95 % interval (`scoring.intervals`: Taylor
  linearisation with the case as the unit), from one more pass over the
  scored cases' event codes; questions have their Wilson interval.

Each case is walked once in form order (relevance and tallies together);
only integers are tallied, and Fractions are made once per question at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from math import lcm
from typing import NamedTuple

from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.definition import Instrument, Question, ValueRule
from hmip_desktop.model.instrument.relevance import Predicate, compile_rule
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.intervals import linearised_intervals
from hmip_desktop.scoring.result import (
    MIN_GROUP_CASES,
    NOT_RECORDED,
    NOT_RECORDED_LABEL,
    Breakdown,
    CriterionScore,
    FactorRow,
    GroupScores,
    OutcomeScore,
    QuestionScore,
    ScoringResult,
)

__all__ = ["mean", "percent", "percent_or_none", "score_cases"]


# -- exact arithmetic -----------------------------------------------------------


def percent(value: Fraction) -> int:
    """A share in 0..1 as a whole percentage, rounded half up from the exact value.

    62.5 % -> 63, 23/40 (57.5 %) -> 58; integer arithmetic, never a float.
    """
    value = Fraction(value)
    # floor(100 * n / d + 1/2) == (200 * n + d) // (2 * d)
    return (200 * value.numerator + value.denominator) // (2 * value.denominator)


def percent_or_none(value: Fraction | None) -> int | None:
    return None if value is None else percent(value)


def mean(values: Iterable[Fraction]) -> Fraction | None:
    """The exact mean, or None for no values (so empty things drop out of averages)."""
    items = list(values)
    if not items:
        return None
    # Over a common denominator: one normalisation instead of one per addition.
    common = lcm(*(item.denominator for item in items))
    total = sum(item.numerator * (common // item.denominator) for item in items)
    return Fraction(total, common * len(items))


# -- the plan: the instrument compiled once ----------------------------------------

Effective = dict[str, str]

#: A tally is a Counter of event codes; a scored question at slot i owns the codes
#: 4*i + kind, so one case's contribution is a flat list of ints counted in C.
_APPLICABLE, _ABOVE, _NOT_COUNTED, _UNANSWERED = range(4)
_KINDS = 4


class _Step(NamedTuple):
    question_id: str
    #: A single "question in values" rule, checked inline (the common case) ...
    gate: str | None
    allowed: frozenset[str]
    #: ... or any other rule, compiled; both None when the question always applies.
    predicate: Predicate | None
    #: Scored questions only: the event codes each option value adds.
    codes: Mapping[str, tuple[int, ...]] | None
    unanswered: tuple[int, ...]
    unknown_value: tuple[int, ...]


@dataclass(frozen=True)
class _Plan:
    steps: tuple[_Step, ...]
    scored: tuple[Question, ...]


def _event_codes(question: Question, slot: int) -> dict[str, tuple[int, ...]]:
    base = slot * _KINDS
    codes: dict[str, tuple[int, ...]] = {}
    for option in question.options:
        if option.above_line is None:
            codes[option.value] = (base + _NOT_COUNTED,)
        elif option.above_line:
            codes[option.value] = (base + _APPLICABLE, base + _ABOVE)
        else:
            codes[option.value] = (base + _APPLICABLE,)
    return codes


def _step(question: Question, slot: int | None) -> _Step:
    rule = question.relevant_if
    simple = rule if isinstance(rule, ValueRule) else None
    return _Step(
        question_id=question.id,
        gate=simple.question if simple else None,
        allowed=frozenset(simple.in_) if simple else frozenset(),
        predicate=compile_rule(rule) if rule is not None and simple is None else None,
        codes=_event_codes(question, slot) if slot is not None else None,
        unanswered=(slot * _KINDS + _UNANSWERED,) if slot is not None else (),
        # An answer outside the options (an untrusted file) counts like "not counted".
        unknown_value=(slot * _KINDS + _NOT_COUNTED,) if slot is not None else (),
    )


_plans: dict[int, tuple[Instrument, _Plan]] = {}


def _plan_for(instrument: Instrument) -> _Plan:
    # Keyed by identity; the instrument is kept alive alongside so the id cannot be reused.
    cached = _plans.get(id(instrument))
    if cached is not None and cached[0] is instrument:
        return cached[1]
    scored = instrument.scored_questions
    slots = {q.id: i for i, q in enumerate(scored)}
    plan = _Plan(steps=tuple(_step(q, slots.get(q.id)) for q in instrument.questions), scored=scored)
    if len(_plans) > 16:
        _plans.clear()
    _plans[id(instrument)] = (instrument, plan)
    return plan


# -- tallies ------------------------------------------------------------------------


class _Tally:
    """Integer counts of event codes for one set of cases."""

    __slots__ = ("cases", "events")

    def __init__(self) -> None:
        self.cases = 0
        self.events: Counter[int] = Counter()

    def add(self, events: list[int]) -> None:
        self.cases += 1
        self.events.update(events)

    def counts(self, slot: int) -> tuple[int, int, int, int]:
        base = slot * _KINDS
        get = self.events.get
        return (
            get(base + _APPLICABLE, 0),
            get(base + _ABOVE, 0),
            get(base + _NOT_COUNTED, 0),
            get(base + _UNANSWERED, 0),
        )


def _walk(plan: _Plan, values: Mapping[str, str]) -> tuple[Effective, list[int]]:
    """One case in form order: its effective (non-stale) answers and the event codes it adds."""
    effective: Effective = {}
    events: list[int] = []
    extend = events.extend
    get = values.get
    for question_id, gate, allowed, predicate, codes, unanswered, unknown_value in plan.steps:
        if gate is not None:
            if effective.get(gate) not in allowed:
                continue
        elif predicate is not None and not predicate(effective):
            continue
        value = get(question_id)
        if value is None:
            extend(unanswered)
            continue
        effective[question_id] = value
        if codes is not None:
            extend(codes.get(value, unknown_value))
    return effective, events


# -- from tallies to scores --------------------------------------------------------------


def question_score(
    question_id: str, applicable: int, above: int, not_counted: int = 0, unanswered: int = 0
) -> QuestionScore:
    """A question's score from its counts (counts add up across files; scores do not)."""
    score = Fraction(above, applicable) if applicable else None
    return QuestionScore(
        question_id=question_id,
        applicable=applicable,
        above_line=above,
        score=score,
        percent=percent_or_none(score),
        not_counted=not_counted,
        unanswered=unanswered,
    )


def _question_scores(plan: _Plan, tally: _Tally) -> dict[str, QuestionScore]:
    return {question.id: question_score(question.id, *tally.counts(slot)) for slot, question in enumerate(plan.scored)}


def _scores(questions: Mapping[str, QuestionScore], ids: Iterable[str]) -> list[Fraction]:
    return [score for qid in ids if (score := questions[qid].score) is not None]


def outcome_scores(instrument: Instrument, questions: Mapping[str, QuestionScore]) -> dict[str, OutcomeScore]:
    members: dict[str, list[str]] = {o.key: [] for o in instrument.outcomes}
    for question in instrument.scored_questions:
        if questions[question.id].score is None:
            continue
        for key in question.outcomes:
            members[key].append(question.id)
    result: dict[str, OutcomeScore] = {}
    for outcome in instrument.outcomes:
        ids = members[outcome.key]
        score = mean(_scores(questions, ids))
        result[outcome.key] = OutcomeScore(
            key=outcome.key,
            number=outcome.number,
            title=outcome.title,
            score=score,
            percent=percent_or_none(score),
            questions=tuple(ids),
        )
    return result


def criterion_scores(instrument: Instrument, questions: Mapping[str, QuestionScore]) -> dict[str, CriterionScore]:
    members: dict[str, list[str]] = {c.code: [] for c in instrument.criteria}
    for question in instrument.scored_questions:
        if questions[question.id].score is not None and question.criterion is not None:
            members[question.criterion].append(question.id)
    result: dict[str, CriterionScore] = {}
    for criterion in instrument.criteria:
        ids = members[criterion.code]
        score = mean(_scores(questions, ids))
        result[criterion.code] = CriterionScore(
            code=criterion.code,
            title=criterion.title,
            outcome=criterion.outcome,
            score=score,
            percent=percent_or_none(score),
            questions=tuple(ids),
        )
    return result


def factor_cell(score: QuestionScore | None) -> tuple[int | None, int, int]:
    """(percent, sufficient, base) of one cell of the offending-related factors table.

    The base is every case where the question applies and was answered, answers that are not
    counted included: the table reads "of the cases where the factor was linked to offending, the
    share where enough was done", so a "too early to judge" progress answer is in the base and is
    not sufficient progress (the question's own score leaves it out, as every question score does).
    """
    if score is None:
        return None, 0, 0
    base = score.applicable + score.not_counted
    return percent_or_none(Fraction(score.above_line, base) if base else None), score.above_line, base


def factor_rows(instrument: Instrument, questions: Mapping[str, QuestionScore]) -> tuple[FactorRow, ...]:
    rows: list[FactorRow] = []
    for factor in instrument.factors:
        by_aspect: dict[str, QuestionScore] = {}
        for question in instrument.scored_questions:
            link = question.factor
            if link is not None and link.factor == factor.key and link.aspect not in by_aspect:
                by_aspect[link.aspect] = questions[question.id]
        identified = by_aspect.get("identified")
        interventions = by_aspect.get("interventions")
        progress = by_aspect.get("progress")
        interventions_percent, interventions_above, interventions_base = factor_cell(interventions)
        progress_percent, progress_above, progress_base = factor_cell(progress)
        rows.append(
            FactorRow(
                factor=factor.key,
                label=factor.label,
                identified=identified.above_line if identified else 0,
                identified_of=identified.applicable if identified else 0,
                interventions_sufficient=interventions_percent,
                interventions_above=interventions_above,
                interventions_applicable=interventions_base,
                progress_sufficient=progress_percent,
                progress_above=progress_above,
                progress_applicable=progress_base,
                identified_question=identified.question_id if identified else None,
                interventions_question=interventions.question_id if interventions else None,
                progress_question=progress.question_id if progress else None,
            )
        )
    return tuple(rows)


def breakdown_question(instrument: Instrument, question_id: str) -> Question:
    """The context question a breakdown is by; a clear error for anything else."""
    question = instrument.by_id.get(question_id)
    if question is None:
        raise InstrumentError(
            f"cannot break down by {question_id!r}: the instrument {instrument.id} has no such question; "
            "`hmip instrument` lists the case-detail questions"
        )
    if not question.is_context:
        raise InstrumentError(
            f"cannot break down by {question_id!r}: it is a scored question; breakdowns are by case-detail "
            f"questions such as {', '.join(q.id for q in instrument.context_questions[:3])}"
        )
    return question


# -- the entry point ---------------------------------------------------------------------


def score_cases(
    instrument: Instrument,
    cases: Sequence[CaseInput],
    *,
    include_incomplete: bool = False,
    by: Sequence[str] = (),
    unresolved_conflicts: int | None = None,
) -> ScoringResult:
    """Score `cases` with `instrument`'s method.

    `by` names context questions to break the outcome scores down by.
    `unresolved_conflicts` is the number of open conflicts behind the held-out
    cases (a file knows it; when not given, one per held-out case is assumed).
    Every criterion and outcome with a score gets its 95 % interval
    (`scoring.intervals`: a few additions per answer, so always computed).
    """
    plan = _plan_for(instrument)
    by_questions = [breakdown_question(instrument, qid) for qid in dict.fromkeys(by)]
    overall = _Tally()
    group_tallies: list[dict[str, _Tally]] = [{} for _ in by_questions]
    held_out = incomplete = 0
    scored_events: list[list[int]] = []

    for case in cases:
        if case.held_out:
            held_out += 1
            continue
        if not case.complete and not include_incomplete:
            incomplete += 1
            continue
        effective, events = _walk(plan, case.values)
        overall.add(events)
        scored_events.append(events)
        for question, tallies in zip(by_questions, group_tallies):
            value = effective.get(question.id, NOT_RECORDED)
            if question.option(value) is None:
                value = NOT_RECORDED  # an unknown value in an untrusted file is not a group of its own
            tally = tallies.get(value)
            if tally is None:
                tally = tallies[value] = _Tally()
            tally.add(events)

    questions = _question_scores(plan, overall)
    breakdowns: dict[str, Breakdown] = {}
    for question, tallies in zip(by_questions, group_tallies):
        groups: list[GroupScores] = []
        labels = [(o.value, o.label) for o in question.options] + [(NOT_RECORDED, NOT_RECORDED_LABEL)]
        for value, label in labels:
            tally = tallies.get(value)
            if tally is None and value == NOT_RECORDED:
                continue  # only shown when some case lacks the answer
            tally = tally or _Tally()
            group_questions = _question_scores(plan, tally)
            groups.append(
                GroupScores(
                    value=value,
                    label=label,
                    cases=tally.cases,
                    too_small=tally.cases < MIN_GROUP_CASES,
                    outcomes=outcome_scores(instrument, group_questions),
                    questions=group_questions,
                )
            )
        breakdowns[question.id] = Breakdown(question_id=question.id, label=question.chart_label, groups=tuple(groups))

    criteria = criterion_scores(instrument, questions)
    outcomes = outcome_scores(instrument, questions)
    criteria, outcomes = _with_intervals(plan, overall, scored_events, criteria, outcomes)
    return ScoringResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        cases_scored=overall.cases,
        cases_held_out=held_out,
        unresolved_conflicts=held_out if unresolved_conflicts is None else unresolved_conflicts,
        cases_incomplete=incomplete,
        include_incomplete=include_incomplete,
        questions=questions,
        criteria=criteria,
        outcomes=outcomes,
        factors=factor_rows(instrument, questions),
        breakdowns=breakdowns,
    )


def _with_intervals(
    plan: _Plan,
    overall: _Tally,
    scored_events: list[list[int]],
    criteria: dict[str, CriterionScore],
    outcomes: dict[str, OutcomeScore],
) -> tuple[dict[str, CriterionScore], dict[str, OutcomeScore]]:
    """Criteria and outcomes with their 95 % intervals, from each scored case's event codes."""
    slot_of = {question.id: slot for slot, question in enumerate(plan.scored)}
    totals = [overall.counts(slot)[:2] for slot in range(len(plan.scored))]
    groups = {f"c:{code}": [slot_of[qid] for qid in c.questions] for code, c in criteria.items()}
    groups.update({f"o:{key}": [slot_of[qid] for qid in o.questions] for key, o in outcomes.items()})
    scores = {f"c:{code}": c.score for code, c in criteria.items()}
    scores.update({f"o:{key}": o.score for key, o in outcomes.items()})
    found = linearised_intervals(
        scored_events, totals, groups, scores, stride=_KINDS, applicable=_APPLICABLE, above=_ABOVE
    )
    return (
        {code: replace(c, interval=found[f"c:{code}"]) for code, c in criteria.items()},
        {key: replace(o, interval=found[f"o:{key}"]) for key, o in outcomes.items()},
    )
