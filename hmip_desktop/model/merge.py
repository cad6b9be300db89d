"""The team merge: the lead's file (MASTER) takes in the assessors' files.

Rules (issue 4):

- Each incoming file is checked first (`incoming.read_incoming`); a refused
  file gets one message and MASTER is not touched for it. MASTER is backed up
  to ``backups/`` beside it before the first write of a merge run, and each
  file is merged in one transaction.
- A case is its case_ref within the inspection. For every answer the lead's
  file keeps what each source file last said (`case_sources`), and the
  answer revision the merge last wrote (`answers.merged_revision`); any
  other revision is the lead's own amendment.
- A source's answer is looked at only when it changed since that file's last
  import (a higher revision with another value or note), so merging a file
  twice changes nothing, and an older copy arriving after a newer one is ignored.
- An answer the lead has not amended is what the sources say: if all sources
  that answered agree, their value (both credited, notes combined); if they
  differ, a conflict and the master value stays as it was. An answer the lead
  amended stands; a source that changes it to something else raises a conflict.
  This makes the result independent of the order of non-conflicting files.
- A conflict whose sides all come to agree (a re-sent file) is settled by the
  merge. Case status and practice illustration follow the same three-way rule:
  a source's change is applied unless the lead changed that field meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hmip_desktop.model.conflicts import ConflictSide, close_conflict, open_conflict, raise_conflict
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.audit_chain import append_audit_entries
from hmip_desktop.model.incoming import (
    Expectation,
    IncomingAnswer,
    IncomingCase,
    IncomingFile,
    PassphraseFor,
    read_incoming,
    read_received,
    receive,
    remove_work_dir,
)
from hmip_desktop.model.master_answers import set_illustration, set_status, touch_case, write_answer
from hmip_desktop.model.store import CaseStatus, InspectionFile

Progress = Callable[[int, int, str], None]
FileStatus = Literal["merged", "unchanged", "refused"]

BACKUP_DIR = "backups"
MAX_WARNINGS_PER_FILE = 5


@dataclass
class FileResult:
    """What happened to one incoming file."""

    name: str
    status: FileStatus
    reason: str = ""
    assessor: str = ""
    sha256: str = ""
    cases_added: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    answers_changed: int = 0
    conflicts_raised: int = 0
    conflicts_updated: int = 0
    conflicts_settled: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.cases_added or self.cases_updated or self.answers_changed or self.conflicts_raised
            or self.conflicts_updated or self.conflicts_settled
        )

    def describe(self) -> str:
        """One line for the CLI and the app's summary."""
        if self.status == "refused":
            return f"refused: {self.reason}"
        if self.status == "unchanged":
            return f"unchanged: {self.reason}"
        parts = [
            f"{self.cases_added} case(s) added",
            f"{self.cases_updated} updated",
            f"{self.cases_unchanged} unchanged",
            f"{self.answers_changed} answer(s) changed",
            f"{self.conflicts_raised} conflict(s) raised",
        ]
        if self.conflicts_updated:
            parts.append(f"{self.conflicts_updated} conflict(s) updated")
        if self.conflicts_settled:
            parts.append(f"{self.conflicts_settled} settled (the sides now agree)")
        return f"merged ({self.assessor}): " + ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "status": self.status,
            "reason": self.reason,
            "assessor": self.assessor,
            "sha256": self.sha256,
            "cases_added": self.cases_added,
            "cases_updated": self.cases_updated,
            "cases_unchanged": self.cases_unchanged,
            "answers_changed": self.answers_changed,
            "conflicts_raised": self.conflicts_raised,
            "conflicts_updated": self.conflicts_updated,
            "conflicts_settled": self.conflicts_settled,
            "warnings": list(self.warnings),
        }


