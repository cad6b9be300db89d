"""The lead's Area tab: the context figures about the area inspected, for the report's first appendix.

One figure a line, as in the CSV that `hmip area import` reads: the table it belongs to, its row
and column, the value, and the column's source (printed as a footnote). The figures are checked
as they are typed and saved, like everything else in the app, a moment after the last change, once
the whole set is valid (`report.area.from_lines` lists every problem; nothing half-checked is
saved). Import CSV… replaces them with a file's, Export CSV… writes them out for a spreadsheet.
"""

from __future__ import annotations

from dataclasses import astuple
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import count
from hmip_desktop.report import area
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.session import Changes, InspectionSession

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
#: Typing pauses this long before the figures are checked and saved (as the findings editor does).
AUTOSAVE_MS = 700
HEADERS = ("Table", "Row", "Column", "Value", "Source", "Row heading")


class AreaLinesModel(QAbstractTableModel):
    """The figures one a row; every cell editable text."""

    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lines: list[list[str]] = []
        self.read_only = False

    def set_lines(self, lines: list[area.FlatLine]) -> None:
        self.beginResetModel()
        self.lines = [list(astuple(line)) for line in lines]
        self.endResetModel()

    def flat(self) -> list[area.FlatLine]:
        return [area.FlatLine(*cells) for cells in self.lines]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags if self.read_only else flags | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or role not in (DISPLAY, EDIT):
            return None
        return self.lines[index.row()][index.column()]

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if not index.isValid() or role != EDIT or self.read_only:
            return False
        text = str(value)
        if self.lines[index.row()][index.column()] == text:
            return False
        self.lines[index.row()][index.column()] = text
        self.dataChanged.emit(index, index, [DISPLAY, EDIT])
        self.edited.emit()
        return True

    def add_line(self, after: int | None) -> int:
        """A new figure after row `after` (in the same table, row heading and source left to fill), or at the end."""
        row = len(self.lines) if after is None else after + 1
        template = self.lines[after] if after is not None and 0 <= after < len(self.lines) else None
        cells = [template[0], "", template[2], "", "", ""] if template else ["", "", "", "", "", ""]
        self.beginInsertRows(QModelIndex(), row, row)
        self.lines.insert(row, cells)
        self.endInsertRows()
        self.edited.emit()
        return row

    def remove_lines(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.lines[row]
            self.endRemoveRows()
        if rows:
            self.edited.emit()


class AreaPanel(QWidget):
    saved = Signal()

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadArea")
        self.session = session
        #: The figures as last saved (or loaded), to tell an edit from the file's state.
        self._saved_lines: list[area.FlatLine] = []
        self.problems: list[str] = []

        intro = QLabel(
            "Figures about the area inspected, for the report's first appendix: one figure a line, with the "
            "table, row and column it belongs to. A column's source, given on any one of its lines, is printed "
            "as a footnote. Values are numbers, percentages or n/a. Changes are saved once every line is valid."
        )
        intro.setWordWrap(True)
        self.model = AreaLinesModel(self)
        self.model.edited.connect(self._edited)
        self.table = QTableView()
        self.table.setObjectName("areaFigures")
        self.table.setAccessibleName("Area figures")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.add_button = QPushButton("&Add figure")
        self.add_button.clicked.connect(self.add_figure)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Remove the selected figures")
        self.remove_button.clicked.connect(self.remove_selected)
        self.import_button = QPushButton("&Import CSV…")
        self.import_button.setToolTip(
            "Replace the figures with those of a CSV file: table,row,column,value[,source,row_heading]"
        )
        self.import_button.clicked.connect(self.choose_import)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.clicked.connect(self.choose_export)
        self.status = QLabel()
        self.status.setObjectName("areaStatus")
        self.status.setAccessibleName("Area figures: saved or not")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setTextFormat(Qt.TextFormat.RichText)  # every text put in it is escaped

        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.import_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save)
        session.changed.connect(self._changed)
        session.closing.connect(self.timer.stop)  # a closed file takes no more saves
        self.reload()
        if session.read_only:
            self.set_read_only(f"the lead file is open read-only ({session.read_only_reason})")

    # -- reading and saving -------------------------------------------------------------------

    def reload(self) -> None:
        """Show the figures in the file (any edit not yet saved is dropped)."""
        self.timer.stop()
        try:
            data = area.parse_area_json(self.session.inspection.finding(area.FIELD))
        except area.InvalidAreaData as exc:
            data = None
            self._say(
                f"The figures saved in the file cannot be read ({escape(exc.message)}); importing a CSV replaces them.",
                problem=True,
            )
        self._saved_lines = area.to_lines(data)
        self.model.set_lines(self._saved_lines)
        self.problems = []
        self.table.resizeColumnsToContents()
        if data is not None:
            self._say(self._summary(data, "Saved"))
        elif not self.status.text():
            self._say("No figures yet: add them here, or import a CSV file.")

    @property
    def unsaved(self) -> bool:
        return self.model.flat() != self._saved_lines

    def _edited(self) -> None:
        self.timer.start()
        self._say("Checking…")

    def save(self) -> bool:
        """Check every figure; save them all if they are valid, or list what is wrong and save nothing."""
        self.timer.stop()
        lines = [line for line in self.model.flat() if any(astuple(line))]
        try:
            data = area.from_lines(lines, where=[f"line {n}" for n in range(1, len(lines) + 1)], name="The figures")
        except area.InvalidAreaData as exc:
            self.problems = list(exc.details)
            shown = "<br>".join(escape(detail) for detail in exc.details[:8])
            self._say(f"Not saved: {count(len(exc.details), 'problem')}.<br>{shown}", problem=True)
            return False
        self.problems = []
        text = data.to_json() if data.tables else ""
        if text != self.session.inspection.finding(area.FIELD):
            self.session.set_finding(area.FIELD, text)
        self._saved_lines = self.model.flat()
        self._say(self._summary(data, "Saved") if data.tables else "No figures: the appendix says what is missing.")
        self.saved.emit()
        return True

    def flush(self) -> bool:
        """The file is about to close: save what is waiting; False when the figures cannot be saved."""
        if self.timer.isActive() or (self.unsaved and not self.session.read_only):
            return self.save()
        return True

    def _changed(self, changes: Changes) -> None:
        if changes.touches_finding(area.FIELD) and not self.unsaved and not self.timer.isActive():
            self.reload()

    # -- editing --------------------------------------------------------------------------------

    def add_figure(self) -> None:
        current = self.table.currentIndex()
        row = self.model.add_line(current.row() if current.isValid() else None)
        index = self.model.index(row, 1 if current.isValid() else 0)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def remove_selected(self) -> None:
        rows = [index.row() for index in self.table.selectionModel().selectedRows()]
        self.model.remove_lines(rows)

    def choose_import(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "Import the area's figures", str(self.session.path.parent), "CSV files (*.csv)"
        )
        if name:
            self.import_csv(Path(name))

    def import_csv(self, path: Path) -> bool:
        """Replace the figures with the file's, all or nothing."""
        try:
            data = area.read_area_csv(path)
        except UserError as exc:
            show_user_error(self, exc, "Import the area's figures")
            return False
        self.model.set_lines(area.to_lines(data))
        self.table.resizeColumnsToContents()
        return self.save()

    def choose_export(self) -> None:
        suggested = self.session.path.parent / f"{self.session.inspection.inspection_id}-area.csv"
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export the area's figures", str(suggested), "CSV files (*.csv)"
        )
        if name:
            self.export_csv(Path(name))

    def export_csv(self, path: Path) -> bool:
        try:
            path.write_text(area.csv_text(self.model.flat()), encoding="utf-8")
        except OSError as exc:
            show_user_error(self, UserError(f"cannot write {path}: {exc.strerror or exc}"), "Export")
            return False
        self._say(f"Exported {len(self.model.lines)} figures to {escape(path.name)}.")
        return True

    def set_read_only(self, reason: str) -> None:
        self.model.read_only = True
        for button in (self.add_button, self.remove_button, self.import_button):
            button.setEnabled(False)
        self._say(escape(reason[:1].upper() + reason[1:]) + ".")

    # -- telling -----------------------------------------------------------------------------------

    @staticmethod
    def _summary(data: area.AreaData, verb: str) -> str:
        figures = sum(len(t.rows) * len(t.columns) for t in data.tables)
        return f"{verb}: {count(len(data.tables), 'table')}, {count(figures, 'figure')}, {count(len(data.sources()), 'source')}."

    def _say(self, text: str, *, problem: bool = False) -> None:
        if problem:
            text = f"<span style='color:{colours_for(self).problem.name()}'>{text}</span>"
        self.status.setText(text)
