"""The lead's tabs for one open lead file (built by `ui.workspace.Workspace` when a lead file opens).

Each tab's content is built the first time the tab is shown (or a panel is
asked for), so opening a lead file costs no more than opening an assessor's:
the merge, the scoring and the report builder load when first used.

Every change goes through the session, and each panel refreshes itself from
the session's `Changes` (an import: everything; a conflict decision: the
conflicts, the answer and the scores; a findings text: that text). Here only
what spans tabs is kept current: the Conflicts tab's badge, and the report
preview marked out of date. Panels not built yet need no news: they read the
file when they are built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from hmip_desktop.ui.session import Changes, InspectionSession

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent  # made when a tab is first shown, not as the file opens

    from hmip_desktop.ui.lead.agreement_panel import AgreementPanel
    from hmip_desktop.ui.lead.area_panel import AreaPanel
    from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel
    from hmip_desktop.ui.lead.dashboard import DashboardPanel
    from hmip_desktop.ui.lead.findings import FindingsPanel
    from hmip_desktop.ui.lead.import_panel import ImportPanel
    from hmip_desktop.ui.lead.report_panel import ReportPanel

IMPORT_TITLE = "Team files"
CONFLICTS_TITLE = "Conflicts"
SCORES_TITLE = "Scores"
AGREEMENT_TITLE = "Agreement"
FINDINGS_TITLE = "Findings"
AREA_TITLE = "Area"
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

    def __init__(self, make: Callable[[], Panel], on_built: Callable[[Panel], None] | None = None) -> None:
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
            if self._on_built is not None:
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
    #: Open a case on the case form at a question: case ref, question id.
    open_case_requested = Signal(str, str)

    def __init__(self, session: InspectionSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.read_only_reason = (
            f"the lead file is open read-only ({session.read_only_reason})" if session.read_only else ""
        )
        self.import_tab: LazyTab[ImportPanel] = LazyTab(self._make_import_panel)
        self.conflicts_tab: LazyTab[ConflictsPanel] = LazyTab(self._make_conflicts, self._conflicts_built)
        self.dashboard_tab: LazyTab[DashboardPanel] = LazyTab(self._make_dashboard, self._dashboard_built)
        self.agreement_tab: LazyTab[AgreementPanel] = LazyTab(self._make_agreement, self._agreement_built)
        self.findings_tab: LazyTab[FindingsPanel] = LazyTab(self._make_findings)
        self.area_tab: LazyTab[AreaPanel] = LazyTab(self._make_area)
        self.report_tab: LazyTab[ReportPanel] = LazyTab(self._make_report)
        session.changed.connect(self._changed)
        session.closing.connect(self.shutdown)

    def tabs(self) -> list[tuple[QWidget, str]]:
        """The lead's tabs in order, with their titles (the workspace adds them after the case form)."""
        return [
            (self.import_tab, IMPORT_TITLE),
            (self.conflicts_tab, conflicts_title(self.open_conflicts())),
            (self.dashboard_tab, SCORES_TITLE),
            (self.agreement_tab, AGREEMENT_TITLE),
            (self.findings_tab, FINDINGS_TITLE),
            (self.area_tab, AREA_TITLE),
            (self.report_tab, REPORT_TITLE),
        ]

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
    def agreement(self) -> AgreementPanel:
        return self.agreement_tab.panel

    @property
    def findings(self) -> FindingsPanel:
        return self.findings_tab.panel

    @property
    def report(self) -> ReportPanel:
        return self.report_tab.panel

    def _make_import_panel(self) -> ImportPanel:
        from hmip_desktop.ui.lead.import_panel import ImportPanel

        panel = ImportPanel(self.session)
        if self.read_only_reason:
            panel.set_read_only(self.read_only_reason)
        return panel

    def _make_conflicts(self) -> ConflictsPanel:
        from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel

        return ConflictsPanel(self.session)

    def _conflicts_built(self, panel: ConflictsPanel) -> None:
        panel.open_count_changed.connect(self._conflicts_counted)
        panel.open_case_requested.connect(self.open_case_requested)

    def _make_dashboard(self) -> DashboardPanel:
        from hmip_desktop.ui.lead.dashboard import DashboardPanel

        return DashboardPanel(self.session)

    def _dashboard_built(self, panel: DashboardPanel) -> None:
        panel.open_case_requested.connect(self.open_case_requested)

    def _make_agreement(self) -> AgreementPanel:
        from hmip_desktop.ui.lead.agreement_panel import AgreementPanel

        return AgreementPanel(self.session)

    def _agreement_built(self, panel: AgreementPanel) -> None:
        panel.open_case_requested.connect(self.open_case_requested)

    def _make_findings(self) -> FindingsPanel:
        from hmip_desktop.ui.lead.findings import FindingsPanel

        panel = FindingsPanel(self.session)
        if self.read_only_reason:
            panel.set_read_only(self.read_only_reason)
        return panel

    def _make_area(self) -> AreaPanel:
        from hmip_desktop.ui.lead.area_panel import AreaPanel

        return AreaPanel(self.session)

    def _make_report(self) -> ReportPanel:
        from hmip_desktop.ui.lead.report_panel import ReportPanel

        inspection = self.session.inspection
        return ReportPanel(inspection.path, inspection.inspection_id)

    # -- what spans tabs -------------------------------------------------------------------

    def open_conflicts(self) -> int:
        """How many conflicts are open (for the badge), whether or not the Conflicts tab was built."""
        panel = self.conflicts_tab.built
        if panel is not None:
            return panel.open_count
        # Counted by the store: reading them (merge.conflicts) would load that module as the file opens.
        return self.session.inspection.open_conflict_count()

    def _conflicts_counted(self, count: int) -> None:
        self.title_changed.emit(self.conflicts_tab, conflicts_title(count))

    def _changed(self, changes: Changes) -> None:
        # A built Conflicts panel recounts itself (its open_count_changed follows its reload).
        if changes.conflicts and self.conflicts_tab.built is None:
            self._conflicts_counted(self.open_conflicts())
        report = self.report_tab.built
        if report is not None:
            report.mark_stale()

    # -- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The file is closing: stop the threads; unsaved text was flushed before (`Workspace.flush`)."""
        findings, dashboard, report = self.findings_tab.built, self.dashboard_tab.built, self.report_tab.built
        if findings is not None:
            findings.discard_pending()
        if dashboard is not None:
            dashboard.shutdown()
        if report is not None:
            report.shutdown()
