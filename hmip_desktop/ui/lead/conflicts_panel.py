"""Settling conflicts: each side of a disagreement next to the other, then the lead's decision.

A case with an open conflict is held out of the scores; resolving writes the
chosen answer to the lead's file (audited, via `resolve_conflict`) and the
decision stays listed under History.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import Conflict, ConflictSide, list_conflicts, resolve_conflict
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.lead.conflicts_model import ConflictsModel, format_when, value_label


def _table(name: str, model: ConflictsModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    view.setColumnWidth(0, 76)
    view.setColumnWidth(1, 190)
    return view


class SideCard(QGroupBox):
    """One assessor's answer: value, evidence note, source and time, and a button to take it."""

    chosen = Signal(object)  # ConflictSide

    def __init__(self, conflict: Conflict, side: ConflictSide, label: str, *, can_choose: bool) -> None:
        super().__init__(side.assessor)
        self.setObjectName("conflictSide")
        self.side = side
        value = QLabel(f"<span style='font-size:15pt'><b>{label}</b></span>")
        value.setObjectName("sideValue")
        value.setWordWrap(True)
        note = QLabel(side.note.strip() or "<i>No evidence note.</i>")
        note.setObjectName("sideNote")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note.setTextFormat(Qt.TextFormat.PlainText if side.note.strip() else Qt.TextFormat.RichText)
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        note_box = QScrollArea()
        note_box.setWidget(note)
        note_box.setWidgetResizable(True)
        note_box.setFrameShape(QFrame.Shape.NoFrame)
        note_box.setMinimumHeight(48)
        note_box.setMaximumHeight(200)
        where = "the lead's file (an amendment)" if not side.file_uuid else side.source
        origin = QLabel(f"From {where}, revision {side.revision}<br>Answered {format_when(side.at)}")
        origin.setStyleSheet("color: #555")
        origin.setWordWrap(True)
        self.button = QPushButton(f"Use {side.assessor}'s answer")
        self.button.setObjectName("useSide")
        self.button.setEnabled(can_choose)
        self.button.clicked.connect(lambda: self.chosen.emit(self.side))
        layout = QVBoxLayout(self)
        layout.addWidget(value)
        layout.addWidget(QLabel("<b>Evidence note</b>"))
        layout.addWidget(note_box)
        layout.addWidget(origin)
        layout.addWidget(self.button)


class ConflictDetail(QWidget):
    """The question and its sides for one conflict; the decision controls when it is open."""

    resolve_requested = Signal(object, object, object, str)  # conflict, value, assessor to take or None, note

    def __init__(self, inspection: InspectionFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection = inspection
        self.conflict: Conflict | None = None
        self.read_only = False
        self.heading = QLabel("Choose a conflict to see both answers.")
        self.heading.setObjectName("conflictHeading")
        self.heading.setWordWrap(True)
        self.question_text = QLabel("")
        self.question_text.setObjectName("conflictQuestion")
        self.question_text.setWordWrap(True)
        self.open_case = QPushButton("Open &case")
        self.open_case.setObjectName("conflictOpenCase")
        self.open_case.setEnabled(False)
        self.sides_row = QHBoxLayout()
        self.decision = QLabel("")
        self.decision.setObjectName("conflictDecision")
        self.decision.setWordWrap(True)
        self.other_value = QComboBox()
        self.other_value.setObjectName("otherValue")
        self.other_value.setPlaceholderText("Choose an answer…")
        self.use_other = QPushButton("Use this &answer")
        self.use_other.setObjectName("useOther")
        self.use_other.clicked.connect(self._use_other)
        self.note = QLineEdit()
        self.note.setObjectName("resolutionNote")
        self.note.setPlaceholderText("Why (kept in the audit trail and the history), e.g. 'agreed with both assessors'")
        self.controls = QWidget()
        controls = QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        note_row = QHBoxLayout()
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        other_row = QHBoxLayout()
        other_label = QLabel("Or &another answer:")
        other_label.setBuddy(self.other_value)
        other_row.addWidget(other_label)
        other_row.addWidget(self.other_value, 1)
        other_row.addWidget(self.use_other)
        controls.addLayout(note_row)
        controls.addLayout(other_row)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.open_case, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.question_text)
        layout.addSpacing(6)
        layout.addLayout(self.sides_row)
        layout.addWidget(self.decision)
        layout.addWidget(self.controls)
        layout.addStretch(1)
        self.show_conflict(None)

    def _clear_sides(self) -> None:
        while self.sides_row.count():
            item = self.sides_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # gone from the panel now, not at the next event loop turn
                widget.deleteLater()

    def show_conflict(self, conflict: Conflict | None) -> None:
        self.conflict = conflict
        self._clear_sides()
        self.note.clear()
        self.open_case.setEnabled(conflict is not None)
        if conflict is None:
            self.heading.setText("Choose a conflict to see both answers.")
            self.question_text.setText("")
            self.decision.setText("")
            self.controls.setVisible(False)
            return
        instrument = self.inspection.instrument
        question = instrument.by_id.get(conflict.question_id)
        self.heading.setText(
            f"<span style='font-size:13pt'><b>{conflict.case_ref}</b> · "
            f"{question.chart_label if question else conflict.question_id}</span>"
        )
        self.question_text.setText(
            f"{question.text if question else ''} <span style='color:#777'>({conflict.question_id}, "
            f"raised {format_when(conflict.raised_at)})</span>"
        )
        for side in conflict.sides:
            card = SideCard(
                conflict, side, value_label(instrument, conflict.question_id, side.value),
                can_choose=conflict.is_open and side.value is not None and not self.read_only,
            )
            card.chosen.connect(self._use_side)
            self.sides_row.addWidget(card, 1)
        self.other_value.clear()
        if question is not None:
            for option in question.options:
                self.other_value.addItem(option.label, option.value)
        self.other_value.setCurrentIndex(-1)  # nothing chosen until the lead picks one
        self.controls.setVisible(conflict.is_open)
        self.controls.setEnabled(not self.read_only)
        if conflict.is_open:
            self.decision.setText("")
        else:
            decided = value_label(instrument, conflict.question_id, conflict.resolution_value)
            self.decision.setText(
                f"<b>Resolved:</b> {decided} — by {conflict.resolved_by} on {format_when(conflict.resolved_at)}"
                + (f"<br><i>{conflict.resolution_note}</i>" if conflict.resolution_note else "")
            )

    def _use_side(self, side: ConflictSide) -> None:
        conflict = self.conflict
        if conflict is None:
            return
        # Taking by assessor credits them; if they hold two different positions, keep the value instead.
        theirs = {s.value for s in conflict.sides if s.assessor == side.assessor}
        take = side.assessor if len(theirs) == 1 and side.file_uuid else None
        self.resolve_requested.emit(conflict, None if take else side.value, take, self.note.text())

    def _use_other(self) -> None:
        if self.conflict is not None and self.other_value.currentData() is not None:
            self.resolve_requested.emit(self.conflict, str(self.other_value.currentData()), None, self.note.text())


