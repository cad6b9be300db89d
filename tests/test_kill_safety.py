"""Crash safety: kill -9 the writer at random moments; nothing acknowledged is lost, nothing corrupted.

A writer process (tests/kill_writer.py) saves answers through the store API
in a loop and reports each one as acknowledged once set_answer returns. We
SIGKILL it after a random number of acknowledgements (or of attempts, so the
kill lands inside a write more often), then check the file: integrity_check
is "ok", every acknowledged answer is there with its note, the one write in
flight is either wholly there or wholly absent, and the audit log is intact
and agrees with the answers. The same file is reused run after run, so each
run also starts from the previous crash (a hot journal to roll back).

Right after each kill, before anything else touches the file, one reading
command runs on it (`info`, `score`, `cases list`, `export`, `report`,
`package`, `verify`, in turn): a hot journal left by the kill must be finished
by that command (read-only connections cannot roll one back), never refused
with advice to copy the file away from its journal.

CI runs 30 kills. The longer run (hundreds of kills), with the tally printed:

    HMIP_KILL_RUNS=300 .venv/bin/python -m pytest tests/test_kill_safety.py -s

HMIP_KILL_SEED picks another random sequence.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from audit_support import audit_consistency, verify_audit_chain

from hmip_desktop.cli.main import main
from hmip_desktop.model.file.connection import journal_path
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file
from hmip_desktop.model.instrument.definition import Instrument

RUNS = int(os.environ.get("HMIP_KILL_RUNS", "30"))
SEED = int(os.environ.get("HMIP_KILL_SEED", "20140113"))
WRITER = Path(__file__).with_name("kill_writer.py")
REPO = Path(__file__).resolve().parent.parent

Key = tuple[str, str]
Saved = tuple[str | None, str]


def note_text(n: int, length: int) -> str:
    return f"n{n}:".ljust(length, "x") if length else ""


@dataclass
class Tally:
    runs: int = 0
    acknowledged: int = 0
    lost: int = 0
    corrupted: int = 0
    in_flight_kept: int = 0
    in_flight_dropped: int = 0
    hot_journals: int = 0
    read_commands: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one writer process told us before it died."""

    acknowledged: dict[Key, Saved] = field(default_factory=dict)
    #: The save (one answer, or a batch in one transaction) tried but not acknowledged.
    in_flight: dict[Key, Saved] = field(default_factory=dict)
    count: int = 0

    def read(self, line: str) -> str:
        word, *rest = line.split()
        if word == "TRY":
            n, ref, qid, value, length = rest
            self.in_flight[(ref, qid)] = (None if value == "-" else value, note_text(int(n), int(length)))
        elif word == "ACK":
            assert self.in_flight
            self.acknowledged.update(self.in_flight)
            self.count += len(self.in_flight)
            self.in_flight = {}
        elif word == "REFUSED":
            self.in_flight = {}
        return word


def kill_writer_at_random(path: Path, seed: int, rng: random.Random) -> Run:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    run = Run()
    # No sleeping: the moment is "right after the writer has reported the k-th event", moved on by
    # a busy loop of random length up to about one save (~1 ms), so kills land all through a save.
    trigger = rng.choice(["ACK", "TRY", "INSIDE"])
    target = rng.randint(1, 40) if trigger != "INSIDE" else rng.randint(1, 8)
    spin = rng.randint(0, 50_000) if trigger != "INSIDE" else rng.randint(0, 500)
    seen = 0
    killed = False
    for line in process.stdout:
        if run.read(line) == trigger:
            seen += 1
            if seen >= target:
                for _ in range(spin):
                    pass
                process.send_signal(signal.SIGKILL)
                killed = True
                break
    # Whatever the writer printed before it died was printed after the fact it reports: read it all.
    for line in process.stdout:
        run.read(line)
    process.wait()
    stderr = process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    assert killed, f"the writer stopped by itself (exit {process.returncode}): {stderr}"
    assert process.returncode == -signal.SIGKILL
    return run


def stored_answers(inspection: InspectionFile) -> dict[Key, Saved]:
    return {
        (case.case_ref, qid): (record.value, record.note)
        for case in inspection.list_cases()
        for qid, record in inspection.answers_for(case.uuid).items()
    }


