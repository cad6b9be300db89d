"""Run slow work (imports, merges, reports) off the GUI thread.

    job = run_in_thread(lambda progress: build_report(path, progress))
    job.finished.connect(show_report)
    job.failed.connect(show_failure)

The callable runs on a `QThreadPool` thread and must not touch widgets; it
reports progress through the `progress(done, total, text)` function it is
given. Results and errors come back through the `Job`'s signals, which live
on the GUI thread, so connected slots may update widgets. SQLite
connections belong to one thread: use `run_on_file`, which opens the
worker's own `InspectionFile` and closes it when done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

if TYPE_CHECKING:
    from hmip_desktop.model.file.store import InspectionFile

log = logging.getLogger("hmip_desktop.ui.workers")


class Progress(Protocol):
    def __call__(self, done: int, total: int, text: str = "") -> None: ...


class Job(QObject):
    """The GUI-thread end of a background call. Emits exactly one of finished or failed."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)  # the exception (a UserError is an expected failure)
    done = Signal()  # after finished or failed, for clean-up (buttons, busy cursors)

    def __init__(self) -> None:
        super().__init__()
        self.result: Any = None
        self.error: BaseException | None = None
        self.is_done = False

    def _finish(self, result: object) -> None:
        self.result = result
        self.is_done = True
        self.finished.emit(result)
        self.done.emit()

    def _fail(self, error: object) -> None:
        assert isinstance(error, BaseException)
        self.error = error
        self.is_done = True
        self.failed.emit(error)
        self.done.emit()


class _Bridge(QObject):
    """Created on the GUI thread; signals emitted from the worker are queued to it."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[Progress], object], bridge: _Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._bridge = bridge

    def run(self) -> None:
        def progress(done: int, total: int, text: str = "") -> None:
            self._bridge.progress.emit(done, total, text)

        try:
            result = self._work(progress)
        except BaseException as exc:
            self._bridge.failed.emit(exc)
        else:
            self._bridge.finished.emit(result)


#: Jobs still running; Qt holds no Python reference to them.
_running: set[Job] = set()


def run_in_thread(work: Callable[[Progress], object], pool: QThreadPool | None = None) -> Job:
    """Start `work(progress)` on a pool thread; call from the GUI thread."""
    job = Job()
    bridge = _Bridge()
    bridge.progress.connect(job.progress)
    bridge.finished.connect(job._finish)
    bridge.failed.connect(job._fail)
    _running.add(job)

    def forget() -> None:
        _running.discard(job)
        bridge.deleteLater()

    job.done.connect(forget)
    (pool or QThreadPool.globalInstance()).start(_Runnable(work, bridge))
    return job


def run_on_file(
    path: Path,
    work: Callable[[InspectionFile, Progress], object],
    *,
    read_only: bool = False,
    pool: QThreadPool | None = None,
) -> Job:
    """Like `run_in_thread`, with the worker's own connection to the inspection file."""

    from hmip_desktop.model.file.store import InspectionFile

    def on_own_connection(progress: Progress) -> object:
        with InspectionFile.open(path, read_only=read_only) as inspection:
            return work(inspection, progress)

    return run_in_thread(on_own_connection, pool)


def wait_for_workers(pool: QThreadPool | None = None, timeout_ms: int = 30_000) -> bool:
    """Let running jobs finish (their writes are single transactions) before the app quits."""
    return (pool or QThreadPool.globalInstance()).waitForDone(timeout_ms)
