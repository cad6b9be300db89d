"""Which questions apply to a case, given its answers.

A question applies when its `relevant_if` rule holds against the answers of
questions that themselves apply. Gates are evaluated in form order, so a
question behind a gate whose own answer has become stale does not apply
either. An answer to a question that does not apply is *stale*: it is kept in
the file but never scored and never required.
"""

from __future__ import annotations

from collections.abc import Mapping

from hmip_desktop.model.instrument import AllRule, AnyRule, Instrument, RelevanceRule, ValueRule


def rule_holds(rule: RelevanceRule, effective: Mapping[str, str]) -> bool:
    if isinstance(rule, ValueRule):
        return effective.get(rule.question) in rule.in_
    if isinstance(rule, AllRule):
        return all(rule_holds(child, effective) for child in rule.all)
    assert isinstance(rule, AnyRule)
    return any(rule_holds(child, effective) for child in rule.any)


def relevant_question_ids(instrument: Instrument, values: Mapping[str, str | None]) -> set[str]:
    """The ids of the questions that apply to a case with these answer values."""
    effective: dict[str, str] = {}
    relevant: set[str] = set()
    for question in instrument.questions:
        if question.relevant_if is not None and not rule_holds(question.relevant_if, effective):
            continue
        relevant.add(question.id)
        value = values.get(question.id)
        if value is not None:
            effective[question.id] = value
    return relevant


def effective_values(instrument: Instrument, values: Mapping[str, str | None]) -> dict[str, str]:
    """The answers that count: those to questions that apply (no stale ones)."""
    relevant = relevant_question_ids(instrument, values)
    return {qid: value for qid, value in values.items() if value is not None and qid in relevant}


def stale_question_ids(instrument: Instrument, values: Mapping[str, str | None]) -> set[str]:
    relevant = relevant_question_ids(instrument, values)
    return {qid for qid, value in values.items() if value is not None and qid not in relevant}


def unanswered_relevant(instrument: Instrument, values: Mapping[str, str | None]) -> list[str]:
    """Relevant questions without an answer, in form order."""
    relevant = relevant_question_ids(instrument, values)
    return [q.id for q in instrument.questions if q.id in relevant and values.get(q.id) is None]


def explain_rule(instrument: Instrument, rule: RelevanceRule) -> str:
    """A plain sentence saying when a question applies, for greyed-out form rows."""
    if isinstance(rule, ValueRule):
        gate = instrument.question(rule.question)
        labels = " or ".join(f"“{gate.label_for(v)}”" for v in rule.in_)
        return f"applies when “{gate.chart_label}” is {labels}"
    if isinstance(rule, AllRule):
        return "; and ".join(explain_rule(instrument, child) for child in rule.all)
    return "; or ".join(explain_rule(instrument, child) for child in rule.any)
