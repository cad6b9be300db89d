"""Word-sized undo and redo for a plain-text field (evidence notes, the practice illustration).

QTextDocument's own undo merges a whole run of typing into one step, so one Ctrl+Z in a note
typed in one go emptied it (and the empty note was then saved). Here a step is a word with the
space before it, a word's worth of deletions, a paste, or anything after the cursor moved; the history
starts from the text the field was given (`reset`), so undo can never go back further than what
was in the file when the field was filled.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

#: Undo steps kept per field; the oldest go first.
MAX_STEPS = 200


@dataclass(frozen=True)
class Snapshot:
    text: str
    cursor: int


def _edit(old: str, new: str) -> tuple[int, str, str]:
    """Where two texts differ: (position, removed, inserted)."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, old[start:end_old], new[start:end_new]


class TextHistory:
    """Undo/redo for one QPlainTextEdit, replacing the document's own (which is switched off)."""

    def __init__(self, edit: QPlainTextEdit) -> None:
        self.edit = edit
        edit.setUndoRedoEnabled(False)
        self._undo: list[Snapshot] = []
        self._redo: list[Snapshot] = []
        self._last = self._snapshot()
        self._kind: str | None = None  # the edit the current step is made of: "insert" or "delete"
        self._expected_cursor = -1
        self._last_removed = ""
        self._applying = False
        edit.textChanged.connect(self._changed)
        edit.cursorPositionChanged.connect(self._cursor_moved)

    def _snapshot(self) -> Snapshot:
        return Snapshot(self.edit.toPlainText(), self.edit.textCursor().position())

    def reset(self, text: str | None = None) -> None:
        """Forget the history: the field's text now (`text`, when the caller knows it) is where undo stops."""
        self._undo.clear()
        self._redo.clear()
        # Cheap when given the text: a case switch resets every note on the page.
        self._last = Snapshot(text, len(text)) if text is not None else self._snapshot()
        self._kind = None

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        """Go back one step; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._redo.append(self._snapshot())
        self._restore(self._undo.pop())
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._snapshot())
        self._restore(self._redo.pop())
        return True

    def _restore(self, snapshot: Snapshot) -> None:
        self._applying = True
        try:
            # Through a cursor (not setPlainText), so the field keeps its scroll position.
            cursor = self.edit.textCursor()
            cursor.select(QTextCursor.SelectionType.Document)
            cursor.insertText(snapshot.text)
            cursor.setPosition(min(snapshot.cursor, len(snapshot.text)))
            self.edit.setTextCursor(cursor)
        finally:
            self._applying = False
        self._last = self._snapshot()
        self._kind = None

    def _changed(self) -> None:
        if self._applying:
            return
        now = self._snapshot()
        if now.text == self._last.text:
            return
        position, removed, inserted = _edit(self._last.text, now.text)
        kind = "insert" if inserted and not removed else "delete" if removed and not inserted else "replace"
        if self._starts_step(kind, position, removed, inserted):
            self._undo.append(self._last)
            del self._undo[:-MAX_STEPS]
        self._redo.clear()
        # A paste or a replaced selection is a step of its own: what follows starts another.
        self._kind = kind if kind != "replace" and len(inserted) <= 1 and len(removed) <= 1 else None
        self._last_removed = removed
        self._expected_cursor = now.cursor
        self._last = now

    def _starts_step(self, kind: str, position: int, removed: str, inserted: str) -> bool:
        if kind != self._kind:
            return True
        if kind == "insert":
            if position != self._expected_cursor:
                return True
            before = self._last.text[position - 1] if position > 0 else " "
            # A word has ended: the space typed now starts the next step, with the next word.
            return inserted[0].isspace() and not before.isspace()
        # Deleting (Backspace or Delete, one character at a time): contiguous, one word per step.
        if position + len(removed) != self._expected_cursor and position != self._expected_cursor:
            return True
        return not removed.isspace() and self._last_removed.isspace()

    def _cursor_moved(self) -> None:
        if self._applying or self.edit.toPlainText() != self._last.text:
            return  # a change being typed: `_changed` sees it
        if self.edit.textCursor().position() != self._expected_cursor:
            self._kind = None  # the cursor moved by itself: the next edit is a new step


class UndoableTextEdit(QPlainTextEdit):
    """A plain-text field with word-sized undo, for Ctrl+Z here and Edit ▸ Undo alike, which
    says what happened when that is not plain to see (nothing to undo, the text emptied)."""

    refused = Signal(str)  # why typing changed nothing (the field is read-only)
    undone = Signal(str)  # what an undo or redo did, when worth saying

    #: What the messages call the field.
    noun = "field"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = TextHistory(self)
        self.read_only_reason = ""

    def set_text(self, text: str) -> None:
        """Show text as stored (no change signals); undo stops here."""
        if self.toPlainText() != text:
            self.blockSignals(True)
            self.setPlainText(text)
            self.blockSignals(False)
            self.text_set()
        self.history.reset(text)

    def text_set(self) -> None:
        """Called after `set_text` changed the text without signals (NoteEdit re-fits its height)."""

    def undo(self) -> None:
        before = self.toPlainText()
        if not self.history.undo():
            self.undone.emit(f"Nothing to undo in this {self.noun}")
            return
        if before and not self.toPlainText():
            self.undone.emit(f"Undo emptied the {self.noun}; Redo (Ctrl+Shift+Z) brings the text back")

    def redo(self) -> None:
        if not self.history.redo():
            self.undone.emit(f"Nothing to redo in this {self.noun}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.isReadOnly():
            if event.matches(QKeySequence.StandardKey.Undo):
                self.undo()
                return
            if event.matches(QKeySequence.StandardKey.Redo) or is_redo(event):
                self.redo()
                return
        elif event.text().isprintable() and event.text().strip() and not has_command_modifier(event):
            self.refused.emit(self.read_only_reason or "This text cannot be changed")
            return
        super().keyPressEvent(event)


def has_command_modifier(event: QKeyEvent) -> bool:
    command = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
    return bool(event.modifiers() & command)


def is_redo(event: QKeyEvent) -> bool:
    """Ctrl+Shift+Z and Ctrl+Y both redo, whatever the platform's own choice."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    control = Qt.KeyboardModifier.ControlModifier
    return (event.key() == Qt.Key.Key_Z and modifiers == control | Qt.KeyboardModifier.ShiftModifier) or (
        event.key() == Qt.Key.Key_Y and modifiers == control
    )
