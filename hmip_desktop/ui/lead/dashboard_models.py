"""Table models of the scores dashboard, fed one `ScoringResult` at a time.

Rows follow the instrument (outcomes, criteria, scored questions, factors),
so a new result changes values, not rows: the models emit `dataChanged` and
keep the user's selection and scroll position. Only a breakdown's groups can
come and go, and that model resets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt

from hmip_desktop.model.instrument.definition import (
    Criterion,
    Factor,
    Instrument,
    Outcome,
    Question,
)
from hmip_desktop.scoring.result import MIN_GROUP_CASES, GroupScores, ScoringResult, interval_percent
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.lead.bars import FIGURE_ROLE, INTERVAL_ROLE, PERCENT_ROLE
from hmip_desktop.ui.table_model import DISPLAY, Index, RowTableModel

TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NO_SCORE = "–"

ItemT = TypeVar("ItemT")


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


def interval_tip(interval: tuple[float, float] | None) -> str:
    """A figure's 95 % interval in words, for its tooltip (empty without one)."""
    bounds = interval_percent(interval)
    if bounds is None:
        return ""
    return (
        f"; 95% interval {bounds[0]}–{bounds[1]}%: another sample of the same work would probably score in this range"
    )


class _ResultModel(RowTableModel[ItemT]):
    """Rows taken from the instrument once; each result only changes what they show."""

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.result: ScoringResult | None = None
        self.rows = self.instrument_rows(instrument)

    def instrument_rows(self, instrument: Instrument) -> list[ItemT]:
        raise NotImplementedError

    def set_result(self, result: ScoringResult | None) -> None:
        self.result = result
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(self.rowCount() - 1, self.columnCount() - 1),
                [DISPLAY, PERCENT_ROLE, TOOLTIP, FOREGROUND, SORT_ROLE, INTERVAL_ROLE],
            )


class OutcomesModel(_ResultModel[Outcome]):
    """The summary table: each outcome's share of work done well enough."""

    headers = ("Outcome", "Work done well enough", "Questions")

    def instrument_rows(self, instrument: Instrument) -> list[Outcome]:
        return list(instrument.outcomes)

    def cell(self, outcome: Outcome, column: int, role: int) -> Any:
        score = self.result.outcomes.get(outcome.key) if self.result else None
        if role == FIGURE_ROLE:
            return Figure("outcome", outcome.key, f"Outcome {outcome.number}: {outcome.title}")
        if column == 0:
            if role == DISPLAY:
                return f"{outcome.number}. {outcome.title}"
            if role == TOOLTIP:
                return outcome.expectation
        if column == 1:
            if role == DISPLAY:
                return percent_text(score.percent if score else None)
            if role == SORT_ROLE:
                return score.percent if score and score.percent is not None else -1
            if role == PERCENT_ROLE:
                return score.percent if score else None
            if role == INTERVAL_ROLE:
                return score.interval if score else None
            if role == TOOLTIP and score is not None and score.score is not None:
                return (
                    f"Mean of {len(score.questions)} question scores (exactly {float(score.score) * 100:.2f}%)"
                    + interval_tip(score.interval)
                )
        if column == 2 and role in (DISPLAY, SORT_ROLE):
            return len(score.questions) if score else 0
        if column == 2 and role == ALIGN:
            return RIGHT
        return None


class CriteriaModel(_ResultModel[Criterion]):
    headers = ("Criterion", "Done well enough", "Questions")

    def instrument_rows(self, instrument: Instrument) -> list[Criterion]:
        return list(instrument.criteria)

    def cell(self, criterion: Criterion, column: int, role: int) -> Any:
        score = self.result.criteria.get(criterion.code) if self.result else None
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
            if role == INTERVAL_ROLE:
                return score.interval if score else None
            if role == SORT_ROLE:
                return score.percent if score and score.percent is not None else -1
            if role == TOOLTIP and (score is None or score.score is None):
                return "No case question of this criterion applied to a scored case (or it is judged from interviews)"
            if role == TOOLTIP and score is not None:
                return interval_tip(score.interval).removeprefix("; ") or None
        if column == 2 and role in (DISPLAY, SORT_ROLE):
            return len(score.questions) if score else 0
        if column == 2 and role == ALIGN:
            return RIGHT
        if role == FOREGROUND and (score is None or score.score is None):
            return colours_for().muted
        return None


