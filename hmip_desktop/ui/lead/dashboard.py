"""The scores dashboard: outcomes, criteria, each question's "n of N", breakdowns, factors.

Refreshed from the session's changes after every merge, conflict decision or
edit that can move a score (`refresh()`); the scoring runs on `ScoreService`'s
thread. Clicking an outcome or criterion lists its questions; clicking a
question, a breakdown group or a factor lists the cases behind it, and any
case opens from there at the figure's question.

Column widths come from the font (a 150 % text size widens them); a
breakdown's group column is as wide as its longest group.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.fit import fit_column, text_column_width
from hmip_desktop.ui.lead.bars import FIGURE_ROLE, PercentBarDelegate
from hmip_desktop.ui.lead.cases_behind import CasesBehindPanel, rows_behind
from hmip_desktop.ui.lead.dashboard_models import (
    BreakdownModel,
    CriteriaModel,
    FactorsModel,
    Figure,
    OutcomesModel,
    QuestionScopeProxy,
    QuestionsModel,
)
from hmip_desktop.ui.lead.score_service import ScoreRequest, ScoreService, ScoreSnapshot
from hmip_desktop.ui.session import Changes, InspectionSession

#: Breakdowns offered first, in this order (the ones the report compares); then the other case details.
PREFERRED_BREAKDOWNS = ("cd.gender", "cd.rosh", "cd.case_type", "cd.om_grade", "cd.ethnicity", "cd.age", "cd.tier")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def breakdown_choices(instrument: Instrument) -> list[tuple[str, str]]:
    """(question id, label) of the case-detail questions a breakdown can be by."""
    details = [q for q in instrument.context_questions if q.section == "case-details"] or list(
        instrument.context_questions
    )
    order = {qid: n for n, qid in enumerate(PREFERRED_BREAKDOWNS)}
    details.sort(key=lambda q: order.get(q.id, len(order)))
    return [(q.id, q.chart_label) for q in details]


def _table(name: str, model: QAbstractItemModel, *, stretch: int = 0) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)  # before the header settings: a new model resets them
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def bar_column_width(view: QTableView) -> int:
    """Room for "100%" and a bar long enough to compare (see bars.PercentBarDelegate)."""
    return view.fontMetrics().horizontalAdvance("100%") + 12 + 8 + 64


class DashboardPanel(QWidget):
    refreshed = Signal(object)  # ScoreSnapshot
    open_case_requested = Signal(str, str)  # case ref, question id

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadDashboard")
        self.instrument = instrument = session.instrument
        self.snapshot: ScoreSnapshot | None = None
        self.shown_figure: Figure | None = None
        self.service = ScoreService(session.path, self)
        self.service.scored.connect(self._show_snapshot)
        self.service.failed.connect(self._show_failure)

        self.outcomes = OutcomesModel(instrument, self)
        self.criteria = CriteriaModel(instrument, self)
        self.questions = QuestionsModel(instrument, self)
        self.question_scope = QuestionScopeProxy(self)
        self.question_scope.setSourceModel(self.questions)
        self.breakdown = BreakdownModel(instrument, self)
        self.factors = FactorsModel(instrument, self)

        self.status = QLabel("Scoring…")
        self.status.setObjectName("dashboardStatus")
        self.include_drafts = QCheckBox("Include &draft cases")
        self.include_drafts.setToolTip("Count cases not yet marked complete (the report marks itself as a draft)")
        self.include_drafts.toggled.connect(self.refresh)
        self.updated = QLabel("")
        self.updated.setObjectName("dashboardUpdated")
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.include_drafts)
        top.addSpacing(12)
        top.addWidget(self.updated)

        bar = PercentBarDelegate(self)
        self.outcomes_view = _table("outcomesTable", self.outcomes)
        self.outcomes_view.setItemDelegateForColumn(1, bar)
        fit_column(self.outcomes_view, 1, max(bar_column_width(self.outcomes_view), 170))
        fit_column(self.outcomes_view, 2, text_column_width(self.outcomes_view, "888"))
        self.outcomes_view.setWordWrap(True)
        self.outcomes_view.verticalHeader().setMinimumSectionSize(28)
        self.outcomes_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.outcomes_view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.outcomes_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.outcomes_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.outcomes_view.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.criteria_view = _table("criteriaTable", self.criteria)
        self.criteria_view.setItemDelegateForColumn(1, bar)
        fit_column(self.criteria_view, 1, max(bar_column_width(self.criteria_view), 170))
        fit_column(self.criteria_view, 2, text_column_width(self.criteria_view, "888"))
        self.criteria_view.setToolTip("Click a criterion to list its questions")
        self.outcomes_view.setToolTip("Click an outcome to list the questions behind its score")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        outcomes_box = QGroupBox("Outcomes: the proportion of work judged to have been done well enough")
        QVBoxLayout(outcomes_box).addWidget(self.outcomes_view)
        criteria_box = QGroupBox("Criteria")
        QVBoxLayout(criteria_box).addWidget(self.criteria_view)
        left_layout.addWidget(outcomes_box)
        left_layout.addWidget(criteria_box, 1)

        # Questions tab
        self.questions_view = _table("questionsTable", self.question_scope)
        self.questions_view.setSortingEnabled(True)
        self.questions_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.questions_view.setItemDelegateForColumn(3, bar)
        for column, sample in ((1, "8.8"), (2, "888 of 888"), (4, "888")):
            fit_column(self.questions_view, column, text_column_width(self.questions_view, sample))
        fit_column(self.questions_view, 3, bar_column_width(self.questions_view))
        self.scope_label = QLabel("All scored questions")
        self.scope_label.setObjectName("questionScope")
        self.show_all = QPushButton("Show &all questions")
        self.show_all.setEnabled(False)
        self.show_all.clicked.connect(lambda: self._set_scope(None, "All scored questions"))
        questions_tab = QWidget()
        questions_layout = QVBoxLayout(questions_tab)
        scope_row = QHBoxLayout()
        scope_row.addWidget(self.scope_label, 1)
        scope_row.addWidget(self.show_all)
        questions_layout.addLayout(scope_row)
        questions_layout.addWidget(self.questions_view)

        # Breakdown tab
        self.breakdown_choice = QComboBox()
        self.breakdown_choice.setObjectName("breakdownChoice")
        for question_id, label in breakdown_choices(instrument):
            self.breakdown_choice.addItem(label, question_id)
        self.breakdown_choice.currentIndexChanged.connect(self._breakdown_chosen)
        self.breakdown_view = _table("breakdownTable", self.breakdown)
        for column in range(2, self.breakdown.columnCount()):
            self.breakdown_view.setItemDelegateForColumn(column, bar)
        # Groups and counts as wide as their text, never cut; the outcomes share the rest.
        breakdown_header = self.breakdown_view.horizontalHeader()
        breakdown_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        breakdown_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        breakdown_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.breakdown_status = QLabel("")
        self.breakdown_status.setObjectName("breakdownStatus")
        breakdown_tab = QWidget()
        breakdown_layout = QVBoxLayout(breakdown_tab)
        choice_row = QHBoxLayout()
        choice_label = QLabel("&Break down by:")
        choice_label.setBuddy(self.breakdown_choice)
        choice_row.addWidget(choice_label)
        choice_row.addWidget(self.breakdown_choice)
        choice_row.addWidget(self.breakdown_status, 1)
        breakdown_layout.addLayout(choice_row)
        breakdown_layout.addWidget(self.breakdown_view)

        # Factors tab
        self.factors_view = _table("factorsTable", self.factors)
        self.factors_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.factors_view.setItemDelegateForColumn(2, bar)
        self.factors_view.setItemDelegateForColumn(3, bar)
        self.factors_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.factors_view.setToolTip("Click a cell to see the cases behind it")

        self.tabs = QTabWidget()
        self.tabs.setObjectName("dashboardTabs")
        self.tabs.setAccessibleName("Score tables")
        for view, name in (
            (self.outcomes_view, "Outcome scores"),
            (self.criteria_view, "Criterion scores"),
            (self.questions_view, "Question scores"),
            (self.breakdown_view, "Scores broken down"),
            (self.factors_view, "Factors"),
        ):
            view.setAccessibleName(name)
        self.tabs.addTab(questions_tab, "&Questions")
        self.tabs.addTab(breakdown_tab, "Brea&kdowns")
        self.tabs.addTab(self.factors_view, "&Factors")
        self.cases_behind = CasesBehindPanel()
        self.cases_behind.open_case_requested.connect(self.open_case_requested)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tabs)
        right.addWidget(self.cases_behind)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.outcomes_view.clicked.connect(self._outcome_clicked)
        self.criteria_view.clicked.connect(self._criterion_clicked)
        for view in (self.questions_view, self.breakdown_view, self.factors_view):
            view.selectionModel().currentChanged.connect(self._figure_selected)
        session.changed.connect(self._changed)
        self.refresh()

    # -- refreshing --------------------------------------------------------------

    @property
    def breakdown_question(self) -> str | None:
        value = self.breakdown_choice.currentData()
        return str(value) if value else None

    def current_request(self) -> ScoreRequest:
        by = (self.breakdown_question,) if self.breakdown_question else ()
        return ScoreRequest(by=by, include_incomplete=self.include_drafts.isChecked())

    def refresh(self) -> None:
        """Score the file again (after a merge, a resolution or an edit); cheap to call often."""
        self.service.request(self.current_request())

    def _changed(self, changes: Changes) -> None:
        if changes.scores:
            self.refresh()

    def _breakdown_chosen(self) -> None:
        # The old groups never show under the new label: empty until the new groups are scored.
        self.breakdown.set_result(None, self.breakdown_question)
        self.breakdown_status.setText("Scoring…")
        if self.shown_figure is not None and self.shown_figure.kind == "group":
            self.shown_figure = None
            self.cases_behind.show_rows("Select a group to see its cases.", [], "")
        self.refresh()

    def _show_snapshot(self, snapshot: ScoreSnapshot) -> None:
        self.snapshot = snapshot
        result = snapshot.result
        for model in (self.outcomes, self.criteria, self.questions, self.factors):
            model.set_result(result)
        by = snapshot.request.by[0] if snapshot.request.by else None
        if by == self.breakdown_question:
            self.breakdown.set_result(result, by)
            self.breakdown_status.setText("")
        self.status.setText(self._status_text(snapshot))
        self.updated.setText(f"Updated {datetime.now():%H:%M:%S}")
        self.updated.setToolTip(f"Scored in {snapshot.seconds * 1000:.0f} ms")
        if self.shown_figure is not None:
            self._show_figure(self.shown_figure)
        self.refreshed.emit(snapshot)

    @staticmethod
    def _status_text(snapshot: ScoreSnapshot) -> str:
        result = snapshot.result
        parts = [f"<b>{plural(result.cases_scored, 'case')}</b> scored"]
        if result.cases_incomplete:
            parts.append(f"{plural(result.cases_incomplete, 'draft case')} not counted")
        if result.cases_held_out:
            parts.append(
                f"<span style='color:{colours_for().problem.name()}'>{plural(result.cases_held_out, 'case')} held out until "
                f"{plural(result.unresolved_conflicts, 'conflict')} {'is' if result.unresolved_conflicts == 1 else 'are'}"
                " resolved</span>"
            )
        return " · ".join(parts)

    def _show_failure(self, error: Exception) -> None:
        self.status.setText(f"Could not score the file: {error}")

    # -- drill-down ----------------------------------------------------------------

    def _set_scope(self, question_ids: frozenset[str] | None, label: str) -> None:
        self.question_scope.set_scope(question_ids)
        self.scope_label.setText(label)
        self.show_all.setEnabled(question_ids is not None)
        self.tabs.setCurrentIndex(0)

    def _outcome_clicked(self, index: QModelIndex) -> None:
        figure = index.data(FIGURE_ROLE)
        ids = frozenset(q.id for q in self.instrument.scored_questions if figure.key in q.outcomes)
        self._set_scope(ids, f"Questions behind <b>{figure.label}</b>")

    def _criterion_clicked(self, index: QModelIndex) -> None:
        figure = index.data(FIGURE_ROLE)
        ids = frozenset(q.id for q in self.instrument.scored_questions if q.criterion == figure.key)
        self._set_scope(ids, f"Questions of <b>{figure.label}</b>")

    def _figure_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        figure = current.data(FIGURE_ROLE) if current.isValid() else None
        if isinstance(figure, Figure):
            self.show_cases_behind(figure)

    def show_cases_behind(self, figure: Figure) -> None:
        self.shown_figure = figure
        self._show_figure(figure)

    def _show_figure(self, figure: Figure) -> None:
        if self.snapshot is None:
            return
        include = self.snapshot.request.include_incomplete
        rows = rows_behind(self.instrument, self.snapshot.inputs, figure, include_incomplete=include)
        if figure.kind == "question":
            score = self.snapshot.result.questions.get(figure.key)
            count = f"{score.n_of_N} cases above the line" if score else ""
            if figure.within is not None:
                count = "within the group"
            title = f"<b>{figure.label}</b> ({figure.key}) — {count}"
        else:
            title = f"Cases where <b>{self.instrument.question(figure.key).chart_label}</b> is <b>{figure.label}</b>"
        self.cases_behind.show_rows(title, rows, figure.key)

    # -- lifecycle ----------------------------------------------------------------------

    def shutdown(self) -> None:
        self.service.stop()

    def closeEvent(self, event: object) -> None:
        self.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]
