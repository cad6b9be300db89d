"""`hmip-desktop --self-test`: the whole way of an inspection, headless, in a temporary folder.

This is what IT runs after installing HMIP Desktop on a laptop, and what CI runs on every bundle:
two assessors record a case each through `InspectionSession` (the path every change made in the
form takes), one hands over an encrypted package, the lead merges both files (the second one read
in a reader process, as a large merge does, so a frozen build's worker start-up is checked too),
scores them, builds the PDF report with Welsh text, and every file passes every check of
`hmip verify` (integrity, schema, audit chain, seals…). Each step prints one line; the run ends with ``self-test passed`` (exit 0), or names
the step that failed and why (exit 1). Every line also goes to the app's log file, so a run on a
machine where the console-less app has no console to print to still leaves its result.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtPdf import QPdfDocument

from hmip_desktop import __version__
from hmip_desktop.model import assets
from hmip_desktop.model.file.package import is_package, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file
from hmip_desktop.model.instrument.definition import Instrument, Question, default_instrument
from hmip_desktop.model.instrument.relevance import unanswered_relevant
from hmip_desktop.model.merge.files import create_master, merge_files
from hmip_desktop.report.builder import build_report
from hmip_desktop.report.findings_fields import CONTEXT_AREA, summary_field
from hmip_desktop.scoring.load import score_file
from hmip_desktop.ui.session import InspectionSession

log = logging.getLogger("hmip_desktop.ui.self_test")

PASSED = "self-test passed"
INSPECTION_ID = "SELF-TEST"
#: Welsh place names with ŵ and ŷ: the report must carry them in its embedded font.
AREA = "Llŷn a Thŵr y Felin"
WELSH_TEXT = "Gwaith da ym Mhen Llŷn: mae’r tîm yn cadw’r dŵr yn glir. ŵ ŷ Ŵ Ŷ"
WELSH_CHARACTERS = "ŵŷŴŶ"
LEAD = "Self-test lead"
ASSESSORS = (("Self-test assessor A", "ST-0001"), ("Self-test assessor B", "ST-0002"))
#: Only for the packages this run makes and deletes; never a real inspection's passphrase.
PASSPHRASE = "self-test only: four unrelated words"


class SelfTestFailure(Exception):
    """A step found something wrong (as opposed to raising on its own)."""


@dataclass
class Files:
    """What the steps make in the temporary folder, handed from one step to the next."""

    folder: Path
    instrument: Instrument | None = None
    assessor_files: list[Path] = field(default_factory=list)
    answers_recorded: int = 0
    package: Path | None = None
    lead: Path | None = None
    report: Path | None = None


Step = Callable[[Files], str]


def step_qt(files: Files) -> str:
    if QGuiApplication.instance() is None:
        raise SelfTestFailure("no Qt application was started")
    platform = QGuiApplication.platformName()
    if platform != "offscreen":
        raise SelfTestFailure(f"the self-test runs on Qt's offscreen platform, but this one is {platform!r}")
    return f"PySide6 {PySide6.__version__}, Qt {qVersion()}, platform {platform}"


def step_instrument(files: Files) -> str:
    instrument = default_instrument()
    files.instrument = instrument
    return f"{instrument.identity.describe()}, {len(instrument.questions)} questions, from {assets.where()}"


def step_assessor_files(files: Files) -> str:
    instrument = _instrument(files)
    for number, (assessor, _case_ref) in enumerate(ASSESSORS, start=1):
        path = files.folder / f"assessor-{number}.hmip"
        with InspectionFile.create(
            path, inspection_id=INSPECTION_ID, area=AREA, assessor=assessor, role="inspector", instrument=instrument
        ):
            pass
        files.assessor_files.append(path)
    return f"{len(files.assessor_files)} files created for inspection {INSPECTION_ID} ({AREA})"


def step_answers(files: Files) -> str:
    """Each assessor's case, answered question by question the way the form does it."""
    instrument = _instrument(files)
    for path, (_assessor, case_ref) in zip(files.assessor_files, ASSESSORS):
        files.answers_recorded += _record_case(path, case_ref, instrument)
    return f"{files.answers_recorded} answers and {len(ASSESSORS)} notes recorded, {len(ASSESSORS)} cases complete"


