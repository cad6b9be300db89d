"""Guards against known defects in the Qt bindings we install."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

Index = QModelIndex | QPersistentModelIndex


class EmptyModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return None


def test_reading_missing_data_keeps_none_alive() -> None:
    """PySide6 6.12.0 lost a reference to None per call: delegates painting a dashboard would
    eventually abort the app with 'deallocating None'. Python 3.12+ hides it; 3.11 does not."""
    model = EmptyModel()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    before = sys.getrefcount(None)
    for _ in range(200):
        assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None
        assert proxy.data(proxy.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert sys.getrefcount(None) >= before - 10
