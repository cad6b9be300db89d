"""relevant_question_ids compiles each instrument's rules once; it must mean exactly what the
rules say, as `rule_holds` reads them, walked in form order."""

from __future__ import annotations

import random
from collections.abc import Mapping

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import (
    Instrument,
    available_instruments,
    default_instrument,
)

MINI = next(i for i in available_instruments() if i.id == "mini-test")


def reference_relevant(instrument: Instrument, values: Mapping[str, str | None]) -> set[str]:
    """The definition: a question applies when its rule holds on the answers that apply before it."""
    effective: dict[str, str] = {}
    relevant: set[str] = set()
    for question in instrument.questions:
        if question.relevant_if is not None and not relevance.rule_holds(question.relevant_if, effective):
            continue
        relevant.add(question.id)
        value = values.get(question.id)
        if value is not None:
            effective[question.id] = value
    return relevant


@st.composite
def answer_values(draw: st.DrawFn, instrument: Instrument = MINI) -> dict[str, str | None]:
    """Any option (or a value outside the options, or None) for any subset of questions."""
    values: dict[str, str | None] = {}
    for question in instrument.questions:
        choices = (None, "not-an-option", *tuple(o.value for o in question.options))
        if draw(st.booleans()):
            values[question.id] = draw(st.sampled_from(choices))
    return values


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(values=answer_values())
def test_compiled_relevance_matches_the_rules(values: dict[str, str | None]) -> None:
    assert relevance.relevant_question_ids(MINI, values) == reference_relevant(MINI, values)


def test_compiled_relevance_matches_the_rules_on_the_real_instrument() -> None:
    instrument = default_instrument()
    rng = random.Random(11)
    compound = [q for q in instrument.questions if q.relevant_if is not None and not hasattr(q.relevant_if, "in_")]
    for _ in range(300):
        answered: dict[str, str] = {}
        for question in instrument.questions:  # answered along its relevance: deep gated chains apply
            if question.relevant_if is None or relevance.rule_holds(question.relevant_if, answered):
                answered[question.id] = rng.choice(question.options).value
        values: dict[str, str | None] = dict(answered)
        for question in rng.sample(instrument.questions, 5):  # then changed: stale answers behind them
            values[question.id] = rng.choice([None, *(o.value for o in question.options)])
        assert relevance.relevant_question_ids(instrument, values) == reference_relevant(instrument, values)
    assert compound, "the real instrument has all/any rules, so the compiled closures are exercised"


def test_a_second_instrument_gets_its_own_compiled_rules() -> None:
    values = {q.id: q.options[0].value for q in MINI.questions}
    other = default_instrument()
    assert relevance.relevant_question_ids(MINI, values) == reference_relevant(MINI, values)
    assert relevance.relevant_question_ids(other, values) == reference_relevant(other, values)
    assert relevance.relevant_question_ids(MINI, values) == reference_relevant(MINI, values)
