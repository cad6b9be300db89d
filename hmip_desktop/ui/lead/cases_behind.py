"""The cases behind one dashboard figure, listed so the lead can open any of them at its question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.drilldown import cases_behind, cases_in_groups
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.result import NOT_RECORDED_LABEL
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.lead.dashboard_models import Figure
from hmip_desktop.ui.table_model import DISPLAY, RowTableModel

ABOVE, BELOW, NOT_COUNTED, IN_GROUP = "Above the line", "Below the line", "Not counted", "In the group"


@dataclass(frozen=True)
class CaseRow:
    case_ref: str
    answer: str
    counted_as: str


def rows_behind(
    instrument: Instrument, inputs: Sequence[CaseInput], figure: Figure, *, include_incomplete: bool
) -> list[CaseRow]:
    """Rows for a question figure (each case's answer and how it counts) or a breakdown group."""
    values = {case.case_ref: case.values for case in inputs}
    if figure.kind == "question":
        question = instrument.question(figure.key)
        behind = cases_behind(
            instrument, inputs, figure.key, include_incomplete=include_incomplete, within=figure.within
        )
        rows = []
        for refs, counted_as in ((behind.below, BELOW), (behind.above, ABOVE), (behind.not_counted, NOT_COUNTED)):
            rows += [CaseRow(ref, question.label_for(values[ref].get(figure.key)), counted_as) for ref in refs]
        return rows
    if figure.kind == "group" and figure.within is not None:
        context_id, value = figure.within
        groups = cases_in_groups(instrument, inputs, context_id, include_incomplete=include_incomplete)
        question = instrument.question(context_id)
        label = question.label_for(value) if question.option(value) else NOT_RECORDED_LABEL
        return [CaseRow(ref, label, IN_GROUP) for ref in groups.get(value, ())]
    return []


class CasesBehindModel(RowTableModel[CaseRow]):
    headers = ("Case", "Answer", "Counts as")

    def cell(self, row: CaseRow, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (row.case_ref, row.answer, row.counted_as)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            own = colours_for()
            return {ABOVE: own.done, BELOW: own.problem, NOT_COUNTED: own.muted}.get(row.counted_as)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return "Double-click to open the case at this question"
        return None


class CasesBehindPanel(QWidget):
    """A figure's cases; double-click (or Enter, or the button) asks to open one at the figure's question."""

    open_case_requested = Signal(str, str)  # case ref, question id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("casesBehind")
        self.model = CasesBehindModel(self)
        #: The question the figure is about (a breakdown: its case detail), where a case opens.
        self.question_id = ""
        self.title = QLabel("Select a question, group or factor to see the cases behind its figure.")
        self.title.setObjectName("casesBehindTitle")
        self.title.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("casesBehindTable")
        self.table.setAccessibleName("Cases behind the figure")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.open_button = QPushButton("&Open case")
        self.open_button.setObjectName("openCaseButton")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open_selected)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.open_button.setEnabled(self.table.selectionModel().hasSelection())
        )
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def show_rows(self, title: str, rows: list[CaseRow], question_id: str) -> None:
        self.title.setText(title)
        self.question_id = question_id
        self.model.set_rows(rows)
        self.open_button.setEnabled(False)
        self.table.resizeColumnToContents(0)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case_requested.emit(self.model.rows[index.row()].case_ref, self.question_id)

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open_index(rows[0])
