"""The team view: each assessor, their cases, and when their file was last imported."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from hmip_desktop.model.team import TeamMemberStatus, team_status
from hmip_desktop.model.store import InspectionFile
from hmip_desktop.ui.lead.conflicts_model import format_when

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
ROLE_NAMES = {"lead": "Lead inspector", "inspector": "Inspector", "local-assessor": "Local assessor"}
DRAFT_COLOUR = QColor("#a33a1f")


class TeamModel(QAbstractTableModel):
    headers = ("Assessor", "Role", "Cases", "Completed cases", "Files", "Last import")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.members: list[TeamMemberStatus] = []

    def reload(self, inspection: InspectionFile) -> None:
        self.set_members(team_status(inspection))

    def set_members(self, members: list[TeamMemberStatus]) -> None:
        self.beginResetModel()
        self.members = members
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.members)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        member = self.members[index.row()]
        column = index.column()
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
            return DRAFT_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and member.complete < member.cases:
            return f"{member.cases - member.complete} case(s) still draft in this assessor's last file"
        return None
