"""The inspection instrument: the question set as validated data.

Everything else (forms, scoring, exports, the report) is generated from an
`Instrument`. The JSON files live in ``resources/instruments/``; this module
only knows how to validate them, not what they contain.

The records are frozen stdlib dataclasses and pydantic is their validator (`validate_instrument`);
defining them imports no pydantic. Importing pydantic and building its validator costs ~100 ms, so
a file pydantic has accepted once is recorded per user (validated_cache.py) and later starts build
the same tree from the JSON without it (`build`, driven by the dataclass fields).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from hmip_desktop.model import assets
from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument import validated_cache
from hmip_desktop.model.wording import count

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The parts of the form, in the order of the offender's journey.
SECTION_KEYS = (
    "case-details",
    "assessment-planning",
    "delivery-review",
    "outcomes",
    "victim-contact",
    "practitioner-interview",
)

#: Fields that only say how the instrument is shown (titles of the criteria grid's stages). They are
#: left out of the identity hash, so a title can be reworded without refusing the files made before.
PRESENTATION_FIELDS = frozenset({"stages"})

FactorAspect = Literal["identified", "interventions", "progress"]


#: How pydantic checks every record (a ConfigDict, written as the plain dict it is so that defining the
#: classes needs no pydantic): unknown keys refused, input types exactly JSON's (no "1" for 1, no 1 for
#: true), the alias or the field name accepted. Constraints sit in each field's metadata, which pydantic
#: reads as the arguments of its own Field (min_length, max_length, pattern, ge, alias).
PYDANTIC_CONFIG: dict[str, Any] = {"extra": "forbid", "strict": True, "populate_by_name": True}

#: Raise when the schema or the cross-reference checks change in a way the version number does not
#: show: records of files validated under an older revision are then ignored (validated_cache.py).
SCHEMA_REVISION = 1


class _Record:
    """A frozen keyword-only dataclass that pydantic validates (see PYDANTIC_CONFIG); no slots, so
    `cached_property` can keep its value in the instance's __dict__."""

    __pydantic_config__ = PYDANTIC_CONFIG


@dataclass(frozen=True, kw_only=True)
class Option(_Record):
    """One answer a question offers: the value stored, the label shown, and how it scores."""

    value: str = field(metadata={"min_length": 1, "max_length": 40, "pattern": r"^[a-z0-9][a-z0-9_-]*$"})
    label: str = field(metadata={"min_length": 1})
    #: True: work judged sufficient; False: not sufficient; None: not counted
    #: (for example "not applicable", or any option of a context question).
    above_line: bool | None


@dataclass(frozen=True, kw_only=True)
class ValueRule(_Record):
    """The question applies only when an earlier question's answer is one of `in_` ("in" in the JSON)."""

    question: str
    in_: tuple[str, ...] = field(metadata={"alias": "in", "min_length": 1})


@dataclass(frozen=True, kw_only=True)
class AllRule(_Record):
    """The question applies only when every one of these rules holds."""

    all: tuple[RelevanceRule, ...] = field(metadata={"min_length": 1})


@dataclass(frozen=True, kw_only=True)
class AnyRule(_Record):
    """The question applies when at least one of these rules holds."""

    any: tuple[RelevanceRule, ...] = field(metadata={"min_length": 1})


#: Told apart by their keys ("question"/"in", "all", "any"): unknown keys are refused, so data fits one kind at most.
RelevanceRule = ValueRule | AllRule | AnyRule


@dataclass(frozen=True, kw_only=True)
class FactorLink(_Record):
    """Marks a question as one cell of the offending-related factors grid."""

    factor: str
    aspect: FactorAspect


