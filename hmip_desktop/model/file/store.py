"""The inspection file (``.hmip``): one SQLite database per assessor.

Every change is its own committed transaction (rollback journal,
``synchronous=FULL``), so a change reported as saved survives a crash or a
killed process, and after the program ends the ``.hmip`` file alone holds
everything (no WAL side file to forget when copying to a stick).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import string
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Literal

from hmip_desktop.model.errors import (
    CaseError,
    FileLocked,
    FileNotInspection,
    InvalidAnswer,
    SchemaTooNew,
    StorageError,
    UserError,
)
from hmip_desktop.model.file.disk import check_folder_for, remove_quietly, unwritable, write_error
from hmip_desktop.model.file.integrity import check_sound
from hmip_desktop.model.file.lock import FileLock
from hmip_desktop.model.file.migrations import (
    APPLICATION_ID,
    READ_AS_IS_FROM,
    SCHEMA_VERSION,
    SEALED_FROM,
    migrate,
)
from hmip_desktop.model.file.seal import Tracker, install_tracking, reseal, reseal_all
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import (
    Instrument,
    InstrumentIdentity,
    default_instrument,
    find_instrument,
    to_json,
)

FILE_SUFFIX = ".hmip"
ROLES = ("inspector", "local-assessor", "lead")
Role = Literal["inspector", "local-assessor", "lead"]
CaseStatus = Literal["draft", "complete"]

#: Case references, never names: letters, digits and a few separators. `\Z`, not `$`, which would
#: also match before a final line break ("KT-0001\n").
CASE_REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}\Z")
#: Folds ASCII letters only, exactly as SQLite's NOCASE collation does.
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
MAX_NOTE_CHARS = 20_000
MAX_NAME_CHARS = 80
GENESIS_HASH = "0" * 64
#: The audit action recording that a save found something changed outside the app since the last one.
OUTSIDE_EDIT = "outside-edit"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_uuid() -> str:
    return str(uuid.uuid4())


Clock = Callable[[], str]


@dataclass(frozen=True)
class CaseRecord:
    uuid: str
    case_ref: str
    status: CaseStatus
    illustration: bool
    illustration_text: str
    revision: int
    created_by: str
    created_at: str
    updated_at: str

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"


@dataclass(frozen=True)
class AnswerRecord:
    case_uuid: str
    question_id: str
    value: str | None
    note: str
    revision: int
    assessor: str
    updated_at: str


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    case_ref: str | None
    question_id: str | None
    old_value: str | None
    new_value: str | None
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Assessor:
    name: str
    role: Role
    is_owner: bool


@dataclass(frozen=True)
class FileInfo:
    path: Path
    file_uuid: str
    inspection_id: str
    area: str
    start_date: str
    end_date: str
    owner: Assessor
    instrument: InstrumentIdentity
    schema_version: int
    cases_total: int
    cases_complete: int
    cases_draft: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "file_uuid": self.file_uuid,
            "inspection": {
                "id": self.inspection_id,
                "area": self.area,
                "start_date": self.start_date,
                "end_date": self.end_date,
            },
            "assessor": {"name": self.owner.name, "role": self.owner.role},
            "instrument": to_json(self.instrument),
            "schema_version": self.schema_version,
            "cases": {"total": self.cases_total, "complete": self.cases_complete, "draft": self.cases_draft},
        }


# -- validation helpers -----------------------------------------------------------


def check_case_ref(case_ref: str) -> str:
    """The case reference as stored (surrounding spaces dropped); CaseError unless it is valid.

    The one rule for every way a case reference comes in: typed, CSV, command line, demo, merge.
    """
    ref = case_ref.strip()
    if not CASE_REF_PATTERN.match(ref):
        raise CaseError(
            f"{case_ref!r} is not a valid case reference: use 1-40 letters, digits, '-', '_', '.' or '/' "
            "(case references only, never names)"
        )
    return ref


def case_ref_key(case_ref: str) -> str:
    """What makes two case references the same case: `KT-0001` and ` kt-0001` are one case.

    Case management systems print references in either letter case, and an assessor types
    them either way; two cases whose references differ only in letter case would be the
    same person's case counted twice. The store keys lookups and new cases by this (the
    first spelling recorded is kept); the merge matches incoming cases by it.
    """
    return case_ref.strip().translate(_ASCII_FOLD)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


def check_fieldwork_dates(start_date: str, end_date: str) -> tuple[str, str]:
    """Fieldwork dates as YYYY-MM-DD (either may be empty); the last day not before the first."""
    dates: list[date | None] = []
    for what, text in (("start", start_date), ("end", end_date)):
        text = text.strip()
        if not text:
            dates.append(None)
            continue
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            dates.append(date.fromisoformat(text))
        except ValueError:
            raise UserError(
                f"the fieldwork {what} date {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2014-01-13"
            ) from None
    first, last = dates
    if first is not None and last is not None and last < first:
        raise UserError(f"the fieldwork ends ({last}) before it starts ({first}); check the two dates")
    return (first.isoformat() if first else "", last.isoformat() if last else "")


def check_person_name(name: str, what: str = "assessor name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_CHARS or any(ord(c) < 32 for c in name):
        raise UserError(f"the {what} must be 1-{MAX_NAME_CHARS} printable characters")
    return cleaned


def check_note(note: str) -> str:
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidAnswer(
            f"the evidence note is {len(note):,} characters long; the limit is {MAX_NOTE_CHARS:,}. "
            "Shorten it (keep the evidence, refer to the case record for detail)"
        )
    return clean_text(note)


def clean_text(text: str) -> str:
    """Text as stored: tabs and line breaks kept, other control characters a paste can bring in dropped.

    Every line break becomes "\n": Windows' "\r\n", and a lone "\r" (old Mac files, some
    spreadsheets), which would otherwise vanish and run two lines of a note together.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 32)