def _record_case(path: Path, case_ref: str, instrument: Instrument) -> int:
    """Open `path` as the app does, answer every question that applies, add a note, mark complete."""
    session = InspectionSession.open(path)
    try:
        if session.read_only:
            raise SelfTestFailure(f"{path.name} opened read-only ({session.read_only_reason})")
        heard: list[str] = []
        session.answer_changed.connect(lambda _case, question_id: heard.append(question_id))
        case = session.add_case(case_ref)
        values: dict[str, str | None] = {}
        for _turn in range(len(instrument.questions)):
            unanswered = unanswered_relevant(instrument, values)
            if not unanswered:
                break
            question = instrument.question(unanswered[0])
            values[question.id] = _choose(question, len(values))
            session.set_answer(case.uuid, question.id, values[question.id])
        session.set_note(case.uuid, next(iter(values)), WELSH_TEXT)
        stored = session.inspection.values_for(case.uuid)
        if stored != {qid: value for qid, value in values.items() if value is not None}:
            raise SelfTestFailure(f"{path.name} does not hold the answers just recorded")
        if len(heard) != len(values) + 1:
            raise SelfTestFailure(f"the session announced {len(heard)} changes for {len(values) + 1} made")
        session.complete_case(case.uuid)
        return len(values)
    finally:
        session.close()


def step_package(files: Files) -> str:
    source = files.assessor_files[0]
    target = files.folder / "assessor-1.hmipx"
    info = write_package(source, target, PASSPHRASE)
    data = target.read_bytes()
    if not is_package(target) or b"SQLite format 3" in data or ASSESSORS[0][1].encode() in data:
        raise SelfTestFailure(f"{target.name} is not an encrypted package")
    files.package = target
    return f"{target.name}, {info.package_bytes:,} bytes, encrypted ({info.kdf})"


def step_merge(files: Files) -> str:
    assert files.package is not None
    lead = files.folder / "lead.hmip"
    team = [files.package, files.assessor_files[1]]

    def passphrase_for(_path: Path) -> str:
        return PASSPHRASE

    with create_master(lead, files.package, LEAD, passphrase_for=passphrase_for) as master:
        # One reader process: the second file is read there, as in a large merge.
        summary = merge_files(master, team, passphrase_for=passphrase_for, readers=1)
        if summary.refused:
            raise SelfTestFailure("; ".join(f"{r.name}: {r.reason}" for r in summary.refused))
        cases = len(master.list_cases())
    if len(summary.merged) != len(team) or cases != len(ASSESSORS):
        raise SelfTestFailure(f"{len(summary.merged)} of {len(team)} files merged, {cases} cases in the lead file")
    files.lead = lead
    return f"{len(team)} files (one package) merged into {lead.name}, one read in a reader process; {cases} cases"


def step_scores(files: Files) -> str:
    assert files.lead is not None
    with InspectionFile.open(files.lead, read_only=True) as lead:
        result = score_file(lead)
    scored = [o for o in result.outcomes.values() if o.percent is not None]
    if result.cases_scored != len(ASSESSORS) or not scored:
        raise SelfTestFailure(f"{result.cases_scored} cases scored, {len(scored)} outcomes with a score")
    figures = ", ".join(f"{o.number}: {o.percent}%" for o in scored)
    return f"{result.cases_scored} cases scored; outcomes {figures}"


def step_report(files: Files) -> str:
    assert files.lead is not None
    target = files.folder / "report.pdf"
    with InspectionFile.open(files.lead) as lead:
        lead.set_finding(CONTEXT_AREA, WELSH_TEXT)
        lead.set_finding(summary_field(lead.instrument.outcomes[0].key), WELSH_TEXT)
        info = build_report(lead, target)
    missing = set(WELSH_CHARACTERS) - pdf_characters(target.read_bytes())
    if missing:
        raise SelfTestFailure(f"the report does not carry {' '.join(sorted(missing))} in an embedded font")
    # The lead's report preview shows the PDF with Qt's PDF module: it must open it, every page.
    preview = QPdfDocument()
    preview.load(str(target))
    if preview.status() != QPdfDocument.Status.Ready or preview.pageCount() != info.pages:
        raise SelfTestFailure(f"the report preview cannot show {target.name} ({preview.error().name})")
    preview.close()
    files.report = target
    return (
        f"{target.name}, {info.pages} pages, {target.stat().st_size:,} bytes, Welsh ŵ ŷ in the embedded font, "
        "opens in the preview"
    )


