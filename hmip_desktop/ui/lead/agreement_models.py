"""Table models of the Agreement view: assessor pairs, questions (lowest agreement first), and the pairs behind a figure."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from PySide6.QtCore import QObject, Qt

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.agreement import AssessorPairAgreement, QuestionAgreement, RatingPair, line_class
from hmip_desktop.scoring.engine import percent
from hmip_desktop.ui.table_model import DISPLAY, RowTableModel

TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
#: Numbers for sorting (a proxy sorts by this role): figures as floats, missing ones first.
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NO_FIGURE = "–"
LINE_WORDS = {"above": "above the line", "below": "below the line", "not-counted": "not counted"}


def share_text(value: Fraction | None) -> str:
    """A share as a whole percentage, rounded half up from the exact value (as every figure is)."""
    return NO_FIGURE if value is None else f"{percent(value)}%"


def coefficient_text(value: Fraction | None) -> str:
    return NO_FIGURE if value is None else f"{float(value):.2f}"


def sort_value(value: Fraction | None) -> float:
    return -2.0 if value is None else float(value)


class AssessorPairsModel(RowTableModel[AssessorPairAgreement]):
    """How often each pair of assessors gave the same answer on the cases they both marked."""

    headers = ("Assessors", "Cases", "Pairs", "Same answer", "Same side of the line")

    def cell(self, row: AssessorPairAgreement, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (
                f"{row.first} / {row.second}",
                row.cases,
                row.pairs,
                share_text(row.agreement),
                share_text(row.line_agreement),
            )[column]
        if role == SORT_ROLE:
            return (
                row.first.casefold(),
                row.cases,
                row.pairs,
                sort_value(row.agreement),
                sort_value(row.line_agreement),
            )[column]
        if role == ALIGN and column:
            return RIGHT
        if role == TOOLTIP and column == 0:
            return "Select to list the answers they gave differently first"
        return None


class QuestionAgreementModel(RowTableModel[QuestionAgreement]):
    """Each question with pairs: agreement, kappa, AC1 and the same on the line classes."""

    headers = ("Question", "Pairs", "Same answer", "Kappa", "AC1", "Same side of the line")
    header_tips = (
        "",
        "Answers given by two assessors to this question on the same case",
        "Share of the pairs with the same answer",
        "Cohen's kappa: agreement beyond what the two assessors' own habits would give by chance",
        "Gwet's AC1: agreement beyond chance, steady when nearly every answer is the same",
        "Share of the pairs on the same side of the line (above, below, not counted)",
    )

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == TOOLTIP and 0 <= section < len(self.header_tips):
            return self.header_tips[section] or None
        return super().headerData(section, orientation, role)

    def cell(self, row: QuestionAgreement, column: int, role: int) -> Any:
        values, line = row.values, row.line
        if role == DISPLAY:
            if column == 0:
                # The words first: in a column a few words wide, the id first hid them ("factor.thinking.progres…").
                return f"{self.instrument.question(row.question_id).chart_label} ({row.question_id})"
            return (
                None,
                values.pairs,
                share_text(values.agreement),
                coefficient_text(values.kappa),
                coefficient_text(values.ac1),
                share_text(line.agreement) if line else NO_FIGURE,
            )[column]
        if role == SORT_ROLE:
            return (
                self.rows.index(row),
                values.pairs,
                sort_value(values.agreement),
                sort_value(values.kappa),
                sort_value(values.ac1),
                sort_value(line.agreement if line else None),
            )[column]
        if role == ALIGN and column:
            return RIGHT
        if role == TOOLTIP and column == 0:
            return self.instrument.question(row.question_id).text
        return None


class RatingPairsModel(RowTableModel[RatingPair]):
    """The answer pairs behind a figure, disagreements first."""

    headers = ("Case", "Question", "First", "First's answer", "Second", "Second's answer", "Same")

    def __init__(self, instrument: Instrument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instrument = instrument

    def set_pairs(self, pairs: list[RatingPair]) -> None:
        self.set_rows(sorted(pairs, key=lambda p: (p.agree, p.case_ref)))

    def _answer(self, pair: RatingPair, value: str) -> str:
        question = self.instrument.question(pair.question_id)
        label = question.label_for(value)
        return f"{label} ({LINE_WORDS[line_class(question, value)]})" if question.is_scored else label

    def cell(self, row: RatingPair, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (
                row.case_ref,
                row.question_id,
                row.first,
                self._answer(row, row.first_value),
                row.second,
                self._answer(row, row.second_value),
                "yes" if row.agree else "no",
            )[column]
        if role == TOOLTIP and column == 0:
            return "Double-click to open the case at this question"
        return None
