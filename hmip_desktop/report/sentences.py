"""Generated report sentences. Figures are passed in from the scoring result, never computed here."""

from __future__ import annotations

from hmip_desktop.model.instrument.definition import Outcome
from hmip_desktop.scoring.result import OutcomeScore, QuestionScore

NO_FIGURE = "–"


def shown_percent(percent: int | None) -> str:
    return NO_FIGURE if percent is None else f"{percent}%"


def outcome_phrase(outcome: Outcome) -> str:
    return outcome.phrase or outcome.title[0].lower() + outcome.title[1:]


def score_sentence(outcome: Outcome, score: OutcomeScore | None) -> str:
    """"Overall, 86% of work to assist sentencing was done well enough." """
    phrase = outcome_phrase(outcome)
    if score is None or score.percent is None:
        return f"No work to {phrase} could be scored yet: none of its questions applied to a scored case."
    return f"Overall, {score.percent}% of work to {phrase} was done well enough."


def relevant_cases(question: QuestionScore) -> str:
    """"19 of 47 relevant cases"."""
    if question.applicable == 0:
        return "no relevant case"
    noun = "relevant case" if question.applicable == 1 else "relevant cases"
    # The engine's n and N, with thousands separators for aggregate-sized samples.
    return f"{question.above_line:,} of {question.applicable:,} {noun}"


def cases(count: int) -> str:
    return f"{count:,} case" if count == 1 else f"{count:,} cases"
