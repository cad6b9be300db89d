"""The lead's tabs for one open lead file, wired to each other and to the file's session.

Each tab's content is built the first time the tab is shown (or a panel is
asked for), so opening a lead file costs no more than opening an assessor's:
the merge, the scoring and the report builder load when first used.

After an import: the case list reloads, conflicts and team reload, the
dashboard re-scores, new illustrations appear, and an open preview says it
is out of date. After a resolution or any edit: the dashboard re-scores.
Panels not built yet need no news: they read the file when they are built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from hmip_desktop.ui.lead.hook import is_lead_session
from hmip_desktop.ui.session import InspectionSession

if TYPE_CHECKING:
    from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel
    from hmip_desktop.ui.lead.dashboard import DashboardPanel
    from hmip_desktop.ui.lead.findings import FindingsPanel
    from hmip_desktop.ui.lead.import_panel import ImportPanel
    from hmip_desktop.ui.lead.report_panel import ReportPanel

__all__ = ["LazyTab", "LeadWorkspace", "conflicts_title", "is_lead_session"]

IMPORT_TITLE = "Team files"
CONFLICTS_TITLE = "Conflicts"
SCORES_TITLE = "Scores"
FINDINGS_TITLE = "Findings"
REPORT_TITLE = "Report"

Panel = TypeVar("Panel", bound=QWidget)


def conflicts_title(open_count: int) -> str:
    """The Conflicts tab's title, with a badge while any remain."""
    return f"{CONFLICTS_TITLE} ({open_count})" if open_count else CONFLICTS_TITLE


