"""Reading a team member's file for the merge: untrusted input, checked before use.

A file from another laptop may be anything: not a database, truncated,
another program's database, a newer schema, a file of another inspection, or
one doctored to carry triggers or views. It is never opened in place: it is
copied (and hashed) into a private temporary folder, the copy is checked
(header, full integrity check, exactly our schema, so no SQL from it can run),
an older schema is migrated in the copy, and only then are the known tables
read with explicit column lists. Every value is checked against the instrument.
Anything wrong raises a `UserError` that names the file; nothing is written
anywhere but the temporary folder.

A file is read as SQLite itself would read it in place: a ``-journal`` left by
a save that was cut off, or a ``-wal`` holding changes not yet written back
(a file another SQLite tool left in WAL mode), is copied with it and settled
in the private copy (the cut-off save rolled back, the WAL written back), so
what is merged is the file's last committed state, never stale pages.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from hmip_desktop.model.errors import CaseError, FileNotInspection, UserError
from hmip_desktop.model.file.audit import AuditCheck, read_audit
from hmip_desktop.model.file.connection import check_header, connect, damage_reason, sniff_sqlite
from hmip_desktop.model.file.disk import remove_quietly
from hmip_desktop.model.file.integrity import check_sound
from hmip_desktop.model.file.migrations import SCHEMA_VERSION, SEALED_FROM, migrate
from hmip_desktop.model.file.records import ROLES, Assessor
from hmip_desktop.model.file.rules import (
    CASE_REF_PATTERN,
    MAX_NOTE_CHARS,
    case_ref_key,
    check_case_ref,
    check_person_name,
    clean_text,
)
from hmip_desktop.model.file.seal import all_seals
from hmip_desktop.model.file.store import FILE_SUFFIX, InspectionFile
from hmip_desktop.model.file.verify import outside_edits
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, InstrumentIdentity, find_instrument
from hmip_desktop.model.wording import count, plural

PassphraseFor = Callable[[Path], str]
#: Where a value came from: the file's audit entries that touched it, oldest first, each as
#: "<seq>:<first 16 hex digits of its hash>". The hash chain makes a token stand for the whole
#: log up to that entry, so two copies of one file hold the same token only where they share
#: that history: a copy whose lineage holds another copy's latest token has seen that change
#: (see `one_file.Version`, which is how the merge tells a newer copy from one edited elsewhere).
Lineage = tuple[str, ...]

PACKAGE_SUFFIX = ".hmipx"
MAX_PROBLEMS_LISTED = 10
_COPY_CHUNK = 1 << 20
#: Files SQLite keeps beside a database that can hold part of its committed state: the rollback
#: journal of a save that was cut off, and the write-ahead log of a file in WAL mode.
SIDE_FILES = ("-journal", "-wal")
AGGREGATE_KIND = "aggregate"


class FileRefused(UserError):
    """A team file that is not merged; the message names the file and the reason."""


@dataclass(frozen=True)
class Expectation:
    """What a file must match: an inspection (None: any, as in an aggregate) and an instrument."""

    inspection_id: str | None
    instrument: InstrumentIdentity
    #: The lead file's own id: merging it into itself is refused.
    master_file_uuid: str = ""
    #: Whose instrument it is, for the message.
    instrument_of: str = "this inspection"
    #: A team file for the merge: a lead's merged file (its conflicts, decisions and provenance
    #: would be flattened into plain answers) is refused. Aggregates take leads' files.
    team_file: bool = False


@dataclass(frozen=True)
class IncomingCase:
    uuid: str
    case_ref: str
    status: str
    illustration: bool
    illustration_text: str
    revision: int
    created_at: str
    #: The audit entries that set the case's status, and its practice illustration (`Lineage`).
    status_lineage: Lineage = ()
    illustration_lineage: Lineage = ()


class IncomingAnswer(NamedTuple):
    """One answer row (a named tuple: a file holds ~15,000 of them)."""

    question_id: str
    value: str | None
    note: str
    revision: int
    assessor: str
    updated_at: str
    #: The audit entries that touched this answer, oldest first (`Lineage`).
    lineage: Lineage = ()


@dataclass(frozen=True)
class IncomingConflict:
    case_uuid: str
    case_ref: str
    question_id: str
    sides: str
    raised_at: str


@dataclass
class IncomingFile:
    """Everything read from one checked team file; the file itself is closed and removed."""

    name: str
    sha256: str
    file_uuid: str
    inspection_id: str
    area: str
    start_date: str
    end_date: str
    kind: str
    instrument: Instrument
    owner: Assessor
    team: list[Assessor]
    cases: list[IncomingCase]
    #: Answers by case uuid, then question id (a `PortableAnswers` when a reading worker read the file).
    answers: Mapping[str, Mapping[str, IncomingAnswer]]
    open_conflicts: list[IncomingConflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    migrated_from: int | None = None

    def answer_tuples(self, case_uuid: str) -> Collection[tuple[Any, ...]]:
        """A case's answers as tuples laid out as `IncomingAnswer`, without keying them by question:
        all a case new to MASTER needs (most cases of a first merge)."""
        if isinstance(self.answers, PortableAnswers):
            return self.answers.tuples(case_uuid)
        return self.answers.get(case_uuid, {}).values()


class PortableAnswers(Mapping[str, Mapping[str, IncomingAnswer]]):
    """A file's answers as they crossed from a reading worker (plain tuples by case), keyed by
    question only for the cases asked for: those MASTER has already (~10 % of the merging
    process's time went to keying every case's, mostly of cases it then took in whole)."""

    def __init__(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        self._rows = rows
        self._keyed: dict[str, dict[str, IncomingAnswer]] = {}

    def __getitem__(self, case_uuid: str) -> dict[str, IncomingAnswer]:
        keyed = self._keyed.get(case_uuid)
        if keyed is None:
            new = tuple.__new__  # not IncomingAnswer._make: a Python call per answer
            keyed = self._keyed[case_uuid] = {row[0]: new(IncomingAnswer, row) for row in self._rows[case_uuid]}
        return keyed

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def tuples(self, case_uuid: str) -> list[tuple[Any, ...]]:
        return self._rows.get(case_uuid, [])


@dataclass(frozen=True)
class PortableIncoming:
    """An `IncomingFile` in a form that is cheap to pickle across a process boundary: the
    instrument by its identity (looked up again on arrival) and the answers as plain tuples."""

    fields: dict[str, Any]
    instrument: InstrumentIdentity
    answers: dict[str, list[tuple[Any, ...]]]

    @classmethod
    def of(cls, incoming: IncomingFile) -> PortableIncoming:
        fields = {k: v for k, v in vars(incoming).items() if k not in ("instrument", "answers")}
        answers = {
            case_uuid: [tuple(a) for a in by_question.values()] for case_uuid, by_question in incoming.answers.items()
        }
        return cls(fields, incoming.instrument.identity, answers)

    def incoming(self) -> IncomingFile:
        return IncomingFile(
            instrument=find_instrument(self.instrument), answers=PortableAnswers(self.answers), **self.fields
        )


@dataclass(frozen=True)
class Received:
    """A team file as received: its name, the sha256 of its bytes, and (for an .hmip) a private copy."""

    path: Path
    sha256: str
    copy: Path | None
    #: What settling the copy found (a cut-off save rolled back, a WAL written back).
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path.name


def receive(path: Path | str, work_dir: Path) -> Received:
    """Fingerprint a team file: copy an .hmip into `work_dir` while hashing it; hash a package as it is.

    The merge skips a file whose hash it has merged before without reading it further
    (so a known package does not even need its passphrase).
    """
    path = Path(path)
    if path.suffix.lower() == PACKAGE_SUFFIX:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise FileRefused(f"cannot read {path.name}: {exc.strerror or exc}") from exc
        return Received(path, digest, None)
    sniff_sqlite(path)
    copy, digest, sides = _copy_and_hash(path, work_dir)
    return Received(path, digest, copy, tuple(_settle(copy, path.name, sides)))


def unpack_received(received: Received, work_dir: Path, passphrase_for: PassphraseFor | None) -> Received:
    """A package decrypted into `work_dir` (asking for the passphrase); an ``.hmip`` as it is."""
    if received.copy is not None:
        return received
    return Received(received.path, received.sha256, _unpack(received.path, work_dir, passphrase_for), received.warnings)


def read_received(
    received: Received,
    work_dir: Path,
    *,
    expect: Expectation | None = None,
    passphrase_for: PassphraseFor | None = None,
) -> IncomingFile:
    """Check the private copy and read everything from it (see the module docstring)."""
    name = received.name
    copy = received.copy if received.copy is not None else _unpack(received.path, work_dir, passphrase_for)
    try:
        migrated_from = _check_copy(copy)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise FileNotInspection(f"{name} is damaged ({damage_reason(exc)}); ask for a fresh copy") from exc
    conn = connect(copy, read_only=True)
    # sqlite3's own decoding, in C: ~250,000 text values a file. Text that is not UTF-8 raises its
    # OperationalError, which refuses the file as damaged below, as the connection's own text_factory would.
    conn.text_factory = str
    try:
        meta = _read_meta(conn, name)
        _check_expectation(name, meta, expect)
        if meta.get("kind") == AGGREGATE_KIND:
            raise FileRefused(f"{name} is itself an aggregate; list the inspections' own merged files instead")
        # Checked above already, so the store's own checks on open are not repeated.
        inspection = InspectionFile(copy, conn, find_instrument(identity_of(meta)), read_only=True)
        if expect is not None and expect.team_file:
            _refuse_merged_file(inspection, name)
        team_file = expect is not None and expect.team_file
        incoming = _read(inspection, name, received.sha256, meta, migrated_from, recheck=team_file)
        incoming.warnings[:0] = received.warnings
        return incoming
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise FileNotInspection(f"{name} is damaged ({damage_reason(exc)}); ask for a fresh copy") from exc
    finally:
        conn.close()


def read_incoming(
    path: Path | str,
    work_dir: Path,
    *,
    expect: Expectation | None = None,
    passphrase_for: PassphraseFor | None = None,
) -> IncomingFile:
    """Check and read one team file (``.hmip``, or an encrypted ``.hmipx`` package)."""
    return read_received(receive(path, work_dir), work_dir, expect=expect, passphrase_for=passphrase_for)


# -- getting a private copy ---------------------------------------------------------


def remove_work_dir(folder: Path) -> None:
    """Remove a file's private folder (its copy holds case data: do not leave it in the temp folder)."""
    # Called from clean-ups: a refusal here (a file still held open on Windows) must not hide the
    # merge's own result; a folder left behind is swept at the next merge.
    with contextlib.suppress(OSError):
        for child in folder.iterdir():
            remove_quietly(child)
        folder.rmdir()