# The keys of an audit entry's hashed JSON, in sorted order (as json.dumps(sort_keys=True) writes them).
_TEMPLATE = (
    '{{"action":{},"actor":{},"at":{},"case_ref":{},"detail":{},"new_value":{},"old_value":{},"question_id":{}}}'
)


def _json(value: object) -> str:
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    # Anything else only comes from a doctored file; json.dumps keeps the hash well defined.
    return json.dumps(value, ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    at: object,
    actor: object,
    action: object,
    case_ref: object,
    question_id: object,
    old_value: object,
    new_value: object,
    detail: object,
) -> str:
    """The hash of one audit entry chained to `prev_hash`."""
    payload = _TEMPLATE.format(
        _json(action), _json(actor), _json(at), _json(case_ref), _json(detail), _json(new_value),
        _json(old_value), _json(question_id),
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def audit_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return entry_hash(prev_hash, *(fields[name] for name in _AUDIT_FIELDS))


_AUDIT_FIELDS = ("at", "actor", "action", "case_ref", "question_id", "old_value", "new_value", "detail")


# -- opening --------------------------------------------------------------------

_ENVIRONMENT_ERRORS = {
    "database is locked": "the file is busy in another program; close it there and try again",
    "database or disk is full": "the disk is full; free some space and try again",
    "attempt to write a readonly database": (
        "the file or its folder is read-only; make it writable, or copy it to a writable folder together with "
        "any file beside it whose name ends in -journal"
    ),
    "disk I/O error": "the disk reported an error; check the drive and try again",
    "unable to open database file": "the file cannot be opened; check the path and its permissions",
}


def storage_error(exc: sqlite3.Error, path: Path) -> UserError:
    """Turn an SQLite environment error into a user message (qutebrowser's split)."""
    text = str(exc)
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY_ROLLBACK:
        return UnfinishedSave(unfinished_save_message(path, "it is on a read-only disk or folder"))
    for fragment, advice in _ENVIRONMENT_ERRORS.items():
        if fragment in text:
            cls = FileLocked if fragment == "database is locked" else StorageError
            return cls(f"{path.name}: {advice}. Nothing was changed.")
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text):
        return FileNotInspection(f"{path.name} is damaged ({text}); use a backup copy")
    raise exc