@dataclass(frozen=True, kw_only=True)
class Question(_Record):
    """One question of the form: a case-detail (context) question, or one scored under a criterion."""

    id: str = field(metadata={"min_length": 1, "max_length": 64, "pattern": r"^[a-z0-9][a-z0-9_.-]*$"})
    section: str
    criterion: str | None
    text: str = field(metadata={"min_length": 1})
    help: str = ""
    options: tuple[Option, ...] = field(metadata={"min_length": 2})
    outcomes: tuple[str, ...] = ()
    relevant_if: RelevanceRule | None = None
    key: bool = False
    #: A short label for charts and tables (defaults to the text).
    short: str | None = None
    factor: FactorLink | None = None

    @property
    def is_context(self) -> bool:
        """A case-detail question: never scored, used for breakdowns."""
        return self.criterion is None

    @property
    def is_scored(self) -> bool:
        return self.criterion is not None and any(o.above_line is not None for o in self.options)

    def option(self, value: str) -> Option | None:
        for option in self.options:
            if option.value == value:
                return option
        return None

    def label_for(self, value: str | None) -> str:
        if value is None:
            return ""
        option = self.option(value)
        return option.label if option else value

    @property
    def chart_label(self) -> str:
        return self.short or self.text


@dataclass(frozen=True, kw_only=True)
class Outcome(_Record):
    """One of the outcomes the criteria's questions count towards in the scores."""

    key: str = field(metadata={"pattern": r"^[a-z][a-z0-9-]*$"})
    number: int = field(metadata={"ge": 1})
    title: str
    expectation: str
    #: How the report's sentence names the work: "Overall, N% of work to <phrase> was done well enough."
    phrase: str = ""


@dataclass(frozen=True, kw_only=True)
class Criterion(_Record):
    """A criterion ("1.1"): a run of scored questions under one outcome, shown at one stage."""

    code: str = field(metadata={"pattern": r"^[0-9]+\.[0-9]+$"})
    outcome: str
    title: str
    stage: str


@dataclass(frozen=True, kw_only=True)
class Section(_Record):
    """A part of the form, in the order of the offender's journey (SECTION_KEYS)."""

    key: str
    title: str


@dataclass(frozen=True, kw_only=True)
class Stage(_Record):
    """A column of the criteria grid (the stage of the work a criterion judges), in the grid's order."""

    key: str = field(metadata={"pattern": r"^[a-z][a-z0-9-]*$"})
    title: str = field(metadata={"min_length": 1})