def _copy_and_hash(path: Path, work_dir: Path) -> tuple[Path, str, list[str]]:
    """Copy byte for byte while hashing, so the hash is of exactly what is merged; the side files too.

    Returns the copy, the hash, and which side files (`SIDE_FILES`, not empty) came with it. The
    hash of a file without side files is the sha256 of its bytes; a side file's bytes follow,
    each after its name, so the same file with another journal or WAL is another file.
    """
    target = work_dir / path.name
    digest = hashlib.sha256()
    sides = []
    reading = path
    try:
        _copy_into(path, target, digest)
        for suffix in SIDE_FILES:
            reading = path.with_name(path.name + suffix)
            try:
                if reading.stat().st_size == 0:
                    continue  # an empty journal or WAL holds nothing
            except FileNotFoundError:
                continue
            digest.update(b"\0" + suffix.encode("ascii") + b"\0")
            _copy_into(reading, target.with_name(target.name + suffix), digest)
            sides.append(suffix)
    except _CopyFailed as exc:
        raise FileRefused(
            f"cannot copy {reading.name} into the merge's temporary folder ({exc.strerror or exc}); free some "
            "space there, or set TMPDIR to a folder with room, and merge again"
        ) from exc
    except OSError as exc:
        raise FileRefused(f"cannot read {reading.name}: {exc.strerror or exc}") from exc
    return target, digest.hexdigest(), sides


