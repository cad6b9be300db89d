"""The inspection file open in a window: its lock, and every write with the signals views need.

All changes made by the app go through `InspectionSession`, so the case
list, the form, the navigator and the status bar hear about each one
whoever made it (a click, a key, undo). Each write is one committed
transaction in the store; `saved` is emitted only after the commit.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from hmip_desktop.model.errors import StorageError
from hmip_desktop.model.file.lock import FileLock, LockHolder
from hmip_desktop.model.file.store import AnswerRecord, CaseRecord, InspectionFile, sniff_sqlite
from hmip_desktop.model.instrument.definition import Instrument


class InspectionSession(QObject):
    """One open `.hmip` file. Pass it to whatever needs the file; there is no global."""

    answer_changed = Signal(str, str)  # case uuid, question id
    case_changed = Signal(str)  # case uuid: status, illustration, progress or last edit changed
    case_added = Signal(str)  # case uuid
    cases_reset = Signal()  # many cases changed at once (import, reload)
    saved = Signal(object)  # datetime of the commit

    def __init__(
        self,
        inspection: InspectionFile,
        lock: FileLock | None = None,
        read_only_reason: str = "",
        lock_holder: LockHolder | None = None,
        *,
        requested_read_only: bool = False,
    ) -> None:
        super().__init__()
        self.requested_read_only = requested_read_only
        self.inspection = inspection
        self.lock = lock
        self.read_only_reason = read_only_reason
        self.lock_holder = lock_holder
        self.last_saved: datetime | None = None

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> InspectionSession:
        """Open for editing when nobody else is; otherwise read-only, saying why."""
        path = Path(path).resolve()
        sniff_sqlite(path)  # never leave a lock file beside something that is not ours
        reason = "you opened it read-only" if read_only else ""
        lock: FileLock | None = None
        holder: LockHolder | None = None
        if not reason and not os.access(path, os.W_OK):
            reason = f"{path.name} is a read-only file; copy it somewhere writable to edit it"
        if not reason:
            lock = FileLock(path)
            try:
                holder = lock.acquire()
            except StorageError as exc:
                lock = None
                reason = f"{exc.message}; the folder does not allow edits"
            if holder is not None:
                lock = None
                reason = f"{path.name} is being edited by {holder.describe()}"
        try:
            inspection = InspectionFile.open(path, read_only=bool(reason))
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return cls(inspection, lock, reason, holder, requested_read_only=read_only)

    def close(self) -> None:
        self.inspection.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    # -- facts --------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.inspection.path

    @property
    def instrument(self) -> Instrument:
        return self.inspection.instrument

    @property
    def read_only(self) -> bool:
        return self.inspection.read_only

    def case(self, case_uuid: str) -> CaseRecord:
        return self.inspection.case_by_uuid(case_uuid)

    def take_over(self) -> InspectionSession:
        """Reopen for editing, replacing another holder's lock (the user says that copy is closed)."""
        lock = FileLock(self.path)
        lock.take_over()
        try:
            inspection = InspectionFile.open(self.path)
        except BaseException:
            lock.release()
            raise
        self.inspection.close()
        return InspectionSession(inspection, lock)

    # -- writes ---------------------------------------------------------------------

    def _committed(self) -> None:
        self.last_saved = datetime.now()
        self.saved.emit(self.last_saved)

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StorageError(f"{self.path.name} is open read-only ({self.read_only_reason}); nothing was changed")

    def set_answer(self, case_uuid: str, question_id: str, value: str | None) -> AnswerRecord:
        self._refuse_if_read_only()
        case = self.case(case_uuid)
        record = self.inspection.set_answer(case.case_ref, question_id, value)
        self._committed()
        self.answer_changed.emit(case_uuid, question_id)
        self.case_changed.emit(case_uuid)
        return record

    def set_note(self, case_uuid: str, question_id: str, note: str) -> AnswerRecord:
        self._refuse_if_read_only()
        case = self.case(case_uuid)
        record = self.inspection.set_note(case.case_ref, question_id, note)
        self._committed()
        self.answer_changed.emit(case_uuid, question_id)
        self.case_changed.emit(case_uuid)
        return record

    def add_case(self, case_ref: str) -> CaseRecord:
        self._refuse_if_read_only()
        case = self.inspection.add_case(case_ref)
        self._committed()
        self.case_added.emit(case.uuid)
        return case

    def complete_case(self, case_uuid: str) -> CaseRecord:
        self._refuse_if_read_only()
        case = self.inspection.complete_case(self.case(case_uuid).case_ref)
        self._committed()
        self.case_changed.emit(case_uuid)
        return case

    def reopen_case(self, case_uuid: str) -> CaseRecord:
        self._refuse_if_read_only()
        case = self.inspection.reopen_case(self.case(case_uuid).case_ref)
        self._committed()
        self.case_changed.emit(case_uuid)
        return case

    def set_illustration(self, case_uuid: str, flagged: bool, text: str) -> CaseRecord:
        self._refuse_if_read_only()
        case = self.inspection.set_illustration(self.case(case_uuid).case_ref, flagged, text)
        self._committed()
        self.case_changed.emit(case_uuid)
        return case

    def changed_elsewhere(self) -> None:
        """Another connection (a worker's import) wrote to the file: reload every view."""
        self._committed()
        self.cases_reset.emit()
