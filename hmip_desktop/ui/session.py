"""The inspection file open in a window: its lock, and the one way the app changes it.

Every change the app makes goes through `InspectionSession` (Anki's
operation/changes pattern): an operation runs one committed transaction in
the store, then the session says what it changed with one typed `Changes`
value on `changed`. Views refresh from that value, whoever made the change
(a click, a key, undo, the lead's conflict decision, an import), instead of
being told by hand. `saved` follows every commit, for the status bar.

The older per-kind signals (`answer_changed`, `case_changed`, `case_added`,
`cases_reset`) are emitted from the same `Changes`, for the case list and
the form.
"""

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from PySide6.QtCore import QObject, Signal

from hmip_desktop.model.errors import StorageError
from hmip_desktop.model.file.connection import sniff_sqlite
from hmip_desktop.model.file.lock import FileLock, LockHolder
from hmip_desktop.model.file.records import AnswerRecord, CaseRecord
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument

if TYPE_CHECKING:
    from hmip_desktop.model.merge.conflicts import Conflict

#: The owner's role of a lead inspector's merged file: the app shows the lead's tabs for it.
LEAD_ROLE = "lead"

T = TypeVar("T")


# A named tuple, and real annotations in this module: defined as the app starts (docs/performance.md).
class Changes(NamedTuple):
    """What one operation changed in the file, so a view can tell whether it must read again."""

    #: (case uuid, question id) of each answer or evidence note written.
    answers: frozenset[tuple[str, str]] = frozenset()
    #: Cases whose record changed: status, illustration, progress, last edit, or held out by a conflict.
    cases: frozenset[str] = frozenset()
    added_cases: frozenset[str] = frozenset()
    #: Findings fields written (the lead's narrative, the chosen illustrations).
    findings: frozenset[str] = frozenset()
    #: A conflict was raised, resolved or reopened.
    conflicts: bool = False
    #: Team files were imported (the team, the import ledger).
    team: bool = False
    #: Written through another connection (a worker's import): every view reads the file again.
    everything: bool = False

    @classmethod
    def all(cls) -> "Changes":
        return cls(conflicts=True, team=True, everything=True)

    @classmethod
    def of(
        cls,
        *,
        answers: Iterable[tuple[str, str]] = (),
        cases: Iterable[str] = (),
        added_cases: Iterable[str] = (),
        findings: Iterable[str] = (),
        conflicts: bool = False,
    ) -> "Changes":
        return cls(
            answers=frozenset(answers),
            cases=frozenset(cases),
            added_cases=frozenset(added_cases),
            findings=frozenset(findings),
            conflicts=conflicts,
        )

    @property
    def scores(self) -> bool:
        """The scores may differ: answers, cases or conflicts changed (findings never count)."""
        return bool(self.everything or self.answers or self.cases or self.added_cases or self.conflicts)

    def touches_case(self, case_uuid: str) -> bool:
        return (
            self.everything
            or case_uuid in self.cases
            or case_uuid in self.added_cases
            or any(case == case_uuid for case, _question in self.answers)
        )

    def touches_finding(self, field: str) -> bool:
        return self.everything or field in self.findings


