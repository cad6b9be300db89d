"""Is this file exactly what HMIP Desktop wrote? One check for `hmip verify`, the app and the report.

Any inspection file, an assessor's or the lead's own, goes through the same
checks, in this order; a damaged or foreign layout stops the rest, since
nothing read from such a file can be trusted:

1. integrity: SQLite's full integrity_check, then every row of every table read;
2. schema: exactly the tables and indexes our migrations make at the file's version;
3. file details: the inspection, its owner and the instrument it was made with;
4. audit chain: every entry's hash follows from the one before it;
5. end of the audit log: no entry removed from (or added to) the end since HMIP Desktop last wrote;
6. answers against the log: replaying the log's answer entries gives the answers the file holds;
7. seals: each case (status, illustration, answers with notes and assessors, conflicts,
   provenance), the findings, the team and the import ledger as HMIP Desktop last wrote them;
8. case references: each one valid, no two differing only in letter case;
9. completeness (an assessor's file): a case marked complete has every question that applies answered.

Read-only: the file is opened without changing it (a save cut off by a killed
process is first finished, as every read-only open does). Pure Python, no Qt.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.audit import OUTSIDE_EDIT, AuditCheck, check_audit, read_audit
from hmip_desktop.model.file.connection import (
    check_header,
    connect_for_reading,
    damage_reason,
    open_error,
    sniff_sqlite,
)
from hmip_desktop.model.file.integrity import schema_problem
from hmip_desktop.model.file.migrations import SEALED_FROM
from hmip_desktop.model.file.rules import CASE_REF_PATTERN, case_ref_key
from hmip_desktop.model.file.seal import CASE_TABLES, all_seals, audit_end_problem, check_seals, orphan_case_rows
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, InstrumentIdentity, find_instrument
from hmip_desktop.model.wording import count, plural

#: Problems listed per check at most (the count says how many more).
MAX_LISTED = 50


class VerificationFailed(UserError):
    """`hmip verify` found a problem; the message names the first."""


@dataclass(frozen=True)
class Check:
    name: str
    #: What the check looks at, in a few words.
    covers: str
    problems: tuple[str, ...] = ()
    #: Why the check did not run (empty: it ran).
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "covers": self.covers,
            "ok": self.ok,
            "skipped": self.skipped or None,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Verification:
    path: Path
    schema_version: int
    role: str
    cases: int
    audit_entries: int
    checks: tuple[Check, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[str]:
        return [f"{check.name}: {problem}" for check in self.checks for problem in check.problems]

    @property
    def first_problem(self) -> str | None:
        problems = self.problems
        return problems[0] if problems else None

    def failure_message(self) -> str:
        """One line naming the file and the first problem (for the CLI, the banner, the report)."""
        problems = self.problems
        more = f" (and {len(problems) - 1} more {plural(len(problems) - 1, 'problem')})" if len(problems) > 1 else ""
        return f"{self.path.name} failed verification: {problems[0]}{more}" if problems else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "ok": self.ok,
            "first_problem": self.first_problem,
            "schema_version": self.schema_version,
            "role": self.role,
            "cases": self.cases,
            "audit_entries": self.audit_entries,
            "seconds": round(self.seconds, 3),
            "checks": [check.to_json() for check in self.checks],
        }


_CHECKS: list[tuple[str, str]] = [
    ("integrity", "SQLite's integrity check and every row readable"),
    ("schema", "exactly the tables and indexes HMIP Desktop makes"),
    ("file details", "inspection, owner and instrument"),
    ("audit chain", "each audit entry's hash follows from the one before"),
    ("end of the audit log", "entries numbered 1 to N, none removed or added at the end"),
    ("answers against the log", "the log's answer entries replay to the answers held"),
    ("seals", "cases, notes, assessors, conflicts, findings, team and ledger as HMIP Desktop wrote them"),
    ("case references", "valid, and none differing only in letter case"),
    ("completeness", "cases marked complete have every question that applies answered"),
]


def verify_file(path: Path | str) -> Verification:
    """Run every check on the file at `path`, reading only.

    Raises UserError when the file cannot be looked at as an inspection file at all (missing,
    not SQLite, another program's database, a newer schema); every other finding is a problem
    in the result.
    """
    path = Path(path)
    started = time.perf_counter()
    sniff_sqlite(path)
    try:
        conn = connect_for_reading(path)
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise open_error(exc, path) from exc
    try:
        try:
            version = check_header(conn, path)
            return _verify(conn, path, version, started)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise open_error(exc, path) from exc
    finally:
        conn.close()


class _Checks:
    """The checks of one file, run in `_CHECKS` order; a failed structural check skips the rest."""

    def __init__(self, path: Path, version: int, started: float) -> None:
        self.path, self.version, self.started = path, version, started
        self.role, self.cases, self.entries = "", 0, 0
        self.checks: list[Check] = []
        self._names = iter(_CHECKS)

    def add(self, problems: list[str] | None = None, skipped: str = "") -> bool:
        """Record the next check's outcome; whether it passed."""
        name, covers = next(self._names)
        found = list(problems or [])
        if len(found) > MAX_LISTED:
            found = [*found[:MAX_LISTED], f"... and {len(found) - MAX_LISTED} more"]
        self.checks.append(Check(name, covers, tuple(found), skipped))
        return not found

    def finish(self) -> Verification:
        for name, covers in self._names:
            self.checks.append(
                Check(
                    name, covers, skipped="not run: the checks above failed, so nothing read from the file is trusted"
                )
            )
        return Verification(
            self.path,
            self.version,
            self.role,
            self.cases,
            self.entries,
            tuple(self.checks),
            time.perf_counter() - self.started,
        )


def _verify(conn: sqlite3.Connection, path: Path, version: int, started: float) -> Verification:
    run = _Checks(path, version, started)
    integrity = [
        line
        for row in conn.execute("PRAGMA integrity_check(20)")
        for line in str(row[0]).splitlines()
        if line and not line.startswith("*** in database")
    ]
    if integrity != ["ok"]:
        run.add([f"{path.name} is damaged ({line}); use a backup copy" for line in integrity])
        return run.finish()
    # The rest reads one consistent state, and compares one part of it with another (seals with
    # content, the log with the answers): a copy taken under a single read lock, which holds up a
    # save in the app for milliseconds rather than for the whole check. The copy is page for page,
    # so a value SQLite cannot read in the file cannot be read in the copy either.
    snapshot = sqlite3.connect(":memory:")
    try:
        conn.backup(snapshot)
        _verify_copy(snapshot, run)
    finally:
        snapshot.close()
    return run.finish()


def _verify_copy(conn: sqlite3.Connection, run: _Checks) -> None:
    schema = schema_problem(conn, run.path)
    sealed = schema is None and run.version >= SEALED_FROM
    # Every row of every table is read once. With our own layout the case tables are read by the
    # seal check's single ordered pass (which also hands over the answers for the log's replay) and
    # the audit log by the chain check's (every column of every entry); the other tables, and every
    # table of a file with another layout, are read here.
    read_by_checks = {*CASE_TABLES, "audit"} if sealed else set()
    content: _Content | None = None
    damaged = _unreadable(conn, [table for table in _tables(conn) if table not in read_by_checks])
    if damaged is None and sealed:
        try:
            content = _read_content(conn)
        except sqlite3.DatabaseError as error:  # which table: read them one by one
            damaged = _unreadable(conn, sorted(read_by_checks)) or ("case tables", error)
    if damaged is not None:
        table, reason = damaged
        run.add([f"{run.path.name} is damaged in its {table} ({damage_reason(reason)}); use a backup copy"])
        return
    run.add()
    if not run.add([schema] if schema is not None else []):
        return
    _verify_content(conn, run, content or _Content(None, _stored_answers(conn)))


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [str(row[0]) for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]


def _unreadable(conn: sqlite3.Connection, tables: list[str]) -> tuple[str, sqlite3.DatabaseError] | None:
    """The first of `tables` with a row SQLite cannot read, and the error (None: every row reads)."""
    for table in tables:
        try:
            for _row in conn.execute(f'SELECT * FROM "{table}"'):
                pass
        except sqlite3.DatabaseError as exc:
            return table, exc
    return None


@dataclass(frozen=True)
class _Content:
    #: Every subject's seal as the content is now (None: the file's schema has no seals).
    seals: dict[str, str] | None
    #: Every answer's value by (case_ref, question_id), as the file holds it.
    stored: dict[tuple[str, str], Any]
    #: The audit log read and its chain checked (`audit.read_audit`); None: read when it is checked.
    audit: AuditCheck | None = None


def _read_content(conn: sqlite3.Connection) -> _Content:
    """Seals and answers in one read of the case tables, and the audit log in one read of its own (every
    row, every column)."""
    refs = dict(conn.execute("SELECT uuid, case_ref FROM cases").fetchall())
    names = [row[1] for row in conn.execute('PRAGMA main.table_info("answers")')]
    qid_at, value_at = names.index("question_id"), names.index("value")
    stored: dict[tuple[str, str], Any] = {}

    def answers_read(case_uuid: object, rows: list[tuple[Any, ...]]) -> None:
        ref = refs.get(case_uuid)
        if ref is None:  # answers of a case not in the file: the seal check names them
            return
        ref = str(ref)
        stored.update({(ref, str(row[qid_at])): row[value_at] for row in rows})

    return _Content(all_seals(conn, answers_read), stored, read_audit(conn))


def _stored_answers(conn: sqlite3.Connection) -> dict[tuple[str, str], Any]:
    return {
        (str(ref), str(qid)): value
        for ref, qid, value in conn.execute(
            "SELECT cases.case_ref, answers.question_id, answers.value FROM answers "
            "JOIN cases ON cases.uuid = answers.case_uuid"
        )
    }


def _verify_content(conn: sqlite3.Connection, run: _Checks, content: _Content) -> None:
    run.role, details, instrument = _file_details(conn)
    run.cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    run.entries = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    if not run.add(details):
        return
    audit = content.audit.compare(content.stored) if content.audit is not None else check_audit(conn, content.stored)
    chain: list[str] = []
    if audit.broken is not None:
        seq, action, at = audit.broken
        chain.append(
            f"entry #{seq} ({action}, {at}) does not follow from the one before: "
            "the log was edited outside HMIP Desktop from there on"
        )
    run.add(chain)
    run.add(_end_of_log(conn, run.version))
    run.add(audit.inconsistencies)
    if content.seals is not None:
        run.add(_seal_problems(conn, content.seals))
    else:
        run.add(
            skipped=f"schema {run.version} has no seals; opening the file for editing upgrades it and seals it as it is then"
        )
    run.add(_case_ref_problems(conn))
    if run.role == "lead":
        run.add(skipped="a lead's file holds what the team's files say, settled or not")
    elif instrument is None:
        run.add(skipped="the instrument is unknown")
    else:
        run.add(_completeness(conn, instrument))


def _seal_problems(conn: sqlite3.Connection, actual: dict[str, str] | None = None) -> list[str]:
    found = [problem.describe() for problem in check_seals(conn, actual)]
    found += [
        f"answers, conflicts or provenance belong to a case (id {case_uuid}) that is not in the file"
        for case_uuid in orphan_case_rows(conn)
    ]
    # Edits a later save found and logged before sealing over them: the file stays marked.
    found += [
        f"audit entry #{seq} ({at}), {detail}"
        for seq, at, detail in conn.execute(
            "SELECT seq, at, detail FROM audit WHERE action = ? ORDER BY seq", (OUTSIDE_EDIT,)
        )
    ]
    return found


def outside_edits(conn: sqlite3.Connection, seals: dict[str, str] | None = None) -> list[str]:
    """Everything the end of the audit log and the seals say was changed outside HMIP Desktop, worded
    as `hmip verify` words it (the merge warns with these). `conn` holds a file of schema 3 or later;
    `seals`: `seal.all_seals(conn)`, when the caller has it."""
    return [*_end_of_log(conn, SEALED_FROM), *_seal_problems(conn, seals)]


def _file_details(conn: sqlite3.Connection) -> tuple[str, list[str], Instrument | None]:
    """(the owner's role, problems, the instrument the file was made with)."""
    problems: list[str] = []
    meta = {str(k): v for k, v in conn.execute("SELECT key, value FROM meta")}
    for key in ("inspection_id", "file_uuid", "instrument_id", "instrument_version", "instrument_sha256"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            problems.append(f"the file's details lack {key!r}")
    owners = conn.execute("SELECT name, role FROM assessors WHERE is_owner = 1").fetchall()
    role = str(owners[0][1]) if len(owners) == 1 else ""
    if len(owners) != 1:
        problems.append(f"the file names {len(owners)} owners; it must name exactly one")
    instrument: Instrument | None = None
    if not problems:
        identity = InstrumentIdentity(
            id=meta["instrument_id"], version=meta["instrument_version"], sha256=meta["instrument_sha256"]
        )
        try:
            instrument = find_instrument(identity)
        except UserError as exc:
            problems.append(exc.message)
    return role, problems, instrument


def _end_of_log(conn: sqlite3.Connection, version: int) -> list[str]:
    problems: list[str] = []
    # The app numbers entries 1, 2, 3, ... (AUTOINCREMENT; a rolled-back save takes its numbers back).
    first, last_seq, entries = conn.execute("SELECT min(seq), max(seq), count(*) FROM audit").fetchone()
    if entries and (first != 1 or last_seq != entries):
        problems.append(
            f"the audit log's {entries} entries are numbered {first} to {last_seq}, not 1 to {entries}: entries were "
            "renumbered, removed or added outside HMIP Desktop"
        )
    # AUTOINCREMENT remembers the highest entry number ever written, in any schema version.
    highest = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    last = conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0
    if highest is not None and int(highest[0]) > int(last):
        gone = int(highest[0]) - int(last)
        problems.append(
            f"the audit log ends at entry #{last}, but entries up to #{highest[0]} were written: "
            f"the newest {gone} {'entry was' if gone == 1 else 'entries were'} deleted outside the app"
        )
    if version >= SEALED_FROM and not problems and (problem := audit_end_problem(conn)) is not None:
        problems.append(problem)
    return problems


def _case_ref_problems(conn: sqlite3.Connection) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for ref, inspection_id in conn.execute("SELECT case_ref, inspection_id FROM cases ORDER BY case_ref"):
        own = str(ref)
        if isinstance(inspection_id, str) and own.startswith(inspection_id + "/"):
            own = own[len(inspection_id) + 1 :]  # an aggregate's "KENT-2014/KT-0001"
        if not isinstance(ref, str) or not CASE_REF_PATTERN.match(own):
            problems.append(f"{ref!r} is not a valid case reference")
            continue
        key = case_ref_key(ref)
        if key in seen:
            problems.append(f"{seen[key]} and {ref} differ only in letter case: they are the same case twice")
        else:
            seen[key] = ref
    return problems


def _completeness(conn: sqlite3.Connection, instrument: Instrument) -> list[str]:
    problems: list[str] = []
    values: dict[str, dict[str, str]] = {}
    for case_uuid, qid, value in conn.execute(
        "SELECT answers.case_uuid, answers.question_id, answers.value FROM answers "
        "JOIN cases ON cases.uuid = answers.case_uuid WHERE cases.status = 'complete' AND answers.value IS NOT NULL"
    ):
        values.setdefault(str(case_uuid), {})[str(qid)] = str(value)
    for case_uuid, ref in conn.execute("SELECT uuid, case_ref FROM cases WHERE status = 'complete' ORDER BY case_ref"):
        missing = relevance.unanswered_relevant(instrument, values.get(str(case_uuid), {}))
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            problems.append(
                f"case {ref} is marked complete but {count(len(missing), 'question')} that {plural(len(missing), 'applies', 'apply')} {plural(len(missing), 'is', 'are')} unanswered ({shown})"
            )
    return problems


def verify_or_raise(path: Path | str) -> Verification:
    """`verify_file`, raising VerificationFailed naming the first problem."""
    result = verify_file(path)
    if not result.ok:
        raise VerificationFailed(result.failure_message())
    return result


def verification_warning(path: Path | str) -> str | None:
    """None when the file passes; else the one-line failure (also for files that cannot be verified)."""
    try:
        result = verify_file(path)
    except UserError as exc:
        return f"{Path(path).name} could not be verified: {exc.message}"
    return None if result.ok else result.failure_message()
