"""Settling conflicts: each side of a disagreement next to the other, then the lead's decision.

A case with an open conflict is held out of the scores. The lead chooses an
answer (one side, or another option), writes why, and confirms; only the
confirmation writes, through the session (`resolve_conflict`, audited). A
note typed for a conflict stays with that conflict, even when the lead looks
at another one first. A decision can be undone at once, or any resolved
conflict reopened from History (`reopen_conflict`, audited too).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
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
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import Conflict, ConflictSide, list_conflicts
from hmip_desktop.ui.colours import colours_for, tint
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.lead.conflicts_model import ConflictsModel, format_when, value_label
from hmip_desktop.ui.session import Changes, InspectionSession

OPEN_TAB, HISTORY_TAB = 0, 1


def _table(name: str, model: ConflictsModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    view.setColumnWidth(1, view.fontMetrics().horizontalAdvance("Risk to victims managed effect"))
    return view


@dataclass(frozen=True)
class Choice:
    """The answer the lead picked for a conflict, before confirming it."""

    value: str | None
    #: The assessor whose side is taken (credits them), or None for a value set by the lead.
    take: str | None
    label: str


@dataclass
class Draft:
    """What the lead has typed and picked for one open conflict, kept until it is resolved."""

    note: str = ""
    choice: Choice | None = None


class SideCard(QGroupBox):
    """One assessor's answer: value, evidence note, source and time, and a button to choose it."""

    def __init__(self, side: ConflictSide, label: str, *, can_choose: bool) -> None:
        super().__init__(side.assessor)
        self.setObjectName("conflictSide")
        self.side = side
        self.label = label
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
        tint(origin, "muted")
        origin.setWordWrap(True)
        self.button = QPushButton(f"Choose {side.assessor}'s answer")
        self.button.setObjectName("chooseSide")
        self.button.setCheckable(True)
        self.button.setEnabled(can_choose)
        layout = QVBoxLayout(self)
        layout.addWidget(value)
        layout.addWidget(QLabel("<b>Evidence note</b>"))
        layout.addWidget(note_box)
        layout.addWidget(origin)
        layout.addWidget(self.button)


def side_choice(conflict: Conflict, side: ConflictSide, label: str) -> Choice:
    # Taking by assessor credits them; if they hold two different positions, keep the value instead.
    theirs = {s.value for s in conflict.sides if s.assessor == side.assessor}
    if len(theirs) == 1 and side.file_uuid:
        return Choice(None, side.assessor, f"{label} ({side.assessor}'s answer)")
    return Choice(side.value, None, label)