@dataclass(frozen=True, kw_only=True)
class Factor(_Record):
    """An offending-related factor: one row of the factors grid."""

    key: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Instrument(_Record):
    """The whole question set of one version, and its identity (id, version, sha256)."""

    id: str = field(metadata={"min_length": 1})
    version: str = field(metadata={"min_length": 1})
    title: str
    sections: tuple[Section, ...]
    outcomes: tuple[Outcome, ...]
    criteria: tuple[Criterion, ...]
    factors: tuple[Factor, ...] = ()
    questions: tuple[Question, ...]
    glossary: dict[str, str] = field(default_factory=dict)
    #: Presentation only (see PRESENTATION_FIELDS): the stages' titles and order in the report.
    stages: tuple[Stage, ...] = ()

    # -- look-ups -------------------------------------------------------------

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question:
        try:
            return self.by_id[question_id]
        except KeyError:
            raise InstrumentError(f"unknown question {question_id!r}") from None

    @cached_property
    def context_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_context)

    @cached_property
    def scored_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_scored)

    def questions_in_section(self, section_key: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.section == section_key)

    def questions_for_criterion(self, code: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.criterion == code)

    def criterion(self, code: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise InstrumentError(f"unknown criterion {code!r}")

    @cached_property
    def stage_order(self) -> tuple[str, ...]:
        """The criteria grid's stage keys in order: the listed stages, then any others as the criteria first use them."""
        order = [s.key for s in self.stages]
        for criterion in self.criteria:
            if criterion.stage not in order:
                order.append(criterion.stage)
        return tuple(order)

    def stage_title(self, key: str) -> str:
        """The stage's title for readers; an instrument that lists no stages shows the key."""
        for stage in self.stages:
            if stage.key == key:
                return stage.title
        return key

    def outcome(self, key: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.key == key:
                return outcome
        raise InstrumentError(f"unknown outcome {key!r}")

    # -- identity -------------------------------------------------------------

    def canonical_json(self) -> str:
        """What the identity hash covers: everything but the presentation fields."""
        data = to_json(self)
        for name in PRESENTATION_FIELDS:
            del data[name]
        return canonical_json(data)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @property
    def identity(self) -> InstrumentIdentity:
        return InstrumentIdentity(id=self.id, version=self.version, sha256=self.sha256)

    def contract_dict(self) -> dict[str, Any]:
        """The public JSON contract printed by ``hmip instrument --json``."""
        data = to_json(self)
        data["sha256"] = self.sha256
        return data


@dataclass(frozen=True, kw_only=True)
class InstrumentIdentity(_Record):
    """What an inspection file records of its instrument (made by the app, never validated from input)."""

    id: str
    version: str
    sha256: str

    def describe(self) -> str:
        return f"{self.id} v{self.version} ({self.sha256[:12]})"


def reference_problems(instrument: Instrument) -> list[str]:
    """What pydantic's per-field checks cannot see: keys that must be unique, and references between parts."""
    problems: list[str] = []
    section_keys = [s.key for s in instrument.sections]
    outcome_keys = {o.key for o in instrument.outcomes}
    criterion_codes = {c.code for c in instrument.criteria}
    factor_keys = {f.key for f in instrument.factors}
    stage_keys = {s.key for s in instrument.stages}
    if len(stage_keys) != len(instrument.stages):
        problems.append("stage keys are not unique")
    if len(set(section_keys)) != len(section_keys):
        problems.append("section keys are not unique")
    if len(outcome_keys) != len(instrument.outcomes):
        problems.append("outcome keys are not unique")
    if len(criterion_codes) != len(instrument.criteria):
        problems.append("criterion codes are not unique")
    for criterion in instrument.criteria:
        if criterion.outcome not in outcome_keys:
            problems.append(f"criterion {criterion.code}: unknown outcome {criterion.outcome!r}")
        if instrument.stages and criterion.stage not in stage_keys:
            problems.append(f"criterion {criterion.code}: unknown stage {criterion.stage!r}")

    seen: dict[str, Question] = {}
    for question in instrument.questions:
        where = f"question {question.id}"
        if question.id in seen:
            problems.append(f"{where}: duplicate id")
        if question.section not in section_keys:
            problems.append(f"{where}: unknown section {question.section!r}")
        if question.criterion is not None and question.criterion not in criterion_codes:
            problems.append(f"{where}: unknown criterion {question.criterion!r}")
        if question.criterion is None and question.outcomes:
            problems.append(f"{where}: a context question cannot count towards outcomes")
        for key in question.outcomes:
            if key not in outcome_keys:
                problems.append(f"{where}: unknown outcome {key!r}")
        values = [o.value for o in question.options]
        if len(set(values)) != len(values):
            problems.append(f"{where}: option values are not unique")
        if question.criterion is None and any(o.above_line is not None for o in question.options):
            problems.append(f"{where}: context options must have above_line null")
        if question.factor is not None and question.factor.factor not in factor_keys:
            problems.append(f"{where}: unknown factor {question.factor.factor!r}")
        if question.relevant_if is not None:
            for rule in iter_value_rules(question.relevant_if):
                gate = seen.get(rule.question)
                if gate is None:
                    problems.append(f"{where}: relevant_if names {rule.question!r}, which is not an earlier question")
                    continue
                gate_values = {o.value for o in gate.options}
                for value in rule.in_:
                    if value not in gate_values:
                        problems.append(f"{where}: relevant_if value {value!r} is not an option of {gate.id}")
        seen[question.id] = question
    return problems


def iter_value_rules(rule: RelevanceRule) -> list[ValueRule]:
    if isinstance(rule, ValueRule):
        return [rule]
    children = rule.all if isinstance(rule, AllRule) else rule.any
    found: list[ValueRule] = []
    for child in children:
        found.extend(iter_value_rules(child))
    return found


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- to and from JSON without pydantic ----------------------------------------------

R = TypeVar("R", bound=_Record)
#: Turns a JSON value into a field's value (None: the JSON value is the value: str, int, bool, null, Literal).
_Convert = Callable[[Any], Any] | None


class _Slot(typing.NamedTuple):
    """One field's way in and out: its name, its key in the JSON (the alias, if any), how to convert it."""

    name: str
    key: str
    convert: _Convert
    required: bool


_slot_plans: dict[type[_Record], tuple[_Slot, ...]] = {}


def _slots(cls: type[_Record]) -> tuple[_Slot, ...]:
    """The record's fields, worked out once per class (type hints evaluated from the annotations' strings)."""
    if cls in _slot_plans:
        return _slot_plans[cls]
    hints = typing.get_type_hints(cls)
    plan = _slot_plans[cls] = tuple(
        _Slot(
            f.name,
            f.metadata.get("alias", f.name),
            _converter(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    )
    return plan


def _converter(hint: Any) -> _Convert:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, _Record):
        record = hint
        return lambda value: build(record, value)
    if origin is tuple:
        item = _converter(args[0])
        return tuple if item is None else (lambda value: tuple([item(entry) for entry in value]))
    if origin is dict:
        entry = _converter(args[1])
        return dict if entry is None else (lambda value: {k: entry(v) for k, v in value.items()})
    if origin is types.UnionType or origin is typing.Union:
        kinds = [arg for arg in args if arg is not type(None)]
        if len(kinds) == 1:
            only = _converter(kinds[0])
            return None if only is None else (lambda value: None if value is None else only(value))
        records: list[type[_Record]] = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, _Record)]
        if len(records) != len(kinds):
            raise TypeError(f"a union of records only, not {hint!r}")
        return lambda value: None if value is None else build(_kind_by_keys(records, value), value)
    return None


def _kind_by_keys(kinds: list[type[_Record]], value: Mapping[str, Any]) -> type[_Record]:
    """The record kind whose keys the data has: all its required keys, and no key it does not know."""
    keys = set(value)
    for kind in kinds:
        slots = _slots(kind)
        known = {s.key for s in slots} | {s.name for s in slots}
        if keys <= known and all(s.key in keys or s.name in keys for s in slots if s.required):
            return kind
    raise ValueError(f"the keys {sorted(keys)} fit none of {[kind.__name__ for kind in kinds]}")


def build(cls: type[R], data: Mapping[str, Any]) -> R:
    """A record tree from JSON data pydantic has already accepted (no checks: see validate_instrument).

    Fields missing from the data get their defaults; the alias or the field name is read, as pydantic
    reads them (populate_by_name)."""
    values: dict[str, Any] = {}
    for slot in _slots(cls):
        if slot.key in data:
            raw = data[slot.key]
        elif slot.name in data:
            raw = data[slot.name]
        else:
            continue
        values[slot.name] = raw if slot.convert is None else slot.convert(raw)
    return cls(**values)


_json_keys: dict[type[_Record], tuple[tuple[str, str], ...]] = {}
#: Values that are their own JSON (most of an instrument's: its texts), told by their exact type at once.
_JSON_SCALARS = frozenset({str, int, bool, float, type(None)})


def to_json(record: _Record) -> dict[str, Any]:
    """The record as JSON data, keyed by alias: what pydantic's dump_python(mode="json", by_alias=True) gives.

    Run on every start (the identity hash covers it), over the instrument's ~1,200 records."""
    keys = _json_keys.get(type(record))
    if keys is None:
        keys = _json_keys[type(record)] = tuple((slot.key, slot.name) for slot in _slots(type(record)))
    return {key: _json_value(getattr(record, name)) for key, name in keys}


def _json_value(value: Any) -> Any:
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, _Record):
        return to_json(value)
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


