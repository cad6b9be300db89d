"""Frozen records checked against their type hints: the part of pydantic's model API the instrument uses.

Importing pydantic and building its validators for the instrument's classes took about 100 ms of
every start of the app and of every `hmip` command that opens a file (issue 16): more than the rest of
what the first screen needs together. The instrument needs little of it: frozen keyword-only records,
JSON input checked against the type hints (str, int, bool, None, Literal, ``tuple[X, ...]``,
``dict[str, X]``, unions tried left to right, nested records), four constraints (min_length,
max_length, pattern, ge), an alias, defaults, an after-validator, and a dump back to JSON. This
module does that in plain Python with the same names (`Field`, `model_validator`, `model_validate`,
`model_dump`), so the schema in definition.py reads as it did. Checking the shipped instrument takes
a few milliseconds.

Where it differs from pydantic, on purpose:
- input types are JSON's, exactly: no "1" for 1, no 1 for True, no 1 for "1";
- a pattern must match the whole value (`re.fullmatch`);
- every problem is reported at once, in one `ValidationError` (a ValueError), each with its path
  (``questions.12.options.0.value: ...``);
- only `model_validate` checks: constructing a record directly (``InstrumentIdentity(id=...)``)
  takes the values as given, like pydantic's ``model_construct``.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar, Union, dataclass_transform, get_args, get_origin

R = TypeVar("R", bound="Record")
F = TypeVar("F", bound=Callable[..., Any])

#: What a check returns for a value it refused (after adding the reason to the problems).
_INVALID: Any = object()
#: A key missing from the data, or a field without a default.
_ABSENT: Any = object()
#: A compiled check: (value, path, problems) -> the value to keep, or _INVALID.
Check = Callable[[Any, str, list[str]], Any]


class ValidationError(ValueError):
    """A record's input does not fit its type hints and constraints; `problems` lists each, with its path."""

    def __init__(self, title: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in {title}: " + "; ".join(problems))


@dataclasses.dataclass(frozen=True)
class _Constraints:
    alias: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    ge: int | None = None


@dataclasses.dataclass(frozen=True)
class _FieldSpec:
    default: Any
    default_factory: Callable[[], Any] | None
    constraints: _Constraints


def Field(
    default: Any = dataclasses.MISSING,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    ge: int | None = None,
) -> Any:
    """A record field's default and constraints (min/max_length count characters or items); as pydantic's Field."""
    return _FieldSpec(
        default,
        default_factory,
        _Constraints(alias, min_length, max_length, re.compile(pattern) if pattern is not None else None, ge),
    )


_after_validators: set[Callable[..., Any]] = set()


def model_validator(*, mode: Literal["after"]) -> Callable[[F], F]:
    """Marks a method that checks the whole record after its fields (it returns the record or raises ValueError)."""

    def mark(function: F) -> F:
        _after_validators.add(function)
        return function

    return mark


#: One field's way in: (name, key in the data, default or _ABSENT, default factory or None, check).
_Slot = tuple[str, str, Any, Callable[[], Any] | None, Check]


@dataclasses.dataclass(frozen=True)
class _Plan:
    slots: tuple[_Slot, ...]
    keys: frozenset[str]
    after: tuple[Callable[[Any], Any], ...]


_plans: dict[type, _Plan] = {}


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class Record:
    """A frozen, keyword-only dataclass whose fields are checked by `model_validate` (unknown keys refused)."""

    __record_constraints__: ClassVar[dict[str, _Constraints]]
    __record_after__: ClassVar[tuple[Callable[[Any], Any], ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        constraints: dict[str, _Constraints] = {}
        for base in reversed(cls.__mro__[1:]):
            constraints.update(getattr(base, "__record_constraints__", {}))
        for name, value in list(vars(cls).items()):
            if isinstance(value, _FieldSpec):
                constraints[name] = value.constraints
                if value.default_factory is not None:
                    setattr(cls, name, dataclasses.field(default_factory=value.default_factory))
                else:
                    setattr(cls, name, dataclasses.field(default=value.default))
        cls.__record_constraints__ = constraints
        cls.__record_after__ = tuple(
            f for f in vars(cls).values() if isinstance(f, types.FunctionType) and f in _after_validators
        )
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """A record from JSON-shaped data (field names or aliases as keys), checked all the way down."""
        problems: list[str] = []
        record = cls._from(data, "", problems)
        if problems:
            raise ValidationError(cls.__name__, problems)
        return record  # type: ignore[no-any-return]

    @classmethod
    def _from(cls, data: Any, where: str, problems: list[str]) -> Any:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            problems.append(f"{where or cls.__name__}: should be an object, not {_shown(data)}")
            return _INVALID
        plan = _plans.get(cls) or _plan(cls)
        before = len(problems)
        values: dict[str, Any] = {}
        found = 0
        get = data.get
        for name, key, default, default_factory, check in plan.slots:
            raw = get(key, _ABSENT)
            if raw is _ABSENT and key != name:
                raw = get(name, _ABSENT)
            if raw is _ABSENT:
                if default_factory is not None:
                    values[name] = default_factory()
                elif default is not _ABSENT:
                    values[name] = default
                else:
                    problems.append(f"{_path(where, key)}: missing")
                continue
            found += 1
            values[name] = check(raw, _path(where, key), problems)
        if found < len(data):
            problems.extend(f"{_path(where, key)}: unexpected field" for key in data if key not in plan.keys)
        if len(problems) > before:
            return _INVALID
        record = cls(**values)
        for after in plan.after:
            try:
                record = after(record)
            except ValueError as exc:
                problems.append(f"{where}: {exc}" if where else str(exc))
                return _INVALID
        return record

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] = "python",
        by_alias: bool = False,
        exclude_none: bool = False,
        exclude: set[str] | frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """The record as a dict (nested records too); in "json" mode tuples become lists."""
        return _dump_record(self, mode == "json", by_alias, exclude_none, exclude or frozenset())


def _dump_record(
    record: Record, as_json: bool, by_alias: bool, exclude_none: bool, exclude: set[str] | frozenset[str]
) -> dict[str, Any]:
    plan = _plans.get(type(record)) or _plan(type(record))
    out: dict[str, Any] = {}
    for name, key, *_rest in plan.slots:
        if name in exclude:
            continue
        value = getattr(record, name)
        if value is None:
            if not exclude_none:
                out[key if by_alias else name] = None
        elif isinstance(value, str | bool | int):
            out[key if by_alias else name] = value
        else:
            out[key if by_alias else name] = _dump_value(value, as_json, by_alias, exclude_none)
    return out


def _dump_value(value: Any, as_json: bool, by_alias: bool, exclude_none: bool) -> Any:
    if isinstance(value, Record):
        return _dump_record(value, as_json, by_alias, exclude_none, frozenset())
    if isinstance(value, tuple):
        items = [_dump_value(item, as_json, by_alias, exclude_none) for item in value]
        return items if as_json else tuple(items)
    if isinstance(value, dict):
        return {key: _dump_value(item, as_json, by_alias, exclude_none) for key, item in value.items()}
    return value


def _path(where: str, key: str | int) -> str:
    return f"{where}.{key}" if where else str(key)


# -- checks compiled once per record class ------------------------------------------


def _plan(cls: type[Record]) -> _Plan:
    slots: list[_Slot] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        constraints = cls.__record_constraints__.get(field.name, _Constraints())
        default = field.default if field.default is not dataclasses.MISSING else _ABSENT
        factory = field.default_factory if field.default_factory is not dataclasses.MISSING else None
        check = _constrained(_compile(_hint(cls, field.type)), constraints)
        slots.append((field.name, constraints.alias or field.name, default, factory, check))
    keys = frozenset(s[0] for s in slots) | frozenset(s[1] for s in slots)
    plan = _plans[cls] = _Plan(tuple(slots), keys, cls.__record_after__)
    return plan


_hints: dict[tuple[str, str], Any] = {}


def _hint(cls: type, annotation: Any) -> Any:
    """A field's type from its annotation; a string (postponed annotations) is evaluated once per module,
    which is what typing.get_type_hints does for every field of every class, without the repeats."""
    if not isinstance(annotation, str):
        return annotation
    key = (cls.__module__, annotation)
    if key not in _hints:
        _hints[key] = eval(annotation, vars(sys.modules[cls.__module__]))  # the source's own annotations
    return _hints[key]


def _compile(hint: Any) -> Check:
    """The check for one type hint."""
    if hint is type(None):
        return _exact(lambda v: v is None, "null")
    if hint is str:
        return _string
    if hint is bool:
        return _exact(lambda v: isinstance(v, bool), "true or false")
    if hint is int:
        return _exact(lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number")
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        return _exact(lambda v: any(v == a and type(v) is type(a) for a in allowed), " or ".join(map(repr, allowed)))
    if origin is Union or origin is types.UnionType:
        return _union([_compile(arg) for arg in get_args(hint)], get_args(hint))
    if origin is tuple:
        item_hint, ellipsis = get_args(hint)
        if ellipsis is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is supported in a record, not {hint!r}")
        return _tuple(_compile(item_hint))
    if origin is dict:
        key_hint, value_hint = get_args(hint)
        return _dict(_compile(key_hint), _compile(value_hint))
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint._from
    raise TypeError(f"the record field type {hint!r} is not supported")


def _string(value: Any, where: str, problems: list[str]) -> Any:
    if isinstance(value, str):
        return value
    problems.append(f"{where}: should be a string, not {_shown(value)}")
    return _INVALID


def _exact(test: Callable[[Any], bool], wanted: str) -> Check:
    def check(value: Any, where: str, problems: list[str]) -> Any:
        if test(value):
            return value
        problems.append(f"{where}: should be {wanted}, not {_shown(value)}")
        return _INVALID

    return check


def _union(options: list[Check], hints: tuple[Any, ...]) -> Check:
    if len(options) == 2 and type(None) in hints:  # X | None: null, or an X
        other = options[0] if hints[1] is type(None) else options[1]

        def optional(value: Any, where: str, problems: list[str]) -> Any:
            return None if value is None else other(value, where, problems)

        return optional
    names = " or ".join(getattr(h, "__name__", repr(h)) for h in hints)

    def first_that_fits(value: Any, where: str, problems: list[str]) -> Any:
        reasons: list[str] = []
        for option in options:
            attempt: list[str] = []
            result = option(value, where, attempt)
            if not attempt:
                return result
            reasons.append(attempt[0])
        problems.append(f"{where}: fits none of {names} ({'; '.join(reasons)})")
        return _INVALID

    return first_that_fits


def _tuple(item: Check) -> Check:
    def check(value: Any, where: str, problems: list[str]) -> Any:
        if not isinstance(value, list | tuple):
            problems.append(f"{where}: should be a list, not {_shown(value)}")
            return _INVALID
        before = len(problems)
        items = tuple([item(entry, f"{where}.{index}", problems) for index, entry in enumerate(value)])
        return _INVALID if len(problems) > before else items

    return check


def _dict(key: Check, item: Check) -> Check:
    def check(value: Any, where: str, problems: list[str]) -> Any:
        if not isinstance(value, Mapping):
            problems.append(f"{where}: should be an object, not {_shown(value)}")
            return _INVALID
        before = len(problems)
        items = {key(k, f"{where}.{k}", problems): item(v, f"{where}.{k}", problems) for k, v in value.items()}
        return _INVALID if len(problems) > before else items

    return check


def _constrained(check: Check, constraints: _Constraints) -> Check:
    low, high, pattern, ge = constraints.min_length, constraints.max_length, constraints.pattern, constraints.ge
    if low is None and high is None and pattern is None and ge is None:
        return check

    def constrained(value: Any, where: str, problems: list[str]) -> Any:
        value = check(value, where, problems)
        if value is _INVALID or value is None:
            return value
        if low is not None and len(value) < low:
            problems.append(f"{where}: should have at least {low} {'character' if isinstance(value, str) else 'item'}(s)")
            return _INVALID
        if high is not None and len(value) > high:
            problems.append(f"{where}: should have at most {high} {'character' if isinstance(value, str) else 'item'}(s)")
            return _INVALID
        if pattern is not None and pattern.fullmatch(value) is None:
            problems.append(f"{where}: {_shown(value)} should match {pattern.pattern}")
            return _INVALID
        if ge is not None and value < ge:
            problems.append(f"{where}: should be at least {ge}, not {value}")
            return _INVALID
        return value

    return constrained


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
