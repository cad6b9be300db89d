"""The team merge: the lead's file (MASTER) takes in the assessors' files.

Each incoming file is checked first (`incoming`: untrusted input, read from a
private copy); a refused file gets one message and MASTER is not touched for
it. MASTER is backed up to ``backups/`` beside it before the first write of a
run, and each file is merged in one transaction (`one_file.FileMerger`,
which holds the rules). A file merged before, byte for byte, is recognised by
its sha256 in the import ledger and changes nothing.

A lead file another program is writing to (or reading in a long transaction)
refuses the whole merge at once, with one message, instead of every team file
after a wait each; a backup that cannot be written (a full disk) leaves no
partial copy and stops the merge before anything is written.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hmip_desktop.model.errors import FileLocked, StorageError, UserError
from hmip_desktop.model.file.connection import storage_error
from hmip_desktop.model.file.disk import remove_quietly
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.incoming import Expectation, PassphraseFor, read_incoming
from hmip_desktop.model.merge.one_file import FileMerger
from hmip_desktop.model.merge.reading import Prepared, TeamReader, reader_count
from hmip_desktop.model.merge.scratch import scratch_folder
from hmip_desktop.model.merge.summary import FileResult, MergeSummary
from hmip_desktop.model.wording import count

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
    check_not_busy(master)
    expect = Expectation(
        inspection_id=master.inspection_id,
        instrument=master.instrument.identity,
        master_file_uuid=master.meta()["file_uuid"],
        team_file=True,
    )
    known = frozenset(row[0] for row in master.conn.execute("SELECT sha256 FROM imports WHERE kind = 'merge'"))
    summary = MergeSummary(files=[])
    files = [Path(p) for p in paths]
    if readers is None:
        readers = reader_count(files)
    with (
        _roomy_cache(master),
        scratch_folder("merge") as tmp,
        TeamReader(files, tmp, expect, known, passphrase_for, readers=readers) as reader,
    ):
        for index, path in enumerate(files):
            if progress is not None:
                progress(index + 1, len(files), path.name)
            try:
                summary.files.append(_merge_prepared(master, reader.prepared(index), summary))
            except FileLocked as exc:
                merged = len(summary.merged)
                raise FileLocked(
                    f"{master.path.name} became busy in another program while {path.name} was being merged "
                    f"({merged} of {count(len(files), 'file')} were merged before it, and are kept); close it there and "
                    "merge again: the files merged are recognised"
                ) from exc
    return summary


def check_not_busy(master: InspectionFile) -> None:
    """Refuse, once, a lead file another program is writing to or holding open in a read.

    Without this, each team file would wait for the lock (2 s) and be refused in turn. An
    exclusive lock taken and given back at once: it waits for readers as well as writers.
    """
    try:
        master.conn.execute("BEGIN EXCLUSIVE")
        master.conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise storage_error(exc, master.path) from exc
        raise FileLocked(
            f"{master.path.name}: the file is busy in another program (it is writing to it, or holding it open "
            "in a long read); close it there and merge again. Nothing was merged."
        ) from exc


def _merge_prepared(master: InspectionFile, prepared: Prepared, summary: MergeSummary) -> FileResult:
    name = prepared.path.name
    if prepared.refusal:
        return FileResult(name=name, status="refused", reason=prepared.refusal)
    previous = _previous_import(master, prepared.sha256)
    if previous is not None:
        # Byte for byte a file merged before (perhaps earlier in this run): nothing in it can change MASTER.
        description, assessor = previous
        return FileResult(
            name=name,
            status="unchanged",
            reason=f"already merged ({description}); nothing to do",
            assessor=assessor,
            sha256=prepared.sha256,
        )
    assert prepared.incoming is not None
    if summary.backup is None:
        summary.backup = backup_master(master)
    try:
        with master.transaction():
            return FileMerger(master, prepared.incoming, prepared.new_cases).run()
    except FileLocked:
        raise  # the lead file, not this team file: stop the merge (see merge_files)
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
    with scratch_folder("merge") as tmp:
        incoming = read_incoming(first, tmp, passphrase_for=passphrase_for)
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
    """Copy MASTER to backups/ beside it with SQLite's backup API (consistent, even mid-session).

    The copy is written under a hidden partial name and renamed when complete, so a disk that
    fills, or a process killed, half-way never leaves a 0-byte or partial backup that looks whole.
    """
    folder = master.path.parent / BACKUP_DIR
    stamp = master.clock()[:19].replace(":", "").replace("-", "")
    target = folder / f"{master.path.stem}-{stamp}{master.path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{master.path.stem}-{stamp}-{n}{master.path.suffix}"
    partial = folder / f".{target.name}.partial"
    try:
        folder.mkdir(exist_ok=True)
        _copy_pages(master.conn, partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        _remove_partial(partial)
        raise StorageError(
            f"{master.path.name} could not be backed up before merging: {_backup_problem(exc, folder)}. "
            "Nothing was merged."
        ) from exc
    except BaseException:
        _remove_partial(partial)
        raise
    return target


def _copy_pages(source: sqlite3.Connection, target: Path) -> None:
    """Every page of `source` into a new database file `target` (synchronous=FULL: on disk when it returns)."""
    destination = sqlite3.connect(str(target))
    try:
        destination.execute("PRAGMA synchronous = FULL")
        source.backup(destination)
    finally:
        destination.close()


def _remove_partial(partial: Path) -> None:
    for leftover in (partial, partial.with_name(partial.name + "-journal")):
        # The message about the backup says what went wrong; a failure here cannot add to it.
        remove_quietly(leftover)


def _backup_problem(exc: OSError | sqlite3.Error, folder: Path) -> str:
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in text:
        return f"the disk is full; free some space on the drive holding {folder.name}/ and merge again"
    if (isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)) or "readonly" in text:
        return f"{folder} cannot be written to; make the folder writable (or copy the lead file somewhere that is)"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else text
    return f"{reason} (writing to {folder})"
