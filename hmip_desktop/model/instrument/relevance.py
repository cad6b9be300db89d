"""Which questions apply to a case, given its answers.

A question applies when its `relevant_if` rule holds against the answers of
questions that themselves apply. Gates are evaluated in form order, so a
question behind a gate whose own answer has become stale does not apply
either. An answer to a question that does not apply is *stale*: it is kept in
the file but never scored and never required.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hmip_desktop.model.instrument.definition import AllRule, AnyRule, Instrument, RelevanceRule, ValueRule


def rule_holds(rule: RelevanceRule, effective: Mapping[str, str]) -> bool:
    if isinstance(rule, ValueRule):
        return effective.get(rule.question) in rule.in_
    if isinstance(rule, AllRule):
        return all(rule_holds(child, effective) for child in rule.all)
    assert isinstance(rule, AnyRule)
    return any(rule_holds(child, effective) for child in rule.any)


#: A rule as a closure over the effective answers; the same meaning as `rule_holds`.
Predicate = Callable[[Mapping[str, str]], bool]
#: A question in form order: its id, and its rule compiled. A single "gate answer in allowed"
#: rule (most rules) is checked inline; any other rule becomes a predicate.
_Gate = tuple[str, str | None, frozenset[str], Predicate | None]
_gates_cache: dict[int, tuple[Instrument, tuple[_Gate, ...]]] = {}


def compile_rule(rule: RelevanceRule) -> Predicate:
    """The rule as a closure, for walks over many cases (the case list, the scoring engine)."""
    if isinstance(rule, ValueRule):
        gate, allowed = rule.question, frozenset(rule.in_)
        return lambda effective: effective.get(gate) in allowed
    if isinstance(rule, AllRule):
        parts = tuple(compile_rule(child) for child in rule.all)
        return lambda effective: all(part(effective) for part in parts)
    assert isinstance(rule, AnyRule)
    options = tuple(compile_rule(child) for child in rule.any)
    return lambda effective: any(option(effective) for option in options)


def _gates(instrument: Instrument) -> tuple[_Gate, ...]:
    # The case list walks every case at start-up, so the rules are compiled once per
    # instrument. Keyed by identity (instruments are frozen); the instrument is kept alive
    # alongside so that its id cannot be reused.
    cached = _gates_cache.get(id(instrument))
    if cached is not None and cached[0] is instrument:
        return cached[1]
    gates: list[_Gate] = []
    for question in instrument.questions:
        rule = question.relevant_if
        if isinstance(rule, ValueRule):
            gates.append((question.id, rule.question, frozenset(rule.in_), None))
        else:
            gates.append((question.id, None, frozenset(), compile_rule(rule) if rule is not None else None))
    if len(_gates_cache) > 16:
        _gates_cache.clear()
    compiled = tuple(gates)
    _gates_cache[id(instrument)] = (instrument, compiled)
    return compiled


def relevant_question_ids(instrument: Instrument, values: Mapping[str, str | None]) -> set[str]:
    """The ids of the questions that apply to a case with these answer values."""
    effective: dict[str, str] = {}
    relevant: set[str] = set()
    get = values.get
    for question_id, gate, allowed, predicate in _gates(instrument):
        if gate is not None:
            if effective.get(gate) not in allowed:
                continue
        elif predicate is not None and not predicate(effective):
            continue
        relevant.add(question_id)
        value = get(question_id)
        if value is not None:
            effective[question_id] = value
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