def open_error(exc: sqlite3.Error | UnicodeDecodeError, path: Path) -> UserError:
    """While opening, an SQLite error the environment does not explain means a bad file, not a bug.

    (A damaged schema makes SQLite's own error message undecodable: UnicodeDecodeError.)
    """
    try:
        if isinstance(exc, UnicodeDecodeError):
            raise exc
        return storage_error(exc, path)
    except (sqlite3.Error, UnicodeDecodeError):
        return FileNotInspection(
            f"{path.name} cannot be read as an inspection file ({exc}); it is damaged or from another program"
        )


def sniff_sqlite(path: Path) -> None:
    """Refuse, with a plain message, anything that is not an SQLite file."""
    if not path.exists():
        raise FileNotInspection(f"{path} does not exist")
    if not path.is_file():
        raise FileNotInspection(f"{path} is not a file")
    size = path.stat().st_size
    if size == 0:
        raise FileNotInspection(f"{path.name} is empty (0 bytes); it is not an inspection file")
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
        raise FileNotInspection(f"{path.name} is not an HMIP inspection file (not an SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    if page_size and page_count and size < page_size * page_count:
        raise FileNotInspection(f"{path.name} is truncated ({size:,} bytes); use a complete copy")


class UnfinishedSave(StorageError):
    """A save cut off by a stopped program that cannot be finished here (read-only place, or open elsewhere)."""


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def unfinished_save_message(path: Path, reason: str, advice: str = "") -> str:
    journal = journal_path(path).name
    advice = advice or (
        f"Make the folder writable, or copy the whole folder (both files together) somewhere writable, "
        f"then run the command again on {path.name} there"
    )
    return (
        f"{path.name} has a save that was cut off when a program stopped, and it cannot be finished here: "
        f"{reason}. {journal} beside it holds what is needed to undo the cut-off save; keep the two files "
        f"together, since {path.name} without {journal} is damaged. {advice}. Nothing was changed."
    )


def finish_unfinished_save(path: Path) -> None:
    """Roll back a save cut off by a killed process (a hot ``-journal``), under the edit lock.

    A read-only connection cannot do this (SQLite then refuses every read), and a
    copy of the file without its journal holds half a save. So: take the edit lock,
    let a writable connection roll the journal back (SQLite does exactly this on any
    writable open), release. Refuses, changing nothing, when the place is read-only
    or another HMIP Desktop holds the file for editing.
    """
    lock = FileLock(path)
    try:
        holder = lock.acquire()
    except StorageError:
        raise UnfinishedSave(unfinished_save_message(path, "its folder is read-only")) from None
    if holder is not None:
        raise UnfinishedSave(
            unfinished_save_message(
                path,
                f"it is open for editing in {holder.describe()}",
                "Close it there (or wait for that program to finish), then run the command again",
            )
        )
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=2.0)
        try:
            conn.execute("PRAGMA user_version").fetchone()  # the first read rolls the journal back
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_READONLY_ROLLBACK, sqlite3.SQLITE_READONLY) or (
            "readonly" in str(exc)
        ):
            raise UnfinishedSave(unfinished_save_message(path, "it is on a read-only disk or folder")) from exc
        raise storage_error(exc, path) from exc
    finally:
        lock.release()


