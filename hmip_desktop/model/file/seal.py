"""Seals: every piece of judged state as HMIP Desktop last wrote it, so an edit made elsewhere shows.

The audit log's hash chain shows a changed or removed entry, and replaying its
answer entries shows an answer value changed without one. That leaves gaps: a
case's status, a note, a practice illustration, an answer's assessor, a
conflict, the lead's findings carry no value in the log to compare with, and
cutting the newest entries off the log leaves a valid chain. So the same
commit that changes the file also records a SHA-256 *seal* of each thing it
changed, in the ``seals`` table (migration m003), one row per subject:

- ``case:<uuid>``: the case's row, its answers, its conflicts and what each
  team file said about it (case_sources), each part sealed on its own so a
  check can say which part differs;
- ``findings``: the lead's findings texts; ``file``: the inspection's details
  (meta) and the team (assessors); ``ledger``: the import ledger (imports,
  sources);
- ``audit``: the number and hash of the newest audit entry: the end of the chain.

Which subjects a transaction touches is noted by TEMP triggers on the writing
connection (`install_tracking`): they exist only inside HMIP Desktop's own
connection, never in the file, whose schema stays exactly what our migrations
make. `reseal` runs just before COMMIT. A database browser has no such
triggers, so what it changes no longer matches its seal (`check_seals`); and
the app, touching a subject for the first time in a transaction, first checks
it against its seal, so an edit made outside is recorded in the audit log
rather than sealed over by the next save (`Tracker`).

The seal of a subject is part of the file format (SEAL_VERSION): changing what
goes into one means a new migration that re-seals. Like the chain, seals are
not keyed: they make an edit outside the app evident, not forgery impossible
for someone who knows this algorithm (docs/security.md).

Standard library only: migrations.py seals a file when it upgrades it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

SEAL_VERSION = 1
#: The parts of a case's seal, in order, and what each covers (for messages).
CASE_PARTS = {
    "case": "its details (reference, status, practice illustration)",
    "answers": "its answers (a value, note or assessor)",
    "conflicts": "its conflicts (sides or resolution)",
    "sources": "what the team files said about it (provenance)",
}
_FILE_TABLES = {
    "file": (("meta", "key"), ("assessors", "name")),
    "findings": (("findings", "field"),),
    "ledger": (("imports", "id"), ("sources", "id")),
}
#: Subjects that are not cases: what each covers (for messages).
SUBJECTS = {
    "file": "the inspection's details or the team list",
    "findings": "the findings texts",
    "ledger": "the import ledger",
}
#: Tables whose rows belong to one case, and the column naming the case.
CASE_TABLES = {"cases": "uuid", "answers": "case_uuid", "conflicts": "case_uuid", "case_sources": "case_uuid"}
_ORDER = {"cases": "uuid", "answers": "question_id", "conflicts": "id", "case_sources": "source_id"}
#: The part of a case's seal each of its tables makes.
_PART_OF = dict(zip(CASE_TABLES, CASE_PARTS))


def _default(value: object) -> object:
    if isinstance(value, bytes):  # only in a file edited by hand: still a well-defined seal
        return {"blob": value.hex()}
    raise TypeError(f"cannot seal {type(value).__name__}")


#: json.dumps(ensure_ascii=False, separators=(",", ":"), default=_default), made once: a bulk check
#: digests tens of thousands of parts. Rows go in as tuples, which JSON writes as arrays.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default).encode


def _digest(kind: str, rows: Sequence[tuple[Any, ...]]) -> str:
    payload = _ENCODE([kind, SEAL_VERSION, rows])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def insert_statement(table: str, columns: Sequence[str]) -> str:
    """INSERT of one row of `columns` into the file's `table` (not a TEMP one of the same name)."""
    names = ", ".join(f'"{name}"' for name in columns)
    return f'INSERT INTO main."{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'


def part_digest(table: str, rows: Sequence[tuple[Any, ...]]) -> str:
    """The digest of a case's rows of `table` in its seal: every column in the table's order, the rows
    in the table's seal order (`_ORDER`: an answer's question id...)."""
    return _digest(_PART_OF[table], rows)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')]


def _select(conn: sqlite3.Connection, table: str) -> str:
    """Every column of `table`, in the table's own order, so a column added by a later migration is sealed too."""
    return ", ".join(f'"{name}"' for name in _columns(conn, table))


# -- computing seals -----------------------------------------------------------------------


