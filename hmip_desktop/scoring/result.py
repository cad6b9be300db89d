"""The result of scoring an inspection: the figures and the counts behind them.

Scores are exact `Fraction`s; `percent` is the whole number shown in tables and
the report (rounded half up from the exact value). `to_json()` is the public
contract printed by ``hmip score --json``: floats in 0..1 for scores, plus the
exact fraction as a string so any figure can be reproduced from the file, and
each figure's 95 % `interval` [lo, hi] (`scoring.intervals`: Wilson for a
question; Taylor linearisation with the case as the unit for criteria and
outcomes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hmip_desktop.scoring.intervals import Interval, wilson_interval

#: The group of a breakdown for cases whose context answer is missing (or does
#: not apply). Option values never start with "_", so this cannot collide.
NOT_RECORDED = "_no-answer"
NOT_RECORDED_LABEL = "No answer"

#: Groups with fewer cases than this are marked as too small to compare.
MIN_GROUP_CASES = 5


def score_json(score: Fraction | None) -> float | None:
    return None if score is None else float(score)


def fraction_json(score: Fraction | None) -> str | None:
    """The exact value, e.g. "23/40", so a published figure can be checked by hand."""
    return None if score is None else f"{score.numerator}/{score.denominator}"


def interval_json(interval: Interval | None) -> list[float] | None:
    return None if interval is None else [interval[0], interval[1]]


def interval_percent(interval: Interval | None) -> tuple[int, int] | None:
    """An interval as whole percentages, widened outwards (floor, ceil) so it still holds the figure."""
    if interval is None:
        return None
    return math.floor(interval[0] * 100 + 1e-9), math.ceil(interval[1] * 100 - 1e-9)


@dataclass(frozen=True)
class QuestionScore:
    """One question over the scored cases.

    `applicable`: cases where the question applies, was answered, and the answer
    counts (above_line not None) -- the N of "n of N relevant cases".
    `above_line`: of those, cases where the work was sufficient -- the n.
    """

    question_id: str
    applicable: int
    above_line: int
    score: Fraction | None
    percent: int | None
    #: Relevant and answered, but with a "not counted" option (e.g. not applicable).
    not_counted: int = 0
    #: Relevant to a scored case but left unanswered (only possible with include_incomplete).
    unanswered: int = 0

    @property
    def below_line(self) -> int:
        return self.applicable - self.above_line

    @property
    def n_of_N(self) -> str:
        """For report sentences: "19 of 47"."""
        return f"{self.above_line} of {self.applicable}"

    @property
    def interval(self) -> Interval | None:
        """The Wilson score 95 % interval of above_line / applicable (None when nothing counts)."""
        return wilson_interval(self.above_line, self.applicable)

    def to_json(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "above_line": self.above_line,
            "score": score_json(self.score),
            "percent": self.percent,
            "fraction": fraction_json(self.score),
            "interval": interval_json(self.interval),
            "not_counted": self.not_counted,
            "unanswered": self.unanswered,
        }


@dataclass(frozen=True)
class CriterionScore:
    """Mean of the scores of the criterion's scored questions (those with a score)."""

    code: str
    title: str
    outcome: str
    score: Fraction | None
    percent: int | None
    #: Ids of the questions in the mean, in form order (questions without a score are left out).
    questions: tuple[str, ...]
    #: The 95 % interval (`scoring.intervals`); None without a score, and in combined results and breakdowns.
    interval: Interval | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "outcome": self.outcome,
            "score": score_json(self.score),
            "percent": self.percent,
            "fraction": fraction_json(self.score),
            "interval": interval_json(self.interval),
            "questions": list(self.questions),
        }


@dataclass(frozen=True)
class OutcomeScore:
    """Mean of the scores of every scored question that counts towards the outcome."""

    key: str
    number: int
    title: str
    score: Fraction | None
    percent: int | None
    #: Ids of the questions in the mean, in form order.
    questions: tuple[str, ...]
    #: The 95 % interval (`scoring.intervals`); None without a score, and in combined results and breakdowns.
    interval: Interval | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "score": score_json(self.score),
            "percent": self.percent,
            "fraction": fraction_json(self.score),
            "interval": interval_json(self.interval),
            "questions": list(self.questions),
        }


