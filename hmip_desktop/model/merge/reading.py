"""Reading the team's files for the merge: ahead of the writes, in worker processes when it pays.

Checking and reading a team file (copy and hash, integrity check, every value,
the audit chain: `incoming`) only reads, and costs more than writing it into
MASTER. So while MASTER takes in file k, worker processes read the next files.
MASTER is still written by the calling process alone, in the order given, one
transaction per file; what is read is the same whichever process reads it
(tests compare the whole of MASTER).

- Processes, not threads: the reading is pure Python, and threads were slower
  (the GIL). Never forked from this process: the app merges from a Qt worker
  thread, and forking a multi-threaded process is unsafe. Workers come from a
  fork server (a single-threaded process started once, which imports the model
  once: ~0.3 s), or are spawned where there is none (Windows).
- Starting workers costs more than reading a few small files, so they are used
  only for larger merges (`reader_count`), and the first file is always read in
  this process while they start.
- Packages (.hmipx) are hashed and decrypted in this process (the passphrase is
  asked for here and never sent anywhere); workers see only the decrypted copy.
- What crosses to a worker and back is plain data: paths, the expectation, the
  known hashes; back a `PortableIncoming` (the instrument by its identity) or
  the refusal's message. A refusal reads as it would in-process; any other
  exception in a worker is re-raised here, as the bug it is.
- Each file's temporary folder is emptied and removed by whoever read the file;
  the caller's temporary folder (`scratch`) is the backstop, and the next merge
  removes it if the merging process was killed.
- Workers end when the merging process ends, however it ends (kill -9
  included): each holds the reading end of a pipe whose only writing end is in
  the merging process, and exits when it reads end-of-file (`_watch_lifeline`).
  Once they are gone the fork server, which lives while any of its children
  does, ends too. (The parent-death signal of Linux would not do: a worker's
  parent is the fork server, not the merging process.)
- As with any spawned worker, a script that merges must guard its top level
  with ``if __name__ == "__main__":`` (the app's and CLI's entry points do).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.merge.incoming import (
    PACKAGE_SUFFIX,
    Expectation,
    IncomingFile,
    PassphraseFor,
    PortableIncoming,
    Received,
    read_received,
    receive,
    remove_work_dir,
    unpack_received,
)
from hmip_desktop.model.merge.one_file import NewCaseJson, new_case_json

MAX_READERS = 4
#: "forkserver" where there is one (Linux, macOS), else "spawn" (Windows); never "fork".
START_METHOD = "forkserver"
INSTRUMENT_PATH_VARIABLE = "HMIP_INSTRUMENT_PATH"
#: Below this many bytes to read in workers, starting them costs more than it saves (measured: with
#: three of the benchmark's 6 MB files the workers lose, with four they break even when not yet started).
POOL_MIN_BYTES = 16 << 20
#: A worker's exit status when the merging process is gone.
EXIT_PARENT_GONE = 70


@dataclass
class Prepared:
    """One file read and checked, or refused, or known by its hash (`incoming` None, no refusal)."""

    path: Path
    sha256: str = ""
    incoming: IncomingFile | None = None
    refusal: str = ""
    #: `one_file.new_case_json` of its cases, when a worker worked it out ahead.
    new_cases: dict[str, NewCaseJson] = field(default_factory=dict)


def prepare(
    path: Path, work_dir: Path, expect: Expectation, known: frozenset[str], passphrase_for: PassphraseFor | None
) -> Prepared:
    """Read one file in this process."""
    work_dir.mkdir()
    try:
        received = receive(path, work_dir)
        if received.sha256 in known:
            return Prepared(path, received.sha256)  # merged before: no need to read it
        received = unpack_received(received, work_dir, passphrase_for)
        return Prepared(path, received.sha256, read_received(received, work_dir, expect=expect))
    except UserError as exc:
        return Prepared(path, refusal=str(exc))
    finally:
        remove_work_dir(work_dir)


def reader_count(files: Sequence[Path]) -> int:
    """How many worker processes to read `files` with (0: read them all in this process)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    pooled = files[1:]  # the first file is read here while the workers start
    if not pooled or cpus < 2 or sum(_size(p) for p in pooled) < POOL_MIN_BYTES:
        return 0
    return min(len(pooled), cpus, MAX_READERS)


