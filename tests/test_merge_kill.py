"""Killed merges leave nothing behind: kill -9 a merge that reads in worker processes, at random moments.

A merging process (tests/merge_kill_runner.py) merges a team (one file an
encrypted package, so a decrypted copy sits in the merge's temporary folder)
into the same lead file run after run, with two reading workers. It is
SIGKILLed after a random number of files (moved on by a busy loop of random
length). After each kill: every process it started (fork server, workers,
SQLite's resource tracker; found by a marker in their environment) must be
gone, the lead file must pass integrity_check and its audit log must agree
with its answers. The next merge to start must remove the dead merges'
temporary folders, and the lead file ends as one uninterrupted merge leaves it.

CI runs 6 kills; the long run, with the tally printed:

    HMIP_MERGE_KILL_RUNS=60 .venv/bin/python -m pytest tests/test_merge_kill.py -s
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from audit_support import audit_consistency, verify_audit_chain
from merge_support import FULL_CASE, content, new_file, team_file

from hmip_desktop.model.file.package import ScryptParams, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.files import merge_files

RUNS = int(os.environ.get("HMIP_MERGE_KILL_RUNS", "6"))
SEED = int(os.environ.get("HMIP_MERGE_KILL_SEED", "20140114"))
RUNNER = Path(__file__).with_name("merge_kill_runner.py")
REPO = Path(__file__).resolve().parent.parent
MARK = "HMIP_MERGE_KILL_MARK"
PASSPHRASE = "kent fieldwork march"
#: How long a process the killed merge started may take to notice and end.
GONE_WITHIN_SECONDS = 20.0

pytestmark = pytest.mark.skipif(
    not (Path("/proc/self/environ").exists() and hasattr(os, "pidfd_open")),
    reason="finds and waits for processes through /proc and pidfd (Linux)",
)


@dataclass
class Tally:
    kills: int = 0
    during_merge: int = 0
    with_workers: int = 0
    not_ok: int = 0
    orphans: int = 0
    folders_swept: int = 0
    problems: list[str] = field(default_factory=list)


def marked_processes(mark: str) -> list[int]:
    """Processes whose environment carries `mark` (an ended, unreaped process shows none)."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue  # ended meanwhile, or not ours to read
    return found


def ends_within(pid: int, seconds: float) -> bool:
    """Wait (without polling) until process `pid` has ended; False if it is still running after `seconds`."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        poller = select.poll()
        poller.register(handle, select.POLLIN)
        return bool(poller.poll(int(seconds * 1000)))
    finally:
        os.close(handle)


def start_merge(lead: Path, team: list[Path], temp: Path, mark: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temp), MARK: mark}
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(lead), PASSPHRASE, *map(str, team)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill_merge_at_random(lead: Path, team: list[Path], temp: Path, rng: random.Random, tally: Tally) -> None:
    mark = uuid.uuid4().hex
    process = start_merge(lead, team, temp, mark)
    assert process.stdout is not None and process.stderr is not None and process.stdin is not None
    target = rng.randint(1, len(team))
    spin = rng.randint(0, 200_000)
    done = False
    for line in process.stdout:
        word, *rest = line.split()
        if word == "DONE":
            done = True
            break
        if word == "FILE" and int(rest[0]) >= target:
            for _ in range(spin):
                pass
            break
    started = marked_processes(mark)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stderr = process.stderr.read()
    for stream in (process.stdout, process.stderr, process.stdin):
        stream.close()
    assert process.returncode == -signal.SIGKILL, f"the merge ended by itself ({process.returncode}): {stderr}"
    tally.kills += 1
    tally.during_merge += not done
    tally.with_workers += len([pid for pid in started if pid != process.pid]) >= 3  # fork server, 2 workers
    for pid in marked_processes(mark):
        if not ends_within(pid, GONE_WITHIN_SECONDS):
            tally.orphans += 1
            tally.problems.append(f"run {tally.kills}: process {pid} outlived the merge that started it")
            os.kill(pid, signal.SIGKILL)  # do not leave it running after the test


def check_lead(lead: Path, tally: Tally) -> None:
    conn = sqlite3.connect(lead)  # read-write: rolls back the hot journal a kill can leave
    verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    conn.close()
    if verdict != ["ok"]:
        tally.not_ok += 1
        tally.problems.append(f"run {tally.kills}: integrity_check says {verdict}")
        return
    with InspectionFile.open(lead) as master:
        if verify_audit_chain(master) is not None or audit_consistency(master):
            tally.not_ok += 1
            tally.problems.append(f"run {tally.kills}: the audit log no longer matches the answers")


@pytest.fixture
def team(tmp_path: Path, mini_instrument: Instrument) -> list[Path]:
    """Eight files, one of them an encrypted package, some cases double-marked alike (no conflicts)."""
    folder = tmp_path / "team"
    folder.mkdir()
    files = []
    for n in range(8):
        cases = {f"KT-{n}{c}": {**FULL_CASE, "cd.gender": "female" if c % 2 else "male"} for c in range(3)}
        if n:
            cases[f"KT-{n - 1}0"] = {**FULL_CASE, "cd.gender": "male"}  # the previous file's first case, alike
        files.append(team_file(folder, f"a{n}.hmip", f"Assessor {chr(65 + n)}", mini_instrument, cases))
    write_package(files[3], folder / "a3.hmipx", PASSPHRASE, kdf=ScryptParams(n=2**10, r=8, p=1))
    files[3] = folder / "a3.hmipx"
    return files


@pytest.mark.timeout(120 + 20 * RUNS)
def test_killed_merges_leave_no_process_no_folder_and_a_sound_lead_file(
    tmp_path: Path, mini_instrument: Instrument, team: list[Path]
) -> None:
    new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead").close()
    lead = tmp_path / "lead.hmip"
    temp = tmp_path / "temp"
    temp.mkdir()
    private = temp / f"hmip-desktop-{os.getuid()}"
    rng = random.Random(SEED)
    tally = Tally()
    for _run in range(RUNS):
        left_before = set(private.iterdir()) if private.exists() else set()
        order = list(team)
        rng.shuffle(order)
        kill_merge_at_random(lead, order, temp, rng, tally)
        # The next merge to start removes what the merges killed before it left.
        tally.folders_swept += len(left_before - set(private.iterdir()))
        check_lead(lead, tally)
    left = list(private.iterdir())

    # The next start: a merge that runs to the end, then nothing of any of them is left.
    mark = uuid.uuid4().hex
    process = start_merge(lead, team, temp, mark)
    out, err = process.communicate("\n", timeout=120)
    assert process.returncode == 0 and "DONE" in out, err
    for pid in marked_processes(mark):
        assert ends_within(pid, GONE_WITHIN_SECONDS), f"process {pid} outlived a merge that ended normally"
    assert list(private.iterdir()) == []
    tally.folders_swept += len(left)
    check_lead(lead, tally)

    expected_folder = tmp_path / "expected"
    expected_folder.mkdir()
    with new_file(expected_folder, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as expected:
        merge_files(expected, team, readers=0, passphrase_for=lambda _path: PASSPHRASE)
        with InspectionFile.open(lead, read_only=True) as merged:
            assert content(merged) == content(expected)

    print(
        f"\nmerge kill test: kills={tally.kills} (during a merge {tally.during_merge}, with the fork server and "
        f"workers running {tally.with_workers}) lead files failing integrity_check or audit={tally.not_ok} "
        f"orphan processes={tally.orphans} temporary folders removed at the next start={tally.folders_swept} "
        f"(seed {SEED})"
    )
    assert tally.problems == []
    assert (tally.not_ok, tally.orphans) == (0, 0)
