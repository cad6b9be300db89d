"""The Agreement view: how alike the assessors judged the cases two of them marked.

The figures are `hmip agreement`'s (`scoring.agreement`), read on a worker
with its own connection after each import. Questions come lowest agreement
first: those are where the guidance is least clear. Selecting a question, or
a pair of assessors, lists the answer pairs behind its figure, differences
first; any case opens from there at the question. "Plan moderation…" picks
the next sample for second marking (`ModerationDialog`).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.moderation import ModerationPlan
from hmip_desktop.scoring.agreement import AgreementResult, agreement_of_file
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.fit import fit_column, text_column_width
from hmip_desktop.ui.lead.agreement_models import (
    SORT_ROLE,
    AssessorPairsModel,
    QuestionAgreementModel,
    RatingPairsModel,
    share_text,
)
from hmip_desktop.ui.session import Changes, InspectionSession
from hmip_desktop.ui.workers import Job, Progress, run_on_file

NO_DOUBLE_MARKING = (
    "No case has been marked by two assessors yet. <b>Plan moderation…</b> picks a sample of cases for "
    "second marking; once the second markers' files are imported, their agreement shows here."
)


def _read(inspection: InspectionFile, _progress: Progress) -> AgreementResult:
    return agreement_of_file(inspection)


#: The column of the answers' table naming the question (hidden while it lists one question's answers).
QUESTION_COLUMN = 1


def _table(name: str, spoken: str, model: QSortFilterProxyModel | AssessorPairsModel | RatingPairsModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(spoken)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


def _fit_figures(view: QTableView) -> None:
    """The figures' columns as wide as a figure ("-0.12", "100%") or their header, whichever is wider:
    the first column has the rest, and no header is cut at both ends ("Same side of the line")."""
    for column in range(1, view.model().columnCount()):
        fit_column(view, column, text_column_width(view, "-0.00"))


class AgreementPanel(QWidget):
    #: A reading of the file finished (the result), for tests and the status line.
    refreshed = Signal(object)
    #: Open a case on the case form at a question: case ref, question id.
    open_case_requested = Signal(str, str)

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadAgreement")
        self.session = session
        self.instrument = session.instrument
        self.result: AgreementResult | None = None
        self._job: Job | None = None
        self._again = False

        self.assessors = AssessorPairsModel(self)
        self.questions = QuestionAgreementModel(self.instrument, self)
        self.question_order = QSortFilterProxyModel(self)
        self.question_order.setSourceModel(self.questions)
        self.question_order.setSortRole(SORT_ROLE)
        self.pairs = RatingPairsModel(self.instrument, self)

        self.status = QLabel("Reading the double-marked cases…")
        self.status.setObjectName("agreementStatus")
        self.status.setWordWrap(True)
        self.plan_button = QPushButton("Plan &moderation…")
        self.plan_button.setObjectName("planModeration")
        self.plan_button.setToolTip("Pick cases for second marking and write one file per second marker")
        self.plan_button.clicked.connect(self.plan_moderation)
        self.plan_note = QLabel("")
        self.plan_note.setObjectName("moderationWritten")
        self.plan_note.setWordWrap(True)
        self.plan_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan_note.hide()
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.plan_button, 0, Qt.AlignmentFlag.AlignTop)

        self.assessors_view = _table("assessorPairsTable", "Agreement of each pair of assessors", self.assessors)
        self.questions_view = _table(
            "agreementQuestionsTable", "Agreement on each question, lowest first", self.question_order
        )
        self.questions_view.setSortingEnabled(True)
        self.questions_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # lowest agreement first
        self.questions_view.setToolTip("Lowest agreement first: these questions are where the guidance is least clear")
        _fit_figures(self.assessors_view)
        _fit_figures(self.questions_view)
        self.pairs_view = _table("agreementPairsTable", "Answers behind the figure", self.pairs)
        # The two answers share what the case, the question, the names and yes/no leave.
        pairs_header = self.pairs_view.horizontalHeader()
        for column in (0, 2, 4, 6):
            pairs_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (3, 5):
            pairs_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.pairs_title = QLabel("Select a question or a pair of assessors to see the answers behind its figure.")
        self.pairs_title.setObjectName("agreementPairsTitle")
        self.pairs_title.setWordWrap(True)

        assessors_box = QGroupBox("Pairs of assessors")
        QVBoxLayout(assessors_box).addWidget(self.assessors_view)
        questions_box = QGroupBox("Questions, lowest agreement first")
        QVBoxLayout(questions_box).addWidget(self.questions_view)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(assessors_box)
        left.addWidget(questions_box)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 3)
        behind = QWidget()
        behind_layout = QVBoxLayout(behind)
        behind_layout.setContentsMargins(0, 0, 0, 0)
        behind_layout.addWidget(self.pairs_title)
        behind_layout.addWidget(self.pairs_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(behind)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plan_note)
        layout.addWidget(split, 1)

        self.questions_view.selectionModel().currentRowChanged.connect(self._question_selected)
        self.assessors_view.selectionModel().currentRowChanged.connect(self._assessors_selected)
        self.pairs_view.doubleClicked.connect(self._open_pair)
        self.pairs_view.activated.connect(self._open_pair)
        session.changed.connect(self._changed)
        session.closing.connect(self.shutdown)
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the agreement again (after an import); one reading at a time, the latest wins."""
        if self._job is not None:
            self._again = True
            return
        job = run_on_file(self.session.path, _read, read_only=True)
        job.finished.connect(self._show)
        job.failed.connect(self._failed)
        job.done.connect(self._done)
        self._job = job

    def _changed(self, changes: Changes) -> None:
        if changes.team or changes.everything:
            self.refresh()

    def _done(self) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, UserError):
            self.status.setText(error.message)
            return
        raise error

    def _show(self, result: AgreementResult) -> None:
        self.result = result
        self.assessors.set_rows(list(result.assessor_pairs))
        self.questions.set_rows([q for q in result.questions.values() if q.values.pairs])
        self.pairs.set_pairs([])
        self.pairs_title.setText("Select a question or a pair of assessors to see the answers behind its figure.")
        if not result.cases:
            self.status.setText(NO_DOUBLE_MARKING)
        else:
            self.status.setText(
                f"<b>{result.cases}</b> double-marked case{'s' if result.cases != 1 else ''}, "
                f"{result.pairs} pairs of answers: <b>{share_text(result.agreement)}</b> the same answer, "
                f"<b>{share_text(result.line_agreement)}</b> the same side of the line."
            )
        self.refreshed.emit(result)

    # -- the answers behind a figure ----------------------------------------------------------------

    def _question_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        row = self.questions.rows[self.question_order.mapToSource(current).row()]
        label = self.instrument.question(row.question_id).chart_label
        self.pairs.set_pairs(list(row.pairs))
        self.pairs_view.setColumnHidden(QUESTION_COLUMN, True)  # one question, named in the title
        self.pairs_title.setText(
            f"<b>{label}</b> ({row.question_id}): {len(row.disagreements)} of {row.values.pairs} pairs differ"
        )

    def _assessors_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.result is None:
            return
        chosen = self.assessors.rows[current.row()]
        pairs = [
            p
            for q in self.result.questions.values()
            for p in q.pairs
            if (p.first, p.second) == (chosen.first, chosen.second)
        ]
        differ = sum(1 for p in pairs if not p.agree)
        self.pairs.set_pairs(pairs)
        self.pairs_view.setColumnHidden(QUESTION_COLUMN, False)
        self.pairs_title.setText(
            f"<b>{chosen.first}</b> and <b>{chosen.second}</b>: {differ} of {len(pairs)} answers differ"
        )

    def _open_pair(self, index: QModelIndex) -> None:
        if index.isValid():
            pair = self.pairs.rows[index.row()]
            self.open_case_requested.emit(pair.case_ref, pair.question_id)

    # -- moderation ---------------------------------------------------------------------------------

    def plan_moderation(self) -> None:
        from hmip_desktop.ui.lead.moderation_dialog import ModerationDialog

        dialog = ModerationDialog(self.session.path, self.instrument, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.failed.connect(lambda error: show_user_error(self, error, "Plan moderation"))
        dialog.written.connect(self._plan_written)
        dialog.open()
        self.dialog = dialog

    def _plan_written(self, plan: ModerationPlan) -> None:
        files = sorted(plan.files.values())
        folder = files[0].parent if files else ""
        names = ", ".join(f"{path.name} ({len(plan.cases_for(marker))})" for marker, path in sorted(plan.files.items()))
        self.plan_note.setText(
            f"Moderation sample (seed {plan.seed}): {plan.chosen} cases, written to {folder}: {names}. "
            "Send each second marker their file; their files, once imported, show here."
        )
        self.plan_note.show()

    # -- lifecycle ---------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Nothing to stop: a reading in progress ends on its own and its result is dropped."""
        self._again = False