# -- validation (pydantic) ----------------------------------------------------------

#: Problems listed in one message at most; the rest are counted.
MAX_PROBLEMS_SHOWN = 20


@cache
def _adapter() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(Instrument)


def validate_instrument(data: bytes | str | Mapping[str, Any], source: str = "the instrument") -> Instrument:
    """pydantic's check of every field, then the references between parts (`reference_problems`).

    `data` is the file's bytes or text, or JSON-shaped data (dumped to JSON first, so it is checked as a
    file would be). Refused: InstrumentError naming `source` and listing the problems, each with its place."""
    from pydantic import ValidationError

    text = data if isinstance(data, bytes | str) else json.dumps(data)
    try:
        instrument: Instrument = _adapter().validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # pydantic counts only the valid items against a list's min_length: "too short" beside an item's
        # own problem says nothing more, so it is left out.
        inside = {tuple(e["loc"][:n]) for e in errors for n in range(len(e["loc"]))}
        _refuse(source, [_problem(e) for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in inside)])
    problems = reference_problems(instrument)
    if problems:
        _refuse(source, problems)
    return instrument


def _refuse(source: str, problems: list[str]) -> typing.NoReturn:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    raise InstrumentError(
        f"instrument {source} is not valid: {'; '.join(shown)}{more}. Fix the file, or reinstall HMIP Desktop "
        "if it came with it"
    )


