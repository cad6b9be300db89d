"""Run the benchmarks and print one table of figures, beside the recorded "before" figures.

    python -m benchmarks [AREA ...]                  # the table: before, load, now, load, target
    python -m benchmarks --save-baseline [AREA ...]  # record this run's figures as the "before" column

The machine's load (the 1-minute load average, sampled every half second
while an area runs, lowest to highest) stands beside each figure: on a
shared machine a figure means little without it. The "before" figures live
in benchmarks/baseline.json, one entry per area with the commit and load
they were measured at.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import statistics
import subprocess
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BASELINE = Path(__file__).with_name("baseline.json")


def bench_modules(selected: list[str]) -> list[str]:
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def format_figure(name: str, value: float | None) -> str:
    if value is None:
        return ""
    if "ratio" in name or "×" in name:
        return f"{value:.2f}×"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def format_load(load: tuple[float, float] | list[float] | None) -> str:
    if not load:
        return ""
    low, high = load
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}"


class LoadSampler:
    """The 1-minute load average, sampled on a thread while an area runs."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    @property
    def range(self) -> tuple[float, float]:
        return min(self.samples), max(self.samples)


def current_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BASELINE.parent, timeout=10
        )
    except OSError:
        return ""
    return done.stdout.strip()


def read_baseline() -> dict[str, list[dict[str, Any]]]:
    """Recorded runs by area (each: recorded, commit, load, rows)."""
    if not BASELINE.exists():
        return {}
    areas: dict[str, list[dict[str, Any]]] = json.loads(BASELINE.read_text(encoding="utf-8"))["areas"]
    return areas


def baseline_figures(runs: list[dict[str, Any]]) -> tuple[dict[str, float], tuple[float, float] | None]:
    """The median over the recorded runs of each figure, and the lowest and highest load of those runs."""
    figures: dict[str, list[float]] = {}
    for run in runs:
        for label, value in run["rows"].items():
            figures.setdefault(label, []).append(value)
    if not runs:
        return {}, None
    load = (min(run["load"][0] for run in runs), max(run["load"][1] for run in runs))
    return {label: statistics.median(values) for label, values in figures.items()}, load


def save_baseline(results: dict[str, tuple[tuple[float, float], list[tuple[str, float, str]]]]) -> None:
    """Add this run's figures to the recorded "before" runs of each area measured."""
    areas = read_baseline()
    commit = os.environ.get("HMIP_BENCH_COMMIT") or current_commit()
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for area, (load, rows) in results.items():
        areas.setdefault(area, []).append(
            {
                "recorded": today,
                "commit": commit,
                "load": [round(load[0], 2), round(load[1], 2)],
                "rows": {label: value for label, value, _target in rows},
            }
        )
    document = {
        "about": "The 'before' column of `python3 dev.py bench`: the median over the runs recorded here of each "
        "figure (seconds, or a ratio when the name says ratio), with the 1-minute load average while the area "
        "ran. `python -m benchmarks --save-baseline AREA` adds a run (HMIP_BENCH_COMMIT names the code measured "
        "when it is not this checkout's HEAD).",
        "areas": dict(sorted(areas.items())),
    }
    BASELINE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    save = "--save-baseline" in argv
    selected = [a for a in argv if a != "--save-baseline"]
    results: dict[str, tuple[tuple[float, float], list[tuple[str, float, str]]]] = {}
    failed: list[str] = []
    for name in bench_modules(selected):
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            with LoadSampler() as sampler:
                rows = list(module.run())
        except Exception:  # one broken area costs its rows, not the whole table
            traceback.print_exc()
            failed.append(name.removeprefix("bench_"))
            continue
        results[name.removeprefix("bench_")] = (sampler.range, rows)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    baseline = read_baseline()
    table: list[tuple[str, ...]] = []
    for area, (load, rows) in results.items():
        before, before_load = baseline_figures(baseline.get(area, []))
        for label, value, target in rows:
            old = before.get(label)
            table.append(
                (
                    area,
                    label,
                    format_figure(label, old),
                    format_load(before_load) if old is not None else "",
                    format_figure(label, value),
                    format_load(load),
                    f"{value / old:.2f}" if old else "",
                    target,
                )
            )
    headers = ("area", "measurement", "before", "load", "now", "load", "now/before", "target")
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    recorded = {
        area: ", ".join(sorted({f"{run['commit']}" for run in baseline[area]})) + f" ({len(baseline[area])} run(s))"
        for area in results
        if baseline.get(area)
    }
    if recorded:
        print("\nbefore = benchmarks/baseline.json: " + "; ".join(f"{a} at {c}" for a, c in recorded.items()))
    if failed:
        print(f"\nfailed (see above): {', '.join(failed)}")
    if save:
        save_baseline(results)
        print(f"saved these figures as the baseline of: {', '.join(results)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
