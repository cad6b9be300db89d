"""The open file's workspace: the case list and the case form, plus tabs others add (the lead's).

The case form is built when first needed (its tab shown, a case opened, a
form command), not when the file opens: the case list is what shows first,
and the form's modules and widgets would only delay it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hmip_desktop.ui.case_list import CaseListPanel
from hmip_desktop.ui.commands import CaseUndoStacks
from hmip_desktop.ui.session import InspectionSession

if TYPE_CHECKING:
    from hmip_desktop.ui.form.case_form import CaseForm


class FormPage(QWidget):
    """The "Case form" tab: holds the form once it is built; showing it builds it."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.setObjectName("formPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._workspace = workspace

    def showEvent(self, event: QShowEvent) -> None:
        if self._workspace.form_built is None:
            self._workspace.form.show()  # now: a child added while showing would wait for the next event
        super().showEvent(event)


class Workspace(QTabWidget):
    message = Signal(str)

    def __init__(self, session: InspectionSession, undo: CaseUndoStacks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.setDocumentMode(True)
        self.session = session
        self.undo = undo
        self.current_case: str | None = None
        self.show_inapplicable = False
        self._form: CaseForm | None = None
        self.cases = CaseListPanel(session)
        self.form_page = FormPage(self)
        self.addTab(self.cases, "Cases")
        self.addTab(self.form_page, "Case form")
        self.cases.case_selected.connect(self._case_selected)
        self.cases.case_opened.connect(self.open_case)
        self.cases.message.connect(self.message)
        self.currentChanged.connect(self._tab_changed)

    # -- the form, built on first use --------------------------------------------------------

    @property
    def form(self) -> CaseForm:
        if self._form is None:
            from hmip_desktop.ui.form.case_form import CaseForm

            form = CaseForm(self.session, self.undo)
            form.set_show_inapplicable(self.show_inapplicable)
            form.message.connect(self.message)
            form.step_case.connect(self.step_case)
            self.session.cases_reset.connect(form.refresh)
            layout = self.form_page.layout()
            assert layout is not None
            layout.addWidget(form)
            self._form = form
        return self._form

    @property
    def form_built(self) -> CaseForm | None:
        """The form if it was built; never builds it."""
        return self._form

    def showing_form(self) -> bool:
        return self.currentWidget() is self.form_page

    def set_show_inapplicable(self, show: bool) -> None:
        self.show_inapplicable = show
        if self._form is not None:
            self._form.set_show_inapplicable(show)

    # -- cases ----------------------------------------------------------------------

    def _case_selected(self, case_uuid: str) -> None:
        self.current_case = case_uuid
        if self.showing_form():
            self.form.set_case(case_uuid)

    def _tab_changed(self, _index: int) -> None:
        if self.showing_form() and self.form.case_uuid != self.current_case:
            self.form.set_case(self.current_case)

    def open_case(self, case_uuid: str) -> None:
        """Show a case in the form, on its first unanswered question."""
        self.cases.select_case(case_uuid)
        self.current_case = case_uuid
        self.setCurrentWidget(self.form_page)
        if self.form.case_uuid != case_uuid:
            self.form.set_case(case_uuid)
        if self.form.next_unanswered(None) is None and self.form.current_question is None:
            self.form.navigator.setFocus(Qt.FocusReason.OtherFocusReason)

    def step_case(self, step: int) -> None:
        target = self.cases.neighbour(self.current_case, step)
        if target is None:
            self.message.emit("This is the last case in the list" if step > 0 else "This is the first case in the list")
            return
        if self._form is not None and not self._form.flush():
            return
        self.cases.select_case(target)
        if self.showing_form():
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
        self.setCurrentWidget(self.form_page)

    def flush(self) -> bool:
        saved = self._form.flush() if self._form is not None else True
        # Tabs added by other parts (the lead's findings editor) may hold text waiting for autosave.
        for index in range(self.count()):
            tab = self.widget(index)
            flush = getattr(tab, "flush", None)
            if tab is not self.form_page and callable(flush):
                saved = bool(flush()) and saved
        return saved

    def discard_pending(self) -> None:
        """The user chose to close without the note that could not be saved."""
        if self._form is not None:
            self._form.pending.discard()