class _CopyFailed(OSError):
    """Writing the private copy failed (the temporary folder, not the team file)."""


class _ReadFailed(OSError):
    """Reading the team file failed."""


def _copy_into(source_path: Path, target: Path, digest: Any) -> None:
    with source_path.open("rb") as source:
        try:
            with target.open("xb") as copy:
                while True:
                    try:
                        chunk = source.read(_COPY_CHUNK)
                    except OSError as exc:
                        raise _ReadFailed(exc.errno, exc.strerror) from exc
                    if not chunk:
                        break
                    digest.update(chunk)
                    copy.write(chunk)
        except _ReadFailed:
            raise
        except OSError as exc:  # opening, writing or closing (a full disk shows at the last flush) the copy
            raise _CopyFailed(exc.errno, exc.strerror) from exc


def _settle(copy: Path, name: str, sides: Iterable[str]) -> list[str]:
    """Bring the private copy to its last committed state, as one file in rollback-journal mode.

    A hot ``-journal`` is rolled back and a ``-wal`` written back into the copy by SQLite itself, on
    the first read of a writable connection (the copy is ours, and this page-level recovery runs no
    SQL from the file). A WAL-mode file is switched to the rollback journal, so the read-only opens
    that follow need no shared-memory file. Returns a warning per side file that held something.
    """
    sides = list(sides)
    with copy.open("rb") as handle:
        header = handle.read(20)
    wal_mode = header[18:20] == b"\x02\x02"
    if not sides and not wal_mode:
        return []
    before = _file_hash(copy)
    try:
        conn = sqlite3.connect(str(copy), isolation_level=None)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA user_version").fetchone()  # rolls a hot journal back, or reads the WAL
            if wal_mode:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "disk is full" in str(exc):
            raise FileRefused(
                f"cannot settle {name} in the merge's temporary folder (the disk is full); free some space there, "
                "or set TMPDIR to a folder with room, and merge again"
            ) from exc
        raise FileNotInspection(f"{name} is damaged ({damage_reason(exc)}); ask for a fresh copy") from exc
    # A journal still there after that first read is not hot (SQLite checked): a finished save's, harmless.
    copy.with_name(copy.name + "-journal").unlink(missing_ok=True)
    left = sorted(side.name for side in copy.parent.glob(copy.name + "-*"))
    if str(mode).lower() != "delete" or left:
        raise FileNotInspection(
            f"{name} could not be read together with {', '.join(left) or 'its side files'}; ask for a fresh "
            "copy (the assessor closes HMIP Desktop and sends the file again)"
        )
    warnings = []
    if "-wal" in sides:
        warnings.append(
            f"{name} was left in WAL mode by another program, with changes still in {name}-wal beside it; "
            "the two were read together"
        )
    if "-journal" in sides and _file_hash(copy) != before:
        warnings.append(
            f"{name} has a save that was cut off ({name}-journal beside it); it was read as it was before "
            "that save, as HMIP Desktop will read it when the assessor next opens it"
        )
    return warnings


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _unpack(path: Path, work_dir: Path, passphrase_for: PassphraseFor | None) -> Path:
    if passphrase_for is None:
        raise FileRefused(f"{path.name} is an encrypted package; the inspection passphrase is needed to merge it")
    from hmip_desktop.model.file.package import open_package

    passphrase = passphrase_for(path)
    try:
        return open_package(path, passphrase, work_dir, name=path.stem + FILE_SUFFIX)
    except OSError as exc:  # writing the decrypted copy: the temporary folder, not the package
        raise FileRefused(
            f"cannot copy {path.name} into the merge's temporary folder ({exc.strerror or exc}); free some "
            "space there, or set TMPDIR to a folder with room, and merge again"
        ) from exc


