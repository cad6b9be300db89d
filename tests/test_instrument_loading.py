"""Loading the instrument: pydantic checks it once, later starts build it from a record; the identity never moves.

pydantic is the instrument's validator (`validate_instrument`). Importing it and building its validator
costs ~100 ms (issue 16), so a per-user record (model/instrument/validated_cache.py) says which exact bytes
it accepted, and later loads build the same tree without it (`build`). Files store the instrument's
sha256, so the JSON it is computed from must stay byte for byte what it was; SMALL's hash below was
computed by the BaseModel version of definition.py (commit b620599).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from hmip_desktop.model import assets
from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument import definition, validated_cache
from hmip_desktop.model.instrument.definition import (
    AllRule,
    AnyRule,
    Instrument,
    InstrumentIdentity,
    Option,
    Question,
    ValueRule,
    available_instruments,
    build,
    default_instrument,
    find_instrument,
    instrument_paths,
    load_instrument,
    to_json,
    validate_instrument,
)

SMALL: dict[str, Any] = {
    "id": "tiny",
    "version": "2.3",
    "title": "A tiny instrument",
    "sections": [
        {"key": "case-details", "title": "Case details"},
        {"key": "assessment-planning", "title": "Assessment"},
    ],
    "outcomes": [
        {"key": "public", "number": 1, "title": "Protecting the public", "expectation": "Work keeps people safe"}
    ],
    "criteria": [{"code": "1.1", "outcome": "public", "title": "Assessment", "stage": "assessment-planning"}],
    "factors": [{"key": "drugs", "label": "Drug misuse"}],
    "stages": [{"key": "assessment-planning", "title": "Assessment and planning"}],
    "questions": [
        {
            "id": "cd.gender",
            "section": "case-details",
            "criterion": None,
            "text": "Gender",
            "options": [
                {"value": "male", "label": "Male", "above_line": None},
                {"value": "female", "label": "Female", "above_line": None},
            ],
        },
        {
            "id": "a.done",
            "section": "assessment-planning",
            "criterion": "1.1",
            "text": "Was it done?",
            "help": "Look",
            "options": [
                {"value": "yes", "label": "Yes", "above_line": True},
                {"value": "no", "label": "No", "above_line": False},
                {"value": "na", "label": "Not applicable", "above_line": None},
            ],
            "outcomes": ["public"],
            "key": True,
            "short": "Done",
            "relevant_if": {"question": "cd.gender", "in": ["male", "female"]},
            "factor": {"factor": "drugs", "aspect": "identified"},
        },
        {
            "id": "a.well",
            "section": "assessment-planning",
            "criterion": "1.1",
            "text": "Was it done well?",
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
    """Each problem in the message refusing `data` (they are joined with "; ")."""
    with pytest.raises(InstrumentError) as excinfo:
        validate_instrument(data, "tiny.json")
    message = str(excinfo.value)
    assert message.startswith("instrument tiny.json is not valid: ")
    return message.removeprefix("instrument tiny.json is not valid: ").split(". Fix the file")[0].split("; ")


def test_the_identity_hash_is_the_one_pydantic_gave() -> None:
    instrument = validate_instrument(SMALL)
    assert instrument.sha256 == SMALL_SHA256_UNDER_PYDANTIC
    assert build(Instrument, SMALL).sha256 == SMALL_SHA256_UNDER_PYDANTIC
    dumped = to_json(instrument)
    # Defaults are filled in, None kept, the alias used, tuples become lists: as pydantic dumps them.
    assert dumped["questions"][0]["help"] == "" and dumped["questions"][0]["relevant_if"] is None
    assert dumped["questions"][1]["relevant_if"] == {"question": "cd.gender", "in": ["male", "female"]}
    assert dumped["outcomes"][0]["phrase"] == ""


def shipped_and_fixture_files() -> list[Any]:
    return [
        *assets.assets(assets.INSTRUMENTS, ".json"),
        *sorted(Path(os.environ["HMIP_INSTRUMENT_PATH"]).glob("*.json")),
    ]


@pytest.mark.parametrize("path", shipped_and_fixture_files(), ids=lambda path: path.name)
def test_the_dump_and_the_builder_agree_with_pydantic_on_every_instrument(path: Any) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    checked = validate_instrument(path.read_bytes(), path.name)
    built = build(Instrument, raw)
    assert built == checked
    assert to_json(checked) == TypeAdapter(Instrument).dump_python(checked, mode="json", by_alias=True)
    assert to_json(built) == to_json(checked)
    assert built.sha256 == checked.sha256 == validate_instrument(to_json(built)).sha256


def test_records_are_frozen_typed_and_compare_by_value() -> None:
    instrument = validate_instrument(SMALL)
    question = instrument.question("a.well")
    assert isinstance(question.relevant_if, AllRule)
    assert isinstance(question.relevant_if.all[0], ValueRule) and isinstance(question.relevant_if.all[1], AnyRule)
    assert question.relevant_if.all[0].in_ == ("yes",)
    assert isinstance(question.options, tuple) and isinstance(question.options[0], Option)
    with pytest.raises(AttributeError):
        question.text = "changed"  # type: ignore[misc]
    assert validate_instrument(copy.deepcopy(SMALL)) == instrument
    assert hash(question) == hash(build(Question, SMALL["questions"][2]))
    # The cached look-ups live in the instance's __dict__ beside the frozen fields.
    assert instrument.by_id["a.done"] is instrument.question("a.done") and "by_id" in vars(instrument)


def test_every_problem_is_reported_with_its_place_in_the_file() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][1]["options"][0]["value"] = "Yes please"  # pattern
    data["questions"][1]["text"] = ""  # min_length
    data["outcomes"][0]["number"] = 0  # ge
    del data["questions"][2]["options"][1]["label"]  # missing
    data["questions"][0]["colour"] = "red"  # unexpected
    problems = problems_of(data)
    assert len(problems) == 5, problems
    assert 'questions.1.options.0.value: "Yes please" should match ^[a-z0-9][a-z0-9_-]*$' in problems
    assert "questions.1.text: should have at least 1 character" in problems
    assert "outcomes.0.number: should be at least 1, not 0" in problems
    assert "questions.2.options.1.label: missing" in problems
    assert "questions.0.colour: unexpected field" in problems


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("outcomes", 0, "number"), "1", 'outcomes.0.number: should be a whole number, not "1"'),
        (("outcomes", 0, "number"), True, "outcomes.0.number: should be a whole number, not true"),
        (("questions", 1, "key"), 1, "questions.1.key: should be true or false, not 1"),
        (("questions", 1, "options", 0, "above_line"), "yes", 'above_line: should be true or false, not "yes"'),
        (("questions", 1, "factor", "aspect"), "spotted", "should be 'identified', 'interventions' or 'progress'"),
        (("questions", 1, "outcomes"), "public", 'questions.1.outcomes: should be a list, not "public"'),
        (("questions", 1, "text"), 3, "questions.1.text: should be text, not 3"),
        (("glossary",), ["OASys"], "glossary: should be an object, not list"),
        (
            ("questions", 1, "options"),
            [{"value": "yes", "label": "Yes", "above_line": True}],
            "should have at least 2 items",
        ),
        (("questions", 1, "relevant_if"), {"question": "cd.gender"}, "questions.1.relevant_if.ValueRule.in: missing"),
        (
            ("questions", 1, "relevant_if"),
            {"all": []},
            "questions.1.relevant_if.AllRule.all: should have at least 1 item",
        ),
    ],
)
def test_input_types_are_json_types_exactly(path: tuple[str | int, ...], value: Any, message: str) -> None:
    data = copy.deepcopy(SMALL)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    problems = problems_of(data)
    assert any(message in problem for problem in problems), problems


def test_a_pattern_must_match_the_whole_value() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][1]["id"] = "a.done\n"
    assert problems_of(data) == ['questions.1.id: "a.done\\n" should match ^[a-z0-9][a-z0-9_.-]*$']


def test_the_references_are_checked_after_the_fields() -> None:
    data = copy.deepcopy(SMALL)
    data["questions"][2]["relevant_if"] = {"question": "a.later", "in": ["yes"]}
    assert problems_of(data) == ["question a.well: relevant_if names 'a.later', which is not an earlier question"]


def test_a_long_list_of_problems_is_cut_with_a_count() -> None:
    data = copy.deepcopy(SMALL)
    data["glossary"] = {f"term{n}": n for n in range(30)}
    problems = problems_of(data)
    assert len(problems) == definition.MAX_PROBLEMS_SHOWN + 1 and problems[-1] == "and 10 more", problems


def test_the_alias_or_the_field_name_is_accepted_and_the_dump_uses_the_alias() -> None:
    by_alias = copy.deepcopy(SMALL)
    by_name = copy.deepcopy(SMALL)
    by_name["questions"][1]["relevant_if"] = {"question": "cd.gender", "in_": ["male", "female"]}
    assert validate_instrument(by_alias) == validate_instrument(by_name) == build(Instrument, by_name)
    assert to_json(validate_instrument(by_name))["questions"][1]["relevant_if"] == {
        "question": "cd.gender",
        "in": ["male", "female"],
    }
    identity = InstrumentIdentity(id="tiny", version="2.3", sha256="ab" * 32)
    assert to_json(identity) == {"id": "tiny", "version": "2.3", "sha256": "ab" * 32}


def test_a_broken_shipped_copy_names_the_file_and_the_problem(tmp_path: Path) -> None:
    data = to_json(default_instrument())
    data["questions"][5]["options"][0]["above_line"] = "yes"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"broken\.json is not valid: questions\.5\.options\.0\.above_line"):
        load_instrument(path)


def test_opening_a_file_checks_only_the_instrument_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_instrument: Instrument
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_instrument: Instrument
) -> None:
    (tmp_path / "cut.json").write_text(json.dumps(SMALL)[:200], encoding="utf-8")
    monkeypatch.setenv("HMIP_INSTRUMENT_PATH", os.pathsep.join([os.environ["HMIP_INSTRUMENT_PATH"], str(tmp_path)]))
    unknown = InstrumentIdentity(id="other", version="1", sha256="0" * 64)
    for look_up in (default_instrument, lambda: find_instrument(unknown)):
        with pytest.raises(InstrumentError, match=r"cannot read instrument .*cut\.json"):
            look_up()
    assert find_instrument(mini_instrument.identity) == mini_instrument  # found before it comes to that file


def test_opening_a_file_does_not_even_parse_the_other_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file whose opening names the id and version is looked at first (each other one costs ~1.5 ms)."""
    newest = default_instrument()
    for cache in ("_cache", "_unchecked", "_labels"):  # this process's, as at a start
        monkeypatch.setattr(definition, cache, {})
    assert find_instrument(newest.identity) == newest
    assert [Path(str(path)).name for path in definition._labels] == ["iaow-2013-14.json"]


