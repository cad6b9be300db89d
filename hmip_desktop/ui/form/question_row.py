"""One question on the case form: text, options as radio buttons, evidence note, guidance.

Rows are built once per instrument and re-bound to each case (`bind`), which
only touches what changed; building ~250 rows per case switch would be far
too slow. The row itself takes keyboard focus: digits pick an option, Enter
or Down asks for the next unanswered question, Up for the previous one,
Delete clears the answer, Tab goes to the note.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.instrument.definition import Question

CURRENT_BACKGROUND = QColor("#eef3fb")
CURRENT_BAR = QColor("#2f6fdb")
STALE_BAR = QColor("#c77c02")
MUTED_TEXT = QColor("#6b7280")
STALE_TEXT = QColor("#8a4b00")
NOTE_MAX_LINES = 8
NOTE_BACKGROUND = QColor("#fbfcfd")

DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): (n - 1 if n else 9) for n in range(10)}
NEXT_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Down}


@dataclass(frozen=True)
class RowBinding:
    value: str | None
    note: str
    relevant: bool
    stale: bool
    read_only: bool
    show_inapplicable: bool


class NoteEdit(QPlainTextEdit):
    """The evidence note: grows with its text, Tab leaves it, Escape returns to the question."""

    entered = Signal()
    left = Signal()
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setPlaceholderText("Evidence note")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().setDocumentMargin(3)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, NOTE_BACKGROUND)
        self.setPalette(palette)
        self.textChanged.connect(self.fit_height)
        self.fit_height()

    def fit_height(self) -> None:
        lines = max(1, min(NOTE_MAX_LINES, int(self.document().size().height())))
        margins = self.contentsMargins()
        extra = 2 * int(self.document().documentMargin()) + margins.top() + margins.bottom()
        height = lines * self.fontMetrics().lineSpacing() + extra + 2
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.entered.emit()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class QuestionRow(QFrame):
    answer_chosen = Signal(str, object)  # question id, option value or None to clear
    note_edited = Signal(str, str)  # question id, the note's text after each edit
    note_left = Signal(str)  # focus left the note: write it now
    navigate = Signal(str, str)  # question id, "next" (unanswered) or "previous"
    focused = Signal(str)  # the row or its note took the keyboard focus

    def __init__(self, question: Question, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.reason = reason
        self.setObjectName(f"question:{question.id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self._binding: RowBinding | None = None
        self._current = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 12, 10)
        layout.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(8)
        self.text = QLabel(question.text)
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.text.setToolTip(question.id)
        font = self.text.font()
        font.setWeight(QFont.Weight.DemiBold)
        self.text.setFont(font)
        top.addWidget(self.text, 1)
        if question.key:
            key = QLabel("key question")
            key_font = QFont(key.font())
            key_font.setPointSizeF(key_font.pointSizeF() * 0.9)
            key.setFont(key_font)
            key_palette = key.palette()
            key_palette.setColor(QPalette.ColorRole.WindowText, STALE_TEXT)
            key.setPalette(key_palette)
            key.setToolTip("A key question of the inspection criteria")
            top.addWidget(key, 0, Qt.AlignmentFlag.AlignTop)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.setToolTip("Remove this answer (Delete)")
        self.clear_button.clicked.connect(self._clear)
        self.clear_button.hide()
        top.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        self.help_button: QToolButton | None = None
        if question.help:
            self.help_button = QToolButton()
            self.help_button.setText("?")
            self.help_button.setCheckable(True)
            self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.help_button.setToolTip("Guidance for this question (F1)")
            self.help_button.setAutoRaise(True)
            self.help_button.toggled.connect(self.set_guidance_visible)
            top.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.guidance: QLabel | None = None  # built on first request

        self.options = QWidget()
        grid = QGridLayout(self.options)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(22)
        grid.setVerticalSpacing(4)
        self.group = QButtonGroup(self)
        columns = option_columns([o.label for o in question.options])
        for index, option in enumerate(question.options):
            digit = (index + 1) % 10
            radio = QRadioButton(f"{digit}  {option.label}")
            radio.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            radio.setToolTip(f"Press {digit} to choose “{option.label}”")
            self.group.addButton(radio, index)
            grid.addWidget(radio, index // columns, index % columns)
        grid.setColumnStretch(columns, 1)
        self.group.idClicked.connect(self._clicked)
        layout.addWidget(self.options)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)

        self.note = NoteEdit()
        self.note.setAccessibleName(f"Evidence note: {question.chart_label}")
        self.note.textChanged.connect(self._note_changed)
        self.note.left.connect(lambda: self.note_left.emit(self.question.id))
        self.note.escaped.connect(self.focus_row)
        self.note.entered.connect(lambda: self.focused.emit(self.question.id))
        layout.addWidget(self.note)

    # -- state ------------------------------------------------------------------------

    @property
    def question_id(self) -> str:
        return self.question.id

    @property
    def binding(self) -> RowBinding | None:
        return self._binding

    def value(self) -> str | None:
        checked = self.group.checkedId()
        return self.question.options[checked].value if checked >= 0 else None

    def bind(self, binding: RowBinding) -> None:
        """Show one case's state for this question; cheap when nothing changed."""
        old = self._binding
        if old == binding:
            return
        self._binding = binding
        if old is None or old.value != binding.value or self.value() != binding.value:
            self._show_value(binding.value)
        if self.note.toPlainText() != binding.note:
            self.note.blockSignals(True)
            self.note.setPlainText(binding.note)
            self.note.blockSignals(False)
            self.note.fit_height()
        if old is None or (old.relevant, old.stale, old.read_only, old.show_inapplicable) != (
            binding.relevant,
            binding.stale,
            binding.read_only,
            binding.show_inapplicable,
        ):
            self._show_applicability(binding)
        elif old.value != binding.value:
            self.clear_button.setVisible(binding.value is not None and not binding.read_only)

    def _show_value(self, value: str | None) -> None:
        if value is None:
            checked = self.group.checkedButton()
            if checked is not None:
                # An exclusive group never unchecks its last button; lift that for a moment.
                self.group.setExclusive(False)
                checked.setChecked(False)
                self.group.setExclusive(True)
            return
        for index, option in enumerate(self.question.options):
            if option.value == value:
                button = self.group.button(index)
                if not button.isChecked():
                    button.setChecked(True)
                return

    def _show_applicability(self, binding: RowBinding) -> None:
        applies = binding.relevant
        self.setVisible(applies or binding.stale or binding.show_inapplicable)
        editable = applies and not binding.read_only
        # Read-only answers stay easy to read: the options ignore the mouse instead of greying out.
        self.options.setEnabled(applies or binding.stale)
        self.options.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not editable)
        self.note.setReadOnly(not editable)
        self.note.setVisible(bool(binding.note) or editable)
        self.text.setEnabled(applies)
        self.clear_button.setVisible(binding.value is not None and not binding.read_only)
        if binding.stale:
            self._set_status(
                "Answer kept but not counted: this question no longer applies (it "
                f"{self.reason}). Clear it with Delete, or change the earlier answer back.",
                STALE_TEXT,
            )
        elif not applies:
            self._set_status(f"Does not apply to this case: it {self.reason}.", MUTED_TEXT)
        else:
            self.status.hide()
        self.update()

    def _set_status(self, text: str, colour: QColor) -> None:
        if self.status.text() != text:
            self.status.setText(text)
            palette = self.status.palette()
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.status.setPalette(palette)
        self.status.show()

    def set_current(self, current: bool) -> None:
        if current != self._current:
            self._current = current
            self.update()

    @property
    def is_current(self) -> bool:
        return self._current

    # -- guidance ---------------------------------------------------------------------

    def set_guidance_visible(self, visible: bool) -> None:
        if not self.question.help:
            return
        if self.guidance is None:
            if not visible:
                return
            self.guidance = QLabel(self.question.help)
            self.guidance.setWordWrap(True)
            self.guidance.setObjectName("guidance")
            self.guidance.setStyleSheet(
                "QLabel#guidance { background: #f6f7f9; border: 1px solid #dfe3e8; border-radius: 4px; padding: 6px 8px; }"
            )
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(1, self.guidance)
        self.guidance.setVisible(visible)
        if self.help_button is not None and self.help_button.isChecked() != visible:
            self.help_button.blockSignals(True)
            self.help_button.setChecked(visible)
            self.help_button.blockSignals(False)

    def toggle_guidance(self) -> bool:
        """Show or hide the guidance; False when the question has none."""
        if not self.question.help:
            return False
        self.set_guidance_visible(self.guidance is None or not self.guidance.isVisible())
        return True

    @property
    def guidance_visible(self) -> bool:
        return self.guidance is not None and self.guidance.isVisible()

    # -- input --------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        binding = self._binding
        return binding is not None and binding.relevant and not binding.read_only

    def choose(self, index: int) -> bool:
        """Pick the option at `index` as if clicked; False if there is none or the row is locked."""
        if not self.editable or not 0 <= index < len(self.question.options):
            return False
        value = self.question.options[index].value
        self._show_value(value)
        if self._binding is None or self._binding.value != value:
            self.answer_chosen.emit(self.question.id, value)
        return True

    def _clicked(self, index: int) -> None:
        self.focus_row()
        value = self.question.options[index].value
        if self._binding is None or self._binding.value != value:
            self.answer_chosen.emit(self.question.id, value)

    def _clear(self) -> None:
        binding = self._binding
        if binding is not None and binding.value is not None and not binding.read_only:
            self.answer_chosen.emit(self.question.id, None)

    def _note_changed(self) -> None:
        self.note_edited.emit(self.question.id, self.note.toPlainText())

    def focus_row(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers == Qt.KeyboardModifier.NoModifier:
            if key in DIGIT_KEYS:
                self.choose(DIGIT_KEYS[key])
                return
            if key in NEXT_KEYS:
                self.navigate.emit(self.question.id, "next")
                return
            if key == Qt.Key.Key_Up:
                self.navigate.emit(self.question.id, "previous")
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._clear()
                return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit(self.question.id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.focus_row()
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        binding = self._binding
        stale = binding is not None and binding.stale
        if self._current or stale:
            painter = QPainter(self)
            if self._current:
                painter.fillRect(self.rect(), CURRENT_BACKGROUND)
            bar = QRect(0, 0, 4, self.height())
            painter.fillRect(bar, STALE_BAR if stale else CURRENT_BAR)
            painter.end()
        super().paintEvent(event)


def option_columns(labels: list[str]) -> int:
    """Options on one line when they fit, else a grid that keeps long labels readable."""
    widest = max(len(label) for label in labels)
    if sum(len(label) + 6 for label in labels) <= 84:
        return len(labels)
    if widest <= 24:
        return 3
    if widest <= 40:
        return 2
    return 1