# -- checking the copy ------------------------------------------------------------------


def _check_copy(copy: Path) -> int | None:
    """Header, integrity and exact schema; migrate an older schema. Returns the old version if migrated."""
    conn = connect(copy, read_only=True)
    try:
        version = check_header(conn, copy)
        # Exactly our schema (no triggers or views), then the full integrity check. (check_sound's
        # `full` would also read every row of every table; the merge reads the rows it uses itself,
        # and a damaged value there refuses the file just the same.)
        check_sound(conn, copy)
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(3)")]
        if problems != ["ok"]:
            raise FileNotInspection(f"{copy.name} failed the integrity check ({'; '.join(map(str, problems))})")
    finally:
        conn.close()
    if version == SCHEMA_VERSION:
        return None
    # Safe to write to: it is our private copy and check_sound found no triggers in it.
    conn = connect(copy)
    try:
        migrate(conn)
    finally:
        conn.close()
    return version


def _read_meta(conn: sqlite3.Connection, name: str) -> dict[str, str]:
    rows = conn.execute("SELECT key, value FROM meta").fetchall()
    meta = {str(key): value for key, value in rows if isinstance(value, str)}
    for key in ("inspection_id", "file_uuid", "instrument_id", "instrument_version", "instrument_sha256"):
        if not meta.get(key):
            raise FileNotInspection(f"{name} is missing {key!r}; it is damaged")
    if not CASE_REF_PATTERN.match(meta["inspection_id"]):
        # It becomes part of every case reference of an aggregate, and the id of a lead file made from it.
        raise FileRefused(
            f"{name} holds an inspection id HMIP Desktop would never write ({_shown(meta['inspection_id'])}); "
            "it was changed outside the app: ask for a fresh copy"
        )
    return meta


