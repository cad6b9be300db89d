"""Report benchmarks: the 86-case inspection report, 1,080 cases, and a 3,000-case aggregate-sized one.

The files are built once per run through the store API (the lead's merge
writes, which copy answers without re-checking relevance); only the report
builds are timed: scoring, layout passes and writing the PDF, or writing the
web edition. Page counts and page sizes are in the row names. The app's
preview is timed in its panel (offscreen): the first one after the panel has
loaded the report tools, one asked for at once, and a second one.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from hmip_desktop.model.demo import _question_jitter, draw_case, generate_demo
from hmip_desktop.model.file.records import Provenance
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import default_instrument
from hmip_desktop.report.builder import ReportInfo, build_report

AGGREGATE_CASES = 3000
LEAD_CASES = 1080


def aggregate_sized_file(path: Path, cases: int = AGGREGATE_CASES, seed: int = 11) -> Path:
    """A lead's file of `cases` complete cases spread over six areas (an aggregate's, or a large lead's)."""
    instrument = default_instrument()
    rng = random.Random(seed)
    jitter = _question_jitter(rng, instrument)
    with InspectionFile.create(
        path,
        inspection_id="AGGREGATE-2014",
        area="England and Wales",
        assessor="Aggregate lead",
        role="lead",
        instrument=instrument,
        start_date="2013-04-01",
        end_date="2014-03-31",
    ) as inspection:
        bench = Provenance(assessor="bench", action="answer", detail="benchmark")
        completed = Provenance(assessor="bench", action="merge-status", detail="benchmark")
        for start in range(0, cases, 250):
            with inspection.transaction():
                for n in range(start, min(cases, start + 250)):
                    ref = f"AREA{n % 6}/C-{n:05d}"
                    case = inspection.insert_case(ref)
                    for qid, value in draw_case(rng, instrument, jitter).items():
                        inspection.write_answer(case, qid, value, "", provenance=bench)
                    inspection.write_status(case, "complete", provenance=completed)
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


def time_editions(path: Path, folder: Path, repeats: int) -> tuple[float, float, float, ReportInfo, int]:
    """Median seconds for the PDF alone, the web edition alone, and both from one scoring; the PDF's
    pages and the web page's size in bytes."""
    pdf, web, both = [], [], []
    info: ReportInfo | None = None
    for _ in range(repeats):
        with InspectionFile.open(path, read_only=True) as inspection:
            started = time.perf_counter()
            info = build_report(inspection, folder / "report.pdf", include_incomplete=True)
            pdf.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_report(inspection, None, html_dir=folder / "web", include_incomplete=True)
            web.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_report(inspection, folder / "both.pdf", html_dir=folder / "both", include_incomplete=True)
            both.append(time.perf_counter() - started)
    assert info is not None
    size = (folder / "web" / "index.html").stat().st_size
    return statistics.median(pdf), statistics.median(web), statistics.median(both), info, size


def time_previews(path: Path) -> tuple[float, float, float]:
    """The app's report panel: (first preview once the tools are loaded, first preview asked for at once,
    second preview), each from the click to the pages shown."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from hmip_desktop.ui.lead.report_panel import ReportPanel

    app = QApplication.instance() or QApplication([])

    def wait(signal: object) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(120_000, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]

    def preview(panel: ReportPanel) -> float:
        started = time.perf_counter()
        assert panel.preview()
        wait(panel.built)
        app.processEvents()
        return time.perf_counter() - started

    warm = ReportPanel(path, "BENCH")
    if not warm.warm_up.is_done:
        wait(warm.warm_up.done)
    first_warm = preview(warm)
    second = preview(warm)
    warm.shutdown()
    warm.deleteLater()
    cold = ReportPanel(path, "BENCH")  # in a fresh process this would also pay for importing reportlab
    first_at_once = preview(cold)
    cold.shutdown()
    cold.deleteLater()
    return first_warm, first_at_once, second


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="hmip-bench-report-") as tmp:
        folder = Path(tmp)
        lead = generate_demo(folder / "demo", cases=86)[-1]
        demo_median = time_builds(lead, folder / "demo.pdf", repeats=5)
        (folder / "demo-editions").mkdir()
        demo_pdf, demo_web, demo_both, demo_info, demo_size = time_editions(lead, folder / "demo-editions", 3)
        first_warm, first_at_once, second = time_previews(lead)
        (folder / "lead-editions").mkdir()
        lead_file = aggregate_sized_file(folder / "lead-1080.hmip", cases=LEAD_CASES, seed=1080)
        lead_pdf, lead_web, lead_both, lead_info, lead_size = time_editions(lead_file, folder / "lead-editions", 3)
        started = time.perf_counter()
        big = aggregate_sized_file(folder / "aggregate.hmip")
        setup = time.perf_counter() - started
        big_median = time_builds(big, folder / "aggregate.pdf", repeats=3)
    return [
        ("build the 86-case demo report (score + 3 layout passes + write)", demo_median, "< 3 s"),
        (f"86-case demo: PDF ({demo_info.pages} pages)", demo_pdf, "< 3 s"),
        (f"86-case demo: web edition ({demo_size // 1024} KB, one page)", demo_web, "< 1 s"),
        ("86-case demo: both editions from one scoring", demo_both, "< 3 s"),
        (
            "86-case demo: app preview, first (report tools loaded when the tab opened)",
            first_warm,
            "close to the second",
        ),
        ("86-case demo: app preview, first, asked for while the tools load", first_at_once, "-"),
        ("86-case demo: app preview, second", second, "< 3 s"),
        (f"{LEAD_CASES:,} cases: PDF ({lead_info.pages} pages)", lead_pdf, "< 5 s"),
        (f"{LEAD_CASES:,} cases: web edition ({lead_size // 1024} KB, one page)", lead_web, "< 2 s"),
        (f"{LEAD_CASES:,} cases: both editions from one scoring", lead_both, "< 5 s"),
        (f"build a {AGGREGATE_CASES:,}-case aggregate-sized report", big_median, "no target (reported)"),
        (f"setup only: write {AGGREGATE_CASES:,} cases through the store API (not a target)", setup, "-"),
    ]
