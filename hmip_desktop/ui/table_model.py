"""A read-only table model over a list of rows: the Qt plumbing the list-backed tables share.

A subclass names its `headers` and answers `cell(row, column, role)`; it keeps its own
`flags`, `setData` or targeted `dataChanged` where it does more than show rows.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole

RowT = TypeVar("RowT")


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """One row per item of `rows`, one column per header; enabled and selectable cells."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RowT] = []

    def set_rows(self, rows: list[RowT]) -> None:
        """Replace every row (a bulk reload: views drop their selection)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """What `row` shows in `column` for `role`; None for nothing."""
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

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
        return self.cell(self.rows[index.row()], index.column(), role)