def identity_of(meta: dict[str, str]) -> InstrumentIdentity:
    return InstrumentIdentity(
        id=meta["instrument_id"], version=meta["instrument_version"], sha256=meta["instrument_sha256"]
    )


def _check_expectation(name: str, meta: dict[str, str], expect: Expectation | None) -> None:
    if expect is None:
        return
    if expect.master_file_uuid and meta["file_uuid"] == expect.master_file_uuid:
        raise FileRefused(f"{name} is the lead's file itself (or a copy of it); it cannot be merged into itself")
    if expect.inspection_id is not None and meta["inspection_id"] != expect.inspection_id:
        raise FileRefused(
            f"{name} belongs to inspection {meta['inspection_id']}, not {expect.inspection_id}; "
            "only files of the same inspection are merged"
        )
    identity = identity_of(meta)
    if identity != expect.instrument:
        raise FileRefused(
            f"{name} was made with the instrument {identity.describe()}, but {expect.instrument_of} uses "
            f"{expect.instrument.describe()}; answers to different question sets cannot be combined"
        )


# -- reading and validating -------------------------------------------------------------


def _text(value: Any, limit: int = MAX_NOTE_CHARS) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


_VALID_ANSWERS: dict[str, dict[tuple[str, str | None], tuple[str, str | None]]] = {}


def _valid_answers(instrument: Instrument) -> dict[tuple[str, str | None], tuple[str, str | None]]:
    """Every (question id, value) an answer may hold, None (cleared) included, each mapped to itself as
    the instrument spells it: a file's ~15,000 answers then share those strings, which pickles them
    (from a reading worker to the merging process) by reference instead of once per answer."""
    found = _VALID_ANSWERS.get(instrument.sha256)
    if found is None:
        pairs: list[tuple[str, str | None]] = [(q.id, o.value) for q in instrument.questions for o in q.options]
        pairs += [(q.id, None) for q in instrument.questions]
        found = _VALID_ANSWERS[instrument.sha256] = {pair: pair for pair in pairs}
    return found