class LazyTab(QWidget, Generic[Panel]):
    """A tab page that makes its panel when first shown, or when `panel` is first asked for.

    The panel is the page's child from the start, so it goes when the page goes
    (never later, at the garbage collector's whim, while a worker still runs).
    """

    def __init__(self, make: Callable[[], Panel], on_built: Callable[[Panel], None]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._make = make
        self._on_built = on_built
        self._panel: Panel | None = None

    @property
    def built(self) -> Panel | None:
        """The panel if it exists; never builds it."""
        return self._panel

    @property
    def panel(self) -> Panel:
        if self._panel is None:
            panel = self._make()
            self._panel = panel
            layout = self.layout()
            assert layout is not None
            layout.addWidget(panel)
            self._on_built(panel)
        return self._panel

    def flush(self) -> bool:
        """Save what the panel holds for its autosave (`ui.workspace.Workspace.flush` calls each tab's)."""
        flush = getattr(self._panel, "flush", None)
        return bool(flush()) if callable(flush) else True

    def showEvent(self, event: QShowEvent) -> None:
        if self._panel is None:
            self.panel.show()  # now: children added while showing would only show on the next event
        super().showEvent(event)


class LeadWorkspace(QObject):
    #: A tab's title changed (the conflicts badge): tab page, new title.
    title_changed = Signal(QWidget, str)
    open_case_requested = Signal(str)  # case ref

    def __init__(self, session: InspectionSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.read_only_reason = (
            f"the lead file is open read-only ({session.read_only_reason})" if session.read_only else ""
        )
        self.import_tab: LazyTab[ImportPanel] = LazyTab(self._make_import_panel, self._import_built)
        self.conflicts_tab: LazyTab[ConflictsPanel] = LazyTab(self._make_conflicts, self._conflicts_built)
        self.dashboard_tab: LazyTab[DashboardPanel] = LazyTab(self._make_dashboard, self._dashboard_built)
        self.findings_tab: LazyTab[FindingsPanel] = LazyTab(self._make_findings, self._findings_built)
        self.report_tab: LazyTab[ReportPanel] = LazyTab(self._make_report, lambda _panel: None)
        session.answer_changed.connect(self._after_edit)
        session.case_changed.connect(self._after_edit)
        session.cases_reset.connect(self._after_edit)

    # -- the panels, built on first use ------------------------------------------------------

    @property
    def import_panel(self) -> ImportPanel:
        return self.import_tab.panel

    @property
    def conflicts(self) -> ConflictsPanel:
        return self.conflicts_tab.panel

    @property
    def dashboard(self) -> DashboardPanel:
        return self.dashboard_tab.panel

    @property
    def findings(self) -> FindingsPanel:
        return self.findings_tab.panel

    @property
    def report(self) -> ReportPanel:
        return self.report_tab.panel

    def _make_import_panel(self) -> ImportPanel:
        from hmip_desktop.ui.lead.import_panel import ImportPanel

        panel = ImportPanel(self.session.inspection)
        if self.read_only_reason:
            panel.set_read_only(self.read_only_reason)
        return panel

    def _import_built(self, panel: ImportPanel) -> None:
        panel.merged.connect(self._after_import)

    def _make_conflicts(self) -> ConflictsPanel:
        from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel

        panel = ConflictsPanel(self.session.inspection)
        if self.read_only_reason:
            panel.set_read_only(True)
        return panel

    def _conflicts_built(self, panel: ConflictsPanel) -> None:
        panel.resolved.connect(self._after_resolution)
        panel.open_count_changed.connect(self._conflicts_counted)
        panel.open_case_requested.connect(self.open_case_requested)

    def _make_dashboard(self) -> DashboardPanel:
        from hmip_desktop.ui.lead.dashboard import DashboardPanel

        inspection = self.session.inspection
        return DashboardPanel(inspection.path, inspection.instrument)

    def _dashboard_built(self, panel: DashboardPanel) -> None:
        panel.open_case_requested.connect(self.open_case_requested)

    def _make_findings(self) -> FindingsPanel:
        from hmip_desktop.ui.lead.findings import FindingsPanel

        panel = FindingsPanel(self.session.inspection)
        if self.read_only_reason:
            panel.set_read_only(self.read_only_reason)
        return panel

    def _findings_built(self, panel: FindingsPanel) -> None:
        panel.saved.connect(self._mark_report_stale)

    def _make_report(self) -> ReportPanel:
        from hmip_desktop.ui.lead.report_panel import ReportPanel

        inspection = self.session.inspection
        return ReportPanel(inspection.path, inspection.inspection_id)

    # -- tabs ------------------------------------------------------------------------------

    def tabs(self) -> list[tuple[QWidget, str]]:
        return [
            (self.import_tab, IMPORT_TITLE),
            (self.conflicts_tab, conflicts_title(self.open_conflicts())),
            (self.dashboard_tab, SCORES_TITLE),
            (self.findings_tab, FINDINGS_TITLE),
            (self.report_tab, REPORT_TITLE),
        ]

    def tab_of(self, panel: QWidget) -> QWidget:
        """The tab page holding a panel (what the workspace's tab widget knows)."""
        for tab in (self.import_tab, self.conflicts_tab, self.dashboard_tab, self.findings_tab, self.report_tab):
            if tab.built is panel or tab is panel:
                return tab
        raise ValueError("not one of the lead's panels")

    def open_conflicts(self) -> int:
        """How many conflicts are open (for the badge), whether or not the Conflicts tab was built."""
        panel = self.conflicts_tab.built
        if panel is not None:
            return panel.open_count
        from hmip_desktop.model.merge.conflicts import list_conflicts

        return len(list_conflicts(self.session.inspection))

    def _conflicts_counted(self, count: int) -> None:
        self.title_changed.emit(self.conflicts_tab, conflicts_title(count))

    # -- keeping the views current -------------------------------------------------------

    def _after_import(self, _summary: object) -> None:
        # The worker wrote through its own connection: every view reads again.
        self.session.changed_elsewhere()
        conflicts = self.conflicts_tab.built
        if conflicts is not None:
            conflicts.reload()
        else:
            self._conflicts_counted(self.open_conflicts())
        findings = self.findings_tab.built
        if findings is not None:
            findings.reload()
        self._refresh_scores()
        self._mark_report_stale()

    def _after_resolution(self, _conflict_id: int) -> None:
        self.session.changed_elsewhere()
        self._refresh_scores()
        self._mark_report_stale()

    def _after_edit(self, *_args: object) -> None:
        self._refresh_scores()
        self._mark_report_stale()

    def _refresh_scores(self) -> None:
        dashboard = self.dashboard_tab.built
        if dashboard is not None:
            dashboard.refresh()

    def _mark_report_stale(self, *_args: object) -> None:
        report = self.report_tab.built
        if report is not None:
            report.mark_stale()

    # -- lifecycle -------------------------------------------------------------------------

    def flush(self) -> bool:
        """Save any findings text still waiting for its autosave."""
        findings = self.findings_tab.built
        if findings is not None:
            findings.flush()
        return True

    def shutdown(self) -> None:
        """The file is closing (or closed): stop the threads; unsaved text was flushed before, by `flush`."""
        findings, dashboard, report = self.findings_tab.built, self.dashboard_tab.built, self.report_tab.built
        if findings is not None:
            findings.discard_pending()
        if dashboard is not None:
            dashboard.shutdown()
        if report is not None:
            report.shutdown()