def case_seal(conn: sqlite3.Connection, case_uuid: str) -> str | None:
    """The seal of one case (None: there is no such case)."""
    parts = []
    for part, table in zip(CASE_PARTS, CASE_TABLES):
        rows = conn.execute(
            f'SELECT {_select(conn, table)} FROM main."{table}" WHERE "{CASE_TABLES[table]}" = ? '
            f'ORDER BY "{_ORDER[table]}"',
            (case_uuid,),
        ).fetchall()
        if table == "cases" and not rows:
            return None
        parts.append(f"{part}={_digest(part, rows)}")
    return ";".join(parts)


def subject_seal(conn: sqlite3.Connection, subject: str) -> str | None:
    """The seal `subject` has now (None: the subject no longer exists)."""
    if subject.startswith("case:"):
        return case_seal(conn, subject[5:])
    if subject == "audit":
        row = conn.execute("SELECT seq, hash FROM main.audit ORDER BY seq DESC LIMIT 1").fetchone()
        return f"#{row[0]} {row[1]}" if row else "#0"
    parts = []
    for table, key in _FILE_TABLES[subject]:
        rows = conn.execute(f'SELECT {_select(conn, table)} FROM main."{table}" ORDER BY "{key}"').fetchall()
        parts.append(f"{table}={_digest(table, rows)}")
    return ";".join(parts)


#: A case's rows for `Tracker.insert_case_rows`: its id, the rows, and their `part_digest` if known.
CaseRows = tuple[str, Sequence[tuple[Any, ...]], "str | None"]
#: Called with a case's id (as the file stores it) and its rows, as a bulk read passes them.
RowsRead = Callable[[Any, list[tuple[Any, ...]]], object]


def _digests_by_case(
    conn: sqlite3.Connection, table: str, rows_read: RowsRead | None = None, cases: Sequence[str] | None = None
) -> dict[str, str]:
    """Each case's digest of its rows of `table`, in one ordered pass (cases without rows left out).

    `cases`: only these cases (all when None). `rows_read`, when given, is called with (the case id
    as stored, its rows) as each case's rows are read, so a caller needing them too reads the table
    only once."""
    key = CASE_TABLES[table]
    part = _PART_OF[table]
    columns = _columns(conn, table)
    select = ", ".join(f'"{name}"' for name in columns)
    group_key = itemgetter(columns.index(key))
    if cases is None:
        cursors: Iterable[Iterable[tuple[Any, ...]]] = [
            conn.execute(f'SELECT {select} FROM main."{table}" ORDER BY "{key}", "{_ORDER[table]}"')
        ]
    else:
        chunks = [cases[start : start + _CHUNK] for start in range(0, len(cases), _CHUNK)]
        cursors = (
            conn.execute(
                f'SELECT {select} FROM main."{table}" WHERE "{key}" IN ({", ".join("?" * len(chunk))}) '
                f'ORDER BY "{key}", "{_ORDER[table]}"',
                chunk,
            )
            for chunk in chunks
        )
    digests: dict[str, str] = {}
    for cursor in cursors:
        for case_uuid, group in groupby(cursor, group_key):
            rows = list(group)
            digests[str(case_uuid)] = _digest(part, rows)
            if rows_read is not None:
                rows_read(case_uuid, rows)
    return digests


#: Case ids per query when sealing some cases (well below SQLite's oldest limit of 999 parameters).
_CHUNK = 500


def case_seals(
    conn: sqlite3.Connection, cases: Sequence[str], known: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, str | None]:
    """The seal of each of `cases` (None: there is no such case): `case_seal` for many, a query per table.

    `known`: digests worked out from rows just written (`Tracker.written`), by case id and table; those
    tables are not read for those cases."""
    cases = sorted(set(cases))
    known = known or {}
    digests: dict[str, dict[str, str]] = {}
    for table in CASE_TABLES:
        given = {case: known[case][table] for case in cases if table in known.get(case, {})}
        unread = [case for case in cases if case not in given] if given else cases
        digests[table] = {**_digests_by_case(conn, table, cases=unread), **given} if unread else given
    empty = {table: _digest(_PART_OF[table], []) for table in CASE_TABLES}
    return {
        case_uuid: ";".join(f"{_PART_OF[table]}={digests[table].get(case_uuid, empty[table])}" for table in CASE_TABLES)
        if case_uuid in digests["cases"]
        else None
        for case_uuid in cases
    }