def _read(
    inspection: InspectionFile,
    name: str,
    digest: str,
    meta: dict[str, str],
    migrated_from: int | None,
    *,
    recheck: bool = False,
) -> IncomingFile:
    """Read and check every value; `recheck`: a team file's complete cases must be complete (see
    `_recheck_completeness`; a lead's file, taken into an aggregate, holds what its team said)."""
    instrument = inspection.instrument
    problems: list[str] = []
    conn = inspection.conn
    owner = inspection.owner
    if not _valid_name(owner.name):
        problems.append("the assessor's name is not valid")
    if owner.role not in ROLES:
        problems.append(f"unknown assessor role {owner.role!r}")
    team = [a for a in inspection.assessors() if _valid_name(a.name) and a.role in ROLES]

    fields = _FieldLineages()
    audit = read_audit(conn, tokens=True, case_entry=fields)  # the chain and the replay, compared below
    lineages, field_lineages = _lineages(audit, fields)
    cases: list[IncomingCase] = []
    by_key: dict[str, str] = {}
    for row in conn.execute(
        "SELECT rowid, uuid, case_ref, status, illustration, illustration_text, revision, created_at, inspection_id "
        "FROM cases ORDER BY case_ref"
    ):
        position, case_uuid, ref, status, flag, text, revision, created_at, case_inspection = row
        where = f"case {_shown(ref)} (row {position} of its cases)"
        if not (_text(case_uuid, 64) and case_uuid):
            problems.append(f"{where}: invalid id")
        elif not _valid_ref(ref):
            problems.append(
                f"{where}: not a valid case reference (1-40 letters, digits, '-', '_', '.' or '/'; "
                "case references only, never names)"
            )
        elif case_ref_key(ref) in by_key:
            problems.append(
                f"{where}: {by_key[case_ref_key(ref)]!r} and {ref!r} differ only in letter case, so they are one "
                "case; keep one of them"
            )
        elif status not in ("draft", "complete"):
            problems.append(f"{where}: unknown status {status!r}")
        elif flag not in (0, 1) or not _text(text) or not _count(revision) or not _text(created_at, 64):
            problems.append(f"{where}: invalid illustration, revision or date")
        elif case_inspection is not None:
            # Only an aggregate holds cases of other inspections, and aggregates are refused above.
            problems.append(f"{where}: marked as a case of another inspection")
        else:
            by_key[case_ref_key(ref)] = ref
            cases.append(
                IncomingCase(
                    case_uuid,
                    ref,
                    status,
                    bool(flag),
                    text,
                    revision,
                    created_at,
                    field_lineages.get((ref, STATUS_KEY), ()),
                    field_lineages.get((ref, ILLUSTRATION_KEY), ()),
                )
            )

    ref_of = {case.uuid: case.case_ref for case in cases}
    valid = _valid_answers(instrument)
    good_names: dict[str, str] = {}  # each valid name, kept once (see `_valid_answers`)
    answers: dict[str, dict[str, IncomingAnswer]] = {}
    stored: dict[tuple[str, str], str | None] = {}
    new_answer = tuple.__new__  # IncomingAnswer(...) goes through a Python-level __new__: twice as slow
    case_answers: dict[str, IncomingAnswer] = {}
    case_uuid_before: object = None
    case_ref = ""
    seals, answer_rows = _seals_and_answers(conn, migrated_from)
    for case_uuid, qid, value, note, revision, assessor, updated_at in answer_rows:
        # One loop over ~15,000 rows a file: plain type checks, no helper calls on the common path.
        canonical = valid.get((qid, value))
        if case_uuid not in ref_of:
            problems.append(f"answer {qid!r}: belongs to no valid case")
        elif canonical is None:
            known = isinstance(qid, str) and qid in instrument.by_id
            problems.append(
                f"answer {qid!r}: {value!r} is not one of its options"
                if known
                else f"answer {qid!r}: no such question in {instrument.id}"
            )
        elif type(note) is not str or len(note) > MAX_NOTE_CHARS:
            problems.append(f"answer {qid!r}: the note is not text or longer than {MAX_NOTE_CHARS:,} characters")
        elif assessor not in good_names and not _valid_name(assessor):
            problems.append(f"answer {qid!r}: invalid assessor name")
        elif type(revision) is not int or revision < 1 or type(updated_at) is not str or len(updated_at) > 64:
            problems.append(f"answer {qid!r}: invalid revision or date")
        else:
            qid, value = canonical
            assessor = good_names.setdefault(assessor, assessor)
            if note and not note.isprintable():
                note = clean_text(note)
            if case_uuid != case_uuid_before:  # a case's answers mostly come together
                case_answers = answers.setdefault(case_uuid, {})
                case_ref, case_uuid_before = ref_of[case_uuid], case_uuid
            case_answers[qid] = new_answer(
                IncomingAnswer, (qid, value, note, revision, assessor, updated_at, lineages.get((case_ref, qid), ()))
            )
            stored[(case_ref, qid)] = value

    conflicts = [
        IncomingConflict(*row)
        for row in conn.execute(
            "SELECT case_uuid, case_ref, question_id, sides, raised_at FROM conflicts WHERE resolved_at IS NULL"
        )
        if all(isinstance(v, str) for v in row) and row[0] in ref_of
    ]
    if problems:
        shown = problems[:MAX_PROBLEMS_LISTED]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        raise FileRefused(f"{name} holds {count(len(problems), 'value')} HMIP Desktop would never write", shown)
    cases, incomplete = _recheck_completeness(instrument, cases, answers) if recheck else (cases, [])
    return IncomingFile(
        name=name,
        sha256=digest,
        file_uuid=meta["file_uuid"],
        inspection_id=meta["inspection_id"],
        area=meta.get("area", ""),
        start_date=meta.get("start_date", ""),
        end_date=meta.get("end_date", ""),
        kind=meta.get("kind", ""),
        instrument=instrument,
        owner=owner,
        team=team,
        cases=cases,
        answers=answers,
        open_conflicts=conflicts,
        warnings=[
            *audit.compare(stored).warnings(name),
            *(f"{name}: {line}" for line in ([] if seals is None else outside_edits(conn, seals))),
            *(f"{name}: {line}" for line in incomplete),
        ],
        migrated_from=migrated_from,
    )


