"""One question on the case form: text, options as radio buttons, evidence note, guidance.

Rows are built once per instrument and re-bound to each case (`bind`), which
only touches what changed; building ~250 rows per case switch would be far
too slow. The row itself takes the keyboard focus and works like a radio
group: Left and Right move among the options (and, once the question has an
answer, choose as they go), Space chooses the option marked, digits choose
directly. Down and Up go to the next and previous question, Enter to the next
one without an answer, Delete clears, Tab goes to the note. A key that cannot
do anything says why (`explained`), rather than doing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.instrument.definition import Question
from hmip_desktop.ui.accessibility import announce, set_description
from hmip_desktop.ui.colours import colours_for, tint
from hmip_desktop.ui.form.text_history import UndoableTextEdit

NOTE_MAX_LINES = 8

DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): (n - 1 if n else 9) for n in range(10)}
ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}


@dataclass(frozen=True)
class RowBinding:
    case: str  # the case's uuid
    visit: int  # each time a case is put on the form: the note's undo history starts afresh
    value: str | None
    note: str
    relevant: bool
    stale: bool
    read_only: bool
    show_inapplicable: bool
    locked_reason: str = ""  # why a read-only answer cannot change ("case KT-0001 is complete …")


def digits_text(count: int) -> str:
    """How to choose among `count` options by digit: "1 to 3", "1 to 9, or 0 for the tenth"."""
    if count <= 9:
        return f"1 to {count}"
    return "1 to 9, or 0 for the tenth"


class NoteEdit(UndoableTextEdit):
    """The evidence note: grows with its text, undoes a word at a time, Tab leaves it, Escape
    returns to the question."""

    entered = Signal()
    left = Signal()
    escaped = Signal()

    noun = "note"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setPlaceholderText("Evidence note")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().setDocumentMargin(3)
        self.textChanged.connect(self.fit_height)
        self.fit_height()

    def text_set(self) -> None:
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
    answer_stepped = Signal(str, object)  # the same, by an arrow key (one undo step per run of arrows)
    note_edited = Signal(str, str)  # question id, the note's text after each edit
    note_left = Signal(str)  # focus left the note: write it now
    navigate = Signal(str, str)  # question id, "next", "previous" or "next-unanswered"
    focused = Signal(str)  # the row or its note took the keyboard focus
    explained = Signal(str)  # a key did nothing, or a note undo did something worth saying: why

    def __init__(self, question: Question, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.reason = reason
        self.setObjectName(f"question:{question.id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self.setAccessibleName(question.text)
        self._binding: RowBinding | None = None
        self._current = False
        self._cursor = 0  # the option Space would choose (the radio group's focus)

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
            tint(key, "attention")
            key.setToolTip("A key question of the inspection criteria")
            top.addWidget(key, 0, Qt.AlignmentFlag.AlignTop)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setAccessibleName(f"Clear the answer: {question.chart_label}")
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
            self.help_button.setAccessibleName(f"Guidance: {question.chart_label}")
            self.help_button.setCheckable(True)
            self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.help_button.setToolTip("Guidance for this question (F1)")
            self.help_button.setAutoRaise(True)
            self.help_button.toggled.connect(self.set_guidance_visible)
            top.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.guidance: QLabel | None = None  # built on first request

        self.options = OptionGrid(option_columns([o.label for o in question.options]))
        self.group = QButtonGroup(self)
        for index, option in enumerate(question.options):
            digit = (index + 1) % 10
            radio = QRadioButton(f"{digit}  {option.label}")
            radio.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row is the group's one focus stop
            radio.setToolTip(f"Press {digit} to choose “{option.label}”")
            radio.setAccessibleName(option.label)
            radio.setAccessibleDescription(f"Option {index + 1} of {len(question.options)}; press {digit}")
            self.group.addButton(radio, index)
            self.options.add(radio)
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
        self.note.refused.connect(self.explained)
        self.note.undone.connect(self.explained)
        layout.addWidget(self.note)

    # -- state ------------------------------------------------------------------------

    @property
    def question_id(self) -> str:
        return self.question.id

    @property
    def binding(self) -> RowBinding | None:
        return self._binding

    @property
    def marked_option(self) -> int:
        """The option marked for Space (the radio group's focus)."""
        return self._cursor

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
        if old is None or old.visit != binding.visit or self.note.toPlainText() != binding.note:
            self.note.set_text(binding.note)
        self.note.read_only_reason = binding.locked_reason
        if old is None or (old.relevant, old.stale, old.read_only, old.show_inapplicable) != (
            binding.relevant,
            binding.stale,
            binding.read_only,
            binding.show_inapplicable,
        ):
            self._show_applicability(binding)
        elif old.value != binding.value:
            self.clear_button.setVisible(binding.value is not None and not binding.read_only)
        self._describe()

    def _show_value(self, value: str | None) -> None:
        if value is None:
            checked = self.group.checkedButton()
            if checked is not None:
                # An exclusive group never unchecks its last button; lift that for a moment.
                self.group.setExclusive(False)
                checked.setChecked(False)
                self.group.setExclusive(True)
            self._move_cursor(0)
            return
        for index, option in enumerate(self.question.options):
            if option.value == value:
                button = self.group.button(index)
                if not button.isChecked():
                    button.setChecked(True)
                self._move_cursor(index)
                return

    def _move_cursor(self, index: int) -> None:
        if index != self._cursor:
            self._cursor = index
            self.update()

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
                "attention",
            )
        elif not applies:
            self._set_status(f"Does not apply to this case: it {self.reason}.", "muted")
        else:
            self.status.hide()
        self.update()

    def _set_status(self, text: str, colour: str) -> None:
        if self.status.text() != text:
            self.status.setText(text)
            tint(self.status, colour)
        self.status.show()

    def _describe(self) -> None:
        """The row's accessible description: its answer and whether it applies (the name is the question)."""
        binding = self._binding
        if binding is None:
            return
        value = binding.value
        label = self.question.label_for(value) if value is not None else ""
        if binding.stale:
            text = f"Answer kept but not counted: {label}. No longer applies: it {self.reason}."
        elif not binding.relevant:
            text = f"Does not apply to this case: it {self.reason}."
        else:
            answer = f"Answer: {label}." if value is not None else "No answer yet."
            choose = f"Options {', '.join(f'{i + 1} {o.label}' for i, o in enumerate(self.question.options))}."
            text = f"{answer} {choose}"
            if self.question.key:
                text += " Key question."
            if binding.read_only:
                text += f" Read-only: {binding.locked_reason or 'it cannot be changed'}."
        set_description(self, text)

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
            self.guidance.setFrameShape(QFrame.Shape.StyledPanel)
            self.guidance.setContentsMargins(6, 4, 6, 4)
            tint(self.guidance, surface="panel")
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

    def refusal(self) -> str:
        """Why the answer cannot change now ("" when it can)."""
        binding = self._binding
        if binding is None:
            return "No case is open"
        if binding.read_only:
            return binding.locked_reason or "This answer cannot be changed"
        if not binding.relevant:
            return f"This question does not apply to this case: it {self.reason}"
        return ""

    def choose(self, index: int, *, stepped: bool = False) -> bool:
        """Pick the option at `index` as if clicked; False (after saying why) if that cannot be done."""
        why = self.refusal()
        count = len(self.question.options)
        if not why and not 0 <= index < count:
            why = f"“{self.question.chart_label}” has {count} options: press {digits_text(count)}"
        if why:
            self.explained.emit(why)
            return False
        value = self.question.options[index].value
        self._show_value(value)
        if self._binding is None or self._binding.value != value:
            (self.answer_stepped if stepped else self.answer_chosen).emit(self.question.id, value)
            if self.hasFocus():
                announce(self, f"{self.question.options[index].label} chosen")
        return True

    def step_option(self, step: int) -> None:
        """Left/Right: move among the options; once there is an answer, choose as the mark moves."""
        why = self.refusal()
        if why:
            self.explained.emit(why)
            return
        count = len(self.question.options)
        target = (self._cursor + step) % count
        if self.value() is None:
            self._move_cursor(target)
            label = self.question.options[target].label
            announce(self, f"{label}, option {target + 1} of {count}; Space chooses it")
            return
        self.choose(target, stepped=True)

    def _clicked(self, index: int) -> None:
        self.focus_row()
        self._move_cursor(index)
        value = self.question.options[index].value
        if self._binding is None or self._binding.value != value:
            self.answer_chosen.emit(self.question.id, value)

    def _clear(self) -> None:
        binding = self._binding
        if binding is None or binding.value is None:
            self.explained.emit("This question has no answer to clear")
        elif binding.read_only:
            self.explained.emit(binding.locked_reason or "This answer cannot be changed")
        else:
            self.answer_chosen.emit(self.question.id, None)
            if self.hasFocus():
                announce(self, "Answer cleared")

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
            if key in ENTER_KEYS:
                self.navigate.emit(self.question.id, "next-unanswered")
                return
            if key == Qt.Key.Key_Down:
                self.navigate.emit(self.question.id, "next")
                return
            if key == Qt.Key.Key_Up:
                self.navigate.emit(self.question.id, "previous")
                return
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                self.step_option(1 if key == Qt.Key.Key_Right else -1)
                return
            if key == Qt.Key.Key_Space:
                self.choose(self._cursor)
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._clear()
                return
            if event.text().isprintable() and event.text().strip():
                count = len(self.question.options)
                self.explained.emit(
                    self.refusal()
                    or f"Choose with {digits_text(count)}, Left/Right and Space; Tab goes to the evidence note"
                )
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
        if self._current or stale or self.hasFocus():
            own = colours_for(self)
            painter = QPainter(self)
            if self._current:
                painter.fillRect(self.rect(), own.current)
            if self._current or stale:
                painter.fillRect(QRect(0, 0, 4, self.height()), own.stale_accent if stale else own.accent)
            if self.hasFocus() and self.editable:
                # The option Space would choose, framed like a focused radio button.
                button = self.group.button(self._cursor)
                frame = QRectF(button.geometry().translated(self.options.pos())).adjusted(-3, -1, 3, 1)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(own.accent, 1.5, Qt.PenStyle.DotLine))
                painter.drawRoundedRect(frame, 3, 3)
            painter.end()
        super().paintEvent(event)


