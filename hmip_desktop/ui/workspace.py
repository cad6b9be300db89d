"""The open file's workspace: the case list and the case form, plus tabs others add (the lead's)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from hmip_desktop.ui.case_list import CaseListPanel
from hmip_desktop.ui.commands import CaseUndoStacks
from hmip_desktop.ui.form.case_form import CaseForm
from hmip_desktop.ui.session import InspectionSession


class Workspace(QTabWidget):
    message = Signal(str)

    def __init__(self, session: InspectionSession, undo: CaseUndoStacks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.setDocumentMode(True)
        self.session = session
        self.undo = undo
        self.current_case: str | None = None
        self.cases = CaseListPanel(session)
        self.form = CaseForm(session, undo)
        self.addTab(self.cases, "Cases")
        self.addTab(self.form, "Case form")
        self.cases.case_selected.connect(self._case_selected)
        self.cases.case_opened.connect(self.open_case)
        self.cases.message.connect(self.message)
        self.form.message.connect(self.message)
        self.form.step_case.connect(self.step_case)
        self.currentChanged.connect(self._tab_changed)
        session.cases_reset.connect(self.form.refresh)

    # -- cases ----------------------------------------------------------------------

    def _case_selected(self, case_uuid: str) -> None:
        self.current_case = case_uuid
        if self.currentWidget() is self.form:
            self.form.set_case(case_uuid)

    def _tab_changed(self, _index: int) -> None:
        if self.currentWidget() is self.form and self.form.case_uuid != self.current_case:
            self.form.set_case(self.current_case)

    def open_case(self, case_uuid: str) -> None:
        """Show a case in the form, on its first unanswered question."""
        self.cases.select_case(case_uuid)
        self.current_case = case_uuid
        self.setCurrentWidget(self.form)
        if self.form.case_uuid != case_uuid:
            self.form.set_case(case_uuid)
        if self.form.next_unanswered(None) is None and self.form.current_question is None:
            self.form.navigator.setFocus(Qt.FocusReason.OtherFocusReason)

    def step_case(self, step: int) -> None:
        target = self.cases.neighbour(self.current_case, step)
        if target is None:
            self.message.emit("This is the last case in the list" if step > 0 else "This is the first case in the list")
            return
        if not self.form.flush():
            return
        self.cases.select_case(target)
        if self.currentWidget() is self.form:
            self.open_case(target)

    def show_case_list(self) -> None:
        self.setCurrentWidget(self.cases)
        self.cases.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_form(self) -> None:
        if self.current_case is None:
            first = self.cases.neighbour(None, 1)
            if first is not None:
                self.open_case(first)
                return
        self.setCurrentWidget(self.form)

    def flush(self) -> bool:
        saved = self.form.flush()
        # Tabs added by other parts (the lead's findings editor) may hold text waiting for autosave.
        for index in range(self.count()):
            tab = self.widget(index)
            flush = getattr(tab, "flush", None)
            if tab is not self.form and callable(flush):
                saved = bool(flush()) and saved
        return saved
