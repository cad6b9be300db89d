"""The case list: one row per case, kept current from the session's signals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush

from hmip_desktop.model.file.records import CaseRecord
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.form.layout import finished_groups, layout_of
from hmip_desktop.ui.session import InspectionSession

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
UUID_ROLE = Qt.ItemDataRole.UserRole + 2

#: Case-detail questions shown as columns (absent from an instrument: the column stays empty).
OFFENCE_QUESTION = "cd.offence"
ROSH_QUESTION = "cd.rosh"

COLUMNS = ("Case", "Status", "Progress", "Principal offence", "RoSH", "Last edited")
CASE, STATUS, PROGRESS, OFFENCE, ROSH, EDITED = range(len(COLUMNS))

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class CaseRow:
    uuid: str
    case_ref: str
    complete: bool
    illustration: bool
    answered: int
    relevant: int
    finished: int  # parts of the form (case details, each criterion) finished
    parts: int
    offence: str
    rosh: str
    updated_at: str

    @property
    def status(self) -> str:
        if self.complete:
            return "Complete"
        if self.relevant and self.answered == self.relevant:
            return "Ready to complete"
        return "In progress" if self.answered else "Not started"

    @property
    def progress_key(self) -> tuple[int, int]:
        """Sorts by parts finished, then by answers given: both only grow as the case is worked."""
        return (self.finished, self.answered)


def case_row(instrument: Instrument, case: CaseRecord, values: dict[str, str]) -> CaseRow:
    applying = relevance.relevant_question_ids(instrument, values)
    answered = len(applying.intersection(values))
    layout = layout_of(instrument)

    def label(question_id: str) -> str:
        question = instrument.by_id.get(question_id)
        return question.label_for(values.get(question_id)) if question else ""

    return CaseRow(
        uuid=case.uuid,
        case_ref=case.case_ref,
        complete=case.is_complete,
        illustration=case.illustration,
        answered=answered,
        relevant=len(applying),
        finished=len(finished_groups(layout, applying, values)),
        parts=len(layout.groups),
        offence=label(OFFENCE_QUESTION),
        rosh=label(ROSH_QUESTION),
        updated_at=case.updated_at,
    )


def local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d %b %Y %H:%M")
    except ValueError:
        return iso


class CaseListModel(QAbstractTableModel):
    def __init__(self, session: InspectionSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._rows: list[CaseRow] = []
        self._row_of: dict[str, int] = {}
        self.reload()
        session.case_changed.connect(self.refresh_case)
        session.case_added.connect(self.add_case)
        session.cases_reset.connect(self.reload)

    # -- data from the file ---------------------------------------------------------

    def reload(self) -> None:
        inspection = self.session.inspection
        values = inspection.all_values()
        rows = [case_row(inspection.instrument, case, values.get(case.uuid, {})) for case in inspection.list_cases()]
        self.beginResetModel()
        self._rows = rows
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._row_of = {row.uuid: i for i, row in enumerate(self._rows)}

    def _load_row(self, case_uuid: str) -> CaseRow:
        inspection = self.session.inspection
        return case_row(inspection.instrument, inspection.case_by_uuid(case_uuid), inspection.values_for(case_uuid))

    def refresh_case(self, case_uuid: str) -> None:
        row = self._row_of.get(case_uuid)
        if row is None:
            self.add_case(case_uuid)
            return
        new = self._load_row(case_uuid)
        old = self._rows[row]
        if new == old:
            return
        self._rows[row] = new
        changed = [c for c in range(len(COLUMNS)) if self._display(old, c) != self._display(new, c)]
        if changed:
            self.dataChanged.emit(
                self.index(row, min(changed)),
                self.index(row, max(changed)),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE, Qt.ItemDataRole.ForegroundRole],
            )

    def add_case(self, case_uuid: str) -> None:
        if case_uuid in self._row_of:
            self.refresh_case(case_uuid)
            return
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(self._load_row(case_uuid))
        self._row_of[case_uuid] = row
        self.endInsertRows()

    # -- look-ups -------------------------------------------------------------------

    def case_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def row_of(self, case_uuid: str) -> int | None:
        return self._row_of.get(case_uuid)

    def rows(self) -> list[CaseRow]:
        return list(self._rows)

    # -- Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == PROGRESS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == UUID_ROLE:
            return row.uuid
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == PROGRESS:
                return (
                    f"{row.finished} of the {row.parts} parts of the form are finished (every question in them "
                    f"that applies is answered); {row.answered} answers in all"
                )
            if column == CASE and row.illustration:
                return "Flagged as a practice illustration"
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and row.complete:
            return QBrush(colours_for().done)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == PROGRESS:
            return int(Qt.AlignmentFlag.AlignCenter)  # keeps clear of the offence column
        return None

    @staticmethod
    def _display(row: CaseRow, column: int) -> str:
        if column == CASE:
            return row.case_ref + ("  ★" if row.illustration else "")
        if column == STATUS:
            return row.status
        if column == PROGRESS:
            return f"{row.finished} of {row.parts} parts"
        if column == OFFENCE:
            return row.offence
        if column == ROSH:
            return row.rosh
        return local_time(row.updated_at)

    @staticmethod
    def _sort_key(row: CaseRow, column: int) -> Any:
        if column == PROGRESS:
            return row.progress_key
        if column == EDITED:
            return row.updated_at
        if column == STATUS:
            return f"{CaseListModel._status_rank(row)} {row.case_ref.casefold()}"
        if column == CASE:
            return row.case_ref.casefold()
        return CaseListModel._display(row, column)

    @staticmethod
    def _status_rank(row: CaseRow) -> int:
        return ["Not started", "In progress", "Ready to complete", "Complete"].index(row.status)


class CaseFilterModel(QSortFilterProxyModel):
    """Sort by each column's natural order; filter by case reference (the search box)."""

    def __init__(self, source: CaseListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(CASE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None or type(a) is not type(b):
            return super().lessThan(left, right)
        return bool(a < b)

    def uuid_at(self, proxy_row: int) -> str:
        return str(self.index(proxy_row, CASE).data(UUID_ROLE))

    def proxy_row_of(self, case_uuid: str) -> int | None:
        source = self.sourceModel()
        assert isinstance(source, CaseListModel)
        row = source.row_of(case_uuid)
        if row is None:
            return None
        mapped = self.mapFromSource(source.index(row, CASE))
        return mapped.row() if mapped.isValid() else None