class ConflictDetail(QWidget):
    """The question and its sides for one conflict; choose, note and confirm when it is open.

    Drafts (the note and the choice) are kept per conflict, so a note always
    belongs to the conflict it was typed for.
    """

    #: conflict, value (None when taking a side), assessor to take or None, note
    resolve_requested = Signal(object, object, object, str)
    #: conflict, note
    reopen_requested = Signal(object, str)

    def __init__(self, instrument: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.conflict: Conflict | None = None
        self.read_only = False
        self.drafts: dict[int, Draft] = {}
        self.choice: Choice | None = None
        self._showing = False

        self.heading = QLabel("Choose a conflict to see both answers.")
        self.heading.setObjectName("conflictHeading")
        self.heading.setWordWrap(True)
        self.question_text = QLabel("")
        self.question_text.setObjectName("conflictQuestion")
        self.question_text.setWordWrap(True)
        self.open_case = QPushButton("Open &case at this question")
        self.open_case.setObjectName("conflictOpenCase")
        self.open_case.setEnabled(False)
        self.sides_row = QHBoxLayout()
        self.side_buttons = QButtonGroup(self)
        self.side_buttons.setExclusive(True)
        self.side_buttons.buttonClicked.connect(self._side_clicked)

        # Open: choose (a side above, or another answer), note, confirm.
        self.other_value = QComboBox()
        self.other_value.setObjectName("otherValue")
        self.other_value.setPlaceholderText("Choose an answer…")
        self.other_value.activated.connect(self._other_chosen)
        self.note = QLineEdit()
        self.note.setObjectName("resolutionNote")
        self.note.setPlaceholderText("Why (kept with the decision in the history and the audit trail)")
        self.note.textEdited.connect(self._note_edited)
        self.note.returnPressed.connect(self.confirm)
        self.confirm_button = QPushButton("&Resolve")
        self.confirm_button.setObjectName("resolveConflict")
        self.confirm_button.clicked.connect(self.confirm)
        self.choice_hint = QLabel("")
        self.choice_hint.setObjectName("conflictChoice")
        self.choice_hint.setWordWrap(True)
        self.controls = QWidget()
        controls = QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        other_row = QHBoxLayout()
        other_label = QLabel("Or &another answer:")
        other_label.setBuddy(self.other_value)
        other_row.addWidget(other_label)
        other_row.addWidget(self.other_value, 1)
        note_row = QHBoxLayout()
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        confirm_row = QHBoxLayout()
        confirm_row.addWidget(self.choice_hint, 1)
        confirm_row.addWidget(self.confirm_button)
        controls.addLayout(other_row)
        controls.addLayout(note_row)
        controls.addLayout(confirm_row)

        # Resolved: the decision, and reopening it.
        self.decision = QLabel("")
        self.decision.setObjectName("conflictDecision")
        self.decision.setWordWrap(True)
        self.reopen_note = QLineEdit()
        self.reopen_note.setObjectName("reopenNote")
        self.reopen_note.setPlaceholderText("Why reopen (kept in the audit trail)")
        self.reopen_button = QPushButton("Re&open this conflict")
        self.reopen_button.setObjectName("reopenConflict")
        self.reopen_button.setToolTip("Its case is held out of the scores again until you resolve it again")
        self.reopen_button.clicked.connect(self._reopen)
        self.reopen_controls = QWidget()
        reopen_row = QHBoxLayout(self.reopen_controls)
        reopen_row.setContentsMargins(0, 0, 0, 0)
        reopen_row.addWidget(self.reopen_note, 1)
        reopen_row.addWidget(self.reopen_button)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.open_case, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.question_text)
        layout.addSpacing(6)
        layout.addLayout(self.sides_row)
        layout.addWidget(self.controls)
        layout.addWidget(self.decision)
        layout.addWidget(self.reopen_controls)
        layout.addStretch(1)
        self.show_conflict(None)

    # -- showing a conflict ---------------------------------------------------------------

    def _clear_sides(self) -> None:
        for button in self.side_buttons.buttons():
            self.side_buttons.removeButton(button)
        while self.sides_row.count():
            item = self.sides_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # gone from the panel now, not at the next event loop turn
                widget.deleteLater()

    @property
    def cards(self) -> list[SideCard]:
        return [card for card in self.findChildren(SideCard, "conflictSide") if card.parent() is self]

    def show_conflict(self, conflict: Conflict | None) -> None:
        """Show a conflict (None: none), with the draft the lead left on it."""
        self._showing = True
        try:
            self._show(conflict)
        finally:
            self._showing = False

    def _show(self, conflict: Conflict | None) -> None:
        self.conflict = conflict
        self._clear_sides()
        self.open_case.setEnabled(conflict is not None)
        self.reopen_note.clear()
        if conflict is None:
            self.heading.setText("Choose a conflict to see both answers.")
            self.question_text.setText("")
            self.decision.setText("")
            self.controls.setVisible(False)
            self.reopen_controls.setVisible(False)
            self.choice = None
            return
        question = self.instrument.by_id.get(conflict.question_id)
        self.heading.setText(
            f"<span style='font-size:13pt'><b>{conflict.case_ref}</b> · "
            f"{question.chart_label if question else conflict.question_id}</span>"
        )
        self.question_text.setText(
            f"{question.text if question else ''} <span style='color:{colours_for().muted.name()}'>({conflict.question_id}, "
            f"raised {format_when(conflict.raised_at)})</span>"
        )
        for side in conflict.sides:
            label = value_label(self.instrument, conflict.question_id, side.value)
            card = SideCard(side, label, can_choose=conflict.is_open and side.value is not None and not self.read_only)
            card.setParent(self)
            self.side_buttons.addButton(card.button)
            self.sides_row.addWidget(card, 1)
        self.other_value.clear()
        if question is not None:
            for option in question.options:
                self.other_value.addItem(option.label, option.value)
        self.other_value.setCurrentIndex(-1)  # nothing chosen until the lead picks one
        self.controls.setVisible(conflict.is_open)
        self.controls.setEnabled(not self.read_only)
        self.reopen_controls.setVisible(not conflict.is_open)
        self.reopen_controls.setEnabled(not self.read_only)
        if conflict.is_open:
            self.decision.setText("")
            draft = self.drafts.get(conflict.id, Draft())
            self.note.setText(draft.note)
            self._set_choice(draft.choice)
        else:
            self.note.clear()
            self.choice = None
            decided = value_label(self.instrument, conflict.question_id, conflict.resolution_value)
            self.decision.setText(
                f"<b>Resolved:</b> {decided} — by {conflict.resolved_by} on {format_when(conflict.resolved_at)}"
                + (f"<br><i>{conflict.resolution_note}</i>" if conflict.resolution_note else "")
            )

    # -- choosing, noting, confirming -------------------------------------------------------

    def _draft(self) -> Draft | None:
        conflict = self.conflict
        if conflict is None or not conflict.is_open:
            return None
        return self.drafts.setdefault(conflict.id, Draft())

    def _set_choice(self, choice: Choice | None) -> None:
        self.choice = choice
        draft = self._draft()
        if draft is not None and not self._showing:
            draft.choice = choice
        conflict = self.conflict
        for card in self.cards:
            chosen = conflict is not None and choice == side_choice(conflict, card.side, card.label)
            card.button.setChecked(chosen)
        if not any(card.button.isChecked() for card in self.cards):
            # An exclusive group keeps one button down; let go of it for "none of the sides".
            self.side_buttons.setExclusive(False)
            for button in self.side_buttons.buttons():
                button.setChecked(False)
            self.side_buttons.setExclusive(True)
            if choice is not None:
                self.other_value.setCurrentIndex(self.other_value.findData(choice.value))
        else:
            self.other_value.setCurrentIndex(-1)
        can = choice is not None and not self.read_only
        self.confirm_button.setEnabled(can)
        self.confirm_button.setText(f"&Resolve: keep {choice.label}" if choice else "&Resolve")
        self.choice_hint.setText(
            "" if choice else "Choose one of the answers above, or another answer; add a note; then resolve."
        )

    def _side_clicked(self, button: QAbstractButton) -> None:
        conflict = self.conflict
        card = next((c for c in self.cards if c.button is button), None)
        if conflict is None or card is None:
            return
        self._set_choice(side_choice(conflict, card.side, card.label))

    def _other_chosen(self, index: int) -> None:
        value = self.other_value.itemData(index)
        if self.conflict is None or value is None:
            return
        self._set_choice(Choice(str(value), None, self.other_value.itemText(index)))

    def _note_edited(self, text: str) -> None:
        draft = self._draft()
        if draft is not None:
            draft.note = text

    def confirm(self) -> None:
        """Resolve the conflict shown with the answer chosen and the note typed for it."""
        conflict, choice = self.conflict, self.choice
        if conflict is None or not conflict.is_open or choice is None or self.read_only:
            return
        self.resolve_requested.emit(conflict, choice.value, choice.take, self.note.text().strip())

    def _reopen(self) -> None:
        conflict = self.conflict
        if conflict is not None and not conflict.is_open and not self.read_only:
            self.reopen_requested.emit(conflict, self.reopen_note.text().strip())


