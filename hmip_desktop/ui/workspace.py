"""The open file's workspace: the case list and the case form, and for a lead's file the lead's tabs.

The case form is built when first needed (its tab shown, a case opened, a
form command), not when the file opens: the case list is what shows first,
and the form's modules and widgets would only delay it. The lead's tabs
(`ui.lead.workspace`) are added only for a lead's file, and each builds its
panel when first shown; an assessor's file never loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hmip_desktop.ui.case_list import CaseListPanel
from hmip_desktop.ui.commands import CaseUndoStacks
from hmip_desktop.ui.session import InspectionSession

if TYPE_CHECKING:
    # Named in annotations only: the events' Python classes (and QEvent's enums, ~2 ms) are made
    # when the first such event reaches Python, not as the list shows.
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QShowEvent

    from hmip_desktop.ui.form.case_form import CaseForm
    from hmip_desktop.ui.lead.drops import TeamFileDrops
    from hmip_desktop.ui.lead.workspace import LeadWorkspace


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
        #: `_show_case` is selecting the case and turning to the form (it puts the case in the form itself).
        self._showing_case = False
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
        self.lead: LeadWorkspace | None = None
        self.drops: TeamFileDrops | None = None
        if session.is_lead:
            self._add_lead_tabs()

    # -- the lead's tabs (a lead's file only) -----------------------------------------------------

    def _add_lead_tabs(self) -> None:
        from hmip_desktop.ui.lead.drops import TeamFileDrops
        from hmip_desktop.ui.lead.workspace import LeadWorkspace

        lead = LeadWorkspace(self.session, self)
        for page, title in lead.tabs():
            self.addTab(page, title)
        lead.title_changed.connect(self._retitle)
        lead.open_case_requested.connect(self.open_case_at_ref)
        self.lead = lead
        # Team files dropped anywhere on the workspace are imported (see the drag handlers below).
        self.drops = TeamFileDrops(self)
        self.drops.files_dropped.connect(self.import_team_files)
        self.setAcceptDrops(True)

    def _retitle(self, page: QWidget, title: str) -> None:
        index = self.indexOf(page)
        if index >= 0:
            self.setTabText(index, title)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.drops is None or not self.drops.take(event):
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.drops is None or not self.drops.take(event):
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self.drops is None or not self.drops.take(event):
            super().dropEvent(event)

    def import_team_files(self, paths: list[Path]) -> None:
        """Show the Team files tab and import `paths` there (files dropped on the workspace)."""
        if self.lead is not None:
            self.setCurrentWidget(self.lead.import_tab)
            self.lead.import_panel.import_files(paths)

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
        if self.showing_form() and not self._showing_case:
            self.form.set_case(case_uuid)

    def _tab_changed(self, _index: int) -> None:
        if self.showing_form() and self.form.case_uuid != self.current_case and not self._showing_case:
            self.form.set_case(self.current_case)

    def _show_case(self, case_uuid: str) -> None:
        # Selecting the case and turning to the form would each put it in the form: it is put there once,
        # below (a case that cannot be read then says so once, not once per step).
        self._showing_case = True
        try:
            self.cases.select_case(case_uuid)
            self.current_case = case_uuid
            self.setCurrentWidget(self.form_page)
        finally:
            self._showing_case = False
        if self.form.case_uuid != case_uuid:
            self.form.set_case(case_uuid)

    def open_case(self, case_uuid: str) -> None:
        """Show a case in the form, on its first unanswered question."""
        self._show_case(case_uuid)
        if self.form.next_unanswered(None) is None and self.form.current_question is None:
            self.form.navigator.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_case_at(self, case_uuid: str, question_id: str) -> bool:
        """Show a case in the form on one question, focused and highlighted (a conflict's, a figure's).

        False, with a message, when the question is hidden on this case (it does not apply and
        questions that do not apply are hidden); the case is shown all the same.
        """
        self._show_case(case_uuid)
        form = self.form
        form.focus_question(question_id)
        if form.current_question == question_id:
            return True
        question = self.session.instrument.question(question_id)
        self.message.emit(
            f"{question.chart_label} ({question_id}) does not apply to {self.session.case(case_uuid).case_ref}; "
            "View ▸ Show questions that do not apply shows it"
        )
        return False

    def open_case_at_ref(self, case_ref: str, question_id: str) -> bool:
        """`open_case_at` by case reference (what the lead's tables show)."""
        case = self.session.inspection.find_case(case_ref)
        if case is None:
            self.message.emit(f"Case {case_ref} is not in this file any more")
            return False
        return self.open_case_at(case.uuid, question_id)

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
        # The lead's tabs (the findings editor) may hold text waiting for its autosave.
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
