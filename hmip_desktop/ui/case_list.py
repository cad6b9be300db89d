"""The case list page: search by reference, add a case, import the case sample."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
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
from hmip_desktop.model.file.store import CASE_REF_PATTERN, InspectionFile
from hmip_desktop.ui.case_list_model import CASE, OFFENCE, CaseFilterModel, CaseListModel
from hmip_desktop.ui.errors import DetailsDialog, show_user_error
from hmip_desktop.ui.session import InspectionSession
from hmip_desktop.ui.workers import Job, Progress, run_on_file


class AddCaseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addCaseDialog")
        self.setWindowTitle("Add a case")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Case reference (letters, digits, - _ . /). References only, never names."))
        self.ref = QLineEdit()
        self.ref.setPlaceholderText("e.g. KT-0042")
        self.ref.setValidator(QRegularExpressionValidator(QRegularExpression(CASE_REF_PATTERN.pattern), self))
        layout.addWidget(self.ref)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def case_ref(self) -> str:
        return self.ref.text().strip()


class CaseTable(QTableView):
    """Enter opens the selected case (the form), as a double-click does."""

    open_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit()
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
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a case by reference (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.search.returnPressed.connect(self._search_entered)
        tools.addWidget(self.search, 1)
        self.add_button = QPushButton("Add case…")
        self.add_button.clicked.connect(self.ask_new_case)
        tools.addWidget(self.add_button)
        self.import_button = QPushButton("Import case sample…")
        self.import_button.setToolTip("A CSV file: case_ref plus case-detail columns named by question id")
        self.import_button.clicked.connect(self.ask_import)
        tools.addWidget(self.import_button)
        layout.addLayout(tools)

        self.table = CaseTable()
        self.table.setObjectName("caseTable")
        self.table.setModel(self.proxy)
        # The indicator first: enabling sorting sorts by it, once (not by column 0 descending, then again).
        self.table.horizontalHeader().setSortIndicator(CASE, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(OFFENCE, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate((140, 150, 110, 240, 110, 170)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _index: self._open_current())
        self.table.open_requested.connect(self._open_current)
        layout.addWidget(self.table, 1)

        self.summary = QLabel()
        self.summary.setStyleSheet("color: #4b5563;")
        layout.addWidget(self.summary)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.dataChanged):
            signal.connect(self._update_summary)
        self._update_summary()
        read_only = session.read_only
        self.add_button.setEnabled(not read_only)
        self.import_button.setEnabled(not read_only)

    # -- selection --------------------------------------------------------------------

    def current_case(self) -> str | None:
        index = self.table.currentIndex()
        return self.proxy.uuid_at(index.row()) if index.isValid() else None

    def select_case(self, case_uuid: str) -> bool:
        row = self.proxy.proxy_row_of(case_uuid)
        if row is None:
            # Hidden by the search: clear it rather than lose the case.
            self.search.clear()
            row = self.proxy.proxy_row_of(case_uuid)
            if row is None:
                return False
        index = self.proxy.index(row, CASE)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    def neighbour(self, case_uuid: str | None, step: int) -> str | None:
        count = self.proxy.rowCount()
        if not count:
            return None
        row = self.proxy.proxy_row_of(case_uuid) if case_uuid else None
        target = 0 if row is None else row + step
        if not 0 <= target < count:
            return None
        return self.proxy.uuid_at(target)

    def _current_changed(self, current: object, _previous: object) -> None:
        case_uuid = self.current_case()
        if case_uuid is not None:
            self.case_selected.emit(case_uuid)

    def _open_current(self) -> None:
        case_uuid = self.current_case()
        if case_uuid is not None:
            self.case_opened.emit(case_uuid)

    def _search_entered(self) -> None:
        if self.proxy.rowCount() >= 1:
            self.select_case(self.proxy.uuid_at(0))
            self._open_current()

    def _update_summary(self) -> None:
        rows = self.model.rows()
        complete = sum(1 for r in rows if r.complete)
        flagged = sum(1 for r in rows if r.illustration)
        text = f"{len(rows)} case(s) · {complete} complete · {len(rows) - complete} to finish"
        if flagged:
            text += f" · {flagged} practice illustration(s) ★"
        self.summary.setText(text)

    # -- adding -----------------------------------------------------------------------

    def ask_new_case(self) -> AddCaseDialog:
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
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import the case sample", str(self.session.path.parent), "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.import_sample(Path(path))

    def import_sample(self, csv_path: Path) -> Job:
        """Check and import the CSV on a worker thread (its own connection); report when done."""
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
        text = f"Imported {csv_path.name}: {new_cases} new case(s), {changed} answer(s) recorded"
        if warnings:
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