@dataclass
class MergeSummary:
    files: list[FileResult]
    #: The copy of MASTER taken before the first write (None: nothing was written).
    backup: Path | None = None

    def _with(self, status: FileStatus) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def merged(self) -> list[FileResult]:
        return self._with("merged")

    @property
    def refused(self) -> list[FileResult]:
        return self._with("refused")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    def total(self, attribute: str) -> int:
        return sum(int(getattr(f, attribute)) for f in self.files)

    @property
    def changed_anything(self) -> bool:
        return any(f.changed_anything for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [f.to_json() for f in self.files],
            "merged": len(self.merged),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
            "cases_added": self.total("cases_added"),
            "cases_updated": self.total("cases_updated"),
            "answers_changed": self.total("answers_changed"),
            "conflicts_raised": self.total("conflicts_raised"),
            "backup": self.backup.name if self.backup else None,
        }


# -- the entry point ------------------------------------------------------------------


def check_master(master: InspectionFile) -> None:
    if master.read_only:
        raise UserError(f"{master.path.name} is open read-only; nothing was merged")
    if master.owner.role != "lead":
        raise UserError(
            f"{master.path.name} is {master.owner.name}'s {master.owner.role} file; merge into a lead file "
            "(`hmip new FILE --role lead …`, or `hmip merge --create`)"
        )
    if master.meta().get("kind") == "aggregate":
        raise UserError(f"{master.path.name} is an aggregate of inspections; rebuild it with `hmip aggregate`")


def merge_files(
    master: InspectionFile,
    paths: Sequence[Path | str],
    *,
    progress: Progress | None = None,
    passphrase_for: PassphraseFor | None = None,
) -> MergeSummary:
    """Merge `paths` into `master`, each file in its own transaction.

    `progress(position, total, file_name)` is called as file number `position`
    (1-based) starts; it may be called from a worker thread (it is the caller's
    job to hand it to the GUI thread).
    """
    check_master(master)
    expect = Expectation(
        inspection_id=master.inspection_id,
        instrument=master.instrument.identity,
        master_file_uuid=master.meta()["file_uuid"],
    )
    known = frozenset(row[0] for row in master.conn.execute("SELECT sha256 FROM imports WHERE kind = 'merge'"))
    summary = MergeSummary(files=[])
    files = [Path(p) for p in paths]
    with _roomy_cache(master), tempfile.TemporaryDirectory(prefix="hmip-merge-") as tmp:
        for index, path in enumerate(files):
            if progress is not None:
                progress(index + 1, len(files), path.name)
            prepared = _prepare(path, Path(tmp) / str(index), expect, passphrase_for, known)
            summary.files.append(_merge_prepared(master, prepared, summary))
    return summary


@dataclass
class _Prepared:
    """One file read and checked, or refused."""

    path: Path
    sha256: str = ""
    incoming: IncomingFile | None = None
    refusal: str = ""


def _prepare(
    path: Path, work_dir: Path, expect: Expectation, passphrase_for: PassphraseFor | None, known: frozenset[str]
) -> _Prepared:
    work_dir.mkdir()
    try:
        received = receive(path, work_dir)
        if received.sha256 in known:
            return _Prepared(path, received.sha256)  # merged before: no need to read it
        incoming = read_received(received, work_dir, expect=expect, passphrase_for=passphrase_for)
        return _Prepared(path, received.sha256, incoming)
    except UserError as exc:
        return _Prepared(path, refusal=str(exc))
    finally:
        remove_work_dir(work_dir)


def _merge_prepared(master: InspectionFile, prepared: _Prepared, summary: MergeSummary) -> FileResult:
    name = prepared.path.name
    if prepared.refusal:
        return FileResult(name=name, status="refused", reason=prepared.refusal)
    previous = _previous_import(master, prepared.sha256)
    if previous is not None:
        # Byte for byte a file merged before (perhaps earlier in this run): nothing in it can change MASTER.
        description, assessor = previous
        return FileResult(
            name=name, status="unchanged", reason=f"already merged ({description}); nothing to do",
            assessor=assessor, sha256=prepared.sha256,
        )
    assert prepared.incoming is not None
    if summary.backup is None:
        summary.backup = backup_master(master)
    try:
        with master.transaction():
            return FileMerger(master, prepared.incoming).run()
    except UserError as exc:
        # Rolled back: the file is not merged, MASTER is as before it.
        return FileResult(name=name, status="refused", reason=f"not merged: {exc}")