def test_what_a_file_opens_with_is_never_taken_for_its_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_instrument: Instrument
) -> None:
    """Files opening with the id and version asked for, but another version in all (a key given twice) or
    another instrument under the same name: looked at first, and passed over."""
    mini = json.loads((Path(os.environ["HMIP_INSTRUMENT_PATH"]) / "mini-test.json").read_text(encoding="utf-8"))
    opening = f'{{"id": "{mini["id"]}", "version": "{mini["version"]}", '
    renamed = {**mini, "title": mini["title"] + " (another)"}
    (tmp_path / "a-same-name.json").write_text(json.dumps(renamed), encoding="utf-8")
    (tmp_path / "b-twice.json").write_text(opening + json.dumps({**mini, "version": "9.9"})[1:], encoding="utf-8")
    for path in tmp_path.glob("*.json"):
        assert definition._names_first(path) == (mini_instrument.id, mini_instrument.version)
    monkeypatch.setenv("HMIP_INSTRUMENT_PATH", os.pathsep.join([str(tmp_path), os.environ["HMIP_INSTRUMENT_PATH"]]))
    assert find_instrument(mini_instrument.identity) == mini_instrument


def test_the_shipped_files_are_found_where_importlib_resources_finds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """On disk the package's own folder (without importing importlib.resources); any other loader (a zip,
    a frozen bundle) is asked through importlib.resources."""
    import importlib.machinery
    import importlib.resources
    import importlib.util

    assert assets._files() == importlib.resources.files(assets.PACKAGE)
    spec = importlib.util.find_spec(assets.PACKAGE)
    assert spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader)
    elsewhere = importlib.machinery.ModuleSpec(assets.PACKAGE, loader=None, origin="/nowhere/__init__.py")
    monkeypatch.setattr(assets.importlib.util, "find_spec", lambda _name: elsewhere)
    asked: list[str] = []
    monkeypatch.setattr(importlib.resources, "files", lambda package: asked.append(package) or Path("/asked"))
    assert assets._files() == Path("/asked") and asked == [assets.PACKAGE]


