"""Undo and redo of answers: one QUndoStack per case, each command writing through the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from hmip_desktop.model.errors import UserError

if TYPE_CHECKING:
    from hmip_desktop.ui.session import InspectionSession

Reveal = Callable[[str, str], None]  # case uuid, question id
ReportError = Callable[[UserError], None]

#: QUndoCommand.id() of answer changes that merge with the one before (a run of arrow keys).
MERGING_ID = 1


class AnswerCommand(QUndoCommand):
    """Changing one answer. The change is written before the command is pushed (so a refused
    write never enters the stack); its first redo(), which QUndoStack.push calls, does nothing.

    With `merge`, the command joins the one before it when that one also merges and changed the
    same question of the same case: Right, Right, Right over a question's options is one undo step
    back to the answer before the first Right, as in a radio group."""

    def __init__(
        self,
        session: InspectionSession,
        case_uuid: str,
        question_id: str,
        old: str | None,
        new: str | None,
        *,
        reveal: Reveal | None = None,
        report_error: ReportError | None = None,
        merge: bool = False,
    ) -> None:
        question = session.instrument.question(question_id)
        verb = "clear the answer to" if new is None else "answer"
        super().__init__(f"{verb} “{question.chart_label}”")
        self.merge = merge
        self.session = session
        self.case_uuid = case_uuid
        self.question_id = question_id
        self.old = old
        self.new = new
        self._reveal = reveal
        self._report_error = report_error
        self._written = True

    def id(self) -> int:
        return MERGING_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, AnswerCommand)
            and other.case_uuid == self.case_uuid
            and other.question_id == self.question_id
        ):
            return False
        self.new = other.new
        self.setText(other.text())
        self.setObsolete(self.new == self.old)  # back where the run started: nothing to undo
        return True

    def redo(self) -> None:
        if self._written:
            self._written = False
            return
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def _apply(self, value: str | None) -> None:
        try:
            self.session.set_answer(self.case_uuid, self.question_id, value)
        except UserError as exc:
            # The file has moved on (the case was completed elsewhere, say): drop this step.
            self.setObsolete(True)
            if self._report_error is not None:
                self._report_error(exc)
            return
        if self._reveal is not None:
            self._reveal(self.case_uuid, self.question_id)


class CaseUndoStacks(QObject):
    """An undo history per case; the Edit menu's actions follow the case on screen."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}

    def stack(self, case_uuid: str) -> QUndoStack:
        stack = self._stacks.get(case_uuid)
        if stack is None:
            stack = QUndoStack(self.group)
            self.group.addStack(stack)
            self._stacks[case_uuid] = stack
        return stack

    def activate(self, case_uuid: str | None, editable: bool = True) -> None:
        """Make this case's history the one Undo/Redo act on (none while the case is read-only)."""
        if case_uuid is None or not editable:
            self.group.setActiveStack(None)  # type: ignore[arg-type]
            return
        self.group.setActiveStack(self.stack(case_uuid))

    def clear(self) -> None:
        for stack in self._stacks.values():
            self.group.removeStack(stack)
            stack.deleteLater()
        self._stacks.clear()