class ConflictsPanel(QWidget):
    resolved = Signal(int)  # conflict id
    reopened = Signal(int)  # conflict id
    open_count_changed = Signal(int)
    open_case_requested = Signal(str, str)  # case ref, question id

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadConflicts")
        self.session = session
        instrument = session.instrument
        self.open_model = ConflictsModel(instrument, resolved=False, parent=self)
        self.history_model = ConflictsModel(instrument, resolved=True, parent=self)
        self.last_resolved: Conflict | None = None
        #: What the lead had chosen and typed for the conflict just resolved (Undo brings it back).
        self.last_draft: Draft | None = None
        self.summary = QLabel("")
        self.summary.setObjectName("conflictsSummary")
        self.summary.setWordWrap(True)
        self.feedback = QLabel("")
        self.feedback.setObjectName("conflictFeedback")
        self.feedback.setWordWrap(True)
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setObjectName("undoResolution")
        self.undo_button.setToolTip("Open this conflict again (recorded in the audit trail)")
        self.undo_button.clicked.connect(self.undo_last)
        self.feedback_row = QWidget()
        feedback_layout = QHBoxLayout(self.feedback_row)
        feedback_layout.setContentsMargins(0, 0, 0, 0)
        feedback_layout.addWidget(self.feedback, 1)
        feedback_layout.addWidget(self.undo_button)
        self.feedback_row.hide()

        self.open_view = _table("openConflicts", self.open_model)
        self.history_view = _table("conflictHistory", self.history_model)
        self.open_view.setAccessibleName("Open conflicts")
        self.history_view.setAccessibleName("Settled conflicts")
        history_header = self.history_view.horizontalHeader()
        # The decision, who and when as wide as their texts (a time was cut to "29 Nov 2026 …"); the
        # note takes the rest, and is shown whole under the two answers.
        for column in (2, 3, 4):
            history_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        history_header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.lists = QTabWidget()
        self.lists.setObjectName("conflictLists")
        self.lists.setAccessibleName("Conflicts, open and settled")
        self.lists.addTab(self.open_view, "Open")
        self.lists.addTab(self.history_view, "History")
        self.detail = ConflictDetail(instrument)
        self.detail.resolve_requested.connect(self._resolve)
        self.detail.reopen_requested.connect(self._reopen)
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
        layout.addWidget(self.feedback_row)
        layout.addWidget(split, 1)
        self.set_read_only(session.read_only)
        session.changed.connect(self._changed)
        self.reload()

    def set_read_only(self, read_only: bool) -> None:
        self.detail.read_only = read_only
        self.undo_button.setEnabled(not read_only)
        self.detail.show_conflict(self.detail.conflict)

    @property
    def open_count(self) -> int:
        return self.open_model.rowCount()

    def _current(self) -> tuple[QTableView, ConflictsModel]:
        if self.lists.currentIndex() == OPEN_TAB:
            return self.open_view, self.open_model
        return self.history_view, self.history_model

    def _changed(self, changes: Changes) -> None:
        if changes.conflicts or changes.everything:
            self.reload()

    def reload(self) -> None:
        """Read the conflicts again; the conflict shown stays shown, or the next one in the list."""
        view, _model = self._current()
        shown = self.detail.conflict.id if self.detail.conflict is not None else None
        previous_row = view.selectionModel().currentIndex().row()
        conflicts = list_conflicts(self.session.inspection, include_resolved=True)
        self.open_model.set_conflicts(conflicts)
        self.history_model.set_conflicts(conflicts)
        count, history = self.open_model.rowCount(), self.history_model.rowCount()
        self.lists.setTabText(OPEN_TAB, f"Open ({count})")
        self.lists.setTabText(HISTORY_TAB, f"History ({history})")
        held = len({c.case_uuid for c in self.open_model.conflicts})
        if count:
            self.summary.setText(
                f"<b>{count} open conflict{'s' if count != 1 else ''}</b> on {held} case{'s' if held != 1 else ''}. "
                "A case with an open conflict is held out of the scores until you choose an answer."
            )
        else:
            self.summary.setText("No open conflicts: every case's answers are in the scores.")
        view, model = self._current()
        row = model.row_of(shown) if shown is not None else None
        if row is None and model.rowCount():
            row = min(max(previous_row, 0), model.rowCount() - 1)
        self._select(view, model, row)
        self.open_count_changed.emit(count)

    def _select(self, view: QTableView, model: ConflictsModel, row: int | None) -> None:
        if row is None:
            self.detail.show_conflict(None)
            return
        view.selectRow(row)
        self._show(model, model.index(row, 0))

    def select(self, conflict_id: int) -> bool:
        """Show one conflict, in the Open list or History, wherever it is now."""
        for tab, view, model in (
            (OPEN_TAB, self.open_view, self.open_model),
            (HISTORY_TAB, self.history_view, self.history_model),
        ):
            row = model.row_of(conflict_id)
            if row is not None:
                self.lists.setCurrentIndex(tab)
                self._select(view, model, row)
                return True
        return False

    def _list_switched(self, tab: int) -> None:
        view, model = (self.open_view, self.open_model) if tab == OPEN_TAB else (self.history_view, self.history_model)
        index = view.selectionModel().currentIndex()
        if not index.isValid() and model.rowCount():
            view.selectRow(0)
            index = model.index(0, 0)
        self._show(model, index)

    def _show(self, model: ConflictsModel, index: QModelIndex) -> None:
        self.detail.show_conflict(model.conflict(index.row()) if index.isValid() else None)

    def _open_case(self) -> None:
        conflict = self.detail.conflict
        if conflict is not None:
            self.open_case_requested.emit(conflict.case_ref, conflict.question_id)

    # -- decisions ---------------------------------------------------------------------------

    def _resolve(self, conflict: Conflict, value: str | None, take: str | None, note: str) -> None:
        draft = Draft(note, self.detail.choice)
        try:
            # The session's changes reload the lists: the next open conflict is shown.
            decided = self.session.resolve_conflict(
                conflict.case_ref, conflict.question_id, value=value, take=take, note=note
            )
        except UserError as exc:
            show_user_error(self, exc, "Conflict not resolved")
            self.reload()
            return
        self.detail.drafts.pop(conflict.id, None)
        self.last_resolved, self.last_draft = decided, draft
        label = value_label(self.session.instrument, decided.question_id, decided.resolution_value)
        question = self.session.instrument.question(decided.question_id).chart_label
        self.feedback.setText(
            f"Resolved <b>{html.escape(decided.case_ref)}</b> · {html.escape(question)}: {html.escape(label)}."
        )
        self.feedback_row.show()
        self.resolved.emit(conflict.id)

    def undo_last(self) -> None:
        """Open the conflict just resolved again, with the note and choice the lead had made."""
        conflict = self.last_resolved
        if conflict is not None:
            self._reopen(conflict, "undone straight after resolving", draft=self.last_draft)

    def _reopen(self, conflict: Conflict, note: str, *, draft: Draft | None = None) -> None:
        try:
            self.session.reopen_conflict(conflict.case_ref, conflict.question_id, note=note, conflict_id=conflict.id)
        except UserError as exc:
            show_user_error(self, exc, "Conflict not reopened")
            self.reload()
            return
        if draft is not None:
            self.detail.drafts[conflict.id] = draft
        self.last_resolved = self.last_draft = None
        self.feedback_row.hide()
        self.select(conflict.id)
        self.reopened.emit(conflict.id)