def step_verify(files: Files) -> str:
    """Every check `hmip verify` makes, on each file the run wrote: integrity, schema, audit chain,
    answers against the log, seals, case references, completeness."""
    assert files.lead is not None
    checked = [*files.assessor_files, files.lead]
    entries = checks = 0
    for path in checked:
        verification = verify_file(path)
        if not verification.ok:
            raise SelfTestFailure(verification.failure_message())
        entries += verification.audit_entries
        checks = len(verification.checks)
    return f"{len(checked)} files pass all {checks} checks of hmip verify ({entries} audit entries)"


#: (name, step) in the order an inspection goes.
STEPS: tuple[tuple[str, Step], ...] = (
    ("qt", step_qt),
    ("instrument", step_instrument),
    ("assessor files", step_assessor_files),
    ("answers", step_answers),
    ("package", step_package),
    ("merge", step_merge),
    ("scores", step_scores),
    ("report", step_report),
    ("verify", step_verify),
)


def run_self_test(out: Callable[[str], None], folder: Path | None = None) -> int:
    """Run every step, one line each through `out`; 0 when all passed, 1 at the first failure.

    The files are made in a temporary folder, removed afterwards, or in `folder` (kept; for tests)."""

    def say(line: str) -> None:
        out(line)
        log.info("self-test: %s", line)

    with tempfile.TemporaryDirectory(prefix="hmip-self-test-") as tmp:
        files = Files(Path(folder) if folder is not None else Path(tmp))
        say(f"HMIP Desktop {__version__} self-test in {files.folder}")
        for name, step in STEPS:
            started = time.perf_counter()
            try:
                detail = step(files)
            except Exception as exc:
                log.error("self-test step %s failed\n%s", name, traceback.format_exc())
                reason = str(exc) or type(exc).__name__
                say(f"{name}: FAILED: {reason}")
                say(f"self-test failed at the step '{name}'")
                return 1
            say(f"{name}: ok: {detail} ({time.perf_counter() - started:.1f} s)")
    say(PASSED)
    return 0


def main(argv: Sequence[str] = ()) -> int:
    """`hmip-desktop --self-test`: Qt's offscreen platform whatever the environment says, then the run."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from hmip_desktop.ui.application import application
    from hmip_desktop.ui.errors import setup_logging

    _app = application(list(argv))
    stream = _console()
    try:
        setup_logging()
    except OSError as exc:  # an unwritable profile must not hide the result
        _write(stream, f"(no log file: {exc})")
    return run_self_test(lambda line: _write(stream, line))


def pdf_characters(pdf: bytes) -> set[str]:
    """The characters a PDF's embedded fonts map glyphs to (their ToUnicode tables).

    reportlab writes a ToUnicode CMap for each embedded TrueType subset; a character listed there
    is drawn from the embedded font and can be searched and copied in any PDF viewer."""
    found: set[str] = set()
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        data = match.group(1)
        with contextlib.suppress(zlib.error):  # not compressed
            data = zlib.decompressobj().decompress(data)  # tolerates the end-of-line before endstream
        if b"beginbfchar" not in data and b"beginbfrange" not in data:
            continue
        for line in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4,})>", data):
            found.add(chr(int(line.group(2)[:4], 16)))
        for span in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4,})>", data):
            low, high, first = int(span.group(1), 16), int(span.group(2), 16), int(span.group(3)[:4], 16)
            found.update(chr(first + offset) for offset in range(high - low + 1))
    return found


def _instrument(files: Files) -> Instrument:
    if files.instrument is None:
        raise SelfTestFailure("no instrument was loaded")
    return files.instrument


def _choose(question: Question, turn: int) -> str:
    """An answer to `question`: alternately above and below the line where it is scored, so the
    scores are neither all 0 nor all 100; the first option of a case detail or a gate."""
    wanted = turn % 3 != 0
    for option in question.options:
        if option.above_line is wanted:
            return option.value
    return question.options[0].value


def _console() -> TextIO | None:
    """Where to print. The console-less Windows app has no stdout: borrow the console it was
    started from, if any (its lines are in the log file either way)."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":
        import ctypes

        attach_parent_process = -1
        if ctypes.windll.kernel32.AttachConsole(attach_parent_process):
            return open("CONOUT$", "w", encoding="utf-8")  # open as long as the process runs
    return None


def _write(stream: TextIO | None, line: str) -> None:
    if stream is None:
        return
    try:
        stream.write(line + "\n")
        stream.flush()
    except UnicodeEncodeError:  # a console that cannot show ŵ (an old Windows code page)
        stream.write(line.encode("ascii", "replace").decode("ascii") + "\n")
        stream.flush()
    except OSError:
        pass