def _problem(error: Any) -> str:
    """One pydantic error in our words, with its place in the file (``questions.12.options.0.value``)."""
    where = ".".join(str(part) for part in error["loc"]) or "the instrument"
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    noun = "character" if isinstance(given, str) else "item"
    at_least, at_most = int(ctx.get("min_length", 0)), int(ctx.get("max_length", 0))  # 0: not a length error
    worded = {
        "missing": "missing",
        "extra_forbidden": "unexpected field",
        "unexpected_keyword_argument": "unexpected field",
        "string_type": f"should be text, not {_shown(given)}",
        "bool_type": f"should be true or false, not {_shown(given)}",
        "int_type": f"should be a whole number, not {_shown(given)}",
        "int_from_float": f"should be a whole number, not {_shown(given)}",
        "tuple_type": f"should be a list, not {_shown(given)}",
        "list_type": f"should be a list, not {_shown(given)}",
        "dict_type": f"should be an object, not {_shown(given)}",
        "dataclass_type": f"should be an object, not {_shown(given)}",
        "too_short": f"should have at least {count(at_least, noun)}",
        "string_too_short": f"should have at least {count(at_least, noun)}",
        "too_long": f"should have at most {count(at_most, noun)}",
        "string_too_long": f"should have at most {count(at_most, noun)}",
        "string_pattern_mismatch": f"{_shown(given)} should match {ctx.get('pattern')}",
        "greater_than_equal": f"should be at least {ctx.get('ge')}, not {_shown(given)}",
        "literal_error": f"should be {ctx.get('expected')}, not {_shown(given)}",
        "json_invalid": f"is not JSON ({ctx.get('error')})",
    }
    return f"{where}: {worded.get(kind, error['msg'])}"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# -- loading ------------------------------------------------------------------


def load_instrument(path: Traversable) -> Instrument:
    """The instrument in one file, read and checked now (`_instrument` keeps each file's for the process)."""
    data = _read(path)
    return _checked(path, data, _parse(path, data))


def _read(path: Traversable) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InstrumentError(f"cannot read instrument {path}: {exc}") from exc


