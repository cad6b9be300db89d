"""The shared list-backed table model: what every lead table inherits from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from hmip_desktop.ui.table_model import RowTableModel


@dataclass(frozen=True)
class Pair:
    name: str
    count: int


class PairsModel(RowTableModel[Pair]):
    headers = ("Name", "Count")
    touched = Signal()  # a subclass's own signal works with the Generic base

    def cell(self, row: Pair, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.count)[column]
        return None


def test_rows_headers_and_flags(qtmodeltester: ModelTester, qtbot: QtBot) -> None:
    model = PairsModel()
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.modelReset):
        model.set_rows([Pair("a", 1), Pair("b", 2)])
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(model.index(0, 0)) == 0  # a flat table
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["Name", "Count", None]
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    assert model.index(1, 0).data() == "b" and model.index(1, 1).data() == 2
    assert model.data(QModelIndex()) is None
    assert model.flags(model.index(0, 1)) == Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    with qtbot.waitSignal(model.touched):
        model.touched.emit()