@contextmanager
def _roomy_cache(master: InspectionFile) -> Iterator[None]:
    """A larger page cache while merging: a dozen files add ~150,000 indexed rows."""
    before = master.conn.execute("PRAGMA cache_size").fetchone()[0]
    master.conn.execute("PRAGMA cache_size = -65536")
    try:
        yield
    finally:
        master.conn.execute(f"PRAGMA cache_size = {int(before)}")


def create_master(
    master_path: Path | str, first: Path | str, lead: str, *, passphrase_for: PassphraseFor | None = None
) -> InspectionFile:
    """A new lead file for the inspection of `first` (its inspection, area, dates and instrument)."""
    first = Path(first)
    with tempfile.TemporaryDirectory(prefix="hmip-merge-") as tmp:
        incoming = read_incoming(first, Path(tmp), passphrase_for=passphrase_for)
    return InspectionFile.create(
        master_path,
        inspection_id=incoming.inspection_id,
        area=incoming.area,
        assessor=lead,
        role="lead",
        instrument=incoming.instrument,
        start_date=incoming.start_date,
        end_date=incoming.end_date,
    )


def _previous_import(master: InspectionFile, sha256: str) -> tuple[str, str] | None:
    """(how to describe it, assessor) of an earlier import of a file with this hash."""
    row = master.conn.execute(
        "SELECT id, file_name, assessor, imported_at FROM imports WHERE sha256 = ? AND kind = 'merge' "
        "ORDER BY id LIMIT 1",
        (sha256,),
    ).fetchone()
    return None if row is None else (f"identical to import #{row[0]}, {row[1]}, at {row[3][:16]}", row[2])


def backup_master(master: InspectionFile) -> Path:
    """Copy MASTER to backups/ beside it with SQLite's backup API (consistent, even mid-session)."""
    folder = master.path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = master.clock()[:19].replace(":", "").replace("-", "")
    target = folder / f"{master.path.stem}-{stamp}{master.path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{master.path.stem}-{stamp}-{n}{master.path.suffix}"
    destination = sqlite3.connect(str(target))
    try:
        master.conn.backup(destination)
    finally:
        destination.close()
    return target


# -- provenance records -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceAnswer:
    """What one source file said about one answer at its latest import."""

    file_uuid: str
    file_name: str
    assessor: str
    revision: int
    value: str | None
    note: str
    updated_at: str

    def side(self) -> ConflictSide:
        return ConflictSide(
            value=self.value,
            note=self.note,
            assessor=self.assessor,
            source=self.file_name,
            revision=self.revision,
            at=self.updated_at,
            file_uuid=self.file_uuid,
        )


@dataclass(frozen=True)
class SourceCase:
    """What one source file last said about one case."""

    status: str
    revision: int
    illustration: bool
    illustration_text: str
    #: {question id: [revision, value, note, updated_at]}
    answers: dict[str, list[Any]]


def provenance(
    inspection: InspectionFile, case_uuid: str | None = None
) -> dict[tuple[str, str], list[SourceAnswer]]:
    """Who said what: every source file's latest answer, by (case uuid, question id), sorted by assessor.

    `case_uuid` limits it to one case.
    """
    sources = {
        row[0]: (row[1], row[2], row[3])
        for row in inspection.conn.execute("SELECT id, file_uuid, file_name, assessor FROM sources")
    }
    where, params = ("WHERE case_uuid = ?", (case_uuid,)) if case_uuid else ("", ())
    found: dict[tuple[str, str], list[SourceAnswer]] = {}
    for uuid_, source_id, answers in inspection.conn.execute(
        f"SELECT case_uuid, source_id, answers FROM case_sources {where}", params
    ):
        file_uuid, file_name, assessor = sources[source_id]
        for qid, (revision, value, note, updated_at) in json.loads(answers).items():
            found.setdefault((uuid_, qid), []).append(
                SourceAnswer(file_uuid, file_name, assessor, revision, value, note, updated_at)
            )
    for said in found.values():
        said.sort(key=_side_order)
    return found


