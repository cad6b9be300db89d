"""The lead's narrative for the report: which findings fields exist and what they hold.

The texts live in the inspection file (`InspectionFile.set_finding`); the
report only reads them. Some fields are per outcome (``summary.<outcome>``) or
per criterion (``explanation.<code>``), so the list depends on the instrument.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.wording import count
from hmip_desktop.report.area import parse_area_json


class UnknownFindingsField(UserError):
    """A findings field name the report does not use."""


class InvalidFindingsText(UserError):
    """A findings text the report cannot use (for example malformed illustration choices)."""


@dataclass(frozen=True)
class FindingsField:
    name: str
    description: str
    #: Text a reader of the draft should see; the report shows a placeholder while it is empty.
    expected: bool = True


FOREWORD = "foreword"
FOREWORD_SIGNATORY = "foreword.signatory"
RECOMMENDATIONS = "recommendations"
LEAD = "lead"
DATES = "inspection.dates"
MONTH = "inspection.month"
TEAM = "team"
ILLUSTRATIONS = "illustrations"
CONTEXT_AREA = "context.area"
AREA_DATA = "area.data"
CONTEXT_SAMPLE = "context.sample"
ACKNOWLEDGEMENTS = "acknowledgements"


def summary_field(outcome_key: str) -> str:
    return f"summary.{outcome_key}"


def strengths_field(outcome_key: str) -> str:
    return f"strengths.{outcome_key}"


def improvements_field(outcome_key: str) -> str:
    return f"improvements.{outcome_key}"


def explanation_field(criterion_code: str) -> str:
    return f"explanation.{criterion_code}"


def findings_fields(instrument: Instrument) -> list[FindingsField]:
    """Every field the report reads, in the order they appear in it."""
    fields = [
        FindingsField(LEAD, "lead inspector's name as printed on the cover (default: the lead file's owner)", False),
        FindingsField(MONTH, "month and year on the cover, e.g. 'March 2014' (default: when fieldwork ended)", False),
        FindingsField(
            DATES, "inspection dates as printed in the arrangements appendix, e.g. '3-7 February 2014'", False
        ),
        FindingsField(FOREWORD, "the foreword (Markdown-style text: paragraphs, '- ' bullets, '1. ' lists)"),
        FindingsField(FOREWORD_SIGNATORY, "name and title under the foreword, one per line", False),
    ]
    for outcome in instrument.outcomes:
        fields.append(FindingsField(summary_field(outcome.key), f"summary page text for Outcome {outcome.number}"))
    fields.append(FindingsField(RECOMMENDATIONS, "recommendations, as a numbered list"))
    for outcome in instrument.outcomes:
        fields.append(FindingsField(strengths_field(outcome.key), f"key strengths in Outcome {outcome.number}"))
        fields.append(
            FindingsField(improvements_field(outcome.key), f"key areas for improvement in Outcome {outcome.number}")
        )
    for criterion in instrument.criteria:
        fields.append(
            FindingsField(
                explanation_field(criterion.code),
                f"narrative paragraphs before the figures of {criterion.code} {criterion.title}",
                False,
            )
        )
    fields += [
        FindingsField(
            ILLUSTRATIONS,
            'practice illustrations as JSON: {"CASE-REF": {"chapter": "<outcome key>", "title": "...", "text": "..."}}',
            False,
        ),
        FindingsField(CONTEXT_AREA, "text before the tables of the appendix on the area inspected", False),
        FindingsField(
            AREA_DATA,
            "the area's context figures as JSON (tables with their sources); `hmip area import` fills it from CSV",
        ),
        FindingsField(CONTEXT_SAMPLE, "extra text for the appendix on the case sample", False),
        FindingsField(
            ACKNOWLEDGEMENTS, "thanks at the head of the acknowledgements (default: a standard thanks)", False
        ),
        FindingsField(TEAM, "inspection team, overriding the file's assessors: one 'Role: Name' per line", False),
    ]
    return fields


def check_field(instrument: Instrument, name: str) -> FindingsField:
    for field in findings_fields(instrument):
        if field.name == name:
            return field
    raise UnknownFindingsField(f"{name!r} is not a findings field of the report; `hmip findings list` shows the fields")


# -- structured fields ----------------------------------------------------------------


@dataclass(frozen=True)
class IllustrationChoice:
    case_ref: str
    chapter: str
    title: str
    #: The lead's edited text; empty means "use the assessor's text from the case".
    text: str


def parse_illustrations(instrument: Instrument, raw: str) -> list[IllustrationChoice]:
    """The lead's choices of practice illustrations, in the order written."""
    if not raw.strip():
        return []
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidFindingsText(f"the {ILLUSTRATIONS} field is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidFindingsText(f"the {ILLUSTRATIONS} field must be a JSON object keyed by case reference")
    outcome_keys = {o.key for o in instrument.outcomes}
    choices: list[IllustrationChoice] = []
    problems: list[str] = []
    for case_ref, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{case_ref}: expected an object with 'chapter' (and optionally 'title', 'text')")
            continue
        chapter = entry.get("chapter")
        if chapter not in outcome_keys:
            problems.append(f"{case_ref}: chapter must be one of {', '.join(sorted(outcome_keys))}, not {chapter!r}")
            continue
        title, text = entry.get("title", ""), entry.get("text", "")
        if not isinstance(title, str) or not isinstance(text, str):
            problems.append(f"{case_ref}: 'title' and 'text' must be strings")
            continue
        choices.append(IllustrationChoice(str(case_ref), chapter, title.strip(), text.strip()))
    if problems:
        raise InvalidFindingsText(f"the {ILLUSTRATIONS} field has {count(len(problems), 'problem')}", problems)
    return choices


def parse_team(raw: str) -> list[tuple[str, str]]:
    """(role, name) pairs from 'Role: Name' lines; a line without a role continues the previous one."""
    members: list[tuple[str, str]] = []
    role = ""
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        if ":" in line:
            head, _, rest = line.partition(":")
            role, name = head.strip(), rest.strip()
        else:
            name = line
        if name:
            members.append((role, name))
    return members


def check_text(instrument: Instrument, name: str, text: str) -> None:
    """Refuse text that the report could not use (checked when the lead sets it)."""
    if name == ILLUSTRATIONS:
        parse_illustrations(instrument, text)
    elif name == AREA_DATA:
        parse_area_json(text)