class OptionGrid(QWidget):
    """A question's options in rows of `preferred` (`option_columns`), and in fewer as the form
    narrows: never wider than the page, whose horizontal scroll bar is off. A fixed grid made five
    options on a line wider than the page in a 900-pixel window, and the whole form was cut off on
    the left, with no way to scroll to it."""

    SPACING = 22

    def __init__(self, preferred: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preferred = preferred
        self.columns = preferred
        self.buttons: list[QRadioButton] = []
        #: Each option's width, and the width the preferred grid needs, measured at the first resize
        #: (a form page lays out ~100 of these at every case switch: asking each option every time was
        #: ~10 % of a switch). Measured again when the font or the style changes.
        self._widths: list[int] = []
        self._full_width = 0
        self._narrowest = -1
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(self.SPACING)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(preferred, 1)

    def add(self, button: QRadioButton) -> None:
        index = len(self.buttons)
        self.buttons.append(button)
        self.grid.addWidget(button, index // self.columns, index % self.columns)

    def columns_for(self, width: int) -> int:
        """The most columns, up to the preferred number, whose options fit side by side in `width`."""
        if not self._widths:
            self._widths = [button.sizeHint().width() for button in self.buttons]
            self._full_width = self._needed(min(self.preferred, len(self.buttons)))
        most = min(self.preferred, len(self.buttons))
        if width >= self._full_width:
            return most
        for columns in range(most - 1, 1, -1):
            if self._needed(columns) <= width:
                return columns
        return 1

    def _needed(self, columns: int) -> int:
        widths = [max(self._widths[c::columns]) for c in range(columns)]
        return sum(widths) + self.SPACING * (columns - 1)

    def arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        for button in self.buttons:
            self.grid.removeWidget(button)
        self.grid.setColumnStretch(self.columns, 0)
        self.columns = columns
        for index, button in enumerate(self.buttons):
            self.grid.addWidget(button, index // columns, index % columns)
        self.grid.setColumnStretch(columns, 1)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        """As narrow as one option: the options wrap before the page would have to grow."""
        if self._narrowest < 0:
            self._narrowest = max((b.minimumSizeHint().width() for b in self.buttons), default=0)
        return QSize(self._narrowest, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange(self.columns_for(event.size().width()))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._widths = []  # measured again at the next resize
            self._narrowest = -1


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
