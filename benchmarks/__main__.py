"""Run the benchmarks and print one table of figures."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def bench_modules(selected: list[str]) -> list[str]:
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def format_figure(name: str, value: float) -> str:
    if "ratio" in name or "×" in name:
        return f"{value:.2f}×"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def main(argv: list[str]) -> int:
    rows: list[tuple[str, str, str, str]] = []
    for name in bench_modules(argv):
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for label, value, target in module.run():
            rows.append((name.removeprefix("bench_"), label, format_figure(label, value), target))
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    headers = ("area", "measurement", "median", "target")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
