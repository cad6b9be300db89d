"""Report benchmarks: the 86-case inspection report, and a 3,000-case aggregate-sized one.

The files are built once per run through the store API (the lead's merge
writes, which copy answers without re-checking relevance); only the report
builds are timed: scoring, layout passes and writing the PDF.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from hmip_desktop.model.demo import _question_jitter, draw_case, generate_demo
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import default_instrument
from hmip_desktop.model.merge.master_answers import set_status, write_answer
from hmip_desktop.report.builder import build_report

AGGREGATE_CASES = 3000


def aggregate_sized_file(path: Path, cases: int = AGGREGATE_CASES, seed: int = 11) -> Path:
    instrument = default_instrument()
    rng = random.Random(seed)
    jitter = _question_jitter(rng, instrument)
    with InspectionFile.create(path, inspection_id="AGGREGATE-2014", area="England and Wales",
                               assessor="Aggregate lead", role="lead", instrument=instrument,
                               start_date="2013-04-01", end_date="2014-03-31") as inspection:
        for start in range(0, cases, 250):
            with inspection.transaction():
                for n in range(start, min(cases, start + 250)):
                    ref = f"AREA{n % 6}/C-{n:05d}"
                    case = inspection._insert_case(ref)
                    for qid, value in draw_case(rng, instrument, jitter).items():
                        write_answer(inspection, case.uuid, ref, qid, value, "", assessor="bench",
                                     action="answer", detail="benchmark")
                    set_status(inspection, case.uuid, ref, "draft", "complete", "benchmark")
    return path


def time_builds(path: Path, out: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        with InspectionFile.open(path, read_only=True) as inspection:
            started = time.perf_counter()
            # Drafts counted too, so every case of the sample is in the figures being laid out.
            build_report(inspection, out, include_incomplete=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="hmip-bench-report-") as tmp:
        folder = Path(tmp)
        lead = generate_demo(folder / "demo", cases=86)[-1]
        demo_median = time_builds(lead, folder / "demo.pdf", repeats=5)
        started = time.perf_counter()
        big = aggregate_sized_file(folder / "aggregate.hmip")
        setup = time.perf_counter() - started
        big_median = time_builds(big, folder / "aggregate.pdf", repeats=3)
    return [
        ("build the 86-case demo report (score + 3 layout passes + write)", demo_median, "< 3 s"),
        (f"build a {AGGREGATE_CASES:,}-case aggregate-sized report", big_median, "no target (reported)"),
        (f"setup only: write {AGGREGATE_CASES:,} cases through the store API (not a target)", setup, "-"),
    ]
