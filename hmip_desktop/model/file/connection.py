"""Opening an inspection file's SQLite database, and turning SQLite's errors into plain messages.

Everything here works on a path or a raw connection, before (or beside) an
`InspectionFile`: telling an SQLite file from anything else, checking the
header, finishing a save cut off by a killed process, the backup before a
schema upgrade, and qutebrowser's split of SQLite errors into the
environment's (a short message) and bugs (raised as they are).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hmip_desktop.model.errors import FileLocked, FileNotInspection, SchemaTooNew, StorageError, UserError
from hmip_desktop.model.file.disk import remove_quietly, unwritable, write_error
from hmip_desktop.model.file.lock import FileLock
from hmip_desktop.model.file.migrations import APPLICATION_ID, SCHEMA_VERSION

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


#: The start of the error sqlite3's own text decoding raises on a value that is not UTF-8.
_NOT_UTF8 = "Could not decode to UTF-8"


def damage_reason(exc: BaseException) -> str:
    """What is wrong with a damaged file, for a message: SQLite's words, except that undecodable text
    is not quoted (a note may hold a name; sqlite3's message would show it)."""
    text = str(exc)
    if isinstance(exc, UnicodeDecodeError) or text.startswith(_NOT_UTF8):
        return "a text value is not valid UTF-8"
    return text


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


def tables_with_damaged_text(path: Path) -> list[str]:
    """The tables of the file at `path` holding a text value that is not valid UTF-8.

    Reads every row of every table: only ever called once such a value has been met. A
    connection of its own that never waits for a lock; what was found so far (perhaps
    nothing) when the file cannot be read now.
    """
    found: list[str] = []
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return found
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.text_factory = bytes  # the names as stored: a damaged one is itself a finding
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        conn.text_factory = str
        for raw in [b"sqlite_schema", *names]:
            try:
                name = raw.decode()
            except (UnicodeDecodeError, AttributeError):
                found.append("sqlite_schema")
                continue
            try:
                for _row in conn.execute(f'SELECT * FROM "{name.replace(chr(34), chr(34) * 2)}"'):
                    pass
            except sqlite3.OperationalError as exc:
                if str(exc).startswith(_NOT_UTF8):
                    found.append(name)
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return list(dict.fromkeys(found))


def damaged_text(path: Path) -> FileNotInspection:
    """The plain message for a text value in the file that is not valid UTF-8 (changed outside the app)."""
    tables = tables_with_damaged_text(path)
    where = f" in its {' and '.join(tables)} table{'s' if len(tables) > 1 else ''}" if tables else ""
    return FileNotInspection(
        f"{path.name} is damaged (a text value{where} is not valid UTF-8); restore it from a backup copy or ask "
        "for a fresh copy. Nothing was changed."
    )


def _text_reader(path: Path) -> Callable[[bytes], str]:
    """The connection's text_factory: UTF-8 as SQLite's default, but damaged text is a plain message.

    sqlite3 raises an exception from a text_factory as it is, wherever the value is read
    (fetchone, fetchall, iterating), so every read on every connection `connect` makes is
    covered here, once. The cost: ~70 ns a text value over sqlite3's own decoding (a
    Python call instead of C), e.g. 19 -> 26 ms reading every column of the demo lead
    file's 15,800 answers; the hottest bulk read is spared it (`decoded_by_sqlite`).
    """

    def text(data: bytes) -> str:
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise damaged_text(path) from exc

    return text


@contextmanager
def decoded_by_sqlite(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Around a bulk read of many short texts, consumed inside: sqlite3's own decoding, in C.

    The same refusal as the connection's text_factory, but worked out from sqlite3's error
    (raised only for the value that is not UTF-8). For `InspectionFile.all_values`, the read
    behind the case list and every scoring: ~3 text values an answer, e.g. 13,000 answers
    in an 86-case lead file, 160,000 in a 1,080-case one (~50 ms of a 290 ms scoring).
    """
    factory = conn.text_factory
    conn.text_factory = str
    try:
        yield
    except sqlite3.OperationalError as exc:
        if str(exc).startswith(_NOT_UTF8):
            raise damaged_text(path) from exc
        raise
    finally:
        conn.text_factory = factory


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # as_uri() percent-encodes '#', '?' and '%' in the name, which would otherwise end the path.
        uri = f"{path.absolute().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=2.0)
    conn.text_factory = _text_reader(path)
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


def creation_error(exc: sqlite3.Error, path: Path) -> UserError:
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