@dataclass(frozen=True)
class GroupScores:
    """The outcome scores of the cases whose context answer is `value`."""

    value: str
    label: str
    cases: int
    too_small: bool
    outcomes: dict[str, OutcomeScore]
    #: The question scores within the group, for "in 4 of 5 cases of women" sentences.
    questions: dict[str, QuestionScore] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "cases": self.cases,
            "too_small": self.too_small,
            "outcomes": {
                key: {
                    "score": score_json(o.score),
                    "percent": o.percent,
                    "fraction": fraction_json(o.score),
                    "questions": list(o.questions),
                }
                for key, o in self.outcomes.items()
            },
        }


@dataclass(frozen=True)
class Breakdown:
    """Outcome scores per value of one context question, groups in option order."""

    question_id: str
    label: str
    groups: tuple[GroupScores, ...]

    def group(self, value: str) -> GroupScores | None:
        for group in self.groups:
            if group.value == value:
                return group
        return None

    def to_json(self) -> dict[str, Any]:
        return {group.value: group.to_json() for group in self.groups}


@dataclass(frozen=True)
class FactorRow:
    """One row of the offending-related factors table (Outcome 3, section 3.1).

    Percentages are None when the factor has no such question or no case where
    it applies; the counts are always there for the report's sentences. The
    percentages are of `*_applicable`, the cases where the question applies and
    was answered, "too early to judge" included (see `engine.factor_cell`); in
    an instrument that asks both questions wherever the factor is linked to
    offending (iaow-2013-14 from 1.1), that is `identified_of`, the published base.
    """

    factor: str
    label: str
    #: Cases where the factor was linked to offending and the assessment identified it (above the line).
    identified: int
    #: Cases where the factor was linked to offending, identified or missed (the bracketed count).
    identified_of: int
    #: % of the base (`interventions_applicable`) where sufficient interventions were delivered.
    interventions_sufficient: int | None
    interventions_above: int
    interventions_applicable: int
    #: % of the base (`progress_applicable`) where sufficient progress was made.
    progress_sufficient: int | None
    progress_above: int
    progress_applicable: int
    identified_question: str | None = None
    interventions_question: str | None = None
    progress_question: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "label": self.label,
            "identified": self.identified,
            "identified_of": self.identified_of,
            "interventions_sufficient": self.interventions_sufficient,
            "interventions_above": self.interventions_above,
            "interventions_applicable": self.interventions_applicable,
            "progress_sufficient": self.progress_sufficient,
            "progress_above": self.progress_above,
            "progress_applicable": self.progress_applicable,
            "questions": {
                "identified": self.identified_question,
                "interventions": self.interventions_question,
                "progress": self.progress_question,
            },
        }


@dataclass(frozen=True)
class ScoringResult:
    instrument_id: str
    instrument_version: str
    #: Cases whose answers are in the scores.
    cases_scored: int
    #: Cases held out because a merge conflict on them is open.
    cases_held_out: int
    #: Open conflicts (one case may have several).
    unresolved_conflicts: int
    #: Draft cases left out because include_incomplete was not given (held-out cases not counted here).
    cases_incomplete: int
    include_incomplete: bool
    questions: dict[str, QuestionScore]
    criteria: dict[str, CriterionScore]
    outcomes: dict[str, OutcomeScore]
    factors: tuple[FactorRow, ...]
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)

    def question(self, question_id: str) -> QuestionScore:
        return self.questions[question_id]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "instrument": {"id": self.instrument_id, "version": self.instrument_version},
            "cases_scored": self.cases_scored,
            "cases_held_out": self.cases_held_out,
            "cases_incomplete": self.cases_incomplete,
            "unresolved_conflicts": self.unresolved_conflicts,
            "include_incomplete": self.include_incomplete,
            "questions": {qid: q.to_json() for qid, q in self.questions.items()},
            "criteria": {code: c.to_json() for code, c in self.criteria.items()},
            "outcomes": {key: o.to_json() for key, o in self.outcomes.items()},
            "factors": [row.to_json() for row in self.factors],
        }
        if self.breakdowns:
            data["by"] = {qid: b.to_json() for qid, b in self.breakdowns.items()}
        return data