def _parse(path: Traversable, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InstrumentError(f"cannot read instrument {path}: {exc}") from exc


@cache
def _checked_by() -> dict[str, Any]:
    return validated_cache.stamp(SCHEMA_REVISION)


def _checked(path: Traversable, data: bytes, raw: Any) -> Instrument:
    """The instrument in `data`: built without pydantic if this user's cache says pydantic accepted these
    exact bytes; otherwise validated by pydantic, and the cache told so (if it can be written)."""
    digest = hashlib.sha256(data).hexdigest()
    recorded = validated_cache.recall(digest, _checked_by())
    if recorded is not None:
        try:
            instrument = build(Instrument, raw)
        except (LookupError, TypeError, ValueError, AttributeError):
            instrument = None  # the record cannot be right about these bytes: validate them
        if instrument is not None:
            # The identity pydantic's check of these bytes gave (a record is believed only whole), not
            # worked out again (~3 ms of every start): the builder makes from any file pydantic accepts
            # the records pydantic makes (tests/test_instrument_loading.py). Stored where `sha256`
            # (a cached_property) keeps what it works out.
            instrument.__dict__["sha256"] = recorded
            return instrument
    instrument = validate_instrument(data, path.name)
    validated_cache.remember(digest, _checked_by(), instrument.sha256)
    return instrument


#: Checked instruments by path, and the bytes and data of the files read but not yet checked.
_cache: dict[str, Instrument] = {}
_unchecked: dict[str, tuple[bytes, Any]] = {}
#: The (id, version) each file says it is, read without checking the rest: opening an inspection file
#: checks the one instrument it names, not every shipped version.
_labels: dict[str, tuple[str, str] | None] = {}


def _label(path: Traversable) -> tuple[str, str] | None:
    """What the file says it is (None: it cannot say, so only checking it tells)."""
    key = str(path)
    if key not in _labels:
        try:
            data = _read(path)
            raw = _parse(path, data)
            _unchecked[key] = (data, raw)
        except InstrumentError:
            raw = None
        said = (raw.get("id"), raw.get("version")) if isinstance(raw, dict) else (None, None)
        _labels[key] = (said[0], said[1]) if isinstance(said[0], str) and isinstance(said[1], str) else None
    return _labels[key]


def _instrument(path: Traversable) -> Instrument:
    """The instrument in `path`, checked once per process."""
    key = str(path)
    if key not in _cache:
        if key in _unchecked:  # read already, to learn what it says it is
            data, raw = _unchecked.pop(key)
            _cache[key] = _checked(path, data, raw)
        else:
            _cache[key] = load_instrument(path)
    return _cache[key]


def instrument_paths() -> list[Traversable]:
    """Shipped instruments (`assets`), plus any folders named in HMIP_INSTRUMENT_PATH (used by tests)."""
    found = assets.assets(assets.INSTRUMENTS, ".json")
    extra = os.environ.get("HMIP_INSTRUMENT_PATH", "")
    for folder in (Path(p) for p in extra.split(os.pathsep) if p):
        found += sorted(folder.glob("*.json"))
    return found


def available_instruments() -> list[Instrument]:
    return [_instrument(path) for path in instrument_paths()]


DEFAULT_INSTRUMENT_ID = "iaow-2013-14"


def version_key(version: str) -> tuple[int, ...]:
    """ "1.10" sorts after "1.9"; a part that is not a number sorts first."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def default_instrument() -> Instrument:
    """The newest version of the default instrument: what new files are made with.

    Older versions stay shipped, unchanged, so the files made with them open and score as before."""
    paths = instrument_paths()
    for path in paths:
        if _label(path) is None:
            _instrument(path)  # a file that cannot say what it is: checking it says what is wrong
    versions = [(label[1], path) for path in paths if (label := _label(path)) and label[0] == DEFAULT_INSTRUMENT_ID]
    if versions:
        return _instrument(max(versions, key=lambda item: version_key(item[0]))[1])
    raise InstrumentError(
        f"the instrument {DEFAULT_INSTRUMENT_ID} is missing from {assets.where()}; reinstall HMIP Desktop"
    )


#: The id and version an instrument file names first, as ours are written (`_names_first`).
_OPENING = re.compile(rb'\A\s*\{\s*"id"\s*:\s*"([^"\\]*)"\s*,\s*"version"\s*:\s*"([^"\\]*)"')


def _names_first(path: Traversable) -> tuple[str, str] | None:
    """The id and version the file's opening bytes name, if it opens as ours do: only a guess at its label
    (what decides is `_label`, from all of it), to look at the likely file first."""
    try:
        with path.open("rb") as file:
            found = _OPENING.match(file.read(512))
    except OSError:
        return None
    return (found.group(1).decode("utf-8", "replace"), found.group(2).decode("utf-8", "replace")) if found else None


def find_instrument(identity: InstrumentIdentity) -> Instrument:
    """The shipped instrument an inspection file was made with (only the files of its id and version are checked).

    A file that opens by naming that id and version is looked at first: the file found is read and
    checked as before, and the others are not even parsed (~1.5 ms each)."""
    wanted = (identity.id, identity.version)
    for path in sorted(instrument_paths(), key=lambda path: _names_first(path) != wanted):  # stable
        label = _label(path)
        if label is None or label == (identity.id, identity.version):
            instrument = _instrument(path)
            if instrument.identity == identity:
                return instrument
    raise InstrumentError(
        f"this file was made with the instrument {identity.describe()}, which this version of "
        "HMIP Desktop does not have; open it with the version that created it"
    )
