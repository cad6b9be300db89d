"""Agreement between assessors on double-marked cases: exact statistics as small pure functions.

A double-marked case is one the lead's file took in from files of two or more
different assessors (the moderation sample, or any case two people read). For
each such case, each pair of its assessors ordered by name (first, second) and
each question both of them answered in their own file as last merged, there is
one *rating pair* (first's value, second's value). Case details (the
"case-details" section) are left out: they are facts copied from the case
sample (the moderation CSV carries them), so they agree by construction and
would only inflate the figures.

Per question, over its rating pairs:

- agreement: the share of pairs with equal values;
- Cohen's kappa: (po - pe) / (1 - pe) with pe = sum over categories of
  p1(k) * p2(k), each rater's own share of category k (rater 1 = first);
- Gwet's AC1: (po - pe) / (1 - pe) with pe = sum pi(k) * (1 - pi(k)) / (Q - 1),
  pi(k) the mean of the two raters' shares and Q the number of categories
  (the question's options). AC1 stays meaningful when nearly every answer is
  the same option, where kappa collapses (the "high agreement, low kappa"
  paradox, common here: most work is above the line);
- for scored questions, the same three on the line classes (above the line,
  below it, not counted; Q = 3): whether the two assessors reached the same
  verdict even where they chose different options.

Kappa and AC1 are None when there are no pairs or their denominator is 0.
Everything is an exact `Fraction` until `to_json`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any, Literal

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, Question
from hmip_desktop.model.moderation import MarkedCase, check_lead_file, marked_cases

#: The section whose questions are case facts from the sample, not judgements.
CASE_DETAILS_SECTION = "case-details"

LineClass = Literal["above", "below", "not-counted"]
LINE_CLASSES: tuple[LineClass, ...] = ("above", "below", "not-counted")

Pair = tuple[str, str]


# -- the formulas ---------------------------------------------------------------------------


def observed_agreement(pairs: Sequence[Pair]) -> Fraction | None:
    """The share of pairs whose two values are equal (None for no pairs)."""
    if not pairs:
        return None
    return Fraction(sum(1 for a, b in pairs if a == b), len(pairs))


def cohens_kappa(pairs: Sequence[Pair]) -> Fraction | None:
    """Cohen's kappa for two raters (the first value of each pair is rater 1's).

    Categories no rater used add nothing to the chance agreement, so the
    question's unused options need not be named.
    """
    po = observed_agreement(pairs)
    if po is None:
        return None
    n = len(pairs)
    first = Counter(a for a, _b in pairs)
    second = Counter(b for _a, b in pairs)
    pe = Fraction(sum(count * second[k] for k, count in first.items()), n * n)
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


def gwet_ac1(pairs: Sequence[Pair], categories: int) -> Fraction | None:
    """Gwet's AC1 for two raters over `categories` possible values (Q, at least 2).

    A value that is not among the categories (an answer the instrument no longer offers) still
    is one: Q grows to the number of distinct values seen rather than the figure failing."""
    po = observed_agreement(pairs)
    if po is None or categories < 2:
        return None
    n = len(pairs)
    totals = Counter(a for a, _b in pairs)
    totals.update(b for _a, b in pairs)
    categories = max(categories, len(totals))
    # pi(k) = totals[k] / 2n, so sum pi(1 - pi) = sum t(2n - t) / (2n)^2.
    pe = Fraction(sum(t * (2 * n - t) for t in totals.values()), (2 * n) ** 2 * (categories - 1))
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


# -- rating pairs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingPair:
    """Two assessors' answers to one question of one case (first and second ordered by name)."""

    case_ref: str
    question_id: str
    first: str
    second: str
    first_value: str
    second_value: str

    @property
    def agree(self) -> bool:
        return self.first_value == self.second_value


def name_order(name: str) -> tuple[str, str]:
    """Assessors are ordered by name (letter case aside), first before second."""
    return (name.casefold(), name)


def judgement_questions(instrument: Instrument) -> tuple[Question, ...]:
    """The questions agreement is measured on: every question outside the case details, in form order."""
    return tuple(q for q in instrument.questions if q.section != CASE_DETAILS_SECTION)


def rating_pairs(instrument: Instrument, cases: Iterable[MarkedCase]) -> list[RatingPair]:
    """Every rating pair of the double-marked cases, by case, assessor pair and form order."""
    questions = [q.id for q in judgement_questions(instrument)]
    pairs: list[RatingPair] = []
    for case in cases:
        names = sorted(case.marks, key=name_order)
        for first, second in combinations(names, 2):
            a, b = case.marks[first], case.marks[second]
            for qid in questions:
                value_a, value_b = a.get(qid), b.get(qid)
                if value_a is not None and value_b is not None:
                    pairs.append(RatingPair(case.case_ref, qid, first, second, value_a, value_b))
    return pairs


def line_class(question: Question, value: str) -> LineClass:
    """Above the line, below it, or not counted (an unknown value counts as not counted, as in scoring)."""
    option = question.option(value)
    if option is None or option.above_line is None:
        return "not-counted"
    return "above" if option.above_line else "below"


# -- the tables ------------------------------------------------------------------------------------


def _json_number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Coefficients:
    pairs: int
    agreement: Fraction | None
    kappa: Fraction | None
    ac1: Fraction | None

    @classmethod
    def of(cls, pairs: Sequence[Pair], categories: int) -> Coefficients:
        return cls(len(pairs), observed_agreement(pairs), cohens_kappa(pairs), gwet_ac1(pairs, categories))

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "agreement": _json_number(self.agreement),
            "kappa": _json_number(self.kappa),
            "ac1": _json_number(self.ac1),
        }


