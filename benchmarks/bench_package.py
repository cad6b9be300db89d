"""Hand-over packages: key derivation cost, packaging and opening an 86-case file, file checks."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hmip_desktop.model.demo import generate_demo
from hmip_desktop.model.file import package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.incoming import read_incoming

PASSPHRASE = "benchmark passphrase"


def median_seconds(action: Callable[[int], object], repeats: int) -> float:
    timings = []
    for index in range(repeats):
        started = time.perf_counter()
        action(index)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _made(folder: Path) -> Path:
    folder.mkdir()
    return folder


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        # One assessor holding all 86 cases: the largest file a single hand-over carries.
        source = generate_demo(work / "demo", cases=86, assessors=1, seed=1, merge=False)[0]
        out = work / "out"
        out.mkdir()
        kdf = median_seconds(lambda _i: package.derive_cost_seconds(), 5)
        write = median_seconds(lambda i: package.write_package(source, out / f"p{i}.hmipx", PASSPHRASE), 5)
        read = median_seconds(
            lambda i: package.open_package(out / f"p{i}.hmipx", PASSPHRASE, out, name=f"o{i}.hmip"), 5
        )
        plain_open = median_seconds(lambda _i: InspectionFile.open(source, read_only=True).close(), 11)
        merge_read = median_seconds(lambda i: read_incoming(source, _made(work / f"read{i}")), 11)
        ratio = (out / "p0.hmipx").stat().st_size / source.stat().st_size
    return [
        (
            f"key derivation alone ({package.DEFAULT_KDF.describe()})",
            kdf,
            "0.3-0.5 s: costly to guess, once per package",
        ),
        ("package an 86-case file (snapshot, compress, encrypt, write)", write, "< 1 s"),
        ("open an 86-case package (decrypt, check, write .hmip)", read, "< 1 s"),
        ("package size / file size ratio", ratio, "smaller than the file"),
        ("open an 86-case file (quick_check + schema check)", plain_open, "< 50 ms"),
        ("read an 86-case file as the merge does (private copy, full check, every value)", merge_read, "< 250 ms"),
    ]
