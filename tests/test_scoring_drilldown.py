"""The cases behind a figure always add up to the figure (mini-test instrument)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.drilldown import cases_behind, cases_in_groups
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.result import NOT_RECORDED


def case(ref: str, values: dict[str, str], *, complete: bool = True, held_out: bool = False) -> CaseInput:
    return CaseInput(uuid=f"u-{ref}", case_ref=ref, complete=complete, held_out=held_out, values=values)


def test_lists_the_refs_above_and_below_the_line(mini_instrument: Instrument) -> None:
    cases = [
        case("A", {"cd.report": "written", "s.quality": "yes"}),
        case("B", {"cd.report": "oral", "s.quality": "no"}),
        case("C", {"cd.report": "oral", "s.quality": "na"}),
        # Stale: s.quality does not apply without a report.
        case("D", {"cd.report": "none", "s.quality": "yes"}),
        case("E", {"cd.report": "written", "s.quality": "yes"}, held_out=True),
        case("F", {"cd.report": "written", "s.quality": "yes"}, complete=False),
    ]
    behind = cases_behind(mini_instrument, cases, "s.quality")
    assert (behind.above, behind.below, behind.not_counted) == (("A",), ("B",), ("C",))
    assert cases_behind(mini_instrument, cases, "s.quality", include_incomplete=True).above == ("A", "F")


def test_within_a_group_and_group_members(mini_instrument: Instrument) -> None:
    cases = [
        case("A", {"cd.gender": "female", "p.plan": "sufficient"}),
        case("B", {"cd.gender": "male", "p.plan": "not-done"}),
        case("C", {"p.plan": "insufficient"}),
    ]
    assert cases_behind(mini_instrument, cases, "p.plan", within=("cd.gender", "male")).below == ("B",)
    assert cases_behind(mini_instrument, cases, "p.plan", within=("cd.gender", NOT_RECORDED)).below == ("C",)
    assert cases_in_groups(mini_instrument, cases, "cd.gender") == {
        "female": ("A",),
        "male": ("B",),
        NOT_RECORDED: ("C",),
    }


def test_refuses_a_scored_question_as_a_group(mini_instrument: Instrument) -> None:
    with pytest.raises(InstrumentError):
        cases_in_groups(mini_instrument, [], "p.plan")


def _answer_sets(instrument: Instrument) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {},
        optional={q.id: st.sampled_from([o.value for o in q.options]) for q in instrument.questions},
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_cases_behind_add_up_to_every_question_and_group_count(data: st.DataObject) -> None:
    from hmip_desktop.model.instrument.definition import available_instruments

    instrument = next(i for i in available_instruments() if i.id == "mini-test")
    counter = itertools.count()
    cases = [
        case(f"C{next(counter)}", values, complete=data.draw(st.booleans()), held_out=data.draw(st.booleans()))
        for values in data.draw(st.lists(_answer_sets(instrument), max_size=12))
    ]
    include = data.draw(st.booleans())
    result = score_cases(instrument, cases, include_incomplete=include, by=("cd.gender",))
    for question in instrument.scored_questions:
        behind = cases_behind(instrument, cases, question.id, include_incomplete=include)
        score = result.questions[question.id]
        assert len(behind.above) == score.above_line
        assert len(behind.above) + len(behind.below) == score.applicable
        assert len(behind.not_counted) == score.not_counted
        for group in result.breakdowns["cd.gender"].groups:
            within = cases_behind(
                instrument, cases, question.id, include_incomplete=include, within=("cd.gender", group.value)
            )
            assert len(within.above) == group.questions[question.id].above_line
            assert len(within.above) + len(within.below) == group.questions[question.id].applicable
    members = cases_in_groups(instrument, cases, "cd.gender", include_incomplete=include)
    for group in result.breakdowns["cd.gender"].groups:
        assert len(members.get(group.value, ())) == group.cases