class TeamReader:
    """Hands out the files prepared, in order; reads ahead in `readers` worker processes (0: none)."""

    def __init__(
        self,
        files: Sequence[Path],
        folder: Path,
        expect: Expectation,
        known: frozenset[str],
        passphrase_for: PassphraseFor | None,
        *,
        readers: int,
        new_cases: bool = True,
    ) -> None:
        self.files = list(files)
        #: Whether workers work out `Prepared.new_cases` (a merge's; an aggregate has no use for them).
        self.new_cases = new_cases
        self.folder = folder
        self.expect = expect
        self.known = known
        self.passphrase_for = passphrase_for
        self.readers = readers
        self.pool: ProcessPoolExecutor | None = None
        #: The pipe each worker watches: its writing end stays in this process alone.
        self.lifeline: tuple[Connection, Connection] | None = None
        #: Whether to send files to the workers before reading the first one here (see `__enter__`).
        self.send_first = True
        #: Per file beyond the first, once sent to a worker: its future, or what this process found.
        self.pending: dict[int, Future[_Done] | Prepared] = {}

    def __enter__(self) -> TeamReader:
        if self.readers > 0 and len(self.files) > 1:
            context = _context()
            self.lifeline = context.Pipe(duplex=False)
            self.pool = ProcessPoolExecutor(
                self.readers, mp_context=context, initializer=_watch_lifeline, initargs=(self.lifeline[0],)
            )
            if context.get_start_method() == "forkserver":
                self.send_first = _start_fork_server()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.pool is not None:
            # Reads still running finish (their folders are removed) before the caller removes `folder`.
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.lifeline is not None:
            for end in self.lifeline:
                end.close()  # after the shutdown: the workers have ended on their own
            self.lifeline = None

    def prepared(self, index: int) -> Prepared:
        """File `index`, read and checked. Call in order, 0 first."""
        if self.pool is None or index == 0:
            if self.send_first:
                self._send_ahead(index)  # so the workers read meanwhile
            prepared = prepare(self.files[index], self._work_dir(index), self.expect, self.known, self.passphrase_for)
            self._send_ahead(index)
            return prepared
        self._send_ahead(index)
        sent = self.pending.pop(index)
        if isinstance(sent, Prepared):
            return sent
        done = sent.result()  # a worker's unexpected exception is raised here
        incoming = done.incoming.incoming() if done.incoming is not None else None
        return Prepared(self.files[index], done.sha256, incoming, done.refusal, done.new_cases)

    def _send_ahead(self, index: int) -> None:
        """Keep files index+1 … index+2×readers with the workers (bounded: each read file is held in memory)."""
        if self.pool is None:
            return
        for ahead in range(index + 1, min(index + 1 + 2 * self.readers, len(self.files))):
            if ahead not in self.pending:
                self.pending[ahead] = self._send(ahead)

    def _send(self, index: int) -> Future[_Done] | Prepared:
        assert self.pool is not None
        path, work_dir = self.files[index], self._work_dir(index)
        work_dir.mkdir()
        received = None
        if path.suffix.lower() == PACKAGE_SUFFIX:
            # Hashed and decrypted here: the passphrase is asked for in this process only.
            try:
                received = receive(path, work_dir)
                if received.sha256 in self.known:
                    remove_work_dir(work_dir)
                    return Prepared(path, received.sha256)
                received = unpack_received(received, work_dir, self.passphrase_for)
            except UserError as exc:
                remove_work_dir(work_dir)
                return Prepared(path, refusal=str(exc))
            except BaseException:
                remove_work_dir(work_dir)
                raise
        job = _Job(
            path, work_dir, self.expect, self.known, received, os.environ.get(INSTRUMENT_PATH_VARIABLE), self.new_cases
        )
        return self.pool.submit(_prepare_in_worker, job)

    def _work_dir(self, index: int) -> Path:
        return self.folder / str(index)


@dataclass(frozen=True)
class _Job:
    path: Path
    work_dir: Path
    expect: Expectation
    known: frozenset[str]
    #: A package, already decrypted into `work_dir` by the merging process.
    received: Received | None
    #: The merging process's HMIP_INSTRUMENT_PATH (a fork server's children inherit its older environment).
    instrument_path: str | None
    #: Whether to work out `one_file.new_case_json` of every case.
    new_cases: bool = True


@dataclass(frozen=True)
class _Done:
    sha256: str
    refusal: str
    incoming: PortableIncoming | None = None
    new_cases: dict[str, NewCaseJson] = field(default_factory=dict)


def _prepare_in_worker(job: _Job) -> _Done:
    """In a worker process: `prepare` without the package step, returning plain data."""
    if job.instrument_path is None:
        os.environ.pop(INSTRUMENT_PATH_VARIABLE, None)
    else:
        os.environ[INSTRUMENT_PATH_VARIABLE] = job.instrument_path
    # Reading a file makes ~300,000 objects that live until it is sent, none of them in a reference
    # cycle; the cycle collector's passes over them cost ~10 % of the read. A worker is its own process
    # (nothing else runs in it), so it is off for the read and back on for whatever comes next.
    gc.disable()
    try:
        received = job.received if job.received is not None else receive(job.path, job.work_dir)
        if received.sha256 in job.known:
            return _Done(received.sha256, "")
        incoming = read_received(received, job.work_dir, expect=job.expect)
        # Worked out here for every case, in case it is new to MASTER: it saves the merging process the time.
        new_cases = (
            {case.uuid: new_case_json(case, incoming.answer_tuples(case.uuid)) for case in incoming.cases}
            if job.new_cases
            else {}
        )
        return _Done(received.sha256, "", PortableIncoming.of(incoming), new_cases)
    except UserError as exc:
        return _Done("", str(exc))
    finally:
        gc.enable()
        remove_work_dir(job.work_dir)


def _watch_lifeline(lifeline: Connection) -> None:
    """In a worker, as it starts: exit as soon as the merging process is gone.

    The merging process never writes to the pipe; end-of-file (or anything else) on it means
    that process has ended, so this worker's file is of no use to anyone. `os._exit`: nothing
    of the worker's is worth tidying (the merge's folder is swept by the next merge).
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(EXIT_PARENT_GONE)

    threading.Thread(target=watch, name="hmip-merge-lifeline", daemon=True).start()


_fork_server_started = False


def _start_fork_server() -> bool:
    """Start the fork server without waiting for it; whether it had been started before.

    A new server takes ~0.3 s to import the model, and the first request for a worker waits
    for that; so the first time, the first file is read here meanwhile, before any request."""
    from multiprocessing import forkserver  # only where there is one

    global _fork_server_started
    started_before = _fork_server_started
    forkserver.ensure_running()  # returns at once; restarts a server that died
    _fork_server_started = True
    return started_before


def _context() -> multiprocessing.context.BaseContext:
    if START_METHOD == "forkserver" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports these once; each worker is forked from it (single-threaded) already loaded.
        context.set_forkserver_preload(["__main__", __name__])
        return context
    return multiprocessing.get_context("spawn")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # refused when it is read
