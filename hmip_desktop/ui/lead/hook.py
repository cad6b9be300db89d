"""Hooking the lead's workspace into the main window (called by `ui.app.install_workspaces`).

The lead tabs appear only when the open file's role is "lead"; team files
dropped anywhere on the window are imported while such a file is open.
Nothing of the lead's workspace is imported until a lead file opens, so an
assessor's start-up does not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from hmip_desktop.ui.lead.drops import TeamFileDropFilter
    from hmip_desktop.ui.lead.workspace import LeadWorkspace
    from hmip_desktop.ui.main_window import MainWindow
    from hmip_desktop.ui.session import InspectionSession

LEAD_ROLE = "lead"


def is_lead_session(session: InspectionSession) -> bool:
    return session.inspection.owner.role == LEAD_ROLE


class LeadHook(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lead: LeadWorkspace | None = None
        self._drops: TeamFileDropFilter | None = None
        window.file_opened.connect(self.file_opened)
        window.file_closed.connect(self.file_closed)

    @property
    def drops(self) -> TeamFileDropFilter:
        """The window's drop target for team files (made with the first lead file)."""
        if self._drops is None:
            from hmip_desktop.ui.lead.drops import TeamFileDropFilter

            self._drops = TeamFileDropFilter(self)
            self._drops.files_dropped.connect(self._dropped)
        return self._drops

    def file_opened(self, session: InspectionSession) -> None:
        self.file_closed()
        if not is_lead_session(session):
            return
        from hmip_desktop.ui.lead.workspace import LeadWorkspace

        lead = LeadWorkspace(session, self)
        self.lead = lead
        for widget, title in lead.tabs():
            self.window.add_workspace_tab(widget, title)
        lead.title_changed.connect(self._retitle)
        lead.open_case_requested.connect(self._open_case)
        self.window.setAcceptDrops(True)
        self.window.installEventFilter(self.drops)

    def file_closed(self) -> None:
        lead, self.lead = self.lead, None
        if lead is None:
            return
        self.window.removeEventFilter(self.drops)
        self.window.setAcceptDrops(False)
        lead.shutdown()
        lead.deleteLater()

    def _retitle(self, widget: QWidget, title: str) -> None:
        workspace = self.window.workspace
        if workspace is not None and workspace.indexOf(widget) >= 0:
            workspace.setTabText(workspace.indexOf(widget), title)

    def _open_case(self, case_ref: str) -> None:
        session, workspace = self.window.session, self.window.workspace
        if session is None or workspace is None:
            return
        case = session.inspection.find_case(case_ref)
        if case is not None:
            workspace.open_case(case.uuid)

    def _dropped(self, paths: list[Path]) -> None:
        lead, workspace = self.lead, self.window.workspace
        if lead is None or workspace is None:
            return
        workspace.setCurrentWidget(lead.import_tab)
        lead.import_panel.import_files(paths)


def install(window: MainWindow) -> LeadHook:
    hook = LeadHook(window)
    if window.session is not None:
        hook.file_opened(window.session)
    return hook
