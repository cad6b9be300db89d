"""The `hmip` command, whole process: from spawning it to its exit.

Each command runs in a fresh process as a user runs it (the console script
in the virtualenv), with compiled bytecode as an installed tool has (see
bench_app.child_environment); one untimed run of each writes the bytecode
first. `python -c pass` is the floor measured in the same run: what any
Python program pays before its first line.

- `--help`, `--version`, `info` and `cases list` on an assessor's 86-case file:
  the commands that should start like a small tool.
- `score` and `report` on a lead's file of 1,080 complete cases (12 files of
  90, the merge benchmark's size), written straight through SQL as the
  merge benchmark writes its files, so no merge code is timed here.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_app import child_environment, children_cpu
from benchmarks.bench_merge import write_file
from hmip_desktop.model.demo import generate_demo
from hmip_desktop.model.instrument.definition import default_instrument

RUNS = 9
SLOW_RUNS = 3
LEAD_CASES = 1080


def hmip_command() -> list[str]:
    """The console script next to this interpreter, or the same entry point through -c."""
    script = Path(sys.executable).with_name("hmip")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from hmip_desktop.cli.main import main; sys.exit(main())"]


#: CPU seconds (user + system) of the last command measured, by its name in the table.
CPU: dict[str, float] = {}


def median_process_seconds(command: list[str], runs: int, environment: dict[str, str], name: str = "") -> float:
    """Median wall-clock seconds of the whole process; one untimed run first (bytecode, disk cache).

    The median CPU seconds of the process go to CPU[name]: a busy machine stretches the wall clock,
    hardly the CPU time."""
    timings, cpu = [], []
    for run in range(-1, runs):
        cpu_before = children_cpu()
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=environment, timeout=300)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')[-2000:]}")
        if run >= 0:
            timings.append(elapsed)
            cpu.append(children_cpu() - cpu_before)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(timings)


def lead_file(folder: Path, cases: int = LEAD_CASES) -> Path:
    """A lead's file holding `cases` complete cases with random valid answers."""
    return write_file(
        folder / "lead-1080.hmip",
        default_instrument(),
        random.Random(1080),
        inspection_id="BENCH-2014",
        assessor="Lee Lead",
        role="lead",
        refs=[f"BN-{n // 90:02d}-{n % 90:03d}" for n in range(cases)],
    )


def run() -> list[tuple[str, float, str]]:
    hmip = hmip_command()
    with tempfile.TemporaryDirectory(prefix="hmip-bench-cli-") as tmp:
        folder = Path(tmp)
        environment = child_environment(folder / "bytecode")
        assessor = generate_demo(folder / "demo", cases=86, assessors=1, merge=False)[0]
        lead = lead_file(folder)
        floor = median_process_seconds([sys.executable, "-c", "pass"], RUNS, environment, "python -c pass")
        quick = {
            "hmip --help": median_process_seconds([*hmip, "--help"], RUNS, environment, "hmip --help"),
            "hmip --version": median_process_seconds([*hmip, "--version"], RUNS, environment),
            "hmip info FILE (86 cases)": median_process_seconds(
                [*hmip, "info", str(assessor)], RUNS, environment, "hmip info"
            ),
            "hmip cases list FILE (86 cases)": median_process_seconds(
                [*hmip, "cases", "list", str(assessor)], RUNS, environment
            ),
        }
        score = median_process_seconds([*hmip, "score", str(lead)], RUNS, environment, f"hmip score ({LEAD_CASES:,})")
        report = median_process_seconds(
            [*hmip, "report", str(lead), "--out", str(folder / "report.pdf")],
            SLOW_RUNS,
            environment,
            f"hmip report ({LEAD_CASES:,})",
        )
    targets = {"hmip --help": "≤ 0.15 s", "hmip --version": "≤ 0.15 s", "hmip info FILE (86 cases)": "≤ 0.25 s"}
    rows: list[tuple[str, float, str]] = [("python -c pass (the floor, same run)", floor, "reference")]
    for name, seconds in quick.items():
        rows.append((f"{name}, whole process", seconds, targets.get(name, "-")))
    rows += [
        (f"hmip score FILE ({LEAD_CASES:,} complete cases), whole process", score, "≤ 0.5 s"),
        (f"hmip report FILE --out PDF ({LEAD_CASES:,} cases), whole process", report, "≤ 3 s"),
        ("ratio: hmip --help / python -c pass", quick["hmip --help"] / floor, "-"),
    ]
    rows += [(f"CPU time: {name}", seconds, "-") for name, seconds in CPU.items() if seconds > 0]
    return rows


if __name__ == "__main__":
    for name, seconds, target in run():
        print(f"{name:70} {seconds:8.3f}  {target}")