def combined_note(sources: Iterable[SourceAnswer]) -> str:
    """The evidence notes of sources that agree: one note as it is, several each credited."""
    notes = sorted({(s.assessor, s.note) for s in sources if s.note.strip()})
    if len({note for _a, note in notes}) <= 1:
        return notes[0][1] if notes else ""
    return "\n\n".join(f"[{assessor}] {note}" for assessor, note in notes)


def combined_status(statuses: Iterable[str]) -> CaseStatus:
    """Complete only when every source has it complete (a second marker may still be working)."""
    return "complete" if all(s == "complete" for s in statuses) else "draft"


def combined_illustration(sources: Sequence[tuple[bool, str]]) -> tuple[bool, str]:
    flagged = [text for flag, text in sources if flag]
    texts = flagged if flagged else [text for _flag, text in sources]
    unique = sorted({text for text in texts if text.strip()})
    return bool(flagged), "\n\n".join(unique)


@dataclass
class _MasterCase:
    uuid: str
    case_ref: str
    status: str
    illustration: bool
    illustration_text: str


@dataclass(frozen=True)
class _MasterAnswer:
    value: str | None
    note: str
    revision: int
    assessor: str
    updated_at: str
    merged_revision: int | None

    @property
    def lead_owned(self) -> bool:
        """Written or amended by the lead since the merge last wrote it."""
        return self.revision != self.merged_revision