#: Reading commands run right after a kill, in turn (`out` is a folder for what they write).
READ_COMMANDS = [
    lambda path, out: ["info", str(path)],
    lambda path, out: ["score", str(path), "--json"],
    lambda path, out: ["cases", "list", str(path)],
    lambda path, out: ["export", str(path), "--csv", str(out / "csv")],
    lambda path, out: ["report", str(path), "--out", str(out / "report.pdf")],
    lambda path, out: ["package", str(path), "--out", str(out / "kill.hmipx")],
    lambda path, out: ["verify", str(path)],
]


def hot_journal(path: Path) -> bool:
    """Whether SQLite itself finds a save to roll back (a journal can also be left cold, and harmless)."""
    if not journal_path(path).exists():
        return False
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError as exc:
        return exc.sqlite_errorcode == sqlite3.SQLITE_READONLY_ROLLBACK
    finally:
        conn.close()
    return False


def read_right_after_kill(path: Path, out: Path, tally: Tally) -> None:
    """The first thing after the kill is a reading command; it must succeed and finish any cut-off save."""
    if hot_journal(path):
        tally.hot_journals += 1  # killed inside a transaction: the reading command must roll it back
    argv = READ_COMMANDS[tally.read_commands % len(READ_COMMANDS)](path, out)
    tally.read_commands += 1
    code = main(argv)
    if code != 0:
        tally.problems.append(f"run {tally.runs}: `hmip {' '.join(argv[:2])}` after the kill exited {code}")
    elif hot_journal(path):
        tally.problems.append(f"run {tally.runs}: `hmip {argv[0]}` left the cut-off save unfinished")


def check_after_kill(path: Path, run: Run, durable: dict[Key, Saved], tally: Tally) -> None:
    """Compare the file with everything acknowledged so far; fold this run into `durable`."""
    conn = sqlite3.connect(path)
    verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    conn.close()
    if verdict != ["ok"]:
        tally.corrupted += 1
        tally.problems.append(f"run {tally.runs}: integrity_check says {verdict}")
        return
    durable.update(run.acknowledged)
    with InspectionFile.open(path) as inspection:  # a UserError here (file refused) fails the test as it is
        stored = stored_answers(inspection)
        if verify_audit_chain(inspection) is not None or audit_consistency(inspection):
            tally.corrupted += 1
            tally.problems.append(f"run {tally.runs}: the audit log no longer matches the answers")
    verified = verify_file(path)  # seals and the end of the log too: a kill never looks like tampering
    if not verified.ok:
        tally.corrupted += 1
        tally.problems.append(f"run {tally.runs}: {verified.failure_message()}")
    if run.in_flight:
        # One transaction: wholly in the file (committed just before the kill) or wholly absent.
        changed = {key for key, saved in run.in_flight.items() if durable.get(key) != saved}
        landed = {key for key in changed if stored.get(key) == run.in_flight[key]}
        if landed and landed != changed:
            tally.corrupted += 1
            tally.problems.append(f"run {tally.runs}: half a transaction is in the file: {sorted(landed)}")
        if landed:
            durable.update(run.in_flight)  # committed: the durable values now
            tally.in_flight_kept += 1
        else:
            tally.in_flight_dropped += 1
    for key, saved in list(durable.items()):
        if stored.get(key) != saved:
            tally.lost += 1
            tally.problems.append(f"run {tally.runs}: {key} should be {saved[0]!r} (note {len(saved[1])} chars)")
            del durable[key]  # count each lost answer once


@pytest.mark.timeout(120 + 4 * RUNS)
def test_killed_writer_loses_nothing_acknowledged(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HMIP_PASSPHRASE", "kill harness passphrase")  # for `hmip package`
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "kill.hmip"
    InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ).close()
    rng = random.Random(SEED)
    durable: dict[Key, Saved] = {}
    tally = Tally()
    for index in range(RUNS):
        run = kill_writer_at_random(path, SEED + index, rng)
        tally.runs += 1
        tally.acknowledged += run.count
        read_right_after_kill(path, out, tally)
        check_after_kill(path, run, durable, tally)
    print(
        f"\nkill test: runs={tally.runs} acknowledged={tally.acknowledged} lost={tally.lost} "
        f"corrupted={tally.corrupted} (write in flight at the kill: kept {tally.in_flight_kept}, "
        f"dropped {tally.in_flight_dropped}; journals left to roll back {tally.hot_journals}, each met first "
        f"by a reading command; reading commands run {tally.read_commands}; "
        f"distinct answers checked {len(durable)}; seed {SEED})"
    )
    assert tally.problems == []
    assert (tally.lost, tally.corrupted) == (0, 0)
    assert tally.acknowledged >= RUNS  # every run acknowledged something before it was killed
    assert tally.read_commands == RUNS
