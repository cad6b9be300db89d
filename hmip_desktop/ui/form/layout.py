"""How the case form is laid out: sections, then groups of questions, in the tool's order.

A group is a run of one criterion's questions. Context questions inside a
section (gates such as "was a risk management plan required?") belong with
the criterion around them, so a criterion interrupted by its own gate stays
one group; gates that open a section go with the criterion that follows.
Pure Python: the navigator, the form pages and the tests share it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from hmip_desktop.model.instrument.definition import AllRule, AnyRule, Instrument, RelevanceRule, ValueRule

ILLUSTRATION_KEY = "illustration"
ILLUSTRATION_TITLE = "Practice illustration"


# A named tuple, and real annotations in this module: defined as the app starts (docs/performance.md).
class FormGroup(NamedTuple):
    """A run of one criterion's questions (or the case details), shown together in the form."""

    key: str
    section: str
    code: str | None
    title: str
    question_ids: tuple[str, ...]
    #: Every question whose answer can decide whether one of this group's questions applies
    #: (gates, and the gates of gates).
    gates: frozenset[str] = frozenset()


class FormSection(NamedTuple):
    """A part of the form and its groups, in the tool's order."""

    key: str
    title: str
    groups: tuple[FormGroup, ...]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(qid for group in self.groups for qid in group.question_ids)


@dataclass(frozen=True)
class FormLayout:
    """The form's sections in order, with look-ups from a question to its group and section."""

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


_layouts: dict[str, FormLayout] = {}


def layout_of(instrument: Instrument) -> FormLayout:
    """The form layout of an instrument, made once per instrument (by its hash)."""
    layout = _layouts.get(instrument.sha256)
    if layout is None:
        layout = _layouts[instrument.sha256] = form_layout(instrument)
    return layout


def rule_questions(rule: RelevanceRule) -> set[str]:
    """The questions a relevance rule reads."""
    if isinstance(rule, ValueRule):
        return {rule.question}
    children = rule.all if isinstance(rule, AllRule) else rule.any
    assert isinstance(rule, AllRule | AnyRule)
    return set().union(*(rule_questions(child) for child in children))


def gate_closure(instrument: Instrument) -> dict[str, frozenset[str]]:
    """For each question, every question its applicability depends on, directly or through other gates."""
    direct = {q.id: rule_questions(q.relevant_if) if q.relevant_if else set() for q in instrument.questions}
    closure: dict[str, frozenset[str]] = {}
    for question in instrument.questions:  # gates come before what they open, so one pass in order
        found: set[str] = set()
        for gate in direct[question.id]:
            found.add(gate)
            found |= closure.get(gate, frozenset()) or _closure_of(gate, direct)
        closure[question.id] = frozenset(found)
    return closure


def _closure_of(question_id: str, direct: Mapping[str, set[str]]) -> frozenset[str]:
    """The closure for a gate that comes later in the form than a question it opens."""
    seen: set[str] = set()
    todo = [question_id]
    while todo:
        for gate in direct.get(todo.pop(), set()):
            if gate not in seen:
                seen.add(gate)
                todo.append(gate)
    return frozenset(seen)


def form_layout(instrument: Instrument) -> FormLayout:
    gates = gate_closure(instrument)
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
                gates=frozenset().union(*(gates[qid] for qid in ids)),
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


def finished_groups(layout: FormLayout, relevant: Iterable[str], values: Mapping[str, str | None]) -> set[str]:
    """The groups (case details, each criterion) that are finished: every question in them that
    applies is answered, and every gate that decides what applies and itself applies is answered.

    This is the case's progress that never goes backwards as work is done. Relevance rules only
    ever test "answer is one of …", so answering a question that had no answer only opens
    questions; a finished group's gates are all answered, so a new answer elsewhere cannot open
    anything in it. Only changing or clearing an answer can un-finish a group, and then there is
    new work in it. (The count of questions that apply, by contrast, grows as gates open.)
    """
    relevant_ids = set(relevant)
    answered = {qid for qid, value in values.items() if value is not None}
    finished: set[str] = set()
    for group in layout.groups:
        if any(gate in relevant_ids and gate not in answered for gate in group.gates):
            continue
        if all(qid in answered for qid in group.question_ids if qid in relevant_ids):
            finished.add(group.key)
    return finished
