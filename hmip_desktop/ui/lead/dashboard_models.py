"""Table models of the scores dashboard, fed one `ScoringResult` at a time.

Rows follow the instrument (outcomes, criteria, scored questions, factors),
so a new result changes values, not rows: the models emit `dataChanged` and
keep the user's selection and scroll position. Only a breakdown's groups can
come and go, and that model resets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from hmip_desktop.model.instrument import Instrument
from hmip_desktop.scoring.result import MIN_GROUP_CASES, GroupScores, QuestionScore, ScoringResult
from hmip_desktop.ui.lead.bars import FIGURE_ROLE, PERCENT_ROLE

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MUTED = QColor("#7a7a7a")
NO_SCORE = "–"


@dataclass(frozen=True)
class Figure:
    """What a dashboard cell stands for, so a click can show the cases (or questions) behind it."""

    kind: Literal["outcome", "criterion", "question", "group"]
    #: Outcome key, criterion code, question id, or the context question of a group.
    key: str
    label: str
    #: A breakdown group (context question id, option value) the figure is limited to.
    within: tuple[str, str] | None = None


def percent_text(value: int | None) -> str:
    return NO_SCORE if value is None else f"{value}%"


class _ResultModel(QAbstractTableModel):
    headers: tuple[str, ...] = ()

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.result: ScoringResult | None = None

    def set_result(self, result: ScoringResult | None) -> None:
        self.result = result
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1),
                [DISPLAY, PERCENT_ROLE, TOOLTIP, FOREGROUND, SORT_ROLE],
            )

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class OutcomesModel(_ResultModel):
    """The summary table: each outcome's share of work done well enough."""

    headers = ("Outcome", "Work done well enough", "Questions")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.instrument.outcomes)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        outcome = self.instrument.outcomes[index.row()]
        score = self.result.outcomes.get(outcome.key) if self.result else None
        column = index.column()
        if role == FIGURE_ROLE:
            return Figure("outcome", outcome.key, f"Outcome {outcome.number}: {outcome.title}")
        if column == 0:
            if role == DISPLAY:
                return f"{outcome.number}. {outcome.title}"
            if role == TOOLTIP:
                return outcome.expectation
        if column == 1:
            if role in (DISPLAY, SORT_ROLE):
                return percent_text(score.percent if score else None) if role == DISPLAY else (score.percent if score else -1)
            if role == PERCENT_ROLE:
                return score.percent if score else None
            if role == TOOLTIP and score is not None and score.score is not None:
                return f"Mean of {len(score.questions)} question scores (exactly {float(score.score) * 100:.2f}%)"
        if column == 2 and role in (DISPLAY, SORT_ROLE):
            return len(score.questions) if score else 0
        if column == 2 and role == ALIGN:
            return RIGHT
        return None


class CriteriaModel(_ResultModel):
    headers = ("Criterion", "Done well enough", "Questions")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.instrument.criteria)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        criterion = self.instrument.criteria[index.row()]
        score = self.result.criteria.get(criterion.code) if self.result else None
        column = index.column()
        if role == FIGURE_ROLE:
            return Figure("criterion", criterion.code, f"{criterion.code} {criterion.title}")
        if column == 0 and role == DISPLAY:
            return f"{criterion.code} {criterion.title}"
        if column == 0 and role == TOOLTIP:
            return criterion.title
        if column == 1:
            if role == DISPLAY:
                return percent_text(score.percent if score else None)
            if role == PERCENT_ROLE:
                return score.percent if score else None
            if role == SORT_ROLE:
                return score.percent if score and score.percent is not None else -1
            if role == TOOLTIP and (score is None or score.score is None):
                return "No case question of this criterion applied to a scored case (or it is judged from interviews)"
        if column == 2 and role in (DISPLAY, SORT_ROLE):
            return len(score.questions) if score else 0
        if column == 2 and role == ALIGN:
            return RIGHT
        if role == FOREGROUND and (score is None or score.score is None):
            return MUTED
        return None


