"""Is a file what it claims to be? Structural soundness.

Inspection files arrive from other laptops, so they are untrusted input:
`check_sound` refuses a damaged database, and one whose schema differs from
the one our own migrations produce (another program's layout, extra triggers
or views: SQL in a file from elsewhere must never run here). Whether the
answers agree with the audit log is `audit.check_audit`'s question.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import cache
from pathlib import Path
from typing import NoReturn

from hmip_desktop.model.errors import FileNotInspection
from hmip_desktop.model.file.connection import damage_reason
from hmip_desktop.model.file.migrations import MIGRATIONS, SCHEMA_VERSION

SchemaObject = tuple[str, str, str, str]

#: `schema_digest` of the schema the migrations make at SCHEMA_VERSION. A file of the current schema
#: is compared with it, not with a replay of every migration in memory (~3 ms of every open); any
#: other file, or one that differs, is compared with the replay, which names what differs.
#: tests/test_schema_digest.py keeps the two equal, and prints the new value when a migration is added.
CURRENT_SCHEMA_SHA256 = "e21e84cdc3aa40060c1e6446e28c53e6b10f0944aca6770ca18462e9ff401a1c"


def _schema_of(conn: sqlite3.Connection) -> set[SchemaObject]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    # Whitespace-insensitive, so re-indenting a migration's DDL text does not orphan old files.
    return {(kind, name, table, " ".join((sql or "").split())) for kind, name, table, sql in rows}


def schema_digest(schema: set[SchemaObject] | frozenset[SchemaObject]) -> str:
    """A sha256 of a schema (as `_schema_of` reads it), the same whatever order its objects come in."""
    return hashlib.sha256(json.dumps(sorted(schema)).encode("utf-8")).hexdigest()


@cache
def expected_schema(version: int) -> frozenset[SchemaObject]:
    """The schema our migrations produce at `version`, replayed in memory."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS[:version]:
            conn.execute("BEGIN")
            migration(conn)
            conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            conn.execute("COMMIT")
        return frozenset(_schema_of(conn))
    finally:
        conn.close()


def check_sound(conn: sqlite3.Connection, path: Path, *, full: bool = False, pages: bool = True) -> None:
    """Raise FileNotInspection unless the database is intact and has exactly our schema.

    Without `full` (every open): quick_check, ~20 ms for an 86-case file.
    With `full` (files and packages from elsewhere): integrity_check, which also
    compares indexes with tables, and a read of every row, since SQLite does not
    notice a damaged byte inside a text value until it is read (~80 ms).
    Without `pages`: the schema alone; the caller runs `check_pages_sound` before any write.
    """
    if pages or full:
        check_pages_sound(conn, path, full=full)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    actual = _schema_of(conn)
    if version != SCHEMA_VERSION or schema_digest(actual) != CURRENT_SCHEMA_SHA256:
        expected = expected_schema(version)
        if actual != expected:
            _refuse_schema(actual, expected, version, path)
    if full:
        _check_readable(conn, path)


def check_pages_sound(conn: sqlite3.Connection, path: Path, *, full: bool = False) -> None:
    """Raise FileNotInspection unless SQLite finds every page sound (quick_check; integrity_check if `full`)."""
    result = [row[0] for row in conn.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}(3)")]
    if result != ["ok"]:
        raise FileNotInspection(f"{path.name} is damaged ({'; '.join(map(str, result))}); use a backup copy")


def schema_problem(conn: sqlite3.Connection, path: Path) -> str | None:
    """Why the schema is not exactly the one our migrations make at the file's version (None: it is)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    actual, expected = _schema_of(conn), expected_schema(version)
    if actual == expected:
        return None
    try:
        _refuse_schema(actual, expected, version, path)
    except FileNotInspection as exc:
        return exc.message
    raise AssertionError("unreachable: _refuse_schema always raises")


def _check_readable(conn: sqlite3.Connection, path: Path) -> None:
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    for table in tables:
        try:
            for _row in conn.execute(f'SELECT * FROM "{table}"'):
                pass
        except sqlite3.DatabaseError as exc:
            raise FileNotInspection(
                f"{path.name} is damaged in its {table} ({damage_reason(exc)}); use a backup copy"
            ) from exc


def _refuse_schema(actual: set[SchemaObject], expected: frozenset[SchemaObject], version: int, path: Path) -> NoReturn:
    code = sorted(f"{kind} {name}" for kind, name, _t, _s in actual - expected if kind in ("trigger", "view"))
    if code:
        raise FileNotInspection(
            f"{path.name} carries {', '.join(code)}, which HMIP Desktop never creates: the file was altered "
            "outside the app and was not opened (no code in it was run)"
        )
    differing = sorted({name for _k, name, _t, _s in actual ^ expected})
    raise FileNotInspection(
        f"{path.name} does not have the layout of an HMIP inspection file of schema {version} "
        f"(differs in: {', '.join(differing[:8])}); it is damaged or was made by another program"
    )
