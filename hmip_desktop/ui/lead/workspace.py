"""The lead's tabs for one open lead file, wired to each other and to the file's session.

After an import: the case list reloads, conflicts and team reload, the
dashboard re-scores, new illustrations appear, and an open preview says it
is out of date. After a resolution or any edit: the dashboard re-scores.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel
from hmip_desktop.ui.lead.dashboard import DashboardPanel
from hmip_desktop.ui.lead.findings import FindingsPanel
from hmip_desktop.ui.lead.import_panel import ImportPanel
from hmip_desktop.ui.lead.report_panel import ReportPanel
from hmip_desktop.ui.session import InspectionSession

IMPORT_TITLE = "Team files"
CONFLICTS_TITLE = "Conflicts"
SCORES_TITLE = "Scores"
FINDINGS_TITLE = "Findings"
REPORT_TITLE = "Report"


def conflicts_title(open_count: int) -> str:
    """The Conflicts tab's title, with a badge while any remain."""
    return f"{CONFLICTS_TITLE} ({open_count})" if open_count else CONFLICTS_TITLE


def is_lead_session(session: InspectionSession) -> bool:
    return session.inspection.owner.role == "lead"


class LeadWorkspace(QObject):
    #: A tab's title changed (the conflicts badge): widget, new title.
    title_changed = Signal(QWidget, str)
    open_case_requested = Signal(str)  # case ref

    def __init__(self, session: InspectionSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        inspection = session.inspection
        self.import_panel = ImportPanel(inspection)
        self.conflicts = ConflictsPanel(inspection)
        self.dashboard = DashboardPanel(inspection.path, inspection.instrument)
        self.findings = FindingsPanel(inspection)
        self.report = ReportPanel(inspection.path, inspection.inspection_id)

        self.import_panel.merged.connect(self._after_import)
        self.conflicts.resolved.connect(self._after_resolution)
        self.conflicts.open_count_changed.connect(
            lambda count: self.title_changed.emit(self.conflicts, conflicts_title(count))
        )
        self.conflicts.open_case_requested.connect(self.open_case_requested)
        self.dashboard.open_case_requested.connect(self.open_case_requested)
        self.findings.saved.connect(self.report.mark_stale)
        session.answer_changed.connect(self._after_edit)
        session.case_changed.connect(self._after_edit)
        session.cases_reset.connect(self._after_edit)
        if session.read_only:
            self._make_read_only()

    def tabs(self) -> list[tuple[QWidget, str]]:
        return [
            (self.import_panel, IMPORT_TITLE),
            (self.conflicts, conflicts_title(self.conflicts.open_count)),
            (self.dashboard, SCORES_TITLE),
            (self.findings, FINDINGS_TITLE),
            (self.report, REPORT_TITLE),
        ]

    def _make_read_only(self) -> None:
        reason = f"the lead file is open read-only ({self.session.read_only_reason})"
        self.import_panel.set_read_only(reason)
        self.conflicts.set_read_only(True)
        self.findings.set_read_only(reason)

    # -- keeping the views current -------------------------------------------------------

    def _after_import(self, _summary: object) -> None:
        # The worker wrote through its own connection: every view reads again.
        self.session.changed_elsewhere()
        self.conflicts.reload()
        self.findings.reload()
        self.dashboard.refresh()
        self.report.mark_stale()

    def _after_resolution(self, _conflict_id: int) -> None:
        self.session.changed_elsewhere()
        self.dashboard.refresh()
        self.report.mark_stale()

    def _after_edit(self, *_args: object) -> None:
        self.dashboard.refresh()
        self.report.mark_stale()

    # -- lifecycle -------------------------------------------------------------------------

    def flush(self) -> bool:
        """Save any findings text still waiting for its autosave."""
        self.findings.flush()
        return True

    def shutdown(self) -> None:
        """The file is closing (or closed): stop the threads; unsaved text was flushed before, by `flush`."""
        self.findings.discard_pending()
        self.dashboard.shutdown()
        self.report.shutdown()