class QuestionsModel(_ResultModel):
    """Each scored question's "n of N": the cases where the work was sufficient, of those it applies to."""

    headers = ("Question", "Criterion", "n of N", "Done well enough", "Not counted")
    header_tips = (
        "",
        "",
        "n: cases where the work was done well enough; N: cases where the question applies and counts",
        "",
        "Cases answered with an option that does not count (such as 'not applicable' or 'too early to say')",
    )

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == TOOLTIP and 0 <= section < len(self.header_tips):
            return self.header_tips[section] or None
        return super().headerData(section, orientation, role)

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(instrument, parent)
        self.questions = instrument.scored_questions
        self.row_of = {q.id: row for row, q in enumerate(self.questions)}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.questions)

    def score(self, row: int) -> QuestionScore | None:
        return self.result.questions.get(self.questions[row].id) if self.result else None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        question = self.questions[index.row()]
        score = self.score(index.row())
        column = index.column()
        if role == FIGURE_ROLE:
            return Figure("question", question.id, question.chart_label)
        if role == TOOLTIP:
            return f"{question.id}: {question.text}"
        if role == FOREGROUND and (score is None or not score.applicable):
            return MUTED
        if column == 0 and role == DISPLAY:
            return question.chart_label
        if column == 1 and role in (DISPLAY, SORT_ROLE):
            return question.criterion
        if column == 2:
            if role == DISPLAY:
                return score.n_of_N if score else NO_SCORE
            if role == SORT_ROLE:
                return score.applicable if score else 0
            if role == ALIGN:
                return RIGHT
        if column == 3:
            if role == DISPLAY:
                return percent_text(score.percent if score else None)
            if role == PERCENT_ROLE:
                return score.percent if score else None
            if role == SORT_ROLE:
                return score.percent if score and score.percent is not None else -1
        if column == 4:
            if role in (DISPLAY, SORT_ROLE):
                return score.not_counted if score else 0
            if role == ALIGN:
                return RIGHT
        if column == 0 and role == SORT_ROLE:
            return index.row()
        return None


class QuestionScopeProxy(QSortFilterProxyModel):
    """Shows the questions behind one outcome or criterion figure (all when no scope)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scope: frozenset[str] | None = None
        self.setSortRole(SORT_ROLE)

    def set_scope(self, question_ids: frozenset[str] | None) -> None:
        self.beginFilterChange()
        self.scope = question_ids
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self.scope is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, QuestionsModel)
        return model.questions[source_row].id in self.scope


class BreakdownModel(QAbstractTableModel):
    """Outcome scores per group of one case-detail question (gender, RoSH, case type …)."""

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.question_id: str | None = None
        self.groups: tuple[GroupScores, ...] = ()

    def set_result(self, result: ScoringResult | None, question_id: str | None) -> None:
        breakdown = result.breakdowns.get(question_id) if result and question_id else None
        groups = breakdown.groups if breakdown else ()
        same_rows = question_id == self.question_id and [g.value for g in groups] == [g.value for g in self.groups]
        if same_rows:
            self.groups = groups
            if groups:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(groups) - 1, self.columnCount() - 1),
                    [DISPLAY, PERCENT_ROLE, TOOLTIP, FOREGROUND],
                )
            return
        self.beginResetModel()
        self.question_id = question_id
        self.groups = groups
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.groups)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2 + len(self.instrument.outcomes)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if section < 2:
            return ("Group", "Cases")[section] if role == DISPLAY else None
        outcome = self.instrument.outcomes[section - 2]
        if role == DISPLAY:
            return f"Outcome {outcome.number}"
        if role == TOOLTIP:
            return outcome.title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or self.question_id is None:
            return None
        group = self.groups[index.row()]
        column = index.column()
        if role == FIGURE_ROLE:
            return Figure("group", self.question_id, f"{group.label}", within=(self.question_id, group.value))
        if role == FOREGROUND and group.too_small:
            return MUTED
        if role == TOOLTIP and group.too_small:
            return f"Fewer than {MIN_GROUP_CASES} cases: too few to compare"
        if column == 0 and role == DISPLAY:
            return group.label
        if column == 1:
            if role == DISPLAY:
                return group.cases
            if role == ALIGN:
                return RIGHT
        if column >= 2:
            outcome = self.instrument.outcomes[column - 2]
            score = group.outcomes.get(outcome.key)
            if role == DISPLAY:
                return percent_text(score.percent if score else None)
            if role == PERCENT_ROLE:
                return score.percent if score else None
        return None


class FactorsModel(_ResultModel):
    """Offending-related factors: identified, sufficient interventions, sufficient progress."""

    headers = ("Factor", "Identified", "Sufficient interventions", "Sufficient progress")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.instrument.factors)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        factor = self.instrument.factors[index.row()]
        row = self.result.factors[index.row()] if self.result and index.row() < len(self.result.factors) else None
        column = index.column()
        if column == 0:
            return factor.label if role == DISPLAY else None
        if row is None:
            return NO_SCORE if role == DISPLAY else None
        question_id, above, applicable, pct = {
            1: (row.identified_question, row.identified, row.identified_of, None),
            2: (row.interventions_question, row.interventions_above, row.interventions_applicable,
                row.interventions_sufficient),
            3: (row.progress_question, row.progress_above, row.progress_applicable, row.progress_sufficient),
        }[column]
        if role == FIGURE_ROLE:
            if question_id is None:
                return None
            return Figure("question", question_id, self.instrument.question(question_id).chart_label)
        if role == DISPLAY:
            if column == 1:
                return f"{above} of {applicable}"
            return percent_text(pct)
        if role == PERCENT_ROLE:
            return pct
        if role == TOOLTIP and applicable:
            return f"{above} of {applicable} cases"
        if role == ALIGN and column == 1:
            return RIGHT
        return None
