"""Plan moderation…: the lead picks the second-marking sample, sees it, and writes the second markers' files.

The same plan as `hmip moderation plan` (`model.moderation`): the share of the
complete single-marked cases, spread over the first markers in proportion,
each case given to someone who has not marked it. The file is read once on a
worker (who marked what, the team, the case details); the plan is redrawn as
the share, the seed or the second markers change, and the files are written
only on "Write files", on a worker too (a network folder can be slow); a
problem writing them is shown in a message and the dialog stays open. Every
file holds case references and case details only, so the second marking is
blind.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.moderation import (
    SEED_RANGE,
    Assignment,
    ModerationPlan,
    PlanningData,
    new_seed,
    planning_data,
    write_plan_files,
)
from hmip_desktop.ui.table_model import DISPLAY, Index, RowTableModel
from hmip_desktop.ui.workers import Job, Progress, run_in_thread, run_on_file

DEFAULT_PERCENT = 10
CHECK = Qt.ItemDataRole.CheckStateRole


def _read(inspection: InspectionFile, _progress: Progress) -> PlanningData:
    return planning_data(inspection)


class SecondMarkersModel(RowTableModel[str]):
    """The people who may second-mark, each ticked or not (the team first, then names added)."""

    headers = ("Second marker",)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ticked: set[str] = set()

    def add(self, name: str, *, ticked: bool = True) -> None:
        if name in self.rows:
            self.set_ticked(name, True)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(name)
        if ticked:
            self.ticked.add(name)
        self.endInsertRows()

    def set_ticked(self, name: str, ticked: bool) -> None:
        (self.ticked.add if ticked else self.ticked.discard)(name)
        row = self.rows.index(name)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [CHECK])

    def chosen(self) -> list[str]:
        return [name for name in self.rows if name in self.ticked]

    def cell(self, row: str, column: int, role: int) -> Any:
        if role == DISPLAY:
            return row
        if role == CHECK:
            return Qt.CheckState.Checked if row in self.ticked else Qt.CheckState.Unchecked
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() else super().flags(index)

    def setData(self, index: Index, value: Any, role: int = DISPLAY) -> bool:
        if not index.isValid() or role != CHECK:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.set_ticked(self.rows[index.row()], checked)
        return True


class PlanPreviewModel(RowTableModel[Assignment]):
    headers = ("Case", "First marker", "Second marker")

    def cell(self, row: Assignment, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (row.case_ref, row.first, row.second)[column]
        return None


def _label_for(text: str, field: QWidget) -> QLabel:
    """A form label for a row holding more than its field: a row given as a layout gets a label without
    a buddy, which shows its "&" instead of underlining the key that reaches the field."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


