"""The team view: each assessor, their cases, and when their file was last imported."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.team import TeamMemberStatus, team_status
from hmip_desktop.model.wording import count
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.lead.conflicts_model import format_when
from hmip_desktop.ui.table_model import DISPLAY, RowTableModel

ROLE_NAMES = {"lead": "Lead inspector", "inspector": "Inspector", "local-assessor": "Local assessor"}


class TeamModel(RowTableModel[TeamMemberStatus]):
    headers = ("Assessor", "Role", "Cases", "Completed cases", "Files", "Last import")

    @property
    def members(self) -> list[TeamMemberStatus]:
        return self.rows

    def reload(self, inspection: InspectionFile) -> None:
        self.set_rows(team_status(inspection))

    def cell(self, member: TeamMemberStatus, column: int, role: int) -> Any:
        if role == DISPLAY:
            if column == 0:
                return f"{member.name} (you)" if member.is_owner else member.name
            if column == 1:
                return ROLE_NAMES.get(member.role, member.role)
            if member.is_owner and column in (2, 4):
                return ""  # the lead's own file is this one, not an import
            if column == 2:
                return member.cases
            if column == 3:
                if not member.cases:
                    return ""
                return f"{member.complete} of {member.cases}"
            if column == 4:
                return member.imports
            return format_when(member.last_import) if member.last_import else ("—" if not member.is_owner else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3, 4):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and member.cases and member.complete < member.cases:
            return colours_for().problem
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and member.complete < member.cases:
            return f"{count(member.cases - member.complete, 'case')} still draft in this assessor's last file"
        return None
