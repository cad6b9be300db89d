"""The team merge: the lead's file (MASTER) takes in the assessors' files.

Each incoming file is checked first (`incoming`: untrusted input, read from a
private copy); a refused file gets one message and MASTER is not touched for
it. MASTER is backed up to ``backups/`` beside it before the first write of a
run, and each file is merged in one transaction (`merge_file.FileMerger`,
which holds the rules). A file merged before, byte for byte, is recognised by
its sha256 in the import ledger and changes nothing.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.incoming import Expectation, PassphraseFor, read_incoming
from hmip_desktop.model.merge.one_file import FileMerger, SourceAnswer, provenance
from hmip_desktop.model.merge.reading import Prepared, TeamReader, reader_count
from hmip_desktop.model.merge.summary import FileResult, FileStatus, MergeSummary

__all__ = [
    "BACKUP_DIR",
    "FileMerger",
    "FileResult",
    "FileStatus",
    "MergeSummary",
    "Progress",
    "SourceAnswer",
    "backup_master",
    "check_master",
    "create_master",
    "merge_files",
    "provenance",
]

Progress = Callable[[int, int, str], None]

BACKUP_DIR = "backups"


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
    readers: int | None = None,
) -> MergeSummary:
    """Merge `paths` into `master`, each file in its own transaction.

    `progress(position, total, file_name)` is called as file number `position`
    (1-based) starts; it may be called from a worker thread (it is the caller's
    job to hand it to the GUI thread). The next files are read meanwhile in
    `readers` worker processes (None: as many as pays, see `merge_reading`; 0: none).
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
    if readers is None:
        readers = reader_count(files)
    with (
        _roomy_cache(master),
        tempfile.TemporaryDirectory(prefix="hmip-merge-") as tmp,
        TeamReader(files, Path(tmp), expect, known, passphrase_for, readers=readers) as reader,
    ):
        for index, path in enumerate(files):
            if progress is not None:
                progress(index + 1, len(files), path.name)
            summary.files.append(_merge_prepared(master, reader.prepared(index), summary))
    return summary


def _merge_prepared(master: InspectionFile, prepared: Prepared, summary: MergeSummary) -> FileResult:
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
            return FileMerger(master, prepared.incoming, prepared.new_cases).run()
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