@dataclass(frozen=True)
class QuestionAgreement:
    question_id: str
    values: Coefficients
    #: Scored questions only: the same on the line classes.
    line: Coefficients | None
    #: The rating pairs behind the figures, by case.
    pairs: tuple[RatingPair, ...]

    @property
    def disagreements(self) -> tuple[RatingPair, ...]:
        return tuple(p for p in self.pairs if not p.agree)

    def to_json(self) -> dict[str, Any]:
        data = self.values.to_json()
        if self.line is not None:
            data["line"] = self.line.to_json()
        return data


@dataclass(frozen=True)
class AssessorPairAgreement:
    first: str
    second: str
    cases: int
    pairs: int
    agreement: Fraction | None
    #: Over scored questions only (None when they share no scored answer).
    line_agreement: Fraction | None

    def to_json(self) -> dict[str, Any]:
        return {
            "assessors": [self.first, self.second],
            "cases": self.cases,
            "pairs": self.pairs,
            "agreement": _json_number(self.agreement),
            "line_agreement": _json_number(self.line_agreement),
        }


@dataclass(frozen=True)
class AgreementResult:
    #: Every judgement question in form order, with or without pairs.
    questions: dict[str, QuestionAgreement]
    #: Double-marked cases.
    cases: int
    pairs: int
    agreement: Fraction | None
    line_agreement: Fraction | None
    assessor_pairs: tuple[AssessorPairAgreement, ...]
    #: The double-marked case refs, sorted.
    case_refs: tuple[str, ...] = ()

    def lowest_first(self) -> list[QuestionAgreement]:
        """Questions with pairs, lowest agreement first (then fewest pairs last, then form order)."""
        order = {qid: n for n, qid in enumerate(self.questions)}
        measured = [q for q in self.questions.values() if q.values.agreement is not None]
        return sorted(measured, key=lambda q: (q.values.agreement, -q.values.pairs, order[q.question_id]))

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": {qid: q.to_json() for qid, q in self.questions.items()},
            "overall": {
                "cases": self.cases,
                "pairs": self.pairs,
                "agreement": _json_number(self.agreement),
                "line_agreement": _json_number(self.line_agreement),
            },
            "assessor_pairs": [p.to_json() for p in self.assessor_pairs],
        }


def _share(equal: int, total: int) -> Fraction | None:
    return Fraction(equal, total) if total else None


def agreement_result(instrument: Instrument, cases: Sequence[MarkedCase]) -> AgreementResult:
    """The agreement tables for the double-marked cases among `cases` (others are ignored)."""
    double = [case for case in cases if len(case.marks) >= 2]
    pairs = rating_pairs(instrument, double)
    by_question: dict[str, list[RatingPair]] = {q.id: [] for q in judgement_questions(instrument)}
    for pair in pairs:
        by_question[pair.question_id].append(pair)

    # Each scored question's option -> line class, looked up once per answer.
    class_of = {q.id: {o.value: line_class(q, o.value) for o in q.options} for q in instrument.scored_questions}
    questions: dict[str, QuestionAgreement] = {}
    line_equal = line_total = 0
    for question in judgement_questions(instrument):
        own = by_question[question.id]
        values = Coefficients.of([(p.first_value, p.second_value) for p in own], len(question.options))
        line: Coefficients | None = None
        classes_of = class_of.get(question.id)
        if classes_of is not None:
            classes = [
                (classes_of.get(p.first_value, "not-counted"), classes_of.get(p.second_value, "not-counted"))
                for p in own
            ]
            line = Coefficients.of(classes, len(LINE_CLASSES))
            line_equal += sum(1 for a, b in classes if a == b)
            line_total += len(classes)
        questions[question.id] = QuestionAgreement(question.id, values, line, tuple(own))

    tallies: dict[Pair, list[int]] = {}
    shared_cases: dict[Pair, set[str]] = {}
    for case in double:
        for first, second in combinations(sorted(case.marks, key=name_order), 2):
            shared_cases.setdefault((first, second), set()).add(case.case_ref)
    for pair in pairs:
        tally = tallies.setdefault((pair.first, pair.second), [0, 0, 0, 0])
        tally[0] += pair.agree
        tally[1] += 1
        classes_of = class_of.get(pair.question_id)
        if classes_of is not None:
            tally[2] += classes_of.get(pair.first_value, "not-counted") == classes_of.get(
                pair.second_value, "not-counted"
            )
            tally[3] += 1
    assessor_pairs = []
    for (first, second), refs in sorted(
        shared_cases.items(), key=lambda item: (name_order(item[0][0]), name_order(item[0][1]))
    ):
        equal, total, line_eq, line_tot = tallies.get((first, second), [0, 0, 0, 0])
        assessor_pairs.append(
            AssessorPairAgreement(first, second, len(refs), total, _share(equal, total), _share(line_eq, line_tot))
        )

    return AgreementResult(
        questions=questions,
        cases=len(double),
        pairs=len(pairs),
        agreement=_share(sum(1 for p in pairs if p.agree), len(pairs)),
        line_agreement=_share(line_equal, line_total),
        assessor_pairs=tuple(assessor_pairs),
        case_refs=tuple(sorted(case.case_ref for case in double)),
    )


def agreement_of_file(inspection: InspectionFile) -> AgreementResult:
    """The agreement tables of a lead's merged file (what each assessor's own file said, as last merged)."""
    check_lead_file(inspection, "agreement is measured")
    return agreement_result(inspection.instrument, marked_cases(inspection))
