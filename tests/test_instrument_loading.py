"""The instrument's records (model/instrument/record.py): checked input, and the same identity as before.

The records replaced pydantic (issue 16: importing it cost ~100 ms of every start). Files store the
instrument's sha256, so the dump it is computed from must stay byte for byte what pydantic gave;
SMALL's hash below was computed by the pydantic version of definition.py.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.definition import (
    AllRule,
    AnyRule,
    Instrument,
    InstrumentIdentity,
    Option,
    Question,
    RelevanceRule,
    ValueRule,
    available_instruments,
    default_instrument,
    find_instrument,
    load_instrument,
)
from hmip_desktop.model.instrument.record import Field, Record, ValidationError

SMALL: dict[str, Any] = {
    "id": "tiny",
    "version": "2.3",
    "title": "A tiny instrument",
    "sections": [
        {"key": "case-details", "title": "Case details"},
        {"key": "assessment-planning", "title": "Assessment"},
    ],
    "outcomes": [{"key": "public", "number": 1, "title": "Protecting the public", "expectation": "Work keeps people safe"}],
    "criteria": [{"code": "1.1", "outcome": "public", "title": "Assessment", "stage": "assessment-planning"}],
    "factors": [{"key": "drugs", "label": "Drug misuse"}],
    "stages": [{"key": "assessment-planning", "title": "Assessment and planning"}],
    "questions": [
        {
            "id": "cd.gender", "section": "case-details", "criterion": None, "text": "Gender",
            "options": [
                {"value": "male", "label": "Male", "above_line": None},
                {"value": "female", "label": "Female", "above_line": None},
            ],
        },
        {
            "id": "a.done", "section": "assessment-planning", "criterion": "1.1", "text": "Was it done?", "help": "Look",
            "options": [
                {"value": "yes", "label": "Yes", "above_line": True},
                {"value": "no", "label": "No", "above_line": False},
                {"value": "na", "label": "Not applicable", "above_line": None},
            ],
            "outcomes": ["public"], "key": True, "short": "Done",
            "relevant_if": {"question": "cd.gender", "in": ["male", "female"]},
            "factor": {"factor": "drugs", "aspect": "identified"},
        },
        {
            "id": "a.well", "section": "assessment-planning", "criterion": "1.1", "text": "Was it done well?",
            "options": [
                {"value": "yes", "label": "Yes", "above_line": True},
                {"value": "no", "label": "No", "above_line": False},
            ],
            "relevant_if": {
                "all": [
                    {"question": "a.done", "in": ["yes"]},
                    {"any": [{"question": "cd.gender", "in": ["female"]}, {"question": "a.done", "in": ["yes", "no"]}]},
                ]
            },
        },
    ],
    "glossary": {"OASys": "the assessment system"},
}
#: Instrument.model_validate(SMALL).sha256 under pydantic (definition.py at commit b620599).
SMALL_SHA256_UNDER_PYDANTIC = "c824ab51309d2fe364515a041a40ffea28c39c46546d01704ec3f7001aca5272"


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        Instrument.model_validate(data)
    return excinfo.value.problems


def test_the_identity_hash_is_the_one_pydantic_gave() -> None:
    instrument = Instrument.model_validate(SMALL)
    assert instrument.sha256 == SMALL_SHA256_UNDER_PYDANTIC
    dumped = instrument.model_dump(mode="json", by_alias=True)
    # Defaults are filled in, None kept, the alias used, tuples become lists: as pydantic dumped them.
    assert dumped["questions"][0]["help"] == "" and dumped["questions"][0]["relevant_if"] is None
    assert dumped["questions"][1]["relevant_if"] == {"question": "cd.gender", "in": ["male", "female"]}
    assert dumped["outcomes"][0]["phrase"] == ""


def test_validated_records_are_frozen_typed_and_compare_by_value() -> None:
    instrument = Instrument.model_validate(SMALL)
    question = instrument.question("a.well")
    assert isinstance(question.relevant_if, AllRule)
    assert isinstance(question.relevant_if.all[0], ValueRule) and isinstance(question.relevant_if.all[1], AnyRule)
    assert question.relevant_if.all[0].in_ == ("yes",)
    assert isinstance(question.options, tuple) and isinstance(question.options[0], Option)
    with pytest.raises(AttributeError):
        question.text = "changed"  # type: ignore[misc]
    assert Instrument.model_validate(copy.deepcopy(SMALL)) == instrument
    assert hash(question) == hash(Question.model_validate(SMALL["questions"][2]))


def test_every_problem_is_reported_with_its_path() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][1]["options"][0]["value"] = "Yes please"  # pattern
    data["questions"][1]["text"] = ""  # min_length
    data["outcomes"][0]["number"] = 0  # ge
    del data["questions"][2]["options"][1]["label"]  # missing
    data["questions"][0]["colour"] = "red"  # unexpected
    problems = problems_of(data)
    assert len(problems) == 5
    assert any(p.startswith("questions.1.options.0.value: 'Yes please' should match") for p in problems)
    assert "questions.1.text: should have at least 1 character(s)" in problems
    assert "outcomes.0.number: should be at least 1, not 0" in problems
    assert "questions.2.options.1.label: missing" in problems
    assert "questions.0.colour: unexpected field" in problems


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("outcomes", 0, "number"), "1", "should be a whole number, not '1'"),
        (("outcomes", 0, "number"), True, "should be a whole number, not True"),
        (("questions", 1, "key"), 1, "should be true or false, not 1"),
        (("questions", 1, "options", 0, "above_line"), "yes", "should be true or false, not 'yes'"),
        (("questions", 1, "factor", "aspect"), "spotted", "should be 'identified' or 'interventions' or 'progress'"),
        (("questions", 1, "outcomes"), "public", "should be a list, not 'public'"),
        (("glossary",), ["OASys"], "should be an object"),
        (("questions", 1, "relevant_if"), {"question": "cd.gender"}, "fits none of ValueRule or AllRule or AnyRule"),
        (("questions", 1, "relevant_if"), {"all": []}, "fits none of"),
    ],
)
def test_input_types_are_json_types_exactly(path: tuple[str | int, ...], value: Any, message: str) -> None:
    data = copy.deepcopy(SMALL)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    problems = problems_of(data)
    assert len(problems) == 1 and message in problems[0], problems


def test_a_pattern_must_match_the_whole_value() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][1]["id"] = "a.done\n"
    assert problems_of(data)[0].startswith("questions.1.id: 'a.done\\n' should match")


def test_the_whole_record_check_runs_after_the_fields() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][2]["relevant_if"] = {"question": "a.later", "in": ["yes"]}
    assert problems_of(data) == ["question a.well: relevant_if names 'a.later', which is not an earlier question"]


def test_the_alias_or_the_field_name_is_accepted_and_the_dump_can_use_either() -> None:
    by_alias = ValueRule.model_validate({"question": "q", "in": ["a"]})
    by_name = ValueRule.model_validate({"question": "q", "in_": ["a"]})
    assert by_alias == by_name
    assert by_alias.model_dump(mode="json", by_alias=True) == {"question": "q", "in": ["a"]}
    assert by_alias.model_dump() == {"question": "q", "in_": ("a",)}


def test_direct_construction_takes_the_values_as_given() -> None:
    identity = InstrumentIdentity(id="tiny", version="2.3", sha256="ab" * 32)
    assert identity.model_dump() == {"id": "tiny", "version": "2.3", "sha256": "ab" * 32}
    assert identity == InstrumentIdentity.model_validate(identity.model_dump())


def test_a_field_type_the_checks_do_not_know_fails_when_first_validated() -> None:
    class Odd(Record):
        when: float = Field(default=0.0)

    with pytest.raises(TypeError, match="not supported"):
        Odd.model_validate({"when": 1.5})


def test_a_broken_shipped_copy_names_the_file_and_the_problem(tmp_path: Any) -> None:
    data = default_instrument().model_dump(mode="json", by_alias=True)
    data["questions"][5]["options"][0]["above_line"] = "yes"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"broken\.json is not valid: .*questions\.5\.options\.0\.above_line"):
        load_instrument(path)


def test_opening_a_file_checks_only_the_instrument_it_names(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, mini_instrument: Instrument
) -> None:
    broken = copy.deepcopy(SMALL)
    broken["version"] = "9"
    broken["questions"][1]["options"][0]["value"] = "Not A Value"
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setenv("HMIP_INSTRUMENT_PATH", os.pathsep.join([os.environ["HMIP_INSTRUMENT_PATH"], str(tmp_path)]))
    assert find_instrument(mini_instrument.identity) == mini_instrument
    assert default_instrument().id == "iaow-2013-14"
    with pytest.raises(InstrumentError, match=r"broken\.json is not valid"):
        find_instrument(InstrumentIdentity(id="tiny", version="9", sha256="0" * 64))
    with pytest.raises(InstrumentError, match=r"broken\.json is not valid"):
        available_instruments()


def test_a_file_that_cannot_say_which_instrument_it_is_is_always_checked(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, mini_instrument: Instrument
) -> None:
    (tmp_path / "cut.json").write_text(json.dumps(SMALL)[:200], encoding="utf-8")
    monkeypatch.setenv("HMIP_INSTRUMENT_PATH", os.pathsep.join([os.environ["HMIP_INSTRUMENT_PATH"], str(tmp_path)]))
    unknown = InstrumentIdentity(id="other", version="1", sha256="0" * 64)
    for look_up in (default_instrument, lambda: find_instrument(unknown)):
        with pytest.raises(InstrumentError, match=r"cannot read instrument .*cut\.json"):
            look_up()
    assert find_instrument(mini_instrument.identity) == mini_instrument  # found before it comes to that file


def test_loading_the_instrument_does_not_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from hmip_desktop.model.instrument.definition import available_instruments\n"
        "assert [i.sha256 for i in available_instruments()]\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr[-2000:]


# -- any rule tree survives a dump and a check unchanged ------------------------------------------

question_ids = st.sampled_from(["cd.gender", "a.done", "a.well"])
values = st.lists(st.sampled_from(["yes", "no", "male", "female"]), min_size=1, max_size=3)
value_rules = st.builds(lambda q, v: {"question": q, "in": v}, question_ids, values)
rule_trees = st.recursive(
    value_rules,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
    ),
    max_leaves=12,
)


@given(rule_trees)
def test_any_rule_tree_round_trips(tree: dict[str, Any]) -> None:
    question = {**SMALL["questions"][2], "relevant_if": tree}
    checked = Question.model_validate(question)
    rule: RelevanceRule | None = checked.relevant_if
    assert rule is not None
    assert rule.model_dump(mode="json", by_alias=True) == tree
    assert Question.model_validate(checked.model_dump(mode="json", by_alias=True)) == checked