class FileMerger:
    """Merges one checked incoming file into MASTER, inside the caller's transaction."""

    def __init__(self, master: InspectionFile, incoming: IncomingFile) -> None:
        self.master = master
        self.incoming = incoming
        self.conn = master.conn
        self.stamp = master.clock()
        self.result = FileResult(
            name=incoming.name, status="merged", assessor=incoming.owner.name, sha256=incoming.sha256
        )
        self.result.warnings = _capped(incoming.warnings)
        if incoming.migrated_from is not None:
            self.result.warnings.append(
                f"{incoming.name} was written with an older file format (schema {incoming.migrated_from}); "
                "it was upgraded in a temporary copy"
            )
        self.detail = f"from {incoming.name} ({incoming.owner.name})"
        self.source_id = 0
        self.import_id = 0
        self.sources: dict[int, tuple[str, str, str]] = {}

    def run(self) -> FileResult:
        incoming = self.incoming
        self.master.add_assessor(incoming.owner.name, incoming.owner.role)
        self._start_import()
        by_ref = {
            row[1]: _MasterCase(row[0], row[1], row[2], bool(row[3]), row[4])
            for row in self.conn.execute("SELECT uuid, case_ref, status, illustration, illustration_text FROM cases")
        }
        taken_uuids = {case.uuid for case in by_ref.values()}
        for case in incoming.cases:
            answers = incoming.answers.get(case.uuid, {})
            existing = by_ref.get(case.case_ref)
            if existing is None:
                self._add_case(case, answers, taken_uuids)
                self.result.cases_added += 1
            elif self._update_case(existing, case, answers):
                self.result.cases_updated += 1
            else:
                self.result.cases_unchanged += 1
        self._finish_import()
        return self.result

    # -- a case new to MASTER ------------------------------------------------------

    def _add_case(self, case: IncomingCase, answers: dict[str, IncomingAnswer], taken: set[str]) -> None:
        incoming, master = self.incoming, self.master
        # Keep the assessor's case id for provenance unless MASTER already uses it for another case.
        case_uuid = case.uuid if case.uuid not in taken else master.new_uuid()
        taken.add(case_uuid)
        self.conn.execute(
            "INSERT INTO cases (uuid, case_ref, status, illustration, illustration_text, revision, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (case_uuid, case.case_ref, case.status, int(case.illustration), case.illustration_text,
             incoming.owner.name, case.created_at, self.stamp),
        )
        written = [a for a in answers.values() if a.value is not None or a.note]
        self.conn.executemany(
            "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at, "
            "merged_revision) VALUES (?, ?, ?, ?, 1, ?, ?, 1)",
            [(case_uuid, a.question_id, a.value, a.note, a.assessor, a.updated_at) for a in written],
        )
        self._record_case_source(case_uuid, case, _said(answers.values()))
        # One audit entry for the case's answers (replayed by integrity.audit_consistency).
        values = json.dumps({a.question_id: a.value for a in written}, ensure_ascii=False, sort_keys=True)
        append_audit_entries(master, [
            {"action": "merge-case-add", "case_ref": case.case_ref, "detail": f"status {case.status}, {self.detail}"},
            {"action": "answers-merge", "case_ref": case.case_ref, "new_value": values,
             "detail": f"{len(written)} answer(s) {self.detail}"},
        ])
        self.result.answers_changed += len(written)

    # -- a case MASTER already has ------------------------------------------------------

    def _update_case(self, case: _MasterCase, incoming_case: IncomingCase, answers: dict[str, IncomingAnswer]) -> bool:
        sources = self._case_sources(case.uuid)
        base_case = sources.pop(self.source_id, None)
        if base_case is not None and incoming_case.revision <= base_case.revision:
            return False  # not touched in this file since its last import (or an older copy)
        counters = self._counters()
        current = self._master_answers(case.uuid)
        said = dict(base_case.answers) if base_case else {}
        wrote = False
        for qid, answer in answers.items():
            src = SourceAnswer(self.incoming.file_uuid, self.incoming.name, answer.assessor, answer.revision,
                               answer.value, answer.note, answer.updated_at)
            base = self._said_by(self.source_id, base_case, qid)
            if base is not None and (src.revision < base.revision or (src.revision == base.revision and (
                    src.value, src.note) == (base.value, base.note))):
                continue
            said[qid] = [answer.revision, answer.value, answer.note, answer.updated_at]
            others = [
                said_by for source_id, source_case in sources.items()
                if (said_by := self._said_by(source_id, source_case, qid)) is not None
            ]
            value_changed = base is None or src.value != base.value
            wrote |= self._merge_answer(case, qid, src, value_changed, others, current.get(qid))
        wrote |= self._merge_case_fields(case, incoming_case, base_case, list(sources.values()))
        self._record_case_source(case.uuid, incoming_case, said)
        if wrote:
            touch_case(self.master, case.uuid)
        return wrote or self._counters() != counters

    def _said_by(self, source_id: int, source_case: SourceCase | None, qid: str) -> SourceAnswer | None:
        """What one source file last said about one answer (None: nothing)."""
        if source_case is None:
            return None
        entry = source_case.answers.get(qid)
        if entry is None:
            return None
        file_uuid, file_name, assessor = self.sources[source_id]
        revision, value, note, updated_at = entry
        return SourceAnswer(file_uuid, file_name, assessor, revision, value, note, updated_at)

    def _counters(self) -> tuple[int, int, int, int]:
        r = self.result
        return r.answers_changed, r.conflicts_raised, r.conflicts_updated, r.conflicts_settled

    def _merge_answer(
        self,
        case: _MasterCase,
        qid: str,
        src: SourceAnswer,
        value_changed: bool,
        others: list[SourceAnswer],
        current: _MasterAnswer | None,
    ) -> bool:
        """Apply one changed source answer; return whether MASTER's answer was written."""
        if current is not None and current.lead_owned:
            if value_changed and src.value is not None and src.value != current.value:
                lead_side = ConflictSide(
                    value=current.value, note=current.note, assessor=current.assessor,
                    source=self.master.path.name, revision=current.revision, at=current.updated_at,
                )
                self._raise(case, qid, [lead_side, src.side()], replace=False)
            else:
                self._refresh_conflict(case, qid, src)
            return False
        everyone = [*others, src]
        positions = [s for s in everyone if s.value is not None]
        values = {s.value for s in positions}
        if len(values) > 1:
            self._raise(case, qid, [s.side() for s in sorted(positions, key=_side_order)], replace=True)
            return False
        value = next(iter(values), None)
        note = combined_note(s for s in everyone if s.value == value)
        wrote = False
        old = (current.value, current.note) if current else (None, "")
        if (value, note) != old:
            latest = max((s for s in everyone if s.value == value), key=lambda s: s.updated_at, default=src)
            write_answer(
                self.master, case.uuid, case.case_ref, qid, value, note,
                assessor=latest.assessor, action="answer-merge", detail=f"{self.detail} rev {src.revision}",
                updated_at=latest.updated_at, merged=True,
            )
            self.result.answers_changed += 1
            wrote = True
        self._refresh_conflict(case, qid, src)
        return wrote

    def _raise(self, case: _MasterCase, qid: str, sides: list[ConflictSide], *, replace: bool) -> None:
        """Raise or update the conflict; `replace`: the sources' positions are the whole disagreement."""
        existing = open_conflict(self.master, case.uuid, qid)
        conflict, created = raise_conflict(
            self.master, case.uuid, case.case_ref, qid, sides, detail=self.detail, replace=replace
        )
        if created:
            self.result.conflicts_raised += 1
        elif existing is not None and conflict.sides != existing.sides:
            self.result.conflicts_updated += 1

    def _refresh_conflict(self, case: _MasterCase, qid: str, src: SourceAnswer) -> None:
        """Bring this source's side of an open conflict up to date; settle it when all sides agree."""
        conflict = open_conflict(self.master, case.uuid, qid)
        if conflict is None:
            return
        side = src.side()
        sides = [s for s in conflict.sides if s.key != side.key] + ([side] if src.value is not None else [])
        if sides and len({s.value for s in sides}) == 1:
            close_conflict(self.master, conflict, sides[0].value, f"the sides now agree ({self.incoming.name})",
                           by="merge")
            self.result.conflicts_settled += 1
        elif tuple(sides) != conflict.sides:
            self._raise(case, qid, sides, replace=True)

    def _merge_case_fields(
        self, case: _MasterCase, incoming_case: IncomingCase, base: SourceCase | None, others: list[SourceCase]
    ) -> bool:
        """Status and illustration: a source's change applies unless the lead changed the field meanwhile."""
        wrote = False
        known = others + ([base] if base else [])
        if base is None or base.status != incoming_case.status:
            before_statuses = [s.status for s in known] or [case.status]
            after = combined_status(
                [s.status for s in others] + [incoming_case.status] + ([] if known else [case.status])
            )
            if case.status == combined_status(before_statuses) and after != case.status:
                set_status(self.master, case.uuid, case.case_ref, case.status, after, self.detail)
                case.status = after
                wrote = True
        incoming_pair = (incoming_case.illustration, incoming_case.illustration_text)
        if base is None or (base.illustration, base.illustration_text) != incoming_pair:
            master_pair = (case.illustration, case.illustration_text)
            known_pairs = [(s.illustration, s.illustration_text) for s in known] or [master_pair]
            new_pair = combined_illustration(
                [(s.illustration, s.illustration_text) for s in others] + [incoming_pair]
                + ([] if known else [master_pair])
            )
            if master_pair == combined_illustration(known_pairs) and new_pair != master_pair:
                set_illustration(self.master, case.uuid, case.case_ref, new_pair[0], new_pair[1], self.detail)
                case.illustration, case.illustration_text = new_pair
                wrote = True
        return wrote

    # -- provenance ------------------------------------------------------------------------

    def _start_import(self) -> None:
        incoming = self.incoming
        self.conn.execute(
            "INSERT INTO sources (file_uuid, file_name, assessor) VALUES (?, ?, ?) ON CONFLICT (file_uuid) "
            "DO UPDATE SET file_name = excluded.file_name, assessor = excluded.assessor",
            (incoming.file_uuid, incoming.name, incoming.owner.name),
        )
        self.sources = {
            row[0]: (row[1], row[2], row[3])
            for row in self.conn.execute("SELECT id, file_uuid, file_name, assessor FROM sources")
        }
        self.source_id = next(sid for sid, (uuid, _n, _a) in self.sources.items() if uuid == incoming.file_uuid)
        cursor = self.conn.execute(
            "INSERT INTO imports (file_uuid, file_name, sha256, assessor, role, inspection_id, imported_at, "
            "imported_by, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'merge')",
            (incoming.file_uuid, incoming.name, incoming.sha256, incoming.owner.name, incoming.owner.role,
             incoming.inspection_id, self.stamp, self.master.actor),
        )
        self.import_id = int(cursor.lastrowid or 0)

    def _finish_import(self) -> None:
        incoming, result = self.incoming, self.result
        self.conn.execute(
            "UPDATE imports SET cases_added = ?, cases_updated = ?, cases_unchanged = ?, answers_changed = ?, "
            "conflicts_raised = ?, warning = ? WHERE id = ?",
            (result.cases_added, result.cases_updated, result.cases_unchanged, result.answers_changed,
             result.conflicts_raised, "\n".join(result.warnings), self.import_id),
        )
        self.master.audit(
            "merge-file",
            detail=f"{incoming.name} ({incoming.owner.name}, sha256 {incoming.sha256[:12]}): "
            + result.describe().split(": ", 1)[-1],
        )

    def _case_sources(self, case_uuid: str) -> dict[int, SourceCase]:
        rows = self.conn.execute(
            "SELECT source_id, status, source_revision, illustration, illustration_text, answers FROM case_sources "
            "WHERE case_uuid = ?",
            (case_uuid,),
        )
        return {row[0]: SourceCase(row[1], row[2], bool(row[3]), row[4], json.loads(row[5])) for row in rows}

    def _master_answers(self, case_uuid: str) -> dict[str, _MasterAnswer]:
        rows = self.conn.execute(
            "SELECT question_id, value, note, revision, assessor, updated_at, merged_revision FROM answers "
            "WHERE case_uuid = ?",
            (case_uuid,),
        )
        return {row[0]: _MasterAnswer(*row[1:]) for row in rows}

    def _record_case_source(self, case_uuid: str, case: IncomingCase, said: dict[str, list[Any]]) -> None:
        self.conn.execute(
            "INSERT INTO case_sources (case_uuid, source_id, source_case_uuid, status, source_revision, illustration, "
            "illustration_text, answers, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_uuid, source_id) DO UPDATE SET source_case_uuid = excluded.source_case_uuid, "
            "status = excluded.status, source_revision = excluded.source_revision, "
            "illustration = excluded.illustration, illustration_text = excluded.illustration_text, "
            "answers = excluded.answers, import_id = excluded.import_id "
            "WHERE excluded.source_revision >= case_sources.source_revision",
            (case_uuid, self.source_id, case.uuid, case.status, case.revision, int(case.illustration),
             case.illustration_text, json.dumps(said, ensure_ascii=False, separators=(",", ":")), self.import_id),
        )


def _said(answers: Iterable[IncomingAnswer]) -> dict[str, list[Any]]:
    """A source's answers as stored in case_sources.answers: {question id: [revision, value, note, updated_at]}."""
    return {a.question_id: [a.revision, a.value, a.note, a.updated_at] for a in answers}


def _side_order(source: SourceAnswer) -> tuple[str, str]:
    return (source.assessor, source.file_name)


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS_PER_FILE:
        return list(warnings)
    return warnings[:MAX_WARNINGS_PER_FILE] + [f"... and {len(warnings) - MAX_WARNINGS_PER_FILE} more warning(s)"]
