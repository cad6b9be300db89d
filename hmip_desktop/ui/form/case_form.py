"""The case form: a navigator, one page per section, and the case's status and actions.

The pages and their rows are built once per instrument (each section the
first time it is shown) and re-bound to whichever case is on screen, so
switching cases only changes values. Every answer is written through the
session the moment it is chosen and pushed onto the case's undo stack;
notes are written after a pause in typing, on leaving the note, and before
anything else happens (another answer, a case switch, closing).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QPersistentModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import count, plural
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.commands import AnswerCommand, CaseUndoStacks
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.form.illustration_page import IllustrationPage
from hmip_desktop.ui.form.layout import (
    ILLUSTRATION_KEY,
    FormGroup,
    FormLayout,
    finished_groups,
    group_counts,
    layout_of,
)
from hmip_desktop.ui.form.navigator_model import KEY_ROLE, NavigatorModel
from hmip_desktop.ui.form.pending import PendingWrites
from hmip_desktop.ui.form.question_row import QuestionRow, RowBinding
from hmip_desktop.ui.form.section_page import SectionPage
from hmip_desktop.ui.form.state import CaseState, load_case_state
from hmip_desktop.ui.session import InspectionSession

#: Shortcuts named in messages (the main window's menus define them).
REOPEN_KEYS = "Ctrl+Shift+R"
SPLITTER_KEY = "form/splitter"


def layout_for(session: InspectionSession) -> FormLayout:
    return layout_of(session.instrument)


def progress_text(answered: int, finished: int, parts: int) -> str:
    """The header's progress: two numbers that only grow as the case is worked through."""
    return f"{answered} answered · {finished} of {parts} parts finished"


class GapsPanel(QFrame):
    """What "Mark complete" found missing; choosing a line goes to that question."""

    chosen = Signal(str)  # question id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gapsPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        tint(self, surface="notice")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        close = QToolButton()
        close.setText("Hide")
        close.setAccessibleName("Hide the list of questions without an answer")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        top.addWidget(close)
        layout.addLayout(top)
        self.list = QListWidget()
        self.list.setAccessibleName("Questions without an answer")
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * 6 + 8)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.list)
        self.hide()

    def show_gaps(self, case_ref: str, gaps: list[tuple[str, str]]) -> None:
        self.summary.setText(
            f"Case {case_ref} cannot be marked complete yet: {count(len(gaps), 'question')} that "
            f"{plural(len(gaps), 'applies has', 'apply have')} no answer. Choose one to go to it."
        )
        self.list.clear()
        for question_id, text in gaps:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, question_id)
            self.list.addItem(item)
        self.show()

    def question_ids(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        self.chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))