#: Keys of a case's own fields beside its answers' question ids, in lineages and in what the lead's file
#: keeps of each source (`one_file`): "#" starts no question id.
STATUS_KEY = "#status"
ILLUSTRATION_KEY = "#illustration"
#: Audit actions that set a case's status / practice illustration (a new case starts as a draft, unflagged).
_FIELD_ACTIONS = {
    "case-add": (STATUS_KEY, ILLUSTRATION_KEY),
    "status": (STATUS_KEY,),
    "illustration": (ILLUSTRATION_KEY,),
}


class _FieldLineages:
    """Each case field's lineage, and the answers given by bulk entries, from the entries naming a case
    but no question, as `read_audit` passes them in the log's order: "case-add", "status" and
    "illustration" belong to the case's fields (`_FIELD_ACTIONS`); a bulk entry of answers (only a
    lead's file has them) to each answer it gives."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str], list[str]] = {}
        self.bulk: dict[tuple[str, str], list[str]] = {}

    def __call__(self, token: str, action: str, case_ref: str, bulk: dict[str, str | None] | None) -> None:
        for bulk_question in bulk or ():
            self.bulk.setdefault((case_ref, bulk_question), []).append(token)
        for key in _FIELD_ACTIONS.get(action, ()):
            self.fields.setdefault((case_ref, key), []).append(token)


def _lineages(
    audit: AuditCheck, fields: _FieldLineages
) -> tuple[dict[tuple[str, str], Lineage], dict[tuple[str, str], Lineage]]:
    """Every answer's and every case field's lineage, by (case_ref, question id or field key)."""
    answers = {key: tuple(tokens) for key, tokens in audit.question_tokens.items()}
    for key, tokens in fields.bulk.items():
        given = answers.get(key)  # entries of both kinds for one answer: only in a lead's file amended
        answers[key] = tuple(sorted([*given, *tokens], key=_seq_of)) if given else tuple(tokens)
    return answers, {key: tuple(tokens) for key, tokens in fields.fields.items()}


def _seq_of(token: str) -> int:
    return int(token.split(":", 1)[0])


#: The columns of an answer `_read` checks, in this order.
_ANSWER_COLUMNS = ("case_uuid", "question_id", "value", "note", "revision", "assessor", "updated_at")


def _seals_and_answers(
    conn: sqlite3.Connection, migrated_from: int | None
) -> tuple[dict[str, str] | None, Iterable[tuple[Any, ...]]]:
    """The file's seals as its content is now (`seal.all_seals`), and its answers (`_ANSWER_COLUMNS`).

    One pass over the answers serves both (~15,000 rows a file). A file sealed only as it was
    upgraded (in our copy) has nothing to compare its seals with: None, and the answers read plainly.
    """
    if migrated_from is not None and migrated_from < SEALED_FROM:
        return None, conn.execute(f"SELECT {', '.join(_ANSWER_COLUMNS)} FROM answers")
    by_case: list[list[tuple[Any, ...]]] = []
    seals = all_seals(conn, answers_read=lambda _case, rows: by_case.append(rows))
    columns = [row[1] for row in conn.execute("PRAGMA main.table_info(answers)")]
    pick = itemgetter(*(columns.index(name) for name in _ANSWER_COLUMNS))
    return seals, map(pick, chain.from_iterable(by_case))


def _recheck_completeness(
    instrument: Instrument, cases: list[IncomingCase], answers: dict[str, dict[str, IncomingAnswer]]
) -> tuple[list[IncomingCase], list[str]]:
    """Cases marked complete must have every question that applies answered, as `complete_case` demands.

    One that does not (a hand edit, or a file from a tool that skips the check) is taken as a draft,
    so it is never scored as complete; a warning names it. Returns the cases and the warnings.
    """
    checked, warnings = [], []
    for case in cases:
        if case.status == "complete":
            values = {qid: a.value for qid, a in answers.get(case.uuid, {}).items() if a.value is not None}
            missing = relevance.unanswered_relevant(instrument, values)
            if missing:
                listed = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                warnings.append(
                    f"case {case.case_ref} is marked complete but {count(len(missing), 'question')} that "
                    f"{plural(len(missing), 'applies', 'apply')} {plural(len(missing), 'is', 'are')} unanswered ({listed}); it was merged as a draft"
                )
                case = replace(case, status="draft")
        checked.append(case)
    return checked, warnings


def _refuse_merged_file(inspection: InspectionFile, name: str) -> None:
    """A lead's merged file is not a team file: merging it would score what it holds disputed.

    Its open conflicts, the lead's decisions and who said what (provenance) have no place in a
    team file's answers, so the merge refuses it rather than flatten them. A lead-role file with
    none of these (a lead marking cases themselves) is merged like any team file.
    """
    conn = inspection.conn
    merged = conn.execute("SELECT count(*) FROM imports WHERE kind = 'merge'").fetchone()[0]
    sources = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
    said = conn.execute("SELECT count(*) FROM case_sources").fetchone()[0]
    open_conflicts, decided = conn.execute(
        "SELECT count(*) FILTER (WHERE resolved_at IS NULL), count(*) FILTER (WHERE resolved_at IS NOT NULL) "
        "FROM conflicts"
    ).fetchone()
    if not (merged or sources or said or open_conflicts or decided):
        return
    raise FileRefused(
        f"{name} is a lead's merged file ({inspection.owner.name}'s: {max(merged, sources)} team {plural(max(merged, sources), 'file')} merged, "
        f"{open_conflicts} open {plural(open_conflicts, 'conflict')}, {decided} settled); merging it here would score what it holds "
        "disputed and lose who said what. Merge the assessors' own files instead (their .hmip or .hmipx), "
        "or combine inspections with `hmip aggregate`"
    )


def _valid_ref(ref: Any) -> bool:
    """The store's one rule for a case reference, applied exactly: nothing stripped, nothing squeezed."""
    if not isinstance(ref, str) or not CASE_REF_PATTERN.match(ref):
        return False
    try:
        return check_case_ref(ref) == ref
    except CaseError:
        return False


def _shown(ref: Any) -> str:
    """A refused reference as a message may show it: short (it may hold a name), control characters escaped."""
    text = ref if isinstance(ref, str) else str(ref)
    return repr(text[:12] + ("…" if len(text) > 12 else ""))


def _valid_name(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    try:
        check_person_name(name)
    except UserError:
        return False
    return True
