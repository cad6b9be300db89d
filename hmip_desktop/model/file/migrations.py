"""Schema migrations of the inspection file.

Each migration is a named function that runs inside one transaction together
with the record of having run. Once shipped, a migration never changes: a new
schema change is a new function appended to `MIGRATIONS`. `PRAGMA
user_version` holds the number of migrations applied, so a file from a newer
HMIP Desktop is recognised and refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

#: PRAGMA application_id of every .hmip file: "HMIP" in ASCII.
APPLICATION_ID = 0x484D4950


def run_statements(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction.

    (`executescript` would commit first, breaking the one-transaction rule.)
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_initial(conn: sqlite3.Connection) -> None:
    run_statements(
        conn,
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE assessors (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('inspector', 'local-assessor', 'lead')),
            is_owner INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        );
        CREATE TABLE cases (
            uuid TEXT PRIMARY KEY,
            case_ref TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'complete')),
            illustration INTEGER NOT NULL DEFAULT 0,
            illustration_text TEXT NOT NULL DEFAULT '',
            revision INTEGER NOT NULL DEFAULT 1,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE answers (
            case_uuid TEXT NOT NULL REFERENCES cases(uuid),
            question_id TEXT NOT NULL,
            value TEXT,
            note TEXT NOT NULL DEFAULT '',
            revision INTEGER NOT NULL DEFAULT 1,
            assessor TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (case_uuid, question_id)
        );
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            case_ref TEXT,
            question_id TEXT,
            old_value TEXT,
            new_value TEXT,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_uuid TEXT NOT NULL REFERENCES cases(uuid),
            case_ref TEXT NOT NULL,
            question_id TEXT NOT NULL,
            sides TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT,
            resolution_value TEXT,
            resolution_note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX conflicts_open ON conflicts (case_uuid) WHERE resolved_at IS NULL;
        CREATE TABLE findings (
            field TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        );
        """,
    )


def m002_merge(conn: sqlite3.Connection) -> None:
    """The lead's file: import ledger, answer provenance, and the inspection of aggregated cases.

    - `imports`: one row per team file merged (its sha256, assessor and what it changed).
    - `sources`: each team file ever merged (by its file_uuid), with its latest name and assessor.
    - `case_sources`: what each source file last said about each case: status, practice
      illustration, and its answers as a JSON object {question id: [revision, value, note,
      updated_at]} -- so a re-sent file's own changes can be told apart from the lead's
      amendments, and every answer's provenance is known. (One row per case and file rather
      than ~150: a 12-file merge writes a tenth of the rows.)
    - `answers.merged_revision`: the answer revision the merge last wrote; any other revision is
      the lead's own amendment (NULL: never written by the merge).
    - `cases.inspection_id`: set only in an aggregate of several inspections (NULL: this file's own).
    """
    run_statements(
        conn,
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_uuid TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            assessor TEXT NOT NULL,
            role TEXT NOT NULL,
            inspection_id TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'merge' CHECK (kind IN ('merge', 'aggregate')),
            cases_added INTEGER NOT NULL DEFAULT 0,
            cases_updated INTEGER NOT NULL DEFAULT 0,
            cases_unchanged INTEGER NOT NULL DEFAULT 0,
            answers_changed INTEGER NOT NULL DEFAULT 0,
            conflicts_raised INTEGER NOT NULL DEFAULT 0,
            warning TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX imports_sha256 ON imports (sha256);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            file_uuid TEXT NOT NULL UNIQUE,
            file_name TEXT NOT NULL,
            assessor TEXT NOT NULL
        );
        CREATE TABLE case_sources (
            case_uuid TEXT NOT NULL REFERENCES cases(uuid),
            source_id INTEGER NOT NULL REFERENCES sources(id),
            source_case_uuid TEXT NOT NULL,
            status TEXT NOT NULL,
            source_revision INTEGER NOT NULL,
            illustration INTEGER NOT NULL DEFAULT 0,
            illustration_text TEXT NOT NULL DEFAULT '',
            answers TEXT NOT NULL DEFAULT '{}',
            import_id INTEGER NOT NULL REFERENCES imports(id),
            PRIMARY KEY (case_uuid, source_id)
        ) WITHOUT ROWID;
        ALTER TABLE answers ADD COLUMN merged_revision INTEGER;
        ALTER TABLE cases ADD COLUMN inspection_id TEXT
        """,
    )


def m003_seals(conn: sqlite3.Connection) -> None:
    """Seals of everything judged, the end of the audit log, and case references in any letter case.

    - `seals`: one SHA-256 per subject (a case with its answers, conflicts and provenance; the
      findings; the inspection's details and team; the import ledger; the end of the audit log),
      rewritten in the same commit as every change (`seal.py`). An edit made outside the app to a
      status, note, illustration, assessor or conflict, or the newest audit entries deleted, no
      longer match.
    - `cases_ref_nocase`: finds a case by its reference in any letter case (`store.case_ref_key`).
      Not unique: a file made before this rule may hold `KT-0001` and `kt-0001`; `hmip verify`
      names them, and no new such pair can be added.

    An existing file is sealed as it is when it is upgraded: edits made outside the app before
    then are not seen by the seals (the audit chain and answer replay still cover what they did).
    """
    run_statements(
        conn,
        """
        CREATE TABLE seals (
            subject TEXT PRIMARY KEY,
            seal TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX cases_ref_nocase ON cases (case_ref COLLATE NOCASE)
        """,
    )
    from hmip_desktop.model.file.seal import reseal_all  # only when a file is made or upgraded

    reseal_all(conn)


Migration = Callable[[sqlite3.Connection], None]

#: Append only. The position (1-based) is the schema version it produces.
MIGRATIONS: list[Migration] = [m001_initial, m002_merge, m003_seals]

SCHEMA_VERSION = len(MIGRATIONS)
#: The oldest schema a read-only open reads as it is (older files must be opened for editing to be
#: upgraded). Raise it to a migration's version when that migration adds something the read paths
#: use; m003 adds only the seals, which verification reads when they are there.
READ_AS_IS_FROM = 2
#: The schema from which files carry seals (m003).
SEALED_FROM = 3


def migrate(conn: sqlite3.Connection, applied_at: str | None = None) -> list[str]:
    """Bring `conn` up to `SCHEMA_VERSION`; return the names of the migrations run.

    The caller has checked that the file is not newer than we know and has
    taken a copy of it first.
    """
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    applied: list[str] = []
    for version, migration in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration(conn)
            conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            conn.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, coalesce(?, datetime('now')))",
                (migration.__name__, applied_at),
            )
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.__name__)
    return applied