class CaseForm(QWidget):
    message = Signal(str)  # a short note for the status bar
    step_case = Signal(int)  # the user asked for the previous (-1) or next (+1) case

    def __init__(self, session: InspectionSession, undo: CaseUndoStacks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseForm")
        self.session = session
        self.instrument = session.instrument
        self.undo = undo
        self.form_layout = layout_for(session)
        self.state: CaseState | None = None
        self.show_inapplicable = False
        self.current_question: str | None = None
        self._version = 0
        self._visit = 0  # cases put on the form so far (a new visit starts the notes' undo afresh)
        self._syncing_navigator = False
        self._layout_restored = False
        self.pending = PendingWrites(parent=self)
        self.pending.failed.connect(self._report)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_header())
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(rule)
        self.gaps = GapsPanel()
        self.gaps.chosen.connect(self.focus_question)
        gaps_holder = QWidget()
        gaps_layout = QVBoxLayout(gaps_holder)
        gaps_layout.setContentsMargins(12, 0, 12, 6)
        gaps_layout.addWidget(self.gaps)
        outer.addWidget(gaps_holder)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.navigator_model = NavigatorModel(self.form_layout, self)
        self.navigator = QTreeView()
        self.navigator.setObjectName("navigator")
        self.navigator.setAccessibleName("Form parts")
        self.navigator.setAccessibleDescription(
            "Sections and criteria of the form, with how many of their questions that apply are answered"
        )
        self.navigator.setModel(self.navigator_model)
        self.navigator.setHeaderHidden(True)
        self.navigator.setUniformRowHeights(True)
        self.navigator.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.navigator.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.navigator.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.navigator.expandAll()
        header = self.navigator.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # A fixed count column: sizing it to contents re-reads every row on each change.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self._size_count_column()
        self.navigator.selectionModel().currentChanged.connect(self._navigator_moved)
        self.navigator.activated.connect(self._navigator_activated)
        self.navigator.clicked.connect(self._navigator_activated)
        self.splitter.addWidget(self.navigator)

        self.pages = QStackedWidget()
        self.section_pages: dict[str, SectionPage] = {}
        for section in self.form_layout.sections:
            page = SectionPage(section, self.instrument, self._connect_row)
            self.section_pages[section.key] = page
            self.pages.addWidget(page)
        self.illustration = IllustrationPage()
        self.illustration.changed.connect(self._illustration_edited)
        self.illustration.toggled.connect(self._illustration_toggled)
        self.illustration.explained.connect(self.message)
        self.pages.addWidget(self.illustration)
        self.placeholder = QLabel("Choose a case in the case list, or add one.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.placeholder)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)

        session.answer_changed.connect(self._answer_changed)
        session.case_changed.connect(self._case_changed)
        self._show_no_case()

    def _build_header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("caseHeader")
        layout = QHBoxLayout(header)
        layout.setContentsMargins(14, 8, 12, 8)
        layout.setSpacing(10)
        self.ref_label = QLabel()
        font = QFont(self.ref_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setWeight(QFont.Weight.Bold)
        self.ref_label.setFont(font)
        layout.addWidget(self.ref_label)
        self.status_label = QLabel()
        self.status_label.setObjectName("caseStatus")
        layout.addWidget(self.status_label)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("caseProgress")
        tint(self.progress_label, "muted")
        self.progress_label.setToolTip(
            "Answers given to questions that apply, and the parts of the form (case details and each "
            "criterion) that are finished: every question in them that applies is answered. Both only "
            "grow as you work through the case, even when an answer opens more questions."
        )
        layout.addWidget(self.progress_label)
        layout.addStretch(1)
        self.previous_button = QPushButton("◀ Previous case")
        self.previous_button.setToolTip("Previous case in the list (Alt+Page Up)")
        self.previous_button.clicked.connect(lambda: self.step_case.emit(-1))
        self.next_button = QPushButton("Next case ▶")
        self.next_button.setToolTip("Next case in the list (Alt+Page Down)")
        self.next_button.clicked.connect(lambda: self.step_case.emit(1))
        for button in (self.previous_button, self.next_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setFlat(True)
            layout.addWidget(button)
        self.complete_button = QPushButton("Mark complete")
        self.complete_button.setToolTip(
            "Check that every question that applies is answered, then mark the case complete"
        )
        self.complete_button.clicked.connect(self.mark_complete)
        layout.addWidget(self.complete_button)
        self.reopen_button = QPushButton("Reopen")
        self.reopen_button.setToolTip(f"Reopen this case to change its answers ({REOPEN_KEYS})")
        self.reopen_button.clicked.connect(self.reopen)
        layout.addWidget(self.reopen_button)
        return header

    # -- layout: from the font, then as the user left it ------------------------------------

    def _size_count_column(self) -> None:
        header = self.navigator.header()
        # Counts per criterion and per section stay under 100 ("48/48").
        header.resizeSection(1, self.navigator.fontMetrics().horizontalAdvance("88/88") + 16)

    def default_navigator_width(self) -> int:
        """Wide enough for a criterion title of ~48 characters at this font size ("1.1 Assessment
        and planning to inform sentencing"; longer ones are elided, whole in their tooltip), and
        for every section title; at most 47 % of the window."""
        navigator = self.navigator
        metrics = navigator.fontMetrics()
        bold = QFont(navigator.font())
        bold.setBold(True)
        widest = max(
            [metrics.horizontalAdvance(group.title[:48]) + navigator.indentation() for group in self.form_layout.groups]
            + [QFontMetrics(bold).horizontalAdvance(section.title) for section in self.form_layout.sections]
        )
        # The branch decoration, the count column, the frame and the item's margins.
        extra = navigator.indentation() + navigator.header().sectionSize(1) + 2 * navigator.frameWidth() + 12
        available = max(self.width(), self.window().width(), 800)
        return min(widest + extra, int(available * 0.47))

    def save_layout(self, settings: QSettings) -> None:
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def restore_layout(self, settings: QSettings) -> bool:
        """The splitter as the user left it; False (font-based sizes then) if nothing was saved."""
        self._layout_restored = True
        state = settings.value(SPLITTER_KEY)
        if isinstance(state, QByteArray) and self.splitter.restoreState(state):
            return True
        self._layout_restored = False
        return False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True
            width = self.default_navigator_width()
            self.splitter.setSizes([width, max(self.splitter.width() - width, width)])

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_count_column()

    # -- which case --------------------------------------------------------------------

    @property
    def case_uuid(self) -> str | None:
        return self.state.case.uuid if self.state else None

    @property
    def read_only(self) -> bool:
        return self.session.read_only or (self.state is not None and self.state.case.is_complete)

    def set_case(self, case_uuid: str | None) -> None:
        """Show a case (None: none). Pending notes of the previous case are written first."""
        self.pending.flush()
        if case_uuid is None:
            self._show_no_case()
            return
        self.gaps.hide()
        if self.current_question is not None:
            self._row(self.current_question).set_current(False)
            self.current_question = None
        self._visit += 1
        self._reload_state(case_uuid)
        if self.pages.currentWidget() is self.placeholder:
            self._show_page(self.form_layout.sections[0].key)
        else:
            self._bind_current_page()

    def _show_no_case(self) -> None:
        self.state = None
        self.undo.activate(None)
        self.ref_label.setText("No case")
        self.status_label.clear()
        self.progress_label.clear()
        for widget in (self.complete_button, self.reopen_button, self.previous_button, self.next_button):
            widget.hide()
        self.navigator.setEnabled(False)
        self.pages.setCurrentWidget(self.placeholder)

    def _reload_state(self, case_uuid: str) -> None:
        self.state = load_case_state(self.session.inspection, case_uuid)
        self._version += 1
        self._refresh_header()
        self.navigator.setEnabled(True)
        self.navigator_model.set_counts(group_counts(self.form_layout, self.state.relevant, self.state.values))
        self.undo.activate(case_uuid, editable=not self.read_only)

    def _refresh_header(self) -> None:
        state = self.state
        assert state is not None
        case = state.case
        self.ref_label.setText(case.case_ref)
        finished = len(finished_groups(self.form_layout, state.relevant, state.values))
        self.progress_label.setText(progress_text(state.answered, finished, len(self.form_layout.groups)))
        bold = QFont(self.status_label.font())
        bold.setWeight(QFont.Weight.DemiBold)
        if case.is_complete:
            self.status_label.setText("Complete · read-only")
            tint(self.status_label, "done")
        elif self.session.read_only:
            self.status_label.setText("Read-only file")
            tint(self.status_label, "attention")
        else:
            self.status_label.setText("In progress" if state.answered else "Not started")
            tint(self.status_label, "muted")
            bold.setWeight(QFont.Weight.Normal)
        self.status_label.setFont(bold)
        editable_file = not self.session.read_only
        self.complete_button.setVisible(editable_file and not case.is_complete)
        self.reopen_button.setVisible(editable_file and case.is_complete)
        self.previous_button.show()
        self.next_button.show()

    # -- pages and binding ---------------------------------------------------------------

    def _bind_key(self) -> object:
        return (self.case_uuid, self._version, self.read_only, self.show_inapplicable)

    def locked_reason(self) -> str:
        """Why the case on screen cannot be changed ("" when it can)."""
        state = self.state
        if self.session.read_only:
            return f"{self.session.path.name} is open read-only ({self.session.read_only_reason})"
        if state is not None and state.case.is_complete:
            return f"Case {state.case.case_ref} is complete: reopen it ({REOPEN_KEYS}) to change it"
        return ""

    def _binding_for(self, question_id: str) -> RowBinding:
        state = self.state
        assert state is not None
        return RowBinding(
            case=state.case.uuid,
            visit=self._visit,
            value=state.values.get(question_id),
            note=state.note(question_id),
            relevant=question_id in state.relevant,
            stale=question_id in state.stale,
            read_only=self.read_only,
            show_inapplicable=self.show_inapplicable,
            locked_reason=self.locked_reason(),
        )

    def _bind_page(self, page: SectionPage) -> None:
        if self.state is not None and page.bound_key != self._bind_key():
            page.bind(self._binding_for, self._bind_key())

    def _bind_current_page(self) -> None:
        current = self.pages.currentWidget()
        if isinstance(current, SectionPage):
            self._bind_page(current)
        elif current is self.illustration and self.state is not None:
            self.illustration.bind(self.state.case, self.read_only, self.locked_reason())

    def _show_page(self, key: str) -> None:
        if key == ILLUSTRATION_KEY:
            if self.state is not None:
                self.illustration.bind(self.state.case, self.read_only, self.locked_reason())
            self.pages.setCurrentWidget(self.illustration)
            return
        page = self.section_pages[key]
        self._bind_page(page)
        self.pages.setCurrentWidget(page)

    def _row(self, question_id: str) -> QuestionRow:
        page = self.section_pages[self.form_layout.section_of[question_id]]
        page.ensure_built()
        return page.rows[question_id]

    def row(self, question_id: str) -> QuestionRow:
        """The row of a question, bound to the current case (built if needed)."""
        page = self.section_pages[self.form_layout.section_of[question_id]]
        self._bind_page(page)
        return page.rows[question_id]

    def set_show_inapplicable(self, show: bool) -> None:
        self.show_inapplicable = show
        self._bind_current_page()

    def _connect_row(self, row: QuestionRow) -> None:
        row.answer_chosen.connect(self.choose_answer)
        row.answer_stepped.connect(lambda question_id, value: self.choose_answer(question_id, value, merge=True))
        row.note_edited.connect(self._note_edited)
        row.note_left.connect(lambda _qid: self.pending.flush())
        row.navigate.connect(self._navigate)
        row.focused.connect(self._row_focused)
        row.explained.connect(self.message)

    # -- writing ---------------------------------------------------------------------------

    def choose_answer(self, question_id: str, value: str | None, *, merge: bool = False) -> None:
        """Write one answer now and make it undoable (`merge`: one undo step with the previous
        change to this question, as a run of arrow keys is)."""
        state = self.state
        if state is None or self.read_only:
            return
        self.pending.flush()
        old = state.values.get(question_id)
        if old == value:
            return
        case_uuid = state.case.uuid
        try:
            self.session.set_answer(case_uuid, question_id, value)
        except UserError as exc:
            self._report(exc)
            self._rebind_row(question_id)
            return
        command = AnswerCommand(
            self.session,
            case_uuid,
            question_id,
            old,
            value,
            reveal=self._reveal,
            report_error=self._report,
            merge=merge,
        )
        self.undo.stack(case_uuid).push(command)

    def _rebind_row(self, question_id: str) -> None:
        row = self._row(question_id)
        binding = self._binding_for(question_id)
        # A binding that differs in everything forces a full refresh.
        row.bind(RowBinding(binding.case, binding.visit, None, binding.note, not binding.relevant, False, True, False))
        row.bind(binding)

    def _note_edited(self, question_id: str, text: str) -> None:
        state = self.state
        if state is None or self.read_only:
            return
        case_uuid = state.case.uuid
        self.pending.schedule(
            ("note", case_uuid, question_id), lambda: self.session.set_note(case_uuid, question_id, text)
        )

    def _illustration_edited(self, flagged: bool, text: str) -> None:
        state = self.state
        if state is None or self.read_only:
            return
        case_uuid = state.case.uuid
        self.pending.schedule(
            ("illustration", case_uuid), lambda: self.session.set_illustration(case_uuid, flagged, text)
        )

    def _illustration_toggled(self, flagged: bool, text: str) -> None:
        self._illustration_edited(flagged, text)
        self.pending.flush()

    def flush(self) -> bool:
        """Write pending notes now; False if one was refused (the user has been told)."""
        return self.pending.flush()

    def _report(self, exc: object) -> None:
        assert isinstance(exc, UserError)
        show_user_error(self.window(), exc)

    # -- reacting to the file ------------------------------------------------------------

    def _answer_changed(self, case_uuid: str, _question_id: str) -> None:
        if case_uuid != self.case_uuid:
            return
        if self.pending.has_pending():
            # Write a note being typed before re-binding (an undo can change its question).
            self.pending.flush()
        self._reload_state(case_uuid)
        self._bind_current_page()
        if self.gaps.isVisible():
            self._refresh_gaps()

    def _case_changed(self, case_uuid: str) -> None:
        state = self.state
        if state is None or case_uuid != state.case.uuid:
            return
        case = self.session.case(case_uuid)
        if case == state.case:
            return
        was_read_only = self.read_only
        self.state = CaseState(case, state.answers, state.values, state.relevant, state.stale)
        self._refresh_header()
        if self.read_only != was_read_only:
            self.undo.activate(case_uuid, editable=not self.read_only)
            self._bind_current_page()

    def refresh(self) -> None:
        """Re-read the current case (after an import or reload)."""
        if self.case_uuid is not None:
            try:
                self._reload_state(self.case_uuid)
            except UserError:
                self._show_no_case()
                return
            self._bind_current_page()

    # -- complete and reopen ---------------------------------------------------------------

    def gaps_now(self) -> list[str]:
        assert self.state is not None
        return self.state.unanswered(self.instrument)

    def mark_complete(self) -> bool:
        state = self.state
        if state is None:
            self.message.emit("No case is open: choose one in the case list")
            return False
        if self.read_only:
            self.message.emit(
                f"Case {state.case.case_ref} is already complete"
                if state.case.is_complete and not self.session.read_only
                else self.locked_reason()
            )
            return False
        if not self.pending.flush():
            return False
        self._reload_state(state.case.uuid)
        missing = self.gaps_now()
        if missing:
            self._refresh_gaps()
            self.focus_question(missing[0])
            self.message.emit(
                f"{count(len(missing), 'question')} that {plural(len(missing), 'applies has', 'apply have')} no answer yet"
            )
            return False
        try:
            self.session.complete_case(state.case.uuid)
        except UserError as exc:
            self._report(exc)
            return False
        self.gaps.hide()
        self.message.emit(f"Case {state.case.case_ref} marked complete")
        return True

    def _refresh_gaps(self) -> None:
        state = self.state
        assert state is not None
        missing = self.gaps_now()
        if not missing:
            self.gaps.hide()
            return
        lines = []
        for question_id in missing:
            question = self.instrument.question(question_id)
            group = self.form_layout.group_of[question_id]
            lines.append((question_id, f"{group.title}: {question.chart_label}"))
        self.gaps.show_gaps(state.case.case_ref, lines)

    def reopen(self) -> None:
        state = self.state
        if state is None:
            self.message.emit("No case is open: choose one in the case list")
            return
        if self.session.read_only:
            self.message.emit(self.locked_reason())
            return
        if not state.case.is_complete:
            self.message.emit(f"Case {state.case.case_ref} is not complete: there is nothing to reopen")
            return
        try:
            self.session.reopen_case(state.case.uuid)
        except UserError as exc:
            self._report(exc)
            return
        self.message.emit(f"Case {state.case.case_ref} reopened")

    # -- moving around ---------------------------------------------------------------------

    def focus_question(self, question_id: str) -> None:
        section = self.form_layout.section_of[question_id]
        self._show_page(section)
        page = self.section_pages[section]
        row = page.rows[question_id]
        if self.state is not None and question_id not in self.state.relevant and not row.isVisible():
            return
        page.reveal(row)
        row.focus_row()
        self._row_focused(question_id)

    def _reveal(self, case_uuid: str, question_id: str) -> None:
        if case_uuid == self.case_uuid:
            self.focus_question(question_id)

    def _row_focused(self, question_id: str) -> None:
        if self.current_question == question_id:
            return
        if self.current_question is not None:
            self._row(self.current_question).set_current(False)
        self.current_question = question_id
        self._row(question_id).set_current(True)
        group = self.form_layout.group_of[question_id]
        index = self.navigator_model.index_of(group.key)
        if index.isValid() and self.navigator.currentIndex() != index:
            self._syncing_navigator = True
            self.navigator.setCurrentIndex(index)
            self._syncing_navigator = False

    def _navigate(self, question_id: str, direction: str) -> None:
        if direction == "next-unanswered":
            self.next_unanswered(question_id)
        elif direction == "next":
            self.next_question(question_id)
        else:
            self.previous_question(question_id)

    def _walkable(self, question_id: str) -> bool:
        """Down and Up stop here: it applies, or it holds a stale answer to look at or clear."""
        state = self.state
        return state is not None and (question_id in state.relevant or question_id in state.stale)

    def next_question(self, after: str) -> str | None:
        """Down: the next question that applies (or holds a stale answer), answered or not."""
        order = self.form_layout.order
        later = [q for q in order[order.index(after) + 1 :] if self._walkable(q)]
        if not later:
            self.message.emit("This is the last question of the case (Alt+Page Down: the next case)")
            return None
        self.focus_question(later[0])
        return later[0]

    def next_unanswered(self, after: str | None = None) -> str | None:
        """Go to the next relevant question without an answer (wrapping round); None if there is none."""
        state = self.state
        if state is None:
            return None
        order = self.form_layout.order
        start = order.index(after) + 1 if after in order else 0
        for question_id in (*order[start:], *order[:start]):
            if question_id in state.relevant and question_id not in state.values:
                self.focus_question(question_id)
                return question_id
        self.message.emit("Every question that applies to this case is answered")
        following = [q for q in order[start:] if q in state.relevant]
        if following:
            self.focus_question(following[0])
        return None

    def previous_question(self, before: str) -> str | None:
        """Up: the previous question that applies (or holds a stale answer)."""
        order = self.form_layout.order
        earlier = [q for q in order[: order.index(before)] if self._walkable(q)]
        if not earlier:
            self.message.emit("This is the first question of the case")
            return None
        self.focus_question(earlier[-1])
        return earlier[-1]

    def step_group(self, step: int) -> None:
        """Go to the first question that applies in the next (+1) or previous (-1) criterion."""
        state = self.state
        if state is None:
            return
        groups = self.form_layout.groups
        current = self.current_question
        position = groups.index(self.form_layout.group_of[current]) if current else -1
        if current is None and step < 0:
            position = len(groups)
        candidates = groups[position + 1 :] if step > 0 else tuple(reversed(groups[: max(position, 0)]))
        for group in candidates:
            target = self._first_in_group(group)
            if target is not None:
                self.focus_question(target)
                self.message.emit(group.title)
                return
        self.message.emit("No further criterion applies to this case" if step > 0 else "This is the first criterion")

    def _first_in_group(self, group: FormGroup) -> str | None:
        state = self.state
        assert state is not None
        applying = [q for q in group.question_ids if q in state.relevant]
        unanswered = [q for q in applying if q not in state.values]
        candidates = unanswered or applying
        return candidates[0] if candidates else None

    def toggle_guidance(self) -> bool:
        if self.current_question is None:
            return False
        return self._row(self.current_question).toggle_guidance()

    def _navigator_moved(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        if self._syncing_navigator or not current.isValid() or self.state is None:
            return
        key = str(current.data(KEY_ROLE))
        if key in self.section_pages or key == ILLUSTRATION_KEY:
            self._show_page(key)
            if key in self.section_pages:
                self.section_pages[key].verticalScrollBar().setValue(0)
            return
        group = next(g for g in self.form_layout.groups if g.key == key)
        self._show_page(group.section)
        page = self.section_pages[group.section]
        anchor = page.group_headers.get(group.key) or page.rows[group.question_ids[0]]
        page.reveal(anchor)

    def _navigator_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid() or self.state is None:
            return
        key = str(index.data(KEY_ROLE))
        if key == ILLUSTRATION_KEY:
            self._show_page(key)
            self.illustration.focus_first()
            return
        if key in self.section_pages:
            groups = self.form_layout.section(key).groups
        else:
            groups = tuple(g for g in self.form_layout.groups if g.key == key)
        for group in groups:
            target = self._first_in_group(group)
            if target is not None:
                self.focus_question(target)
                return
        self._navigator_moved(index, None)
