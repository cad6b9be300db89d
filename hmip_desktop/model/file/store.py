"""The inspection file (``.hmip``): one SQLite database per assessor, opened as an `InspectionFile`.

Every change is its own committed transaction (rollback journal,
``synchronous=FULL``), so a change reported as saved survives a crash or a
killed process, and after the program ends the ``.hmip`` file alone holds
everything (no WAL side file to forget when copying to a stick).

Beside this module: `records` (the row types), `rules` (what a user may type),
`connection` (opening SQLite, its errors), `audit` (the hash-chained log),
`integrity` (is the layout ours), `seal` (what changed outside the app).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hmip_desktop.model.errors import CaseError, FileNotInspection, InvalidAnswer, StorageError, UserError
from hmip_desktop.model.file.connection import (
    backup_before_migration,
    check_header,
    connect,
    connect_for_reading,
    creation_error,
    decoded_by_sqlite,
    open_error,
    sniff_sqlite,
    storage_error,
)
from hmip_desktop.model.file.disk import check_folder_for, write_whole
from hmip_desktop.model.file.integrity import check_pages_sound, check_sound
from hmip_desktop.model.file.migrations import READ_AS_IS_FROM, SCHEMA_VERSION, SEALED_FROM, migrate
from hmip_desktop.model.file.records import (
    ANSWER_COLUMNS,
    AUDIT_COLUMNS,
    CASE_COLUMNS,
    ROLES,
    AnswerRecord,
    Assessor,
    AuditEntry,
    CaseKey,
    CaseRecord,
    CaseStatus,
    FileInfo,
    Provenance,
    Role,
    answer_from_row,
    case_from_row,
)
from hmip_desktop.model.file.rules import (
    CASE_REF_PATTERN,
    check_case_ref,
    check_fieldwork_dates,
    check_note,
    check_note_long,
    check_person_name,
)
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, InstrumentIdentity, default_instrument, find_instrument
from hmip_desktop.model.wording import plural

# `audit` (the log's writer) and `seal` (re-sealing) are imported where a write first needs them: a file
# opened to be read, as the app's start opens one, needs neither (~2.5 ms of a start).
if TYPE_CHECKING:
    from hmip_desktop.model.file.seal import CaseRows, Tracker

FILE_SUFFIX = ".hmip"
#: An answer written in place; the merge's writes also say whether the merge wrote it (merged_revision).
_UPSERT_ANSWER = (
    "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_uuid, question_id) DO UPDATE SET "
    "value = excluded.value, note = excluded.note, revision = excluded.revision, "
    "assessor = excluded.assessor, updated_at = excluded.updated_at"
)
_UPSERT_COPIED_ANSWER = (
    "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at, merged_revision) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_uuid, question_id) DO UPDATE SET "
    "value = excluded.value, note = excluded.note, revision = excluded.revision, "
    "assessor = excluded.assessor, updated_at = excluded.updated_at, merged_revision = excluded.merged_revision"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_uuid() -> str:
    import uuid  # here: opening a file needs no new ids, and uuid imports platform (~3 ms)

    return str(uuid.uuid4())


Clock = Callable[[], str]


class InspectionFile:
    """An open inspection file. Not thread-safe: use one per thread."""

    #: Where time stamps and case ids come from; the demo generator swaps in
    #: seeded ones so that the same seed gives the same files.
    clock: Clock = staticmethod(now_iso)
    new_uuid: Clock = staticmethod(new_uuid)

    def __init__(self, path: Path, conn: sqlite3.Connection, instrument: Instrument, *, read_only: bool) -> None:
        self.path = path
        self.conn = conn
        self.instrument = instrument
        self.read_only = read_only
        meta = self.meta()
        owner = conn.execute("SELECT name, role FROM assessors WHERE is_owner = 1").fetchone()
        if owner is None:
            raise FileNotInspection(f"{path.name} names no assessor; it is damaged")
        self.owner = Assessor(name=owner[0], role=owner[1], is_owner=True)
        self.inspection_id = meta["inspection_id"]
        #: Whether the checks `open(check_later=True)` left are still to run (`finish_checks`).
        self.checks_pending = False
        #: Whether each commit re-seals what it changed (seal.py): every writable file from schema 3.
        self.sealing = not read_only and self.schema_version() >= SEALED_FROM
        #: What this connection changes, followed by TEMP triggers put in before its first write
        #: (`transaction`): ~1 ms of creating them is not spent opening a file only to read it.
        self._tracker: Tracker | None = None

    # -- lifecycle -----------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path | str,
        *,
        inspection_id: str,
        area: str,
        assessor: str,
        role: Role = "inspector",
        instrument: Instrument | None = None,
        start_date: str = "",
        end_date: str = "",
        overwrite: bool = False,
        clock: Clock | None = None,
        uuid_factory: Clock | None = None,
    ) -> InspectionFile:
        path = Path(path)
        clock = clock or now_iso
        uuid_factory = uuid_factory or new_uuid
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        inspection_id = inspection_id.strip()
        if not CASE_REF_PATTERN.match(inspection_id):
            raise UserError("the inspection id must be 1-40 letters, digits, '-', '_', '.' or '/'")
        area = check_person_name(area, "area name")
        assessor = check_person_name(assessor)
        start_date, end_date = check_fieldwork_dates(start_date, end_date)
        if path.exists() and not overwrite:
            raise UserError(f"{path} already exists; choose another name or remove it first")
        check_folder_for(path)
        instrument = instrument or default_instrument()
        stamp = clock()
        values = {
            "inspection_id": inspection_id,
            "area": area,
            "start_date": start_date,
            "end_date": end_date,
            "file_uuid": uuid_factory(),
            "created_at": stamp,
            "instrument_id": instrument.id,
            "instrument_version": instrument.version,
            "instrument_sha256": instrument.sha256,
        }

        def fill(tmp: Path) -> None:
            conn = connect(tmp)
            try:
                migrate(conn, applied_at=stamp)
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", values.items())
                conn.execute(
                    "INSERT INTO assessors (name, role, is_owner, added_at) VALUES (?, ?, 1, ?)",
                    (assessor, role, stamp),
                )
                if conn.execute("PRAGMA user_version").fetchone()[0] >= SEALED_FROM:
                    from hmip_desktop.model.file.seal import reseal_all

                    reseal_all(conn)
                conn.execute("COMMIT")
            finally:
                conn.close()

        # Only a complete file ever has the real name, and (unless asked to overwrite) never in place of a
        # file that took the name while this one was made: two makers of one name never share a temporary.
        try:
            write_whole(path, fill, never_replace="" if overwrite else "inspection file")
        except sqlite3.Error as exc:
            raise creation_error(exc, path) from exc
        inspection = cls.open(path)
        if clock is not now_iso:
            inspection.clock = clock
        if uuid_factory is not new_uuid:
            inspection.new_uuid = uuid_factory
        with inspection.transaction():
            inspection.audit("create", detail=f"inspection {inspection_id} ({area}); {assessor} as {role}")
        return inspection

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False, check_later: bool = False) -> InspectionFile:
        """Open an inspection file, checking it is one of ours, sound and of a schema we read.

        `check_later`: the checks that read the whole file are left to `finish_checks`, which the
        app calls once the file is on screen: SQLite's page check (quick_check, ~10 ms a 7 MB file)
        and the check that every answer value reads (`check_values`, ~4 ms for 86 cases). Another
        program's database and an unknown schema are still refused here, and the first write runs
        the checks left if they have not run yet (`transaction`). Until they have, a read may still
        meet a damaged value: it raises FileNotInspection as always.
        """
        path = Path(path)
        sniff_sqlite(path)
        try:
            conn = connect_for_reading(path) if read_only else connect(path)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise open_error(exc, path) from exc
        try:
            version = check_header(conn, path)
            check_later = check_later and (version == SCHEMA_VERSION or read_only)  # never migrate unchecked
            check_sound(conn, path, pages=not check_later)
            if version < SCHEMA_VERSION:
                if read_only and version < READ_AS_IS_FROM:
                    raise UserError(f"{path.name} uses an older file format; open it for editing to upgrade it")
                if not read_only:
                    backup_before_migration(path, version)
                    migrate(conn)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            identity = InstrumentIdentity(
                id=meta["instrument_id"], version=meta["instrument_version"], sha256=meta["instrument_sha256"]
            )
            instrument = find_instrument(identity)
            inspection = cls(path, conn, instrument, read_only=read_only)
            inspection.checks_pending = check_later
            return inspection
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            conn.close()
            raise open_error(exc, path) from exc
        except KeyError as exc:
            conn.close()
            raise FileNotInspection(f"{path.name} is missing {exc.args[0]!r}; it is damaged") from exc
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def finish_checks(self) -> None:
        """The checks `open(check_later=True)` left, if they have not run: SQLite's page check, then
        every answer value reading as text. FileNotInspection if one fails (and it runs again next time)."""
        if self.checks_pending:
            try:
                check_pages_sound(self.conn, self.path)
            except sqlite3.DatabaseError as exc:
                raise open_error(exc, self.path) from exc
            self.check_values()
            self.checks_pending = False

    def __enter__(self) -> InspectionFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed unit of change; nothing is left half-written on failure."""
        if self.read_only:
            raise StorageError(f"{self.path.name} is open read-only; nothing was changed")
        self.finish_checks()  # nothing is written to a file not checked whole
        if self.sealing and self._tracker is None:
            from hmip_desktop.model.file.seal import install_tracking

            self._tracker = install_tracking(self.conn)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from exc
        try:
            yield self.conn
            if self._tracker is not None:
                self._seal(self._tracker)
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise storage_error(exc, self.path) from exc
        except BaseException:
            self._rollback()
            raise

    def _seal(self, tracker: Tracker) -> None:
        """Before COMMIT: log what was found changed outside the app since its last save, then re-seal."""
        from hmip_desktop.model.file.audit import OUTSIDE_EDIT
        from hmip_desktop.model.file.seal import reseal

        while found := tracker.take_found():  # logging can touch the log's own end for the first time
            for subject, problem in sorted(found.items()):
                ref = None
                if subject.startswith("case:"):
                    row = self.conn.execute("SELECT case_ref FROM cases WHERE uuid = ?", (subject[5:],)).fetchone()
                    ref = row[0] if row else None
                self.audit(OUTSIDE_EDIT, case_ref=ref, detail=f"found before this save: {problem}")
        reseal(self.conn, tracker)

    def _rollback(self) -> None:
        if self._tracker is not None:
            self._tracker.reset()
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- reading ------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def info(self) -> FileInfo:
        meta = self.meta()
        counts = dict(self.conn.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
        return FileInfo(
            path=self.path,
            file_uuid=meta["file_uuid"],
            inspection_id=meta["inspection_id"],
            area=meta["area"],
            start_date=meta.get("start_date", ""),
            end_date=meta.get("end_date", ""),
            owner=self.owner,
            instrument=self.instrument.identity,
            schema_version=self.schema_version(),
            cases_total=sum(counts.values()),
            cases_complete=counts.get("complete", 0),
            cases_draft=counts.get("draft", 0),
        )

    def assessors(self) -> list[Assessor]:
        rows = self.conn.execute("SELECT name, role, is_owner FROM assessors ORDER BY is_owner DESC, name")
        return [Assessor(name=r[0], role=r[1], is_owner=bool(r[2])) for r in rows]

    def list_cases(self) -> list[CaseRecord]:
        rows = self.conn.execute(f"SELECT {CASE_COLUMNS} FROM cases ORDER BY case_ref")
        return [case_from_row(row) for row in rows]

    def find_case(self, case_ref: str) -> CaseRecord | None:
        """The case with this reference, in any letter case (`case_ref_key`)."""
        ref = case_ref.strip()
        row = self.conn.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE case_ref = ?", (ref,)).fetchone()
        if row is not None:
            return case_from_row(row)
        # NOCASE folds ASCII letters only, as case_ref_key does (an index serves it from schema 3).
        rows = self.conn.execute(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE case_ref = ? COLLATE NOCASE LIMIT 2", (ref,)
        ).fetchall()
        if len(rows) > 1:
            raise CaseError(
                f"{self.path.name} holds {rows[0][1]} and {rows[1][1]}, which differ only in letter case, so "
                f"{ref!r} is ambiguous; use the exact reference (`hmip verify` lists such cases)"
            )
        return case_from_row(rows[0]) if rows else None

    def get_case(self, case_ref: str) -> CaseRecord:
        case = self.find_case(case_ref)
        if case is None:
            raise CaseError(f"there is no case {case_ref!r} in {self.path.name}; `hmip cases list` shows the cases")
        return case

    def case_by_uuid(self, case_uuid: str) -> CaseRecord:
        row = self.conn.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE uuid = ?", (case_uuid,)).fetchone()
        if row is None:
            raise CaseError(f"no case with id {case_uuid}")
        return case_from_row(row)

    def answers_for(self, case_uuid: str) -> dict[str, AnswerRecord]:
        rows = self.conn.execute(f"SELECT {ANSWER_COLUMNS} FROM answers WHERE case_uuid = ?", (case_uuid,))
        return {row[1]: answer_from_row(row) for row in rows}

    def answer(self, case_uuid: str, question_id: str) -> AnswerRecord | None:
        row = self.conn.execute(
            f"SELECT {ANSWER_COLUMNS} FROM answers WHERE case_uuid = ? AND question_id = ?", (case_uuid, question_id)
        ).fetchone()
        return answer_from_row(row) if row else None

    def values_for(self, case_uuid: str) -> dict[str, str]:
        with decoded_by_sqlite(self.conn, self.path):  # ~25 % faster than the connection's text_factory
            rows = self.conn.execute(
                "SELECT question_id, value FROM answers WHERE case_uuid = ? AND value IS NOT NULL", (case_uuid,)
            )
            return dict(rows.fetchall())

    def all_values(self) -> dict[str, dict[str, str]]:
        """Answer values of every case, by case uuid (one query, for scoring)."""
        values: dict[str, dict[str, str]] = {}
        last_uuid: object = object()  # matches no row
        case_values: dict[str, str] = {}
        with decoded_by_sqlite(self.conn, self.path):
            for case_uuid, question_id, value in self.conn.execute(
                "SELECT case_uuid, question_id, value FROM answers WHERE value IS NOT NULL"
            ):
                if case_uuid != last_uuid:  # rows come mostly a case at a time: one dict lookup per run
                    last_uuid, case_values = case_uuid, values.setdefault(case_uuid, {})
                case_values[question_id] = value
        return values

    def open_conflict_count(self) -> int:
        """How many conflicts are open (the lead's Conflicts tab badge), counted without reading them."""
        return int(self.conn.execute("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL").fetchone()[0])

    def check_values(self) -> None:
        """Every answer value reads as text, or FileNotInspection names the file (as `all_values` would).

        One string, every value joined by SQLite and decoded once by sqlite3 (~2 ms for an 86-case
        file's 15,000 answers once its pages are read, against ~11 ms to read them all): the app
        refuses a damaged value just after the file opens (`finish_checks`) without reading every
        answer. The separator is ASCII, so invalid UTF-8 in a value stays invalid beside it, and the
        joined text decodes exactly when every value does.
        """
        with decoded_by_sqlite(self.conn, self.path):
            self.conn.execute("SELECT group_concat(value, char(31)) FROM answers WHERE value IS NOT NULL").fetchone()

    def all_answers(self) -> dict[str, dict[str, AnswerRecord]]:
        answers: dict[str, dict[str, AnswerRecord]] = {}
        for row in self.conn.execute(f"SELECT {ANSWER_COLUMNS} FROM answers"):
            answers.setdefault(row[0], {})[row[1]] = answer_from_row(row)
        return answers

    def progress(self, case_uuid: str) -> tuple[int, int]:
        """(answered, relevant) for a case."""
        values = self.values_for(case_uuid)
        relevant = relevance.relevant_question_ids(self.instrument, values)
        answered = sum(1 for qid in relevant if qid in values)
        return answered, len(relevant)

    def audit_entries(self, since_seq: int = 0) -> list[AuditEntry]:
        rows = self.conn.execute(f"SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > ? ORDER BY seq", (since_seq,))
        return [AuditEntry(*row) for row in rows]

    def finding(self, field: str) -> str:
        row = self.conn.execute("SELECT text FROM findings WHERE field = ?", (field,)).fetchone()
        return str(row[0]) if row else ""

    def findings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT field, text FROM findings").fetchall())

    # -- writing --------------------------------------------------------------

    @property
    def actor(self) -> str:
        return self.owner.name

    def audit(
        self,
        action: str,
        *,
        case_ref: str | None = None,
        question_id: str | None = None,
        old_value: str | None = None,
        new_value: str | None = None,
        detail: str = "",
    ) -> None:
        """Record one action in the audit log, inside the caller's `transaction()`."""
        entry = {
            "action": action,
            "case_ref": case_ref,
            "question_id": question_id,
            "old_value": old_value,
            "new_value": new_value,
            "detail": detail,
        }
        self.audit_many([entry])

    def audit_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Record many actions at once, inside the caller's `transaction()` (see `audit.append_audit_entries`)."""
        from hmip_desktop.model.file.audit import append_audit_entries

        append_audit_entries(self.conn, self.clock(), self.actor, entries)

    def add_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self.insert_case(case_ref)
        return case

    # The one write path. Each method below changes the file inside the caller's `transaction()`,
    # with its audit entries; the CSV import, the demo, the merge and conflict resolution share them.

    def insert_case(self, case_ref: str) -> CaseRecord:
        """Add a draft case; CaseError unless the reference is valid and new (in any letter case)."""
        ref = check_case_ref(case_ref)
        existing = self.find_case(ref)
        if existing is not None:
            same = (
                "" if existing.case_ref == ref else f" as {existing.case_ref} (references differ only in letter case)"
            )
            raise CaseError(f"case {ref} already exists{same}")
        stamp = self.clock()
        case_uuid = self.new_uuid()
        self.conn.execute(
            "INSERT INTO cases (uuid, case_ref, status, created_by, created_at, updated_at) "
            "VALUES (?, ?, 'draft', ?, ?, ?)",
            (case_uuid, ref, self.actor, stamp, stamp),
        )
        self.audit("case-add", case_ref=ref)
        return self.case_by_uuid(case_uuid)

    def check_option(self, question_id: str, value: str | None) -> None:
        """Raise InvalidAnswer unless the question exists and `value` is one of its options (or None)."""
        question = self.instrument.by_id.get(question_id)
        if question is None:
            raise InvalidAnswer(f"there is no question {question_id!r} in {self.instrument.id}")
        if value is not None and question.option(value) is None:
            allowed = ", ".join(o.value for o in question.options)
            raise InvalidAnswer(f"{value!r} is not an answer to {question_id}; use one of: {allowed}")

    def check_answer(self, case_uuid: str | None, question_id: str, value: str | None) -> None:
        """Raise InvalidAnswer unless `value` is allowed for this question in this case."""
        self.check_option(question_id, value)
        question = self.instrument.by_id[question_id]
        if value is None or question.relevant_if is None:
            return
        values = self.values_for(case_uuid) if case_uuid else {}
        values.pop(question_id, None)
        if question_id not in relevance.relevant_question_ids(self.instrument, values):
            reason = relevance.explain_rule(self.instrument, question.relevant_if)
            raise InvalidAnswer(f"{question_id} does not apply to this case: it {reason}")

    def write_answer(
        self,
        case: CaseKey,
        question_id: str,
        value: str | None,
        note: str | None,
        *,
        provenance: Provenance | None = None,
    ) -> AnswerRecord:
        """Set one answer (value None clears it; note None keeps the note); unchanged, the old record.

        Without `provenance`, the owner's own judgement: allowed only in a draft case and only
        where the question applies, the case marked changed, an "answer" and/or "note" entry.
        With it, the merge or conflict resolution copying an answer as its source gives it:
        any case, any order of answers (the value is still one of the question's options),
        recorded as the source's assessor, one `provenance.action` entry; the caller marks
        the case changed once for all of its answers (`touch_case`).
        """
        if provenance is None:
            self.check_answer(case.uuid, question_id, value)
            if case.status == "complete":
                raise CaseError(f"case {case.case_ref} is marked complete; reopen it before changing answers")
        else:
            self.check_option(question_id, value)
        clean_note = check_note(note) if note is not None and provenance is None else note
        old = self.answer(case.uuid, question_id)
        old_note = old.note if old else ""
        new_note = clean_note if clean_note is not None else old_note
        if old is not None and old.value == value and old.note == new_note:
            return old
        revision = old.revision + 1 if old else 1
        old_value = old.value if old else None
        if provenance is None:
            stamp = self.clock()
            self.conn.execute(_UPSERT_ANSWER, (case.uuid, question_id, value, new_note, revision, self.actor, stamp))
            self.touch_case(case.uuid, stamp)
            if old_value != value:
                self.audit(
                    "answer", case_ref=case.case_ref, question_id=question_id, old_value=old_value, new_value=value
                )
            if old_note != new_note:
                self.audit(
                    "note", case_ref=case.case_ref, question_id=question_id, detail=f"{len(new_note)} characters"
                )
            return AnswerRecord(case.uuid, question_id, value, new_note, revision, self.actor, stamp)
        stamp = provenance.updated_at or self.clock()
        # merged_revision: the merge wrote it (the sources' view), as opposed to the lead deciding it (a
        # conflict resolution); a later source change applies only to the former.
        merged_revision = revision if provenance.merged else None
        self.conn.execute(
            _UPSERT_COPIED_ANSWER,
            (case.uuid, question_id, value, new_note, revision, provenance.assessor, stamp, merged_revision),
        )
        self.audit(
            provenance.action,
            case_ref=case.case_ref,
            question_id=question_id,
            old_value=old_value,
            new_value=value,
            detail=provenance.detail if old_value != value else f"note only; {provenance.detail}",
        )
        return AnswerRecord(case.uuid, question_id, value, new_note, revision, provenance.assessor, stamp)

    def set_answer(
        self,
        case_ref: str,
        question_id: str,
        value: str | None,
        note: str | None = None,
        *,
        create_case: bool = False,
    ) -> AnswerRecord:
        """Record one judgement (value None clears it; note None keeps the note)."""
        with self.transaction():
            case = self.find_case(case_ref)
            if case is None:
                if not create_case:
                    self.get_case(case_ref)
                case = self.insert_case(case_ref)
            return self.write_answer(case, question_id, value, note)

    def set_note(self, case_ref: str, question_id: str, note: str) -> AnswerRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            old = self.answer(case.uuid, question_id)
            return self.write_answer(case, question_id, old.value if old else None, note)

    def insert_case_rows(self, table: str, columns: Sequence[str], cases: Sequence[CaseRows]) -> None:
        """Insert whole cases' rows into `table`, inside the caller's transaction: a merge taking in the
        cases new to it. `cases`: (case id, its rows with values in `columns`' order, their
        `seal.part_digest` if worked out already). Sealed from what was written when they are all of
        the case's rows there (`seal.Tracker.insert_case_rows`)."""
        if self._tracker is not None:
            self._tracker.insert_case_rows(table, columns, cases)
            return
        from hmip_desktop.model.file.seal import insert_statement

        rows = [row for _case, case_rows, _digest in cases for row in case_rows]
        self.conn.executemany(insert_statement(table, columns), rows)  # a file of a schema without seals

    def touch_case(self, case_uuid: str, stamp: str | None = None) -> None:
        """Mark a case changed (its revision and time), inside the caller's transaction."""
        self.conn.execute(
            "UPDATE cases SET updated_at = ?, revision = revision + 1 WHERE uuid = ?",
            (stamp or self.clock(), case_uuid),
        )

    def write_status(self, case: CaseKey, status: CaseStatus, *, provenance: Provenance | None = None) -> None:
        """Set a case's status: the owner's (case marked changed, a "status" entry), or, with
        `provenance`, the merge's (one `provenance.action` entry; the caller marks the case)."""
        self.conn.execute("UPDATE cases SET status = ? WHERE uuid = ?", (status, case.uuid))
        if provenance is None:
            self.touch_case(case.uuid)
            self.audit("status", case_ref=case.case_ref, old_value=case.status, new_value=status)
        else:
            self.audit(
                provenance.action,
                case_ref=case.case_ref,
                old_value=case.status,
                new_value=status,
                detail=provenance.detail,
            )

    def write_illustration(self, case: CaseKey, flagged: bool, text: str, *, provenance: Provenance) -> None:
        """Set a case's practice illustration as the merge takes it from its sources (one `provenance.action`
        entry; the caller marks the case changed). The owner's own goes through `set_illustration`."""
        self.conn.execute(
            "UPDATE cases SET illustration = ?, illustration_text = ? WHERE uuid = ?", (int(flagged), text, case.uuid)
        )
        self.audit(provenance.action, case_ref=case.case_ref, new_value=str(int(flagged)), detail=provenance.detail)

    def complete_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            if case.is_complete:
                return case
            missing = relevance.unanswered_relevant(self.instrument, self.values_for(case.uuid))
            if missing:
                raise CaseError(
                    f"case {case.case_ref} has {len(missing)} unanswered {plural(len(missing), 'question')} that "
                    f"{plural(len(missing), 'applies; answer it', 'apply; answer them')} first",
                    [f"{qid}: {self.instrument.question(qid).chart_label}" for qid in missing],
                )
            self.write_status(case, "complete")
        return self.get_case(case_ref)

    def reopen_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            if case.is_complete:
                self.write_status(case, "draft")
        return self.get_case(case_ref)

    def set_illustration(self, case_ref: str, flagged: bool, text: str) -> CaseRecord:
        text = check_note(text)
        with self.transaction():
            case = self.get_case(case_ref)
            if case.illustration == flagged and case.illustration_text == text:
                return case
            self.conn.execute(
                "UPDATE cases SET illustration = ?, illustration_text = ? WHERE uuid = ?",
                (int(flagged), text, case.uuid),
            )
            self.touch_case(case.uuid)
            self.audit(
                "illustration",
                case_ref=case.case_ref,
                old_value=str(int(case.illustration)),
                new_value=str(int(flagged)),
                detail=f"{len(text)} characters",
            )
        return self.get_case(case_ref)

    def set_finding(self, field: str, text: str) -> None:
        text = check_note_long(text)
        with self.transaction():
            old = self.finding(field)
            if old == text:
                return
            self.conn.execute(
                "INSERT INTO findings (field, text, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (field) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (field, text, self.clock(), self.actor),
            )
            self.audit("finding", detail=f"{field}: {len(text)} characters")

    def add_assessor(self, name: str, role: Role) -> None:
        """Record a team member (used by the merge); the owner is never replaced."""
        name = check_person_name(name)
        self.conn.execute(
            "INSERT INTO assessors (name, role, is_owner, added_at) VALUES (?, ?, 0, ?) ON CONFLICT (name) DO NOTHING",
            (name, role, self.clock()),
        )
