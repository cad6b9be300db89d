"""How the case form is laid out: sections, then groups of questions, in the tool's order.

A group is a run of one criterion's questions. Context questions inside a
section (gates such as "was a risk management plan required?") belong with
the criterion around them, so a criterion interrupted by its own gate stays
one group; gates that open a section go with the criterion that follows.
Pure Python: the navigator, the form pages and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from hmip_desktop.model.instrument.definition import Instrument

ILLUSTRATION_KEY = "illustration"
ILLUSTRATION_TITLE = "Practice illustration"


@dataclass(frozen=True)
class FormGroup:
    key: str
    section: str
    code: str | None
    title: str
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    groups: tuple[FormGroup, ...]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(qid for group in self.groups for qid in group.question_ids)


@dataclass(frozen=True)
class FormLayout:
    sections: tuple[FormSection, ...]

    @cached_property
    def groups(self) -> tuple[FormGroup, ...]:
        return tuple(group for section in self.sections for group in section.groups)

    @cached_property
    def group_of(self) -> dict[str, FormGroup]:
        return {qid: group for group in self.groups for qid in group.question_ids}

    @cached_property
    def section_of(self) -> dict[str, str]:
        return {qid: group.section for group in self.groups for qid in group.question_ids}

    @cached_property
    def order(self) -> tuple[str, ...]:
        return tuple(qid for group in self.groups for qid in group.question_ids)

    def section(self, key: str) -> FormSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


def form_layout(instrument: Instrument) -> FormLayout:
    sections: list[FormSection] = []
    for section in instrument.sections:
        runs: list[tuple[str | None, list[str]]] = []
        leading_context: list[str] = []
        for question in instrument.questions_in_section(section.key):
            code = question.criterion
            if code is None:
                if runs:
                    runs[-1][1].append(question.id)
                else:
                    leading_context.append(question.id)
                continue
            if runs and runs[-1][0] == code:
                runs[-1][1].append(question.id)
            else:
                runs.append((code, [*leading_context, question.id]))
                leading_context = []
        if leading_context:
            # A section of context questions only (case details).
            runs.append((None, leading_context))
        groups = tuple(
            FormGroup(
                key=f"{section.key}/{index}",
                section=section.key,
                code=code,
                title=f"{code} {instrument.criterion(code).title}" if code else section.title,
                question_ids=tuple(ids),
            )
            for index, (code, ids) in enumerate(runs)
        )
        sections.append(FormSection(key=section.key, title=section.title, groups=groups))
    return FormLayout(tuple(sections))


def group_counts(
    layout: FormLayout, relevant: Iterable[str], values: Mapping[str, str | None]
) -> dict[str, tuple[int, int]]:
    """(answered, relevant) per group key."""
    relevant_ids = set(relevant)
    counts: dict[str, tuple[int, int]] = {}
    for group in layout.groups:
        applying = [qid for qid in group.question_ids if qid in relevant_ids]
        answered = sum(1 for qid in applying if values.get(qid) is not None)
        counts[group.key] = (answered, len(applying))
    return counts