def all_seals(conn: sqlite3.Connection, answers_read: RowsRead | None = None) -> dict[str, str]:
    """Every subject's seal as the content is now, in bulk (the same values as `subject_seal`).

    Reads every row of the case tables once; `answers_read`, when given, is called with each
    case's answers rows (every column, in the table's order) as they are read."""
    digests = {
        table: _digests_by_case(conn, table, answers_read if table == "answers" else None) for table in CASE_TABLES
    }
    empty = {table: _digest(_PART_OF[table], []) for table in CASE_TABLES}
    seals: dict[str, str] = {}
    # Only cases that exist get a seal: rows of a case that does not exist leave the case's seal missing.
    for case_uuid in digests["cases"]:
        seals[f"case:{case_uuid}"] = ";".join(
            f"{_PART_OF[table]}={digests[table].get(case_uuid, empty[table])}" for table in CASE_TABLES
        )
    for subject in (*_FILE_TABLES, "audit"):
        seal = subject_seal(conn, subject)
        assert seal is not None
        seals[subject] = seal
    return seals


def orphan_case_rows(conn: sqlite3.Connection) -> list[str]:
    """Case ids that answers, conflicts or provenance name but that have no case row."""
    found: set[str] = set()
    for table, key in CASE_TABLES.items():
        if table != "cases":
            found.update(
                str(row[0])
                for row in conn.execute(
                    f'SELECT DISTINCT "{key}" FROM main."{table}" WHERE "{key}" NOT IN (SELECT uuid FROM main.cases)'
                )
            )
    return sorted(found)


# -- keeping seals up to date -----------------------------------------------------------------


def reseal_all(conn: sqlite3.Connection) -> None:
    """Seal every subject as it is now, inside the caller's transaction (a new or upgraded file)."""
    conn.execute("DELETE FROM main.seals")
    conn.executemany("INSERT INTO main.seals (subject, seal) VALUES (?, ?)", all_seals(conn).items())