def connect_for_reading(path: Path) -> sqlite3.Connection:
    """A read-only connection; a save cut off by a killed process is first finished (rolled back)."""
    conn = connect(path, read_only=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()  # reads page 1: SQLite checks for a hot journal
    except sqlite3.OperationalError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_READONLY_ROLLBACK:
            raise
        finish_unfinished_save(path)
        conn = connect(path, read_only=True)
    return conn


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # as_uri() percent-encodes '#', '?' and '%' in the name, which would otherwise end the path.
        uri = f"{path.absolute().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=2.0)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted text is overwritten, not left in free pages (most builds, but not all, default to this).
    conn.execute("PRAGMA secure_delete = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def check_header(conn: sqlite3.Connection, path: Path) -> int:
    """Check application_id and schema version; return the file's schema version."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise FileNotInspection(
            f"{path.name} is an SQLite database of another application, not an HMIP inspection file"
        )
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{path.name} was written by a newer HMIP Desktop (file schema {version}, this version reads "
            f"up to {SCHEMA_VERSION}); update HMIP Desktop to open it"
        )
    if version < 1:
        raise FileNotInspection(f"{path.name} has no inspection data (schema version {version})")
    return int(version)


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
        #: Whether each commit re-seals what it changed (seal.py): every writable file from schema 3.
        self.sealing = not read_only and self.schema_version() >= SEALED_FROM
        self._tracker: Tracker | None = install_tracking(conn) if self.sealing else None

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
        tmp = path.with_name(path.name + ".creating")
        remove_quietly(tmp)
        try:
            conn = connect(tmp)
            stamp = clock()
            migrate(conn, applied_at=stamp)
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
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", values.items())
            conn.execute(
                "INSERT INTO assessors (name, role, is_owner, added_at) VALUES (?, ?, 1, ?)", (assessor, role, stamp)
            )
            if conn.execute("PRAGMA user_version").fetchone()[0] >= SEALED_FROM:
                reseal_all(conn)
            conn.execute("COMMIT")
            conn.close()
            # Only a complete file ever appears under the real name.
            tmp.replace(path)
        except sqlite3.Error as exc:
            remove_quietly(tmp)
            raise _creation_error(exc, path) from exc
        except OSError as exc:
            remove_quietly(tmp)
            raise write_error(exc, path) from exc
        except BaseException:
            remove_quietly(tmp)
            raise
        inspection = cls.open(path)
        if clock is not now_iso:
            inspection.clock = clock
        if uuid_factory is not new_uuid:
            inspection.new_uuid = uuid_factory
        inspection._audit("create", detail=f"inspection {inspection_id} ({area}); {assessor} as {role}")
        return inspection

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> InspectionFile:
        path = Path(path)
        sniff_sqlite(path)
        try:
            conn = connect_for_reading(path) if read_only else connect(path)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise open_error(exc, path) from exc
        try:
            version = check_header(conn, path)
            check_sound(conn, path)
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
            return cls(path, conn, instrument, read_only=read_only)
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

    def __enter__(self) -> InspectionFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed unit of change; nothing is left half-written on failure."""
        if self.read_only:
            raise StorageError(f"{self.path.name} is open read-only; nothing was changed")
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
        while found := tracker.take_found():  # logging can touch the log's own end for the first time
            for subject, problem in sorted(found.items()):
                ref = None
                if subject.startswith("case:"):
                    row = self.conn.execute("SELECT case_ref FROM cases WHERE uuid = ?", (subject[5:],)).fetchone()
                    ref = row[0] if row else None
                self._audit(
                    OUTSIDE_EDIT, case_ref=ref, detail=f"found before this save: {problem}", in_transaction=True
                )
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
        rows = self.conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases ORDER BY case_ref")
        return [_case(row) for row in rows]

    def find_case(self, case_ref: str) -> CaseRecord | None:
        """The case with this reference, in any letter case (`case_ref_key`)."""
        ref = case_ref.strip()
        row = self.conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE case_ref = ?", (ref,)).fetchone()
        if row is not None:
            return _case(row)
        # NOCASE folds ASCII letters only, as case_ref_key does (an index serves it from schema 3).
        rows = self.conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE case_ref = ? COLLATE NOCASE LIMIT 2", (ref,)
        ).fetchall()
        if len(rows) > 1:
            raise CaseError(
                f"{self.path.name} holds {rows[0][1]} and {rows[1][1]}, which differ only in letter case, so "
                f"{ref!r} is ambiguous; use the exact reference (`hmip verify` lists such cases)"
            )
        return _case(rows[0]) if rows else None

    def get_case(self, case_ref: str) -> CaseRecord:
        case = self.find_case(case_ref)
        if case is None:
            raise CaseError(f"there is no case {case_ref!r} in {self.path.name}; `hmip cases list` shows the cases")
        return case

    def case_by_uuid(self, case_uuid: str) -> CaseRecord:
        row = self.conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE uuid = ?", (case_uuid,)).fetchone()
        if row is None:
            raise CaseError(f"no case with id {case_uuid}")
        return _case(row)

    def answers_for(self, case_uuid: str) -> dict[str, AnswerRecord]:
        rows = self.conn.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE case_uuid = ?", (case_uuid,))
        return {row[1]: _answer(row) for row in rows}

    def answer(self, case_uuid: str, question_id: str) -> AnswerRecord | None:
        row = self.conn.execute(
            f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE case_uuid = ? AND question_id = ?", (case_uuid, question_id)
        ).fetchone()
        return _answer(row) if row else None

    def values_for(self, case_uuid: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT question_id, value FROM answers WHERE case_uuid = ? AND value IS NOT NULL", (case_uuid,)
        )
        return dict(rows.fetchall())

    def all_values(self) -> dict[str, dict[str, str]]:
        """Answer values of every case, by case uuid (one query, for scoring)."""
        values: dict[str, dict[str, str]] = {}
        last_uuid: object = object()  # matches no row
        case_values: dict[str, str] = {}
        for case_uuid, question_id, value in self.conn.execute(
            "SELECT case_uuid, question_id, value FROM answers WHERE value IS NOT NULL"
        ):
            if case_uuid != last_uuid:  # rows come mostly a case at a time: one dict lookup per run
                last_uuid, case_values = case_uuid, values.setdefault(case_uuid, {})
            case_values[question_id] = value
        return values

    def all_answers(self) -> dict[str, dict[str, AnswerRecord]]:
        answers: dict[str, dict[str, AnswerRecord]] = {}
        for row in self.conn.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers"):
            answers.setdefault(row[0], {})[row[1]] = _answer(row)
        return answers

    def progress(self, case_uuid: str) -> tuple[int, int]:
        """(answered, relevant) for a case."""
        values = self.values_for(case_uuid)
        relevant = relevance.relevant_question_ids(self.instrument, values)
        answered = sum(1 for qid in relevant if qid in values)
        return answered, len(relevant)

    def audit_entries(self, since_seq: int = 0) -> list[AuditEntry]:
        rows = self.conn.execute(
            "SELECT seq, at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash "
            "FROM audit WHERE seq > ? ORDER BY seq",
            (since_seq,),
        )
        return [AuditEntry(*row) for row in rows]

    def verify_audit_chain(self) -> AuditEntry | None:
        """The first audit entry whose hash does not follow from its predecessor, or None."""
        prev = GENESIS_HASH
        for entry in self.audit_entries():
            fields = {name: getattr(entry, name) for name in _AUDIT_FIELDS}
            if entry.prev_hash != prev or entry.hash != audit_hash(prev, fields):
                return entry
            prev = entry.hash
        return None

    def finding(self, field: str) -> str:
        row = self.conn.execute("SELECT text FROM findings WHERE field = ?", (field,)).fetchone()
        return str(row[0]) if row else ""

    def findings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT field, text FROM findings").fetchall())

    # -- writing --------------------------------------------------------------

    @property
    def actor(self) -> str:
        return self.owner.name

    def _audit(
        self,
        action: str,
        *,
        case_ref: str | None = None,
        question_id: str | None = None,
        old_value: str | None = None,
        new_value: str | None = None,
        detail: str = "",
        actor: str | None = None,
        in_transaction: bool = False,
    ) -> None:
        if not in_transaction:
            with self.transaction():
                self._audit(
                    action,
                    case_ref=case_ref,
                    question_id=question_id,
                    old_value=old_value,
                    new_value=new_value,
                    detail=detail,
                    actor=actor,
                    in_transaction=True,
                )
            return
        row = self.conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS_HASH
        fields = {
            "at": self.clock(),
            "actor": actor or self.actor,
            "action": action,
            "case_ref": case_ref,
            "question_id": question_id,
            "old_value": old_value,
            "new_value": new_value,
            "detail": detail,
        }
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, case_ref, question_id, old_value, new_value, detail, "
            "prev_hash, hash) VALUES (:at, :actor, :action, :case_ref, :question_id, :old_value, :new_value, "
            ":detail, :prev_hash, :hash)",
            {**fields, "prev_hash": prev, "hash": audit_hash(prev, fields)},
        )

    def audit(self, action: str, **kwargs: Any) -> None:
        """Record an action inside the caller's transaction (for modules that extend the file)."""
        self._audit(action, in_transaction=True, **kwargs)

    def add_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self._insert_case(case_ref)
        return case

    def _insert_case(self, case_ref: str) -> CaseRecord:
        ref = check_case_ref(case_ref)
        existing = self.find_case(ref)
        if existing is not None:
            same = "" if existing.case_ref == ref else f" as {existing.case_ref} (references differ only in letter case)"
            raise CaseError(f"case {ref} already exists{same}")
        stamp = self.clock()
        case_uuid = self.new_uuid()
        self.conn.execute(
            "INSERT INTO cases (uuid, case_ref, status, created_by, created_at, updated_at) "
            "VALUES (?, ?, 'draft', ?, ?, ?)",
            (case_uuid, ref, self.actor, stamp, stamp),
        )
        self._audit("case-add", case_ref=ref, in_transaction=True)
        return self.case_by_uuid(case_uuid)

    def check_answer(self, case_uuid: str | None, question_id: str, value: str | None) -> None:
        """Raise InvalidAnswer unless `value` is allowed for this question in this case."""
        question = self.instrument.by_id.get(question_id)
        if question is None:
            raise InvalidAnswer(f"there is no question {question_id!r} in {self.instrument.id}")
        if value is not None and question.option(value) is None:
            allowed = ", ".join(o.value for o in question.options)
            raise InvalidAnswer(f"{value!r} is not an answer to {question_id}; use one of: {allowed}")
        if value is None or question.relevant_if is None:
            return
        values = self.values_for(case_uuid) if case_uuid else {}
        values.pop(question_id, None)
        if question_id not in relevance.relevant_question_ids(self.instrument, values):
            reason = relevance.explain_rule(self.instrument, question.relevant_if)
            raise InvalidAnswer(f"{question_id} does not apply to this case: it {reason}")

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
                case = self._insert_case(case_ref)
            return self._write_answer(case, question_id, value, note)

    def _write_answer(
        self, case: CaseRecord, question_id: str, value: str | None, note: str | None
    ) -> AnswerRecord:
        self.check_answer(case.uuid, question_id, value)
        if case.is_complete:
            raise CaseError(f"case {case.case_ref} is marked complete; reopen it before changing answers")
        clean_note = check_note(note) if note is not None else None
        old = self.answer(case.uuid, question_id)
        new_note = clean_note if clean_note is not None else (old.note if old else "")
        if old is not None and old.value == value and old.note == new_note:
            return old
        stamp = self.clock()
        revision = old.revision + 1 if old else 1
        self.conn.execute(
            "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_uuid, question_id) DO UPDATE SET "
            "value = excluded.value, note = excluded.note, revision = excluded.revision, "
            "assessor = excluded.assessor, updated_at = excluded.updated_at",
            (case.uuid, question_id, value, new_note, revision, self.actor, stamp),
        )
        self._touch_case(case.uuid, stamp)
        old_value = old.value if old else None
        if old_value != value:
            self._audit(
                "answer",
                case_ref=case.case_ref,
                question_id=question_id,
                old_value=old_value,
                new_value=value,
                in_transaction=True,
            )
        if (old.note if old else "") != new_note:
            self._audit(
                "note",
                case_ref=case.case_ref,
                question_id=question_id,
                detail=f"{len(new_note)} characters",
                in_transaction=True,
            )
        record = self.answer(case.uuid, question_id)
        assert record is not None
        return record

    def set_note(self, case_ref: str, question_id: str, note: str) -> AnswerRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            old = self.answer(case.uuid, question_id)
            return self._write_answer(case, question_id, old.value if old else None, note)

    def _touch_case(self, case_uuid: str, stamp: str) -> None:
        self.conn.execute(
            "UPDATE cases SET updated_at = ?, revision = revision + 1 WHERE uuid = ?", (stamp, case_uuid)
        )

    def complete_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            if case.is_complete:
                return case
            missing = relevance.unanswered_relevant(self.instrument, self.values_for(case.uuid))
            if missing:
                raise CaseError(
                    f"case {case.case_ref} has {len(missing)} unanswered question(s) that apply; answer them first",
                    [f"{qid}: {self.instrument.question(qid).chart_label}" for qid in missing],
                )
            self._set_status(case, "complete")
        return self.get_case(case_ref)

    def reopen_case(self, case_ref: str) -> CaseRecord:
        with self.transaction():
            case = self.get_case(case_ref)
            if case.is_complete:
                self._set_status(case, "draft")
        return self.get_case(case_ref)

    def _set_status(self, case: CaseRecord, status: CaseStatus) -> None:
        stamp = self.clock()
        self.conn.execute("UPDATE cases SET status = ? WHERE uuid = ?", (status, case.uuid))
        self._touch_case(case.uuid, stamp)
        self._audit("status", case_ref=case.case_ref, old_value=case.status, new_value=status, in_transaction=True)

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
            self._touch_case(case.uuid, self.clock())
            self._audit(
                "illustration",
                case_ref=case.case_ref,
                old_value=str(int(case.illustration)),
                new_value=str(int(flagged)),
                detail=f"{len(text)} characters",
                in_transaction=True,
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
            self._audit("finding", detail=f"{field}: {len(text)} characters", in_transaction=True)

    def add_assessor(self, name: str, role: Role) -> None:
        """Record a team member (used by the merge); the owner is never replaced."""
        name = check_person_name(name)
        self.conn.execute(
            "INSERT INTO assessors (name, role, is_owner, added_at) VALUES (?, ?, 0, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, role, self.clock()),
        )


MAX_FINDING_CHARS = 200_000


def check_note_long(text: str) -> str:
    if len(text) > MAX_FINDING_CHARS:
        raise UserError(f"the text is {len(text):,} characters long; the limit is {MAX_FINDING_CHARS:,}")
    return clean_text(text)


_CASE_COLUMNS = (
    "uuid, case_ref, status, illustration, illustration_text, revision, created_by, created_at, updated_at"
)
_ANSWER_COLUMNS = "case_uuid, question_id, value, note, revision, assessor, updated_at"


def _case(row: tuple[Any, ...]) -> CaseRecord:
    return CaseRecord(
        uuid=row[0],
        case_ref=row[1],
        status=row[2],
        illustration=bool(row[3]),
        illustration_text=row[4],
        revision=row[5],
        created_by=row[6],
        created_at=row[7],
        updated_at=row[8],
    )


def _answer(row: tuple[Any, ...]) -> AnswerRecord:
    return AnswerRecord(*row)


def _creation_error(exc: sqlite3.Error, path: Path) -> UserError:
    """SQLite only says "unable to open database file"; ask the folder itself why it refused."""
    return unwritable(path) or storage_error(exc, path)


def backup_before_migration(path: Path, version: int) -> Path:
    """Copy the file aside before changing its schema (vorta's habit)."""
    target = path.with_name(f"{path.stem}.schema{version}-backup{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}.schema{version}-backup{n}{path.suffix}")
    try:
        shutil.copy2(path, target)
    except OSError as exc:
        remove_quietly(target)  # never a half copy that looks like a backup
        raise StorageError(
            f"{path.name} uses an older file format and is upgraded only after a backup copy, which could not "
            f"be written ({write_error(exc, target).message}); nothing was changed"
        ) from exc
    return target
