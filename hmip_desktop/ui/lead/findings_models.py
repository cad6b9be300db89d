"""Models of the findings editor: the narrative fields, and the practice illustrations chosen."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont

from hmip_desktop.model.file.records import CaseRecord
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.table_model import DISPLAY, Index, RowTableModel


def field_label(instrument: Instrument, name: str) -> str:
    """The name the lead sees for a findings field."""
    fixed = {
        ff.LEAD: "Lead inspector (cover)",
        ff.MONTH: "Month of publication (cover)",
        ff.DATES: "Inspection dates",
        ff.FOREWORD: "Foreword",
        ff.FOREWORD_SIGNATORY: "Foreword: signatory",
        ff.RECOMMENDATIONS: "Recommendations",
        ff.CONTEXT_AREA: "Appendix: the area inspected",
        ff.CONTEXT_SAMPLE: "Appendix: the case sample",
        ff.TEAM: "Inspection team",
    }
    if name in fixed:
        return fixed[name]
    kind, _, key = name.partition(".")
    if kind == "explanation":
        try:
            return f"    Explanation of {key} {instrument.criterion(key).title}"
        except Exception:
            return name
    for outcome in instrument.outcomes:
        if outcome.key != key:
            continue
        if kind == "summary":
            return f"Summary of Outcome {outcome.number} ({outcome.title})"
        if kind == "strengths":
            return f"Outcome {outcome.number}: key strengths"
        if kind == "improvements":
            return f"Outcome {outcome.number}: areas for improvement"
    return name


def editor_fields(instrument: Instrument) -> list[ff.FindingsField]:
    """The narrative fields in the editor's order: the report's, with each outcome's parts together.

    Illustrations have their own editor, so they are left out here.
    """
    fields = {f.name: f for f in ff.findings_fields(instrument) if f.name != ff.ILLUSTRATIONS}
    order = [ff.FOREWORD, ff.FOREWORD_SIGNATORY]
    order += [ff.summary_field(o.key) for o in instrument.outcomes]
    order.append(ff.RECOMMENDATIONS)
    for outcome in instrument.outcomes:
        order += [ff.strengths_field(outcome.key), ff.improvements_field(outcome.key)]
        order += [ff.explanation_field(c.code) for c in instrument.criteria if c.outcome == outcome.key]
    order += [ff.LEAD, ff.MONTH, ff.DATES, ff.TEAM, ff.CONTEXT_AREA, ff.CONTEXT_SAMPLE]
    listed = [fields.pop(name) for name in order if name in fields]
    return listed + list(fields.values())  # anything the report adds later still shows


def word_count(text: str) -> int:
    return len(text.split())


class FindingsFieldsModel(RowTableModel[ff.FindingsField]):
    """One row per narrative field: its name and how much is written."""

    headers = ("Section", "Words")

    def __init__(self, instrument: Instrument, texts: dict[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.rows = editor_fields(instrument)
        self.texts = dict(texts)

    def field(self, row: int) -> ff.FindingsField:
        return self.rows[row]

    def row_of(self, name: str) -> int:
        for row, field in enumerate(self.rows):
            if field.name == name:
                return row
        raise KeyError(name)

    def set_texts(self, texts: dict[str, str]) -> None:
        self.texts = dict(texts)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 1))

    def set_text(self, name: str, text: str) -> None:
        if self.texts.get(name, "") == text:
            return
        self.texts[name] = text
        row = self.row_of(name)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 1))

    def cell(self, field: ff.FindingsField, column: int, role: int) -> Any:
        text = self.texts.get(field.name, "")
        missing = field.expected and not text.strip()
        if role == DISPLAY:
            if column == 0:
                return field_label(self.instrument, field.name)
            return "needed" if missing else (word_count(text) or "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return field.description
        if role == Qt.ItemDataRole.ForegroundRole:
            if missing:
                return colours_for().problem
            if column == 1:
                return colours_for().muted
        if role == Qt.ItemDataRole.FontRole and column == 0 and field.name.startswith("summary."):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


# -- practice illustrations ---------------------------------------------------------------


@dataclass(frozen=True)
class IllustrationRow:
    case_ref: str
    #: The assessor's narrative from the case (merged into the lead's file).
    assessor_text: str
    flagged: bool
    included: bool
    chapter: str
    title: str
    #: The lead's edited text; empty: the report uses the assessor's text.
    text: str


def illustration_rows(instrument: Instrument, cases: list[CaseRecord], raw_choices: str) -> list[IllustrationRow]:
    """Flagged cases plus any case already chosen; chosen ones first, in the order written."""
    try:
        choices = ff.parse_illustrations(instrument, raw_choices)
    except ff.InvalidFindingsText:
        choices = []
    by_ref = {case.case_ref: case for case in cases}
    default_chapter = instrument.outcomes[0].key
    rows = [
        IllustrationRow(
            c.case_ref,
            by_ref[c.case_ref].illustration_text if c.case_ref in by_ref else "",
            by_ref[c.case_ref].illustration if c.case_ref in by_ref else False,
            True,
            c.chapter,
            c.title,
            c.text,
        )
        for c in choices
    ]
    chosen = {row.case_ref for row in rows}
    rows += [
        IllustrationRow(case.case_ref, case.illustration_text, True, False, default_chapter, "", "")
        for case in cases
        if case.illustration and case.case_ref not in chosen
    ]
    return rows


def illustrations_json(rows: list[IllustrationRow]) -> str:
    """The ILLUSTRATIONS findings text for the included rows (empty when none)."""
    chosen = {
        row.case_ref: {"chapter": row.chapter, "title": row.title, "text": row.text} for row in rows if row.included
    }
    return json.dumps(chosen, ensure_ascii=False, indent=1) if chosen else ""


class IllustrationsModel(RowTableModel[IllustrationRow]):
    """Cases flagged as practice illustrations; tick one to put it in the report."""

    headers = ("In report", "Case", "Chapter", "Title")
    changed = Signal()

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.chapter_titles = {o.key: f"Outcome {o.number}: {o.title}" for o in instrument.outcomes}

    def update_row(self, row: int, **changes: Any) -> None:
        updated = replace(self.rows[row], **changes)
        if updated == self.rows[row]:
            return
        self.rows[row] = updated
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))
        self.changed.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def cell(self, row: IllustrationRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if row.included else Qt.CheckState.Unchecked
        if role == DISPLAY:
            if column == 1:
                return row.case_ref
            if column == 2:
                return self.chapter_titles.get(row.chapter, row.chapter) if row.included else ""
            if column == 3:
                return row.title
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and not row.flagged:
            return "The assessor no longer flags this case as an illustration"
        if role == Qt.ItemDataRole.ForegroundRole and not row.included:
            return colours_for().muted
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.update_row(index.row(), included=checked)
        return True