class QuestionsModel(_ResultModel[Question]):
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
        self.row_of = {q.id: row for row, q in enumerate(self.rows)}

    @property
    def questions(self) -> list[Question]:
        return self.rows

    def instrument_rows(self, instrument: Instrument) -> list[Question]:
        return list(instrument.scored_questions)

    def cell(self, question: Question, column: int, role: int) -> Any:
        score = self.result.questions.get(question.id) if self.result else None
        if role == FIGURE_ROLE:
            return Figure("question", question.id, question.chart_label)
        if role == TOOLTIP and column == 3 and score is not None and score.applicable:
            return f"{score.n_of_N} cases" + interval_tip(score.interval)
        if role == TOOLTIP:
            return f"{question.id}: {question.text}"
        if role == FOREGROUND and (score is None or not score.applicable):
            return colours_for().muted
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
            if role == INTERVAL_ROLE:
                return score.interval if score else None
            if role == SORT_ROLE:
                return score.percent if score and score.percent is not None else -1
        if column == 4:
            if role in (DISPLAY, SORT_ROLE):
                return score.not_counted if score else 0
            if role == ALIGN:
                return RIGHT
        if column == 0 and role == SORT_ROLE:
            return self.row_of[question.id]  # the instrument's order
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
        return model.rows[source_row].id in self.scope


class BreakdownModel(RowTableModel[GroupScores]):
    """Outcome scores per group of one case-detail question (gender, RoSH, case type …)."""

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument
        self.question_id: str | None = None
        self.headers = ("Group", "Cases", *tuple(f"Outcome {o.number}" for o in instrument.outcomes))

    def set_result(self, result: ScoringResult | None, question_id: str | None) -> None:
        breakdown = result.breakdowns.get(question_id) if result and question_id else None
        groups = list(breakdown.groups) if breakdown else []
        same_rows = question_id == self.question_id and [g.value for g in groups] == [g.value for g in self.rows]
        if same_rows:
            self.rows = groups
            if groups:
                self.dataChanged.emit(
                    self.index(0, 0),
                    self.index(len(groups) - 1, self.columnCount() - 1),
                    [DISPLAY, PERCENT_ROLE, TOOLTIP, FOREGROUND],
                )
            return
        self.beginResetModel()
        self.question_id = question_id
        self.rows = groups
        self.endResetModel()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == TOOLTIP and 2 <= section < self.columnCount():
            return self.instrument.outcomes[section - 2].title
        return super().headerData(section, orientation, role)

    def cell(self, group: GroupScores, column: int, role: int) -> Any:
        if self.question_id is None:
            return None
        if role == FIGURE_ROLE:
            return Figure("group", self.question_id, f"{group.label}", within=(self.question_id, group.value))
        if role == FOREGROUND and group.too_small:
            return colours_for().muted
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


class FactorsModel(_ResultModel[tuple[int, Factor]]):
    """Offending-related factors: identified, sufficient interventions, sufficient progress."""

    headers = ("Factor", "Identified", "Sufficient interventions", "Sufficient progress")

    def instrument_rows(self, instrument: Instrument) -> list[tuple[int, Factor]]:
        # The result's factor rows follow the instrument's order, so a factor is paired with its row by position.
        return list(enumerate(instrument.factors))

    def cell(self, slot: tuple[int, Factor], column: int, role: int) -> Any:
        position, factor = slot
        row = self.result.factors[position] if self.result and position < len(self.result.factors) else None
        if column == 0:
            return factor.label if role == DISPLAY else None
        if row is None:
            return NO_SCORE if role == DISPLAY else None
        question_id, above, applicable, pct = {
            1: (row.identified_question, row.identified, row.identified_of, None),
            2: (
                row.interventions_question,
                row.interventions_above,
                row.interventions_applicable,
                row.interventions_sufficient,
            ),
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
