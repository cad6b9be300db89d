"""The import summary as a table: one row per team file, what the merge did with it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from hmip_desktop.model.merge.summary import FileResult, MergeSummary
from hmip_desktop.model.wording import count, plural
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.errors import quoted_commands
from hmip_desktop.ui.table_model import DISPLAY, RowTableModel

RESULT_TEXT = {"merged": "Merged", "unchanged": "Already imported", "refused": "Refused"}
NUMBER_COLUMNS = {
    3: "cases_added",
    4: "cases_updated",
    5: "cases_unchanged",
    6: "answers_changed",
    7: "conflicts_raised",
}


def file_details(result: FileResult) -> str:
    """The reason a file was refused or left alone, or what the lead should know about a merged one."""
    if result.status == "refused":
        return quoted_commands(result.reason)
    if result.status == "unchanged":
        return "Nothing changed: " + quoted_commands(result.reason.removesuffix("; nothing to do"))
    notes = []
    if result.conflicts_settled:
        notes.append(f"{count(result.conflicts_settled, 'conflict')} settled: the answers now agree")
    if result.conflicts_updated:
        notes.append(f"{result.conflicts_updated} open {plural(result.conflicts_updated, 'conflict')} updated")
    notes += result.warnings
    return quoted_commands("; ".join(notes))


def summary_sentence(summary: MergeSummary) -> str:
    """One plain paragraph for the top of the summary."""
    merged, unchanged, refused = summary.merged, summary.unchanged, summary.refused
    parts: list[str] = []
    if merged:

        def total(attribute: str) -> int:
            return sum(int(getattr(result, attribute)) for result in merged)

        parts.append(
            f"{len(merged)} file{'s' if len(merged) != 1 else ''} merged: "
            f"{count(total('cases_added'), 'case')} added, {total('cases_updated')} updated, "
            f"{total('cases_unchanged')} unchanged; {count(total('conflicts_raised'), 'conflict')} raised."
        )
    if unchanged:
        parts.append(
            f"{len(unchanged)} file{'s were' if len(unchanged) != 1 else ' was'} already imported: "
            "importing again is harmless, nothing changed."
        )
    if refused:
        parts.append(f"{len(refused)} file{'s were' if len(refused) != 1 else ' was'} refused (see the reason).")
    if not parts:
        parts.append("No files were imported.")
    return " ".join(parts)


class ImportSummaryModel(RowTableModel[FileResult]):
    headers = ("File", "Assessor", "Result", "Added", "Updated", "Unchanged", "Answers", "Conflicts", "Details")

    def set_summary(self, summary: MergeSummary | None) -> None:
        self.set_rows(list(summary.files) if summary else [])

    def cell(self, result: FileResult, column: int, role: int) -> Any:
        if role == DISPLAY:
            if column == 0:
                return result.name
            if column == 1:
                return result.assessor
            if column == 2:
                return RESULT_TEXT.get(result.status, result.status)
            if column in NUMBER_COLUMNS:
                return "" if result.status == "refused" else int(getattr(result, NUMBER_COLUMNS[column]))
            return file_details(result)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            own = colours_for()
            return {"merged": own.done, "unchanged": own.muted, "refused": own.problem}.get(result.status)
        if role == Qt.ItemDataRole.ToolTipRole and column == 6:
            return "Answers written to the lead's file from this file"
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, len(self.headers) - 1):
            return result.describe() if column == 0 else file_details(result)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None
