"""The case list page: search by reference, add a case, import the case sample.

The search only narrows what the table shows: the summary says "2 of 12 cases shown" with a
button to show them all, and Previous/Next case walk the whole sample in the table's order
(clearing the search, and saying so, when the next case is one it hides).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelectionModel, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import count, plural
from hmip_desktop.ui.case_list_model import (
    CASE,
    COLUMNS,
    EDITED,
    OFFENCE,
    PROGRESS,
    ROSH,
    STATUS,
    CaseFilterModel,
    CaseListModel,
)
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.session import InspectionSession

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent

    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.ui.add_case_dialog import AddCaseDialog
    from hmip_desktop.ui.workers import Job, Progress

SETTINGS_HEADER = "caseList/header"


class CaseTable(QTableView):
    """Enter opens the selected case (the form), as a double-click does. With no rows to show it
    says why and what to do, over the empty table.

    The note is made the first time there is something to say: it lives on the viewport, and the
    first look-up of the viewport (a widget made by Qt, not by Python) makes PySide6 build the
    Python classes of every kind of widget it might be, ~9 ms that a full list never needs. A
    layout on the viewport keeps it in place, so the table has no Python resizeEvent: the first
    event handed to Python makes PySide6 build QEvent's enums (~2 ms).
    """

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_note: QLabel | None = None

    @property
    def empty_note(self) -> QLabel:
        if self._empty_note is None:
            viewport = self.viewport()
            note = QLabel(viewport)
            note.setObjectName("emptyCaseList")
            note.setWordWrap(True)
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            note.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            tint(note, "muted")
            note.hide()
            # The upper half of the empty area, 24 px in from its edges, as the viewport resizes.
            place = QVBoxLayout(viewport)
            place.setContentsMargins(24, 24, 24, 24)
            place.addWidget(note, 1)
            place.addStretch(1)
            self._empty_note = note
        return self._empty_note

    def show_empty_note(self, text: str) -> None:
        """Show `text` over the table ("" hides it); also the table's accessible description."""
        self.setAccessibleDescription(text)
        if not text and self._empty_note is None:
            return
        self.empty_note.setText(text)
        self.empty_note.setVisible(bool(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit()
            return
        super().keyPressEvent(event)


class SearchField(QLineEdit):
    """The search box: Escape clears it (and shows every case again)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class CaseListPanel(QWidget):
    case_selected = Signal(str)  # case uuid: the current row changed
    case_opened = Signal(str)  # case uuid: open it in the form (Enter, double-click)
    message = Signal(str)
    import_finished = Signal(object)  # the Job, whichever way it ended

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseList")
        self.session = session
        self.model = CaseListModel(session, self)
        self.proxy = CaseFilterModel(self.model, self)
        self.import_job: Job | None = None
        self.add_dialog: AddCaseDialog | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 8)
        layout.setSpacing(8)
        tools = QHBoxLayout()
        self.search = SearchField()
        self.search.setObjectName("caseSearch")
        self.search.setAccessibleName("Find a case by reference")
        self.search.setPlaceholderText("Find a case by reference (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._search_entered)
        tools.addWidget(self.search, 1)
        self.add_button = QPushButton("Add case…")
        self.add_button.setToolTip("Add one case by its reference (Ctrl+Shift+N)")
        self.add_button.clicked.connect(self.ask_new_case)
        tools.addWidget(self.add_button)
        self.import_button = QPushButton("Import case sample…")
        self.import_button.setToolTip("A CSV file: case_ref plus case-detail columns named by question id (Ctrl+I)")
        self.import_button.clicked.connect(self.ask_import)
        tools.addWidget(self.import_button)
        layout.addLayout(tools)

        self.table = CaseTable()
        self.table.setObjectName("caseTable")
        self.table.setAccessibleName("Cases")
        # Hidden before it meets the model: shown, it would ask every case's header (~350 calls into Python).
        self.table.verticalHeader().hide()
        self.table.setModel(self.proxy)
        # The indicator first: enabling sorting sorts by it, once (not by column 0 descending, then again).
        self.table.horizontalHeader().setSortIndicator(CASE, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(OFFENCE, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.size_columns()
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _index: self._open_current())
        self.table.open_requested.connect(self._open_current)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("caseSummary")
        tint(self.summary, "muted")
        bottom.addWidget(self.summary, 1)
        self.show_all_button = QPushButton("Show all cases")
        self.show_all_button.setToolTip("Clear the search (Esc in the search box)")
        self.show_all_button.clicked.connect(self.search.clear)
        self.show_all_button.hide()
        bottom.addWidget(self.show_all_button)
        layout.addLayout(bottom)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.dataChanged):
            signal.connect(self._update_summary)
        self._update_summary()
        read_only = session.read_only
        self.add_button.setEnabled(not read_only)
        self.import_button.setEnabled(not read_only)

    # -- layout: from the font, then as the user left it ----------------------------------

    def size_columns(self) -> None:
        """Column widths that fit their usual contents at the current font size."""
        metrics = self.table.fontMetrics()
        header_metrics = self.table.horizontalHeader().fontMetrics()
        samples = {
            CASE: "KT-0000-00  ★",
            STATUS: "Ready to complete",
            PROGRESS: "20 of 20 parts",
            ROSH: "Medium",
            EDITED: "30 Sep 2026 23:59",
        }
        padding = metrics.averageCharWidth() * 3
        for column, sample in samples.items():
            width = max(metrics.horizontalAdvance(sample), header_metrics.horizontalAdvance(COLUMNS[column]) + 16)
            self.table.setColumnWidth(column, width + padding)
        self.table.verticalHeader().setDefaultSectionSize(metrics.lineSpacing() + metrics.averageCharWidth() + 6)

    def save_layout(self, settings: QSettings) -> None:
        settings.setValue(SETTINGS_HEADER, self.table.horizontalHeader().saveState())

    def restore_layout(self, settings: QSettings) -> bool:
        """Column widths and sort order as the user left them; False if none were saved."""
        state = settings.value(SETTINGS_HEADER)
        header = self.table.horizontalHeader()
        if not isinstance(state, QByteArray) or not header.restoreState(state):
            return False
        header.setSectionResizeMode(OFFENCE, QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        return True

    # -- selection --------------------------------------------------------------------

    def current_case(self) -> str | None:
        index = self.table.currentIndex()
        return self.proxy.uuid_at(index.row()) if index.isValid() else None

    def select_case(self, case_uuid: str) -> bool:
        row = self.proxy.proxy_row_of(case_uuid)
        if row is None:
            # Hidden by the search: clear it rather than lose the case, and say so.
            searched = self.search.text()
            self.search.clear()
            row = self.proxy.proxy_row_of(case_uuid)
            if row is None:
                return False
            self.message.emit(f"Search “{searched}” cleared to show case {self.proxy.index(row, CASE).data()}")
        index = self.proxy.index(row, CASE)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    def sample_order(self) -> list[str]:
        """Every case, in the table's sort order, whatever the search hides."""
        header = self.table.horizontalHeader()
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if not 0 <= column < len(COLUMNS):
            column, order = CASE, Qt.SortOrder.AscendingOrder
        rows = range(self.model.rowCount())
        descending = order == Qt.SortOrder.DescendingOrder
        # Stable both ways, as the table's own sort is: equal keys keep the file's order.
        keyed = sorted(rows, key=lambda r: self.model.sort_key(r, column), reverse=descending)
        return [self.model.uuid_at(r) for r in keyed]

    def neighbour(self, case_uuid: str | None, step: int) -> str | None:
        """The case `step` away from `case_uuid` in the whole sample (the first if None)."""
        order = self.sample_order()
        if not order:
            return None
        if case_uuid is None or case_uuid not in order:
            return order[0]
        target = order.index(case_uuid) + step
        return order[target] if 0 <= target < len(order) else None

    def _current_changed(self, current: object, _previous: object) -> None:
        case_uuid = self.current_case()
        if case_uuid is not None:
            self.case_selected.emit(case_uuid)

    def _open_current(self) -> None:
        case_uuid = self.current_case()
        if case_uuid is not None:
            self.case_opened.emit(case_uuid)

    def _search_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_summary()

    def _search_entered(self) -> None:
        if self.proxy.rowCount() >= 1:
            self.select_case(self.proxy.uuid_at(0))
            self._open_current()
        else:
            self.message.emit(f"No case reference contains “{self.search.text()}”")

    def _update_summary(self) -> None:
        cases, complete, flagged = self.model.tally()
        searched = self.search.text()
        shown = self.proxy.rowCount()
        text = f"{shown} of {cases} cases shown (search “{searched}”)" if searched else f"{count(cases, 'case')}"
        text += f" · {complete} complete · {cases - complete} to finish"
        if flagged:
            text += f" · {flagged} practice {plural(flagged, 'illustration')} ★"
        self.summary.setText(text)
        self.show_all_button.setVisible(bool(searched))
        if not cases:
            note = (
                "No cases yet.\n\nAdd a case by its reference with Add case… (Ctrl+Shift+N), or import the "
                "case sample from a CSV file with Import case sample… (Ctrl+I)."
                if not self.session.read_only
                else "This file has no cases yet."
            )
        elif not shown:
            note = f"No case reference contains “{searched}”.\n\nShow all cases, or press Esc in the search box."
        else:
            note = ""
        self.table.show_empty_note(note)

    # -- adding -----------------------------------------------------------------------

    def ask_new_case(self) -> AddCaseDialog:
        from hmip_desktop.ui.add_case_dialog import AddCaseDialog  # made when first asked for

        dialog = AddCaseDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.add_case(dialog.case_ref()))
        self.add_dialog = dialog
        dialog.open()
        return dialog

    def add_case(self, case_ref: str) -> str | None:
        try:
            case = self.session.add_case(case_ref)
        except UserError as exc:
            show_user_error(self.window(), exc, "Add a case")
            return None
        self.search.clear()
        self.select_case(case.uuid)
        self.message.emit(f"Case {case.case_ref} added")
        self.case_opened.emit(case.uuid)
        return case.uuid

    # -- importing ----------------------------------------------------------------------

    def ask_import(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(
            self, "Import the case sample", str(self.session.path.parent), "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.import_sample(Path(path))

    def import_sample(self, csv_path: Path) -> Job:
        """Check and import the CSV on a worker thread (its own connection); report when done."""
        from hmip_desktop.ui.workers import run_on_file  # the worker threads: when a sample is imported

        self.import_button.setEnabled(False)
        self.message.emit(f"Importing {csv_path.name}…")

        def work(inspection: InspectionFile, _progress: Progress) -> tuple[int, int, list[str]]:
            from hmip_desktop.model.imports import csv_import  # first used here, not at start-up

            plan, changed = csv_import.import_cases(inspection, csv_path)
            return len(plan.new_cases), changed, plan.warnings

        job = run_on_file(self.session.path, work)
        job.finished.connect(lambda result: self._imported(csv_path, result))
        job.failed.connect(lambda error: self._import_failed(csv_path, error))
        job.done.connect(lambda: self._import_done(job))
        self.import_job = job
        return job

    def _imported(self, csv_path: Path, result: tuple[int, int, list[str]]) -> None:
        new_cases, changed, warnings = result
        self.session.changed_elsewhere()
        text = f"Imported {csv_path.name}: {new_cases} new {plural(new_cases, 'case')}, {count(changed, 'answer')} recorded"
        if warnings:
            from hmip_desktop.ui.details_dialog import DetailsDialog

            DetailsDialog("Case sample imported", text + ", with warnings:", "\n".join(warnings), self.window()).show()
        self.message.emit(text)

    def _import_failed(self, csv_path: Path, error: object) -> None:
        if isinstance(error, UserError):
            self.message.emit(f"{csv_path.name} was not imported")
            show_user_error(self.window(), error, "Import the case sample")
            return
        assert isinstance(error, BaseException)
        raise error  # a bug: the excepthook logs it and shows the report dialog

    def _import_done(self, job: Job) -> None:
        self.import_button.setEnabled(not self.session.read_only)
        self.import_finished.emit(job)