class ModerationDialog(QDialog):
    #: The files were written: the plan (its `files` filled in).
    written = Signal(object)
    #: A problem the lead can act on (a folder already holding the files, a full disk).
    failed = Signal(object)

    def __init__(self, path: Path, instrument: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("moderationDialog")
        self.setWindowTitle("Plan moderation")
        self.path = path
        self.instrument = instrument
        self.data: PlanningData | None = None
        self.plan: ModerationPlan | None = None
        #: The files being written (None: not writing).
        self.writing: Job | None = None

        self.share = QSpinBox()
        self.share.setObjectName("moderationShare")
        self.share.setRange(1, 100)
        self.share.setSuffix(" %")
        self.share.setValue(DEFAULT_PERCENT)
        self.seed = QSpinBox()
        self.seed.setObjectName("moderationSeed")
        self.seed.setRange(0, SEED_RANGE)
        self.seed.setValue(new_seed())
        self.seed.setToolTip(
            "The same seed draws the same sample again (also with the command hmip moderation plan --seed)"
        )
        self.redraw = QPushButton("New &draw")
        self.redraw.clicked.connect(lambda: self.seed.setValue(new_seed()))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.redraw)

        self.markers = SecondMarkersModel(self)
        self.markers_view = QListView()
        self.markers_view.setObjectName("secondMarkers")
        self.markers_view.setModel(self.markers)
        self.markers_view.setAccessibleName("Second markers")
        self.markers_view.setMaximumHeight(140)
        self.new_marker = QLineEdit()
        self.new_marker.setObjectName("newSecondMarker")
        self.new_marker.setPlaceholderText("Add a quality lead or the lead by name")
        self.add_marker = QPushButton("&Add")
        self.add_marker.clicked.connect(self._add_marker)
        self.new_marker.installEventFilter(self)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_marker, 1)
        add_row.addWidget(self.add_marker)

        self.folder = QLineEdit(str(path.parent / "moderation"))
        self.folder.setObjectName("moderationFolder")
        self.choose = QPushButton("C&hoose…")
        self.choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)

        form = QFormLayout()
        form.addRow("&Share of the cases:", self.share)
        form.addRow(_label_for("&Seed:", self.seed), seed_row)
        form.addRow("Second &markers:", self.markers_view)
        form.addRow("", add_row)
        form.addRow(_label_for("&Folder for the files:", self.folder), folder_row)

        self.summary = QLabel("Reading who marked which case…")
        self.summary.setObjectName("moderationSummary")
        self.summary.setWordWrap(True)
        self.preview = PlanPreviewModel(self)
        self.preview_view = QTableView()
        self.preview_view.setObjectName("moderationPreview")
        self.preview_view.setModel(self.preview)
        self.preview_view.setAccessibleName("Cases chosen for second marking")
        self.preview_view.verticalHeader().hide()
        self.preview_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        note = QLabel(
            "Each second marker gets one CSV file: case references and case details only, never the first "
            "marker's judgements. They import it with File ▸ Import case sample… (or the command hmip cases import)."
        )
        note.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.write_button = self.buttons.addButton("&Write files", QDialogButtonBox.ButtonRole.AcceptRole)
        self.write_button.setObjectName("writeModerationFiles")
        self.write_button.setEnabled(False)
        for button in (self.add_marker, self.redraw, self.choose):
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self.write_files)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview_view, 1)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(560, 640)

        self.share.valueChanged.connect(self.redraw_plan)
        self.seed.valueChanged.connect(self.redraw_plan)
        self.markers.dataChanged.connect(self.redraw_plan)
        self.markers.rowsInserted.connect(self.redraw_plan)
        self.job = run_on_file(path, _read, read_only=True)
        self.job.finished.connect(self._loaded)
        self.job.failed.connect(self._load_failed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in the name field adds the name, and goes no further: it must not also write the files.
        if (
            watched is self.new_marker
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._add_marker()
            return True
        return super().eventFilter(watched, event)

    # -- reading and drawing ----------------------------------------------------------------------------

    def _loaded(self, data: PlanningData) -> None:
        self.data = data
        for name in self.data.team:
            self.markers.add(name)
        self.redraw_plan()

    def _load_failed(self, error: BaseException) -> None:
        if not isinstance(error, UserError):
            raise error
        self.summary.setText(error.message)

    def _add_marker(self) -> None:
        name = " ".join(self.new_marker.text().split())
        if name:
            self.markers.add(name)
            self.new_marker.clear()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the second markers' files", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def redraw_plan(self, *_args: object) -> None:
        """Draw the plan for the current share, seed and second markers, and show it (nothing is written)."""
        if self.data is None:
            return
        self.plan = None
        try:
            chosen = self.markers.chosen()
            if not chosen:
                raise UserError("Tick at least one second marker, or add one by name.")
            plan = self.data.plan(share=Fraction(self.share.value(), 100), seed=self.seed.value(), to=chosen)
        except UserError as exc:
            self.preview.set_rows([])
            self.summary.setText(exc.message)
            self.write_button.setEnabled(False)
            return
        self.plan = plan
        self.preview.set_rows(list(plan.assignments))
        spread = ", ".join(f"{f.name} {f.chosen}" for f in plan.first_markers if f.chosen)
        load = ", ".join(f"{name} {len(plan.cases_for(name))}" for name in plan.second_markers)
        self.summary.setText(
            f"<b>{plan.chosen}</b> of {plan.eligible} complete cases marked by one assessor. "
            f"First markers: {spread}. Second markers: {load}."
        )
        self.write_button.setEnabled(True)

    # -- writing -----------------------------------------------------------------------------------------

    def write_files(self) -> None:
        """Write the second markers' files on a worker; the dialog waits (and cannot be closed) meanwhile."""
        if self.plan is None or self.data is None or self.writing is not None:
            return
        plan, details, instrument = self.plan, self.data.details, self.instrument
        folder = Path(self.folder.text().strip())

        def write(_progress: Progress) -> ModerationPlan:
            write_plan_files(instrument, plan, details, folder)
            return plan

        self._set_writing(True)
        self.writing = run_in_thread(write)
        self.writing.finished.connect(self._written)
        self.writing.failed.connect(self._write_failed)

    def _set_writing(self, writing: bool) -> None:
        controls: tuple[QWidget, ...] = (self.buttons, self.share, self.seed, self.redraw, self.markers_view)
        for widget in (*controls, self.new_marker, self.add_marker, self.folder, self.choose):
            widget.setEnabled(not writing)
        if writing:
            self.summary.setText(f"Writing the files into {self.folder.text().strip()}…")

    def _written(self, plan: ModerationPlan) -> None:
        self.writing = None
        self._set_writing(False)
        self.written.emit(plan)
        self.accept()

    def _write_failed(self, error: BaseException) -> None:
        self.writing = None
        self._set_writing(False)
        self.redraw_plan()  # the summary again, and the Write button as the plan allows
        if not isinstance(error, UserError):
            raise error
        self.failed.emit(error)

    def reject(self) -> None:
        if self.writing is None:  # while the files are written, Escape and Cancel wait for them
            super().reject()