class ConflictsPanel(QWidget):
    resolved = Signal(int)  # conflict id
    open_count_changed = Signal(int)
    open_case_requested = Signal(str)

    def __init__(self, inspection: InspectionFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadConflicts")
        self.inspection = inspection
        instrument = inspection.instrument
        self.open_model = ConflictsModel(instrument, resolved=False, parent=self)
        self.history_model = ConflictsModel(instrument, resolved=True, parent=self)
        self.summary = QLabel("")
        self.summary.setObjectName("conflictsSummary")
        self.summary.setWordWrap(True)
        self.open_view = _table("openConflicts", self.open_model)
        self.history_view = _table("conflictHistory", self.history_model)
        self.history_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.history_view.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.lists = QTabWidget()
        self.lists.setObjectName("conflictLists")
        self.lists.addTab(self.open_view, "Open")
        self.lists.addTab(self.history_view, "History")
        self.detail = ConflictDetail(inspection)
        self.detail.resolve_requested.connect(self._resolve)
        self.detail.open_case.clicked.connect(self._open_case)
        self.open_view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._show(self.open_model, current)
        )
        self.history_view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._show(self.history_model, current)
        )
        self.lists.currentChanged.connect(self._list_switched)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.lists)
        split.addWidget(self.detail)
        split.setSizes([560, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.reload()

    def set_read_only(self, read_only: bool) -> None:
        self.detail.read_only = read_only
        self.detail.show_conflict(self.detail.conflict)

    @property
    def open_count(self) -> int:
        return self.open_model.rowCount()

    def reload(self, select_id: int | None = None) -> None:
        conflicts = list_conflicts(self.inspection, include_resolved=True)
        self.open_model.set_conflicts(conflicts)
        self.history_model.set_conflicts(conflicts)
        count, history = self.open_model.rowCount(), self.history_model.rowCount()
        self.lists.setTabText(0, f"Open ({count})")
        self.lists.setTabText(1, f"History ({history})")
        held = len({c.case_uuid for c in self.open_model.conflicts})
        if count:
            self.summary.setText(
                f"<b>{count} open conflict{'s' if count != 1 else ''}</b> on {held} case{'s' if held != 1 else ''}. "
                "A case with an open conflict is held out of the scores until you choose an answer."
            )
        else:
            self.summary.setText("No open conflicts: every case's answers are in the scores.")
        view, model = (self.open_view, self.open_model) if self.lists.currentIndex() == 0 else (
            self.history_view, self.history_model)
        row = model.row_of(select_id) if select_id is not None else None
        if row is None and model is self.open_model and model.rowCount():
            row = 0
        if row is not None:
            view.selectRow(row)
            self._show(model, model.index(row, 0))
        else:
            self.detail.show_conflict(None)
        self.open_count_changed.emit(count)

    def _list_switched(self, tab: int) -> None:
        view, model = (self.open_view, self.open_model) if tab == 0 else (self.history_view, self.history_model)
        index = view.selectionModel().currentIndex()
        if not index.isValid() and model.rowCount():
            view.selectRow(0)
            index = model.index(0, 0)
        self._show(model, index)

    def _show(self, model: ConflictsModel, index: QModelIndex) -> None:
        self.detail.show_conflict(model.conflict(index.row()) if index.isValid() else None)

    def _open_case(self) -> None:
        if self.detail.conflict is not None:
            self.open_case_requested.emit(self.detail.conflict.case_ref)

    def _resolve(self, conflict: Conflict, value: str | None, take: str | None, note: str) -> None:
        try:
            resolve_conflict(
                self.inspection, conflict.case_ref, conflict.question_id, value=value, take=take, note=note.strip()
            )
        except UserError as exc:
            show_user_error(self, exc, "Conflict not resolved")
            self.reload(select_id=conflict.id)
            return
        # Move on to the next open conflict (the list keeps its order).
        row = self.open_model.row_of(conflict.id) or 0
        self.reload()
        if self.open_model.rowCount():
            row = min(row, self.open_model.rowCount() - 1)
            self.open_view.selectRow(row)
            self._show(self.open_model, self.open_model.index(row, 0))
        self.resolved.emit(conflict.id)
