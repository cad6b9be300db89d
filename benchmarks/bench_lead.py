"""The lead's workspace: importing the team through the app's worker, and the dashboard after an edit.

- 12 team files of 90 cases (the full instrument) imported through `ImportPanel`
  (the worker the app uses), timed from the start to its `merged` signal;
  each run on a fresh copy of the empty lead file.
- One answer changed in an 86-case lead file, timed from the change (through
  the session, as the case form makes it) to the dashboard's `refreshed`
  signal with its tables updated.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from hmip_desktop.model.demo import generate_demo
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Question, iter_value_rules
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.ui.lead.workspace import LeadWorkspace
from hmip_desktop.ui.session import InspectionSession

TEAM_FILES = 12
CASES_PER_FILE = 90
IMPORT_RUNS = 3
EDIT_RUNS = 21


def wait_for(signal: object, start: Callable[[], object], timeout_ms: int = 120_000) -> float:
    """Seconds from calling `start` to `signal` (the GUI thread's event loop runs meanwhile)."""
    loop = QEventLoop()
    fired: list[float] = []

    def done(*_args: object) -> None:
        fired.append(time.perf_counter())
        loop.quit()

    signal.connect(done)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    started = time.perf_counter()
    start()
    if not fired:
        loop.exec()
    signal.disconnect(done)  # type: ignore[attr-defined]
    if not fired:
        raise TimeoutError("the signal did not come")
    return fired[0] - started


def settle(workspace: LeadWorkspace) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if not workspace.dashboard.service.busy else None)
    timer.start(20)
    loop.exec()
    timer.stop()


def close(workspace: LeadWorkspace, session: InspectionSession) -> None:
    workspace.shutdown()
    for widget, _title in workspace.tabs():
        widget.deleteLater()
    workspace.deleteLater()
    session.close()
    QApplication.processEvents()


def bench_core_merge(folder: Path, team: list[Path], empty_lead: Path) -> float:
    """The same merge called directly, for comparison: what the app adds is the difference."""
    timings = []
    for run in range(IMPORT_RUNS):
        lead = folder / f"lead-core{run}.hmip"
        shutil.copyfile(empty_lead, lead)
        with InspectionFile.open(lead) as master:
            started = time.perf_counter()
            merge_files(master, team)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bench_import(folder: Path, team: list[Path], empty_lead: Path) -> float:
    timings = []
    for run in range(IMPORT_RUNS):
        lead = folder / f"lead-run{run}.hmip"
        shutil.copyfile(empty_lead, lead)
        session = InspectionSession.open(lead)
        workspace = LeadWorkspace(session)
        settle(workspace)
        timings.append(wait_for(workspace.import_panel.merged, partial(workspace.import_panel.import_files, team)))
        summary = workspace.import_panel.last_summary
        assert summary is not None and len(summary.merged) == TEAM_FILES, summary
        close(workspace, session)
    return statistics.median(timings)


def bench_edit(folder: Path) -> float:
    paths = generate_demo(folder / "inspection", cases=86, assessors=8)
    lead_path = paths[-1]
    with InspectionFile.open(lead_path) as lead:
        if not lead.list_cases():  # a demo built without the merge
            merge_files(lead, paths[:-1])
    session = InspectionSession.open(lead_path)
    workspace = LeadWorkspace(session)
    workspace.dashboard.include_drafts.setChecked(True)
    settle(workspace)
    instrument = session.instrument
    case = next(c for c in session.inspection.list_cases() if not c.is_complete)
    values = session.inspection.values_for(case.uuid)
    # A question that gates nothing, so every change keeps the case's other answers relevant.
    gates = {rule for q in instrument.questions for rule in _gate_ids(q)}
    question = next(
        q for q in instrument.scored_questions if q.relevant_if is None and q.id in values and q.id not in gates
    )
    options = [o.value for o in question.options]
    timings = []
    for run in range(EDIT_RUNS):
        value = options[run % len(options)]
        if value == session.inspection.values_for(case.uuid).get(question.id):
            value = options[(run + 1) % len(options)]
        timings.append(
            wait_for(workspace.dashboard.refreshed, lambda v=value: session.set_answer(case.uuid, question.id, v))
        )
        settle(workspace)
    close(workspace, session)
    return statistics.median(timings)


def _gate_ids(question: Question) -> list[str]:
    return [rule.question for rule in iter_value_rules(question.relevant_if)] if question.relevant_if else []


def run() -> list[tuple[str, float, str]]:
    app = QApplication.instance() or QApplication([])
    assert app is not None
    with tempfile.TemporaryDirectory(prefix="hmip-bench-lead-") as tmp:
        folder = Path(tmp)
        # The fieldwork team only (moderation=0: no quality lead's file), so the merge figure stays "N files".
        paths = generate_demo(
            folder / "team", cases=TEAM_FILES * CASES_PER_FILE, assessors=TEAM_FILES, merge=False, moderation=0
        )
        team, empty_lead = paths[:-1], paths[-1]
        import_seconds = bench_import(folder, team, empty_lead)
        core_seconds = bench_core_merge(folder, team, empty_lead)
        edit_seconds = bench_edit(folder)
    return [
        (
            f"import {TEAM_FILES} team files of {CASES_PER_FILE} cases through the app's worker (to the summary)",
            import_seconds,
            "< 2 s (the merge's target) + little",
        ),
        ("  the same merge called directly, for comparison", core_seconds, "< 2 s"),
        ("dashboard refresh after one answer changes (86 cases)", edit_seconds, "≤ 50 ms"),
    ]


if __name__ == "__main__":
    for name, seconds, target in run():
        print(f"{name}: {seconds * 1000:.0f} ms (target {target})")
