"""The case list: one row per case, kept current from the session's signals."""

from datetime import datetime
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from hmip_desktop.model.errors import FileNotInspection
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


# A named tuple, and real annotations in this module: defined as the app starts (docs/performance.md).
class CaseRow(NamedTuple):
    """One row of the case list, as shown: the record's columns and what the rules make of its answers."""

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


def case_label(case_ref: str, illustration: bool) -> str:
    """The Case column: the reference, starred when the case is a practice illustration."""
    return case_ref + ("  ★" if illustration else "")


DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
#: The roles `CaseListModel.data` answers; a view asks a cell for a dozen others on every paint.
ANSWERED_ROLES = frozenset({DISPLAY, SORT_ROLE, UUID_ROLE, TOOLTIP, FOREGROUND, ALIGNMENT})
#: Columns read from the case record alone; the others need the case's answers (`CaseRow`).
RECORD_COLUMNS = frozenset({CASE, EDITED})


class CaseListModel(QAbstractTableModel):
    """The file's cases, one row each, kept current from the session's signals.

    Every case's record is read when the file opens. A case's answers, and what the rules make of
    them (status short of complete, progress, the offence and RoSH columns: ~0.3 ms a case), are read
    and worked out when its row is first shown; a sort on one of those columns, or `rows()`, works
    out every row left, reading their answers in one query. The list shows some 30 cases at a time.

    That every answer value reads is checked just after the list is painted (the window runs
    `InspectionFile.finish_checks`, which closes a damaged file with one message). A row that meets a
    damaged value before then is shown as unanswered, and `unreadable` asks for that check at once:
    nothing is raised inside a paint or a sort.
    """

    #: A case's answers did not read (a damaged value): the file's checks should run now.
    unreadable = Signal()

    def __init__(self, session: InspectionSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._cases: list[CaseRecord] = []
        self._rows: list[CaseRow | None] = []  # None: not worked out yet
        self._row_of: dict[str, int] = {}
        self._damaged = False  # a value did not read: the file is about to be closed
        self.reload()
        session.case_changed.connect(self.refresh_case)
        session.case_added.connect(self.add_case)
        session.cases_reset.connect(self.reload)

    # -- data from the file ---------------------------------------------------------

    def reload(self) -> None:
        cases = self.session.inspection.list_cases()
        self.beginResetModel()
        self._cases = cases
        self._rows = [None] * len(cases)
        self._row_of = {case.uuid: i for i, case in enumerate(cases)}
        self.endResetModel()

    def _work_out(self, row: int, values: dict[str, str] | None = None) -> CaseRow:
        """The row of the case at `row` from its answer `values` (read now if not given)."""
        inspection = self.session.inspection
        case = self._cases[row]
        if values is None:
            try:
                values = inspection.values_for(case.uuid)
            except FileNotInspection:
                self._met_damage()
                values = {}
        found = case_row(inspection.instrument, case, values)
        self._rows[row] = found
        return found

    def _work_out_all(self) -> None:
        left = [row for row, found in enumerate(self._rows) if found is None]
        if len(left) == 1:
            self._work_out(left[0])
        elif left and not self._damaged:  # after a damaged value, each row is read alone (`case_at`)
            try:
                values = self.session.inspection.all_values()  # one query rather than one per case
            except FileNotInspection:
                self._met_damage()
                return
            for row in left:
                self._work_out(row, values.get(self._cases[row].uuid, {}))

    def _met_damage(self) -> None:
        if not self._damaged:
            self._damaged = True
            self.unreadable.emit()

    def refresh_case(self, case_uuid: str) -> None:
        row = self._row_of.get(case_uuid)
        if row is None:
            self.add_case(case_uuid)
            return
        old_case, old = self._cases[row], self._rows[row]
        self._cases[row] = self.session.inspection.case_by_uuid(case_uuid)
        if old is None:
            # Never shown: it is worked out when it is, and whatever shows it asks again.
            new_case = self._cases[row]
            relabelled = case_label(new_case.case_ref, new_case.illustration) != case_label(
                old_case.case_ref, old_case.illustration
            )
            first = CASE if relabelled else STATUS
            changed = [first, len(COLUMNS) - 1]
        else:
            new = self._work_out(row)
            if new == old:
                return
            changed = [c for c in range(len(COLUMNS)) if self._display(old, c) != self._display(new, c)]
        if changed:
            self.dataChanged.emit(
                self.index(row, min(changed)),
                self.index(row, max(changed)),
                [DISPLAY, TOOLTIP, SORT_ROLE, FOREGROUND],
            )

    def add_case(self, case_uuid: str) -> None:
        if case_uuid in self._row_of:
            self.refresh_case(case_uuid)
            return
        row = len(self._cases)
        self.beginInsertRows(QModelIndex(), row, row)
        self._cases.append(self.session.inspection.case_by_uuid(case_uuid))
        self._rows.append(None)
        self._row_of[case_uuid] = row
        self.endInsertRows()

    # -- look-ups -------------------------------------------------------------------

    def case_at(self, row: int) -> CaseRow:
        found = self._rows[row]
        return found if found is not None else self._work_out(row)

    def uuid_at(self, row: int) -> str:
        return self._cases[row].uuid

    def row_of(self, case_uuid: str) -> int | None:
        return self._row_of.get(case_uuid)

    def rows(self) -> list[CaseRow]:
        self._work_out_all()
        return [self.case_at(row) for row in range(len(self._cases))]

    def tally(self) -> tuple[int, int, int]:
        """(cases, complete, flagged as practice illustrations), from the records alone."""
        complete = sum(1 for case in self._cases if case.is_complete)
        flagged = sum(1 for case in self._cases if case.illustration)
        return len(self._cases), complete, flagged

    def sort_key(self, row: int, column: int) -> Any:
        """What `column` sorts `row` by (SORT_ROLE)."""
        if column in RECORD_COLUMNS:
            case = self._cases[row]
            return case.case_ref.casefold() if column == CASE else case.updated_at
        if self._rows[row] is None:
            self._work_out_all()  # a sort by this column asks every row next
        return self._sort_key(self.case_at(row), column)

    # -- Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == DISPLAY:
            return COLUMNS[section]
        if role == ALIGNMENT and section == PROGRESS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def data(self, index: ModelIndex, role: int = DISPLAY) -> Any:
        if role not in ANSWERED_ROLES or not index.isValid() or not 0 <= index.row() < len(self._cases):
            return None
        row, column = index.row(), index.column()
        if role == SORT_ROLE:
            return self.sort_key(row, column)
        case = self._cases[row]
        if role == DISPLAY:
            if column == CASE:
                return case_label(case.case_ref, case.illustration)
            if column == EDITED:
                return local_time(case.updated_at)
            return self._display(self.case_at(row), column)
        if role == UUID_ROLE:
            return case.uuid
        if role == TOOLTIP:
            if column == PROGRESS:
                shown = self.case_at(row)
                return (
                    f"{shown.finished} of the {shown.parts} parts of the form are finished (every question in "
                    f"them that applies is answered); {shown.answered} answers in all"
                )
            if column == CASE and case.illustration:
                return "Flagged as a practice illustration"
            return None
        if role == FOREGROUND and column == STATUS and case.is_complete:
            return colours_for().done  # a QColor: Qt takes it for a brush (a QBrush would make QGradient's enums)
        if role == ALIGNMENT and column == PROGRESS:
            return int(Qt.AlignmentFlag.AlignCenter)  # keeps clear of the offence column
        return None

    @staticmethod
    def _display(row: CaseRow, column: int) -> str:
        if column == CASE:
            return case_label(row.case_ref, row.illustration)
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
        self._source = source
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(CASE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        # Straight from the source's rows: through index.data() each comparison would be two calls
        # into Qt and back (a sort of 86 rows makes ~350 comparisons).
        source = self._source
        a, b = source.sort_key(left.row(), left.column()), source.sort_key(right.row(), right.column())
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
