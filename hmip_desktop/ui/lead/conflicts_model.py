"""Table models of merge conflicts: the open ones, and the history of resolved ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import Conflict, ConflictSide
from hmip_desktop.ui.table_model import DISPLAY, RowTableModel

NO_ANSWER = "(no answer)"


def format_when(iso: str | None) -> str:
    """'13 Jan 2014 10:42' in local time; the raw text if it is not a time stamp."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment:%d %b %Y %H:%M}"


def value_label(instrument: Instrument, question_id: str, value: str | None) -> str:
    if value is None:
        return NO_ANSWER
    question = instrument.by_id.get(question_id)
    return question.label_for(value) if question else value


def side_summary(instrument: Instrument, conflict: Conflict, side: ConflictSide) -> str:
    return f"{value_label(instrument, conflict.question_id, side.value)} ({side.assessor})"


class ConflictsModel(RowTableModel[Conflict]):
    """Open conflicts (`resolved=False`) or resolved ones, newest decision first (`resolved=True`)."""

    OPEN_HEADERS = ("Case", "Question", "Answers in conflict")
    HISTORY_HEADERS = ("Case", "Question", "Decision", "Resolved by", "When", "Note")

    def __init__(self, instrument: Instrument, *, resolved: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.resolved = resolved
        self.headers = self.HISTORY_HEADERS if resolved else self.OPEN_HEADERS

    @property
    def conflicts(self) -> list[Conflict]:
        return self.rows

    def set_conflicts(self, conflicts: list[Conflict]) -> None:
        """Take the relevant ones from a full list (open and resolved)."""
        if self.resolved:
            chosen = sorted((c for c in conflicts if not c.is_open), key=lambda c: c.resolved_at or "", reverse=True)
        else:
            chosen = [c for c in conflicts if c.is_open]
        self.set_rows(chosen)

    def conflict(self, row: int) -> Conflict:
        return self.rows[row]

    def row_of(self, conflict_id: int) -> int | None:
        for row, conflict in enumerate(self.rows):
            if conflict.id == conflict_id:
                return row
        return None

    def cell(self, conflict: Conflict, column: int, role: int) -> Any:
        question = self.instrument.by_id.get(conflict.question_id)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return f"{conflict.question_id}: {question.text}" if question else conflict.question_id
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and not self.resolved:
            return "\n".join(side_summary(self.instrument, conflict, side) for side in conflict.sides)
        if role != DISPLAY:
            return None
        if column == 0:
            return conflict.case_ref
        if column == 1:
            return question.chart_label if question else conflict.question_id
        if not self.resolved:
            return " / ".join(side_summary(self.instrument, conflict, side) for side in conflict.sides)
        if column == 2:
            return value_label(self.instrument, conflict.question_id, conflict.resolution_value)
        if column == 3:
            return conflict.resolved_by or ""
        if column == 4:
            return format_when(conflict.resolved_at)
        return conflict.resolution_note