# -- the record of what pydantic accepted ----------------------------------------------------------


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(validated_cache.CACHE_ENV, str(folder))
    return folder / "instruments"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources pydantic validates from now on, in order."""
    seen: list[str] = []
    real = definition.validate_instrument

    def counting(data: Any, source: str = "the instrument") -> Instrument:
        seen.append(source)
        return real(data, source)

    monkeypatch.setattr(definition, "validate_instrument", counting)
    return seen


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SMALL, indent=1), encoding="utf-8")
    return path


def test_pydantic_checks_a_file_once_and_later_loads_build_it_from_the_record(
    cache_dir: Path, validations: list[str], small_file: Path
) -> None:
    first = load_instrument(small_file)
    assert validations == ["tiny.json"]
    (record,) = cache_dir.glob("*.json")
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["identity_sha256"] == SMALL_SHA256_UNDER_PYDANTIC
    assert saved["checked_by"]["pydantic"] == __import__("pydantic").VERSION
    again = load_instrument(small_file)
    assert validations == ["tiny.json"] and again == first and again is not first
    assert again.sha256 == SMALL_SHA256_UNDER_PYDANTIC
    # One changed byte is another file: checked again, and a bad one refused.
    small_file.write_text(json.dumps(SMALL), encoding="utf-8")
    load_instrument(small_file)
    assert validations == ["tiny.json", "tiny.json"] and len(list(cache_dir.glob("*.json"))) == 2
    small_file.write_text(json.dumps({**SMALL, "id": ""}), encoding="utf-8")
    with pytest.raises(InstrumentError, match="id: should have at least 1 character"):
        load_instrument(small_file)
    assert len(list(cache_dir.glob("*.json"))) == 2  # nothing recorded for a refused file


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda record: b"", id="empty"),
        pytest.param(lambda record: record[: len(record) // 2], id="cut"),
        pytest.param(lambda record: b"\xff\xfe not json", id="not-json"),
        pytest.param(lambda record: b"[1, 2]", id="not-an-object"),
        pytest.param(lambda record: record.replace(b'"schema": 1', b'"schema": 0'), id="older-schema-revision"),
        pytest.param(lambda record: record.replace(b'"hmip": "', b'"hmip": "0.0.'), id="another-app-version"),
        pytest.param(lambda record: record.replace(b'"pydantic": "', b'"pydantic": "1.'), id="another-pydantic"),
        pytest.param(
            lambda record: record.replace(b'"identity_sha256": "', b'"identity_sha256": "0'), id="bad-identity"
        ),
        pytest.param(
            lambda record: record.replace(b'"identity_sha256": "c', b'"identity_sha256": "d'), id="wrong-identity"
        ),
        pytest.param(lambda record: record.replace(b'"digest": "', b'"digest": "0'), id="bad-digest"),
        pytest.param(lambda record: re.sub(rb', "digest": "[0-9a-f]*"', b"", record), id="no-digest"),
    ],
)
def test_a_damaged_or_stale_record_is_ignored_and_written_again(
    cache_dir: Path, validations: list[str], small_file: Path, damage: Any
) -> None:
    expected = load_instrument(small_file)
    (record,) = cache_dir.glob("*.json")
    good = record.read_bytes()
    assert good.count(b'"identity_sha256": "c') == 1  # the damage below hits what it says
    assert damage(good) != good
    record.write_bytes(damage(good))
    assert load_instrument(small_file) == expected
    assert validations == ["tiny.json", "tiny.json"]
    assert record.read_bytes() == good
    load_instrument(small_file)
    assert len(validations) == 2


def test_a_load_from_the_record_takes_its_identity_without_working_it_out_again(
    cache_dir: Path, small_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_instrument(small_file)
    worked_out: list[str] = []
    real = Instrument.canonical_json

    def counting(self: Instrument) -> str:
        worked_out.append(self.id)
        return real(self)

    monkeypatch.setattr(Instrument, "canonical_json", counting)
    again = load_instrument(small_file)
    assert again.identity == first.identity and again.sha256 == SMALL_SHA256_UNDER_PYDANTIC
    assert worked_out == []


def test_a_record_that_does_not_fit_the_bytes_is_not_trusted(
    cache_dir: Path, validations: list[str], small_file: Path
) -> None:
    """A record copied to the name of other bytes, which pydantic would refuse: its own digest no longer
    fits it, so it is not believed, and pydantic checks the file and says what is wrong."""
    load_instrument(small_file)
    (record,) = cache_dir.glob("*.json")
    small_file.write_text(json.dumps({**SMALL, "id": ""}, indent=1), encoding="utf-8")
    forged = json.loads(record.read_text(encoding="utf-8"))
    forged["bytes_sha256"] = hashlib.sha256(small_file.read_bytes()).hexdigest()
    (cache_dir / f"{forged['bytes_sha256']}.json").write_text(json.dumps(forged), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"tiny\.json is not valid: id: should have at least 1 character"):
        load_instrument(small_file)
    assert validations == ["tiny.json", "tiny.json"]


def test_an_unwritable_cache_folder_only_means_checking_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validations: list[str], small_file: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv(validated_cache.CACHE_ENV, str(blocked))
    assert load_instrument(small_file).sha256 == SMALL_SHA256_UNDER_PYDANTIC
    assert load_instrument(small_file).sha256 == SMALL_SHA256_UNDER_PYDANTIC
    assert validations == ["tiny.json", "tiny.json"]
    assert blocked.read_text(encoding="utf-8").startswith("a file")
    assert {p.name for p in tmp_path.iterdir()} == {"not-a-folder", "tiny.json"}


def test_a_record_is_written_whole_or_not_at_all(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, small_file: Path
) -> None:
    def failing_replace(source: str, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(validated_cache.os, "replace", failing_replace)
    load_instrument(small_file)
    assert list(cache_dir.iterdir()) == []  # no record, and no temporary file left behind


def test_the_cache_folder_is_the_users_own_per_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(validated_cache.CACHE_ENV)
    monkeypatch.setattr(validated_cache.Path, "home", lambda: tmp_path / "home")
    monkeypatch.setattr(validated_cache.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert validated_cache.cache_folder() == tmp_path / "xdg" / "hmip-desktop" / "instruments"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert validated_cache.cache_folder() == tmp_path / "home" / ".cache" / "hmip-desktop" / "instruments"
    monkeypatch.setattr(validated_cache.sys, "platform", "darwin")
    assert validated_cache.cache_folder() == tmp_path / "home" / "Library" / "Caches" / "hmip-desktop" / "instruments"
    monkeypatch.setattr(validated_cache.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert validated_cache.cache_folder() == tmp_path / "local" / "hmip-desktop" / "instruments"
    monkeypatch.setenv(validated_cache.CACHE_ENV, str(tmp_path / "mine"))
    assert validated_cache.cache_folder() == tmp_path / "mine" / "instruments"


def test_pydantics_version_is_read_without_importing_it() -> None:
    code = (
        "import sys\n"
        "from hmip_desktop.model.instrument import validated_cache\n"
        "print(validated_cache.pydantic_version(), 'pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [__import__("pydantic").VERSION, "False"], done.stderr[-2000:]


def test_the_first_start_validates_with_pydantic_and_the_next_ones_do_not_import_it(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from hmip_desktop.model.instrument.definition import available_instruments\n"
        "print(' '.join(i.sha256 for i in available_instruments()))\n"
        "print('pydantic' in sys.modules)\n"
    )
    env = {**os.environ, validated_cache.CACHE_ENV: str(tmp_path / "fresh")}

    def start() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
        lines = done.stdout.splitlines()
        assert len(lines) == 2, done.stderr[-2000:]
        return lines[0], lines[1]

    hashes, imported = start()
    assert imported == "True"
    assert hashes.split() == [i.sha256 for i in available_instruments()]
    assert start() == (hashes, "False")
    assert len(list((tmp_path / "fresh" / "instruments").glob("*.json"))) == len(instrument_paths())


# -- any rule tree: the builder and pydantic make the same records, and the dump gives the data back --

question_ids = st.sampled_from(["cd.gender", "a.done", "a.well"])
values = st.lists(st.sampled_from(["yes", "no", "male", "female"]), min_size=1, max_size=3)
value_rules = st.builds(
    lambda q, v, by_name: {"question": q, ("in_" if by_name else "in"): v}, question_ids, values, st.booleans()
)
rule_trees = st.recursive(
    value_rules,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
    ),
    max_leaves=12,
)
_adapter = TypeAdapter(Question)


@settings(deadline=None)
@given(rule_trees)
def test_any_rule_tree_is_built_as_pydantic_builds_it(tree: dict[str, Any]) -> None:
    question = {**SMALL["questions"][2], "relevant_if": tree}
    checked = _adapter.validate_json(json.dumps(question))
    built = build(Question, question)
    assert built == checked
    assert to_json(built) == _adapter.dump_python(checked, mode="json", by_alias=True)
    assert to_json(built)["relevant_if"] == json.loads(json.dumps(tree).replace('"in_"', '"in"'))
