"""Scoring the lead's file off the GUI thread, fast enough to follow every edit.

Scoring 86 cases takes ~25 ms of pure Python, too long for the GUI thread
but short enough to redo after each answer. One long-lived thread keeps its
own read-only connection to the file (SQLite connections belong to one
thread; opening one costs ~10 ms, so it is opened once). Requests made
while a computation runs are coalesced: only the latest is computed next.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.load import inputs_from_file
from hmip_desktop.scoring.result import ScoringResult


@dataclass(frozen=True)
class ScoreRequest:
    by: tuple[str, ...] = ()
    include_incomplete: bool = False


@dataclass(frozen=True)
class ScoreSnapshot:
    request: ScoreRequest
    result: ScoringResult
    #: The inputs scored, kept for drill-down (the cases behind a figure).
    inputs: tuple[CaseInput, ...]
    seconds: float


def score_snapshot(inspection: InspectionFile, request: ScoreRequest) -> ScoreSnapshot:
    """Read and score the file as it is now (any thread, with that thread's connection)."""
    started = time.perf_counter()
    # One read transaction: cases, answers and conflicts from the same committed state.
    inspection.conn.execute("BEGIN")
    try:
        inputs = tuple(inputs_from_file(inspection))
        open_conflicts = len(list_conflicts(inspection))
    finally:
        inspection.conn.execute("COMMIT")
    result = score_cases(
        inspection.instrument,
        inputs,
        include_incomplete=request.include_incomplete,
        by=request.by,
        unresolved_conflicts=open_conflicts,
    )
    return ScoreSnapshot(request, result, inputs, time.perf_counter() - started)


class _Scorer(QObject):
    """Lives on the scoring thread; owns that thread's connection."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.inspection: InspectionFile | None = None

    @Slot(object)
    def compute(self, request: ScoreRequest) -> None:
        try:
            if self.inspection is None:
                self.inspection = InspectionFile.open(self.path, read_only=True)
            self.done.emit(score_snapshot(self.inspection, request))
        except Exception as exc:
            self.failed.emit(exc)

    def close(self) -> None:
        """Called once the thread has ended, so the connection is no longer in use."""
        if self.inspection is not None:
            self.inspection.close()
            self.inspection = None


def _stop(thread: QThread, scorer: _Scorer) -> None:
    if not shiboken6.isValid(thread):
        return  # already gone with the application
    if thread.isRunning():
        thread.quit()
        thread.wait()
    scorer.close()


class ScoreService(QObject):
    """The GUI thread's handle: `request()` any time; `scored` brings the newest snapshot."""

    scored = Signal(object)  # ScoreSnapshot
    failed = Signal(object)  # the exception
    _compute = Signal(object)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("lead-scoring")
        self._scorer = _Scorer(path)
        self._scorer.moveToThread(self._thread)
        self._compute.connect(self._scorer.compute)
        self._scorer.done.connect(self._on_done)
        self._scorer.failed.connect(self._on_failed)
        self._thread.start()
        # However the owner goes (closed window, test teardown), the thread ends with it.
        self.destroyed.connect(functools.partial(_stop, self._thread, self._scorer))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        self._busy = False
        self._pending: ScoreRequest | None = None
        self.latest: ScoreSnapshot | None = None

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, request: ScoreRequest) -> None:
        if self._busy:
            self._pending = request
            return
        self._busy = True
        self._compute.emit(request)

    def _next(self) -> None:
        self._busy = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.request(pending)

    def _on_done(self, snapshot: ScoreSnapshot) -> None:
        self.latest = snapshot
        # A newer request is waiting: skip showing a result that is already out of date.
        stale = self._pending is not None
        self._next()
        if not stale:
            self.scored.emit(snapshot)

    def _on_failed(self, error: Exception) -> None:
        self._next()
        self.failed.emit(error)

    def stop(self) -> None:
        """End the thread and close its connection (idempotent)."""
        _stop(self._thread, self._scorer)

    @staticmethod
    def by_for(question_ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(question_ids))