class Tracker:
    """What the transaction under way on one connection touched, and what it found already changed.

    TEMP triggers call `touch` (as the SQL function hmip_touch) before each row of a sealed
    table changes. The first touch of a subject in a transaction compares the subject, still as
    it was before this transaction, with its seal: a difference is an edit made outside the app
    since its last save, which the commit then records in the audit log (`take_found`) before it
    re-seals; so editing a file by hand and saving once more in the app does not launder the edit.

    A subject this connection itself sealed (or checked) needs no second look while no other
    connection has written to the file since: SQLite's data_version, which changes with every
    commit made through any other connection or process, says whether one has. That spares a
    save in the app recomputing, before its change, the seal it wrote at its previous save.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.touched: set[str] = set()
        #: Subjects found changed outside the app, with what differs (`SealProblem.describe`).
        self.found: dict[str, str] = {}
        #: Subjects known to match their seals while the file's data_version is `_version`.
        self._clean: set[str] = set()
        self._version: int | None = None
        #: Digests of case tables worked out from rows just written (`written`), by subject and table.
        self.known: dict[str, dict[str, str]] = {}
        self._columns: dict[str, list[str]] = {}
        #: The TEMP triggers calling `touch`, by name: their SQL (`install_tracking`).
        self.triggers: dict[str, str] = {}

    def touch(self, subject: object) -> None:
        if self.known and subject in self.known:
            del self.known[subject]  # changed again since `written`: read back when sealed
        if not isinstance(subject, str) or subject in self.touched:
            return
        self.touched.add(subject)
        if subject in self._clean:
            if self._data_version() == self._version:
                return
            self._clean.clear()  # another connection wrote: check everything again
            self._version = None
        problem = _subject_problem(self._conn, subject)
        if problem is not None:
            self.found[subject] = problem

    def written(
        self,
        case_uuid: str,
        table: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        digest: str | None = None,
    ) -> None:
        """The caller has just written `rows` (their values in `columns`' order) as the whole of a case's
        rows in `table` (a merge taking in a new case: ~150 answers). Its seal then uses their digest
        instead of reading them back, unless the case changes again in this transaction (`touch`).

        Only when the file holds exactly as many rows of the case there, under exactly these columns
        (in the table's order): then what was written is what is there, and the digest is the one
        `case_seal` would work out; otherwise nothing is noted and the rows are read back. `digest`: their
        `part_digest`, when the caller worked it out already (a merge's reading worker)."""
        if table not in self._columns:
            self._columns[table] = _columns(self._conn, table)
        if list(columns) != self._columns[table]:
            return
        key = CASE_TABLES[table]
        (count,) = self._conn.execute(f'SELECT count(*) FROM main."{table}" WHERE "{key}" = ?', (case_uuid,)).fetchone()
        if count != len(rows):
            return
        if digest is None:
            order = itemgetter(columns.index(_ORDER[table]))  # SQLite's BINARY order of text is Python's of str
            digest = part_digest(table, sorted(rows, key=order))
        self.known.setdefault(f"case:{case_uuid}", {})[table] = digest

    def insert_case_rows(self, table: str, columns: Sequence[str], cases: Sequence[CaseRows]) -> None:
        """Insert each case's rows (values in `columns`' order) into `table` inside the caller's
        transaction, and note them (`written`): `cases` is (case id, its rows, their `part_digest` or None).

        Each case is touched once for all its rows and the table's insert trigger is set aside
        meanwhile, once for all the cases: a merge takes in ~90 cases of ~150 answers a file, and a
        call into Python for each row costs a fifth of its writing. Rows naming another case than
        the one they are given for are refused before anything is written.
        """
        if not cases:
            return
        key = list(columns).index(CASE_TABLES[table])
        for case_uuid, rows, _digest in cases:
            if any(row[key] != case_uuid for row in rows):
                raise ValueError(f"rows of another case than {case_uuid} given as its rows")
        for case_uuid, _rows, _digest in cases:
            self.touch(f"case:{case_uuid}")
        trigger = f"hmip_seal_{table}_insert"
        self._conn.execute(f"DROP TRIGGER temp.{trigger}")
        try:
            self._conn.executemany(
                insert_statement(table, columns), chain.from_iterable(rows for _c, rows, _d in cases)
            )
        finally:
            # Put back even when the insert fails (the caller's rollback would restore it too: TEMP
            # schema changes are part of the transaction).
            self._conn.execute(self.triggers[trigger])
        for case_uuid, rows, digest in cases:
            self.written(case_uuid, table, columns, rows, digest)

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA main.data_version").fetchone()[0])

    def sealed(self, subjects: Iterable[str]) -> None:
        """`subjects` now match their seals (`reseal`, just before COMMIT; own commits keep data_version)."""
        version = self._data_version()
        if version != self._version:
            self._clean.clear()
        self._clean.update(subjects)
        self._version = version
        self.touched.clear()
        self.known.clear()

    def take_found(self) -> dict[str, str]:
        found, self.found = self.found, {}
        return found

    def reset(self) -> None:
        """After a rollback: nothing was changed (and nothing is taken as known any more)."""
        self.touched.clear()
        self.found.clear()
        self._clean.clear()
        self._version = None
        self.known.clear()
        self._columns.clear()


def install_tracking(conn: sqlite3.Connection) -> Tracker:
    """TEMP triggers calling the tracker before each change to a sealed table, on this connection only."""
    tracker = Tracker(conn)
    conn.create_function("hmip_touch", 1, tracker.touch)
    targets = {table: f"'case:' || {{row}}.{key}" for table, key in CASE_TABLES.items()}
    for subject, tables in _FILE_TABLES.items():
        targets.update({table: f"'{subject}'" for table, _key in tables})
    targets["audit"] = "'audit'"
    for table, expression in targets.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            calls = " ".join(f"SELECT hmip_touch({expression.format(row=row)});" for row in rows)
            name = f"hmip_seal_{table}_{event.lower()}"
            tracker.triggers[name] = f"CREATE TEMP TRIGGER {name} BEFORE {event} ON main.{table} BEGIN {calls} END"
            conn.execute(tracker.triggers[name].replace("TRIGGER", "TRIGGER IF NOT EXISTS", 1))
    return tracker


def reseal(conn: sqlite3.Connection, tracker: Tracker) -> int:
    """Re-seal what this transaction touched (just before COMMIT); return how many subjects."""
    subjects = sorted(tracker.touched)
    cases = [subject[5:] for subject in subjects if subject.startswith("case:")]
    # A merge touches ~90 cases a file: sealed a query per table, not four queries per case.
    known = {subject[5:]: digests for subject, digests in tracker.known.items()}
    seals: dict[str, str | None] = {f"case:{uuid}": seal for uuid, seal in case_seals(conn, cases, known).items()}
    for subject in subjects:
        if not subject.startswith("case:"):
            seals[subject] = subject_seal(conn, subject)
    gone = [(subject,) for subject, seal in seals.items() if seal is None]
    conn.executemany("DELETE FROM main.seals WHERE subject = ?", gone)
    conn.executemany(
        "INSERT INTO main.seals (subject, seal) VALUES (?, ?) ON CONFLICT (subject) DO UPDATE SET seal = excluded.seal",
        [(subject, seal) for subject, seal in seals.items() if seal is not None],
    )
    tracker.sealed(subjects)
    return len(subjects)


# -- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealProblem:
    """A part of the file and its seal that do not agree (changed, deleted or never sealed): an edit made outside HMIP Desktop."""

    subject: str
    #: For a case: its reference (None when the case row itself is gone).
    case_ref: str | None
    #: What differs: keys of CASE_PARTS for a case, else the subject; "missing" / "unsealed".
    parts: tuple[str, ...]

    def describe(self) -> str:
        if self.subject.startswith("case:"):
            where = f"case {self.case_ref}" if self.case_ref else f"a case (id {self.subject[5:]})"
            if self.parts == ("missing",):
                return f"{where} was deleted outside HMIP Desktop (its seal remains)"
            if self.parts == ("unsealed",):
                return f"{where} was added outside HMIP Desktop (it has no seal)"
            changed = "; ".join(CASE_PARTS[part] for part in self.parts)
            return f"{where}: {changed} changed outside HMIP Desktop"
        what = SUBJECTS.get(self.subject, self.subject)
        if self.parts == ("unsealed",):
            return f"{what} has no seal: it was removed outside HMIP Desktop"
        return f"{what} changed outside HMIP Desktop"


def _split(seal: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in seal.split(";") if "=" in part)


def _problem(subject: str, case_ref: str | None, held: str | None, now: str | None) -> SealProblem | None:
    """How `subject` differs from its seal (None: it does not)."""
    if held == now:
        return None
    if now is None:
        return SealProblem(subject, case_ref, ("missing",))
    if held is None:
        return SealProblem(subject, case_ref, ("unsealed",))
    if subject.startswith("case:"):
        before, after = _split(held), _split(now)
        parts = tuple(part for part in CASE_PARTS if before.get(part) != after.get(part))
        return SealProblem(subject, case_ref, parts or ("case",))
    return SealProblem(subject, case_ref, (subject,))


def _subject_problem(conn: sqlite3.Connection, subject: str) -> str | None:
    """One subject as it is now against its seal, as a sentence (None: it matches)."""
    if subject == "audit":
        return audit_end_problem(conn)
    row = conn.execute("SELECT seal FROM main.seals WHERE subject = ?", (subject,)).fetchone()
    ref = None
    if subject.startswith("case:"):
        found = conn.execute("SELECT case_ref FROM main.cases WHERE uuid = ?", (subject[5:],)).fetchone()
        if found is None and row is None:
            return None  # no such case, and no seal says there was one (a case being added): as `case_seal` finds
        ref = str(found[0]) if found else None
    problem = _problem(subject, ref, str(row[0]) if row else None, subject_seal(conn, subject))
    return None if problem is None else problem.describe()


def audit_end_problem(conn: sqlite3.Connection) -> str | None:
    """Whether the audit log still ends where HMIP Desktop last wrote it (None: it does)."""
    row = conn.execute("SELECT seal FROM main.seals WHERE subject = 'audit'").fetchone()
    now = subject_seal(conn, "audit")
    if row is None:
        return "the record of where the audit log ends is missing: it was removed outside HMIP Desktop"
    held = str(row[0])
    if held == now:
        return None
    held_seq, now_seq = _seq(held), _seq(str(now))
    if now_seq < held_seq:
        return (
            f"the audit log ends at entry #{now_seq}, but HMIP Desktop last wrote entry #{held_seq}: "
            f"the newest {held_seq - now_seq} entr{'y was' if held_seq - now_seq == 1 else 'ies were'} "
            "deleted outside the app"
        )
    if now_seq > held_seq:
        return (
            f"the audit log has entries after #{held_seq}, the last HMIP Desktop wrote: they were added outside the app"
        )
    return f"the newest audit entry #{now_seq} was changed outside HMIP Desktop"


def _seq(seal: str) -> int:
    try:
        return int(seal.split()[0].lstrip("#"))
    except (ValueError, IndexError):
        return 0


def check_seals(conn: sqlite3.Connection, actual: Mapping[str, str] | None = None) -> list[SealProblem]:
    """Every subject whose content no longer matches its seal, cases by reference (the end of the
    audit log is `audit_end_problem`'s). `actual`: `all_seals(conn)`, when the caller has it."""
    stored = {
        str(subject): str(seal)
        for subject, seal in conn.execute("SELECT subject, seal FROM main.seals WHERE subject != 'audit'")
    }
    actual = {subject: seal for subject, seal in (actual or all_seals(conn)).items() if subject != "audit"}
    refs = {f"case:{uuid}": str(ref) for uuid, ref in conn.execute("SELECT uuid, case_ref FROM main.cases")}
    problems: list[SealProblem] = []
    for subject in sorted(stored.keys() | actual.keys(), key=lambda s: (s.startswith("case:"), refs.get(s, s))):
        problem = _problem(subject, refs.get(subject), stored.get(subject), actual.get(subject))
        if problem is not None:
            problems.append(problem)
    return problems
