"""The inspection instrument: the question set as validated data.

Everything else (forms, scoring, exports, the report) is generated from an
`Instrument`. The JSON files live in ``resources/instruments/``; this module
only knows how to validate them, not what they contain.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from hmip_desktop.model import assets
from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.record import Field, Record, model_validator

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


class _Strict(Record):
    """Frozen; unknown keys refused; an alias or the field name accepted (see record.py: no pydantic on start-up)."""


class Option(_Strict):
    value: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: str = Field(min_length=1)
    #: True: work judged sufficient; False: not sufficient; None: not counted
    #: (for example "not applicable", or any option of a context question).
    above_line: bool | None


class ValueRule(_Strict):
    """The question applies only when an earlier question's answer is one of `in_`."""

    question: str
    in_: tuple[str, ...] = Field(alias="in", min_length=1)


class AllRule(_Strict):
    all: tuple[RelevanceRule, ...] = Field(min_length=1)


class AnyRule(_Strict):
    any: tuple[RelevanceRule, ...] = Field(min_length=1)


#: Tried left to right: the first kind of rule the data fits.
RelevanceRule = ValueRule | AllRule | AnyRule


class FactorLink(_Strict):
    """Marks a question as one cell of the offending-related factors grid."""

    factor: str
    aspect: FactorAspect


class Question(_Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    section: str
    criterion: str | None
    text: str = Field(min_length=1)
    help: str = ""
    options: tuple[Option, ...] = Field(min_length=2)
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


class Outcome(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    number: int = Field(ge=1)
    title: str
    expectation: str
    #: How the report's sentence names the work: "Overall, N% of work to <phrase> was done well enough."
    phrase: str = ""


class Criterion(_Strict):
    code: str = Field(pattern=r"^[0-9]+\.[0-9]+$")
    outcome: str
    title: str
    stage: str


class Section(_Strict):
    key: str
    title: str


class Stage(_Strict):
    """A column of the criteria grid (the stage of the work a criterion judges), in the grid's order."""

    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str = Field(min_length=1)


class Factor(_Strict):
    key: str
    label: str


class Instrument(_Strict):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str
    sections: tuple[Section, ...]
    outcomes: tuple[Outcome, ...]
    criteria: tuple[Criterion, ...]
    factors: tuple[Factor, ...] = ()
    questions: tuple[Question, ...]
    glossary: dict[str, str] = Field(default_factory=dict)
    #: Presentation only (see PRESENTATION_FIELDS): the stages' titles and order in the report.
    stages: tuple[Stage, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> Instrument:
        problems: list[str] = []
        section_keys = [s.key for s in self.sections]
        outcome_keys = {o.key for o in self.outcomes}
        criterion_codes = {c.code for c in self.criteria}
        factor_keys = {f.key for f in self.factors}
        stage_keys = {s.key for s in self.stages}
        if len(stage_keys) != len(self.stages):
            problems.append("stage keys are not unique")
        if len(set(section_keys)) != len(section_keys):
            problems.append("section keys are not unique")
        if len(outcome_keys) != len(self.outcomes):
            problems.append("outcome keys are not unique")
        if len(criterion_codes) != len(self.criteria):
            problems.append("criterion codes are not unique")
        for criterion in self.criteria:
            if criterion.outcome not in outcome_keys:
                problems.append(f"criterion {criterion.code}: unknown outcome {criterion.outcome!r}")
            if self.stages and criterion.stage not in stage_keys:
                problems.append(f"criterion {criterion.code}: unknown stage {criterion.stage!r}")

        seen: dict[str, Question] = {}
        for question in self.questions:
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
                        problems.append(
                            f"{where}: relevant_if names {rule.question!r}, which is not an earlier question"
                        )
                        continue
                    gate_values = {o.value for o in gate.options}
                    for value in rule.in_:
                        if value not in gate_values:
                            problems.append(f"{where}: relevant_if value {value!r} is not an option of {gate.id}")
            seen[question.id] = question
        if problems:
            raise ValueError("; ".join(problems))
        return self

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
        return canonical_json(
            self.model_dump(mode="json", by_alias=True, exclude_none=False, exclude=set(PRESENTATION_FIELDS))
        )

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @property
    def identity(self) -> InstrumentIdentity:
        return InstrumentIdentity(id=self.id, version=self.version, sha256=self.sha256)

    def contract_dict(self) -> dict[str, Any]:
        """The public JSON contract printed by ``hmip instrument --json``."""
        data = self.model_dump(mode="json", by_alias=True)
        data["sha256"] = self.sha256
        return data


class InstrumentIdentity(_Strict):
    id: str
    version: str
    sha256: str

    def describe(self) -> str:
        return f"{self.id} v{self.version} ({self.sha256[:12]})"


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


# -- loading ------------------------------------------------------------------


def load_instrument(path: Traversable) -> Instrument:
    return _checked(path, _read(path))


def _read(path: Traversable) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InstrumentError(f"cannot read instrument {path}: {exc}") from exc


def _checked(path: Traversable, raw: Any) -> Instrument:
    try:
        return Instrument.model_validate(raw)
    except ValueError as exc:
        raise InstrumentError(f"instrument {path.name} is not valid: {exc}") from exc


#: Checked instruments by path, and the data of the files read but not yet checked.
_cache: dict[str, Instrument] = {}
_unchecked: dict[str, Any] = {}
#: The (id, version) each file says it is, read without checking the rest: opening an inspection file
#: checks the one instrument it names, not every shipped version (each check is a few milliseconds).
_labels: dict[str, tuple[str, str] | None] = {}


def _label(path: Traversable) -> tuple[str, str] | None:
    """What the file says it is (None: it cannot say, so only checking it tells)."""
    key = str(path)
    if key not in _labels:
        try:
            raw = _unchecked[key] = _read(path)
        except InstrumentError:
            raw = None
        said = (raw.get("id"), raw.get("version")) if isinstance(raw, dict) else (None, None)
        _labels[key] = (said[0], said[1]) if isinstance(said[0], str) and isinstance(said[1], str) else None
    return _labels[key]


def _instrument(path: Traversable) -> Instrument:
    """The instrument in `path`, checked once per process."""
    key = str(path)
    if key not in _cache:
        raw = _unchecked.pop(key) if key in _unchecked else _read(path)
        _cache[key] = _checked(path, raw)
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
    """"1.10" sorts after "1.9"; a part that is not a number sorts first."""
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
    raise InstrumentError(f"the instrument {DEFAULT_INSTRUMENT_ID} is missing from {assets.where()}; reinstall HMIP Desktop")


def find_instrument(identity: InstrumentIdentity) -> Instrument:
    """The shipped instrument an inspection file was made with (only the files of its id and version are checked)."""
    for path in instrument_paths():
        label = _label(path)
        if label is None or label == (identity.id, identity.version):
            instrument = _instrument(path)
            if instrument.identity == identity:
                return instrument
    raise InstrumentError(
        f"this file was made with the instrument {identity.describe()}, which this version of "
        "HMIP Desktop does not have; open it with the version that created it"
    )