class InspectionSession(QObject):
    """One open `.hmip` file. Pass it to whatever needs the file; there is no global."""

    changed = Signal(object)  # Changes: after every operation, once
    answer_changed = Signal(str, str)  # case uuid, question id
    case_changed = Signal(str)  # case uuid: status, illustration, progress or last edit changed
    case_added = Signal(str)  # case uuid
    cases_reset = Signal()  # many cases changed at once (import, reload)
    saved = Signal(object)  # datetime of the commit
    closing = Signal()  # the file is about to close: stop work that reads it

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
    def open(cls, path: Path | str, *, read_only: bool = False) -> "InspectionSession":
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
            # The checks that read the whole file (its pages, every answer value) wait until it is on
            # screen (MainWindow runs them at once after; the first write would run them first anyway).
            inspection = InspectionFile.open(path, read_only=bool(reason), check_later=True)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return cls(inspection, lock, reason, holder, requested_read_only=read_only)

    def close(self) -> None:
        self.closing.emit()
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

    @property
    def is_lead(self) -> bool:
        """A lead inspector's merged file (the app adds the lead's tabs)."""
        return self.inspection.owner.role == LEAD_ROLE

    def case(self, case_uuid: str) -> CaseRecord:
        return self.inspection.case_by_uuid(case_uuid)

    def take_over(self) -> "InspectionSession":
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

    # -- operations ------------------------------------------------------------------

    def run(self, operation: Callable[[InspectionFile], T], changes: Changes | Callable[[T], Changes]) -> T:
        """Run one change to the file, then say what changed (`changes`, or computed from the result).

        Refused, with nothing run, while the file is open read-only. An operation that
        raises changed nothing (each store write is one transaction), so nothing is said.
        """
        self._refuse_if_read_only()
        result = operation(self.inspection)
        self.notify(changes(result) if callable(changes) else changes)
        return result

    def notify(self, changes: Changes) -> None:
        """Tell every view about a committed change: `saved`, the per-kind signals, then `changed`."""
        self.last_saved = datetime.now()
        self.saved.emit(self.last_saved)
        for case_uuid in sorted(changes.added_cases):
            self.case_added.emit(case_uuid)
        for case_uuid, question_id in sorted(changes.answers):
            self.answer_changed.emit(case_uuid, question_id)
        touched = changes.cases | {case_uuid for case_uuid, _question in changes.answers}
        for case_uuid in sorted(touched - changes.added_cases):
            self.case_changed.emit(case_uuid)
        if changes.everything:
            self.cases_reset.emit()
        self.changed.emit(changes)

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StorageError(f"{self.path.name} is open read-only ({self.read_only_reason}); nothing was changed")

    # -- an assessor's writes -----------------------------------------------------------

    def set_answer(self, case_uuid: str, question_id: str, value: str | None) -> AnswerRecord:
        ref = self.case(case_uuid).case_ref
        return self.run(
            lambda file: file.set_answer(ref, question_id, value), Changes.of(answers=[(case_uuid, question_id)])
        )

    def set_note(self, case_uuid: str, question_id: str, note: str) -> AnswerRecord:
        ref = self.case(case_uuid).case_ref
        return self.run(
            lambda file: file.set_note(ref, question_id, note), Changes.of(answers=[(case_uuid, question_id)])
        )

    def add_case(self, case_ref: str) -> CaseRecord:
        return self.run(lambda file: file.add_case(case_ref), lambda case: Changes.of(added_cases=[case.uuid]))

    def complete_case(self, case_uuid: str) -> CaseRecord:
        ref = self.case(case_uuid).case_ref
        return self.run(lambda file: file.complete_case(ref), Changes.of(cases=[case_uuid]))

    def reopen_case(self, case_uuid: str) -> CaseRecord:
        ref = self.case(case_uuid).case_ref
        return self.run(lambda file: file.reopen_case(ref), Changes.of(cases=[case_uuid]))

    def set_illustration(self, case_uuid: str, flagged: bool, text: str) -> CaseRecord:
        ref = self.case(case_uuid).case_ref
        return self.run(lambda file: file.set_illustration(ref, flagged, text), Changes.of(cases=[case_uuid]))

    # -- the lead's writes ------------------------------------------------------------

    def set_finding(self, field: str, text: str) -> None:
        """Store one findings text (audited by the store when it differs)."""
        self.run(lambda file: file.set_finding(field, text), Changes.of(findings=[field]))

    def resolve_conflict(
        self, case_ref: str, question_id: str, *, value: str | None = None, take: str | None = None, note: str = ""
    ) -> "Conflict":
        """Settle an open conflict with a value or one assessor's side; the answer and the case change."""
        from hmip_desktop.model.merge.conflicts import resolve_conflict  # the lead's part: loaded when used

        return self.run(
            lambda file: resolve_conflict(file, case_ref, question_id, value=value, take=take, note=note),
            lambda conflict: Changes.of(
                answers=[(conflict.case_uuid, conflict.question_id)], cases=[conflict.case_uuid], conflicts=True
            ),
        )

    def reopen_conflict(
        self, case_ref: str, question_id: str, *, note: str = "", conflict_id: int | None = None
    ) -> "Conflict":
        """Open a settled conflict again; its case is held out of the scores until it is resolved again."""
        from hmip_desktop.model.merge.conflicts import reopen_conflict

        return self.run(
            lambda file: reopen_conflict(file, case_ref, question_id, note=note, conflict_id=conflict_id),
            lambda conflict: Changes.of(cases=[conflict.case_uuid], conflicts=True),
        )

    def changed_elsewhere(self, changes: Changes | None = None) -> None:
        """Another connection (a worker's import) wrote to the file and committed: views read again."""
        self.notify(changes if changes is not None else Changes.all())
