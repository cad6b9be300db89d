"""`build_report`: gather an inspection's scores and narrative, then render the PDF.

Gathering (`gather_model`) reads the file and runs the scoring engine; the
rendering (`render_report`) is pure. The PDF is written to a temporary file
beside the target and renamed into place, so a reader never sees half a
report, and a failed build leaves the previous report untouched.

The app's preview calls `build_report` from a worker thread with its own
`InspectionFile` (files are one-per-thread); nothing here touches Qt.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from hmip_desktop import __version__
from hmip_desktop.model.errors import StorageError, UserError
from hmip_desktop.model.file.disk import remove_quietly
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verification_warning
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report.area import AreaData, InvalidAreaData, parse_area_json
from hmip_desktop.report.html.render import render_html
from hmip_desktop.report.model import DraftState, Illustration, ReportModel, TeamMember
from hmip_desktop.report.pdf.render import render_report
from hmip_desktop.report.sentences import ROLE_TITLES
from hmip_desktop.scoring.load import score_file
from hmip_desktop.scoring.result import ScoringResult

#: Context questions charted in the case-sample appendix, in this order (those the instrument has).
SAMPLE_QUESTIONS = ("cd.gender", "cd.ethnicity", "cd.rosh", "cd.case_type", "cd.offence")
#: Context questions whose groups each chapter compares (women and men, RoSH levels).
COMPARISON_QUESTIONS = ("cd.gender", "cd.rosh")

#: The web edition's page in its folder.
HTML_PAGE = "index.html"
#: progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReportInfo:
    #: The PDF written, or None when only the web edition was asked for.
    path: Path | None
    pages: int
    seconds: float
    is_draft: bool
    #: "DRAFT – 3 cases incomplete, 2 conflicts unresolved", or "" for a final report.
    draft_message: str
    cases_scored: int
    #: Findings fields still empty (the report shows a placeholder for each).
    missing_texts: tuple[str, ...]
    #: Things the lead should know, e.g. an illustration choice naming an unknown case.
    warnings: tuple[str, ...]
    #: The web edition's page, when one was asked for.
    html_path: Path | None = None
    #: Time to score and gather (shared by both editions), to lay out the PDF, to write the web page.
    gather_seconds: float = 0.0
    pdf_seconds: float = 0.0
    html_seconds: float = 0.0


def build_report(
    inspection: InspectionFile,
    out_path: Path | str | None,
    *,
    html_dir: Path | str | None = None,
    include_incomplete: bool = False,
    progress: Progress | None = None,
) -> ReportInfo:
    """The PDF at `out_path` and/or the web edition in `html_dir`, from one scoring of the file."""
    started = time.perf_counter()
    pdf_path = Path(out_path) if out_path is not None else None
    html_folder = Path(html_dir) if html_dir is not None else None
    if pdf_path is None and html_folder is None:
        raise UserError("say where the report goes: a PDF file name, a folder for the web edition, or both")
    if pdf_path is not None:
        _check_target(pdf_path)
    if html_folder is not None:
        _check_html_folder(html_folder)
    report = _steady(progress)
    report(0.0, "scoring the cases")
    model, warnings = gather_model(inspection, include_incomplete=include_incomplete)
    gathered = time.perf_counter()
    pages = 0
    if pdf_path is not None:
        report(0.1, "laying out the pages")
        pages = write_atomically(model, pdf_path, progress=report)
    laid_out = time.perf_counter()
    html_path = None
    if html_folder is not None:
        report(0.96 if pdf_path is not None else 0.5, "writing the web edition")
        html_path = write_html_atomically(model, html_folder)
    report(1.0, "report written")
    done = time.perf_counter()
    return ReportInfo(
        path=pdf_path,
        pages=pages,
        seconds=done - started,
        is_draft=model.draft.is_draft,
        draft_message=model.draft.message,
        cases_scored=model.result.cases_scored,
        missing_texts=model.missing_texts,
        warnings=tuple(warnings),
        html_path=html_path,
        gather_seconds=gathered - started,
        pdf_seconds=laid_out - gathered,
        html_seconds=done - laid_out,
    )


def _steady(progress: Progress | None) -> Progress:
    """`progress` called only when the whole percentage or the words change, never going back:
    a layout reports every flowable, and each report crosses to the app's GUI thread."""
    last: tuple[int, str] = (-1, "")

    def report(fraction: float, text: str) -> None:
        nonlocal last
        percent = max(last[0], min(100, int(fraction * 100)))
        if progress is not None and (percent, text) != last:
            last = (percent, text)
            progress(percent / 100, text)

    return report


def _check_target(out_path: Path) -> None:
    if out_path.suffix.lower() != ".pdf":
        raise UserError(f"{out_path.name}: the report is a PDF; give a file name ending in .pdf")
    if not out_path.parent.is_dir():
        raise UserError(f"the folder {out_path.parent} does not exist")
    if out_path.is_dir():
        raise UserError(f"{out_path} is a folder; give a file name ending in .pdf")


def _check_html_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file; the web edition needs a folder (it writes {HTML_PAGE} in it)")
    if not folder.exists() and not folder.parent.is_dir():
        raise UserError(f"the folder {folder.parent} does not exist")


def write_atomically(model: ReportModel, out_path: Path, *, progress: Progress | None = None) -> int:
    tmp: Path | None = None
    try:
        tmp = _temporary_beside(out_path)
        pages = render_report(model, tmp, progress=progress)
        os.replace(tmp, out_path)
    except PermissionError as exc:
        raise StorageError(f"cannot write {out_path}: permission denied (is it open in a PDF viewer?)") from exc
    except OSError as exc:
        raise StorageError(f"cannot write {out_path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            remove_quietly(tmp)  # on a read-only disk this fails too: never let it hide the real error
    return pages


def write_html_atomically(model: ReportModel, folder: Path) -> Path:
    """`folder`/index.html, replaced only once the whole page is written."""
    target = folder / HTML_PAGE
    tmp: Path | None = None
    try:
        folder.mkdir(exist_ok=True)
        tmp = _temporary_beside(target)
        tmp.write_text(render_html(model), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            remove_quietly(tmp)
    return target


def _temporary_beside(target: Path) -> Path:
    """A new file of this build's own beside `target` (two builds to one name never share one)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    return Path(name)


# -- gathering -------------------------------------------------------------------------


def breakdown_questions(instrument: Instrument) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sample, comparison) context question ids that this instrument has."""
    have = {q.id for q in instrument.context_questions}
    return (
        tuple(q for q in SAMPLE_QUESTIONS if q in have),
        tuple(q for q in COMPARISON_QUESTIONS if q in have),
    )


def gather_model(inspection: InspectionFile, *, include_incomplete: bool = False) -> tuple[ReportModel, list[str]]:
    """Everything the report shows, read from the file and the scoring engine; plus warnings."""
    instrument = inspection.instrument
    sample, comparison = breakdown_questions(instrument)
    result = score_file(inspection, include_incomplete=include_incomplete, by=[*sample, *comparison])
    info = inspection.info()
    texts = inspection.findings()
    warnings: list[str] = []
    failed = verification_warning(inspection.path) or ""
    if failed:
        warnings.append(f"{failed}; every page is marked as built from a file that failed verification")
    illustrations = _illustrations(inspection, texts.get(ff.ILLUSTRATIONS, ""), warnings)
    area_data = _area_data(texts.get(ff.AREA_DATA, ""), warnings)
    missing = tuple(f.name for f in ff.findings_fields(instrument) if f.expected and not texts.get(f.name, "").strip())
    model = ReportModel(
        instrument=instrument,
        result=result,
        area=info.area,
        inspection_id=info.inspection_id,
        lead_inspector=texts.get(ff.LEAD, "").strip() or _lead_name(inspection),
        month=texts.get(ff.MONTH, "").strip() or _month(info.end_date or info.start_date),
        dates=_dates(info.start_date, info.end_date),
        texts=texts,
        illustrations=tuple(illustrations),
        team=tuple(_team(inspection, texts.get(ff.TEAM, ""))),
        draft=_draft_state(result, info.cases_draft, failed),
        sample_questions=sample,
        comparison_questions=comparison,
        app_version=__version__,
        missing_texts=missing,
        area_data=area_data,
    )
    return model, warnings


def _area_data(raw: str, warnings: list[str]) -> AreaData | None:
    try:
        return parse_area_json(raw)
    except InvalidAreaData as exc:
        warnings.append(f"the area's context tables left out: {exc.message} ({'; '.join(exc.details[:3])})")
        return None


def _draft_state(result: ScoringResult, cases_draft: int, failed_verification: str = "") -> DraftState:
    # Every draft case keeps the report a draft, even when its answers are counted
    # (include_incomplete); the file's own count covers drafts held out by a conflict too.
    # A file that fails `hmip verify` makes a draft too (~0.15 s to check the demo's lead file).
    return DraftState(
        cases_incomplete=cases_draft,
        conflicts_unresolved=result.unresolved_conflicts,
        incomplete_included=result.include_incomplete,
        failed_verification=failed_verification,
    )


def _lead_name(inspection: InspectionFile) -> str:
    for assessor in inspection.assessors():
        if assessor.role == "lead":
            return assessor.name
    return ""


def _team(inspection: InspectionFile, override: str) -> list[TeamMember]:
    if override.strip():
        return [TeamMember(role, name) for role, name in ff.parse_team(override)]
    by_role: dict[str, list[str]] = {role: [] for role in ROLE_TITLES}
    for assessor in inspection.assessors():
        by_role.setdefault(assessor.role, []).append(assessor.name)
    members: list[TeamMember] = []
    for role, names in by_role.items():
        members += [TeamMember(ROLE_TITLES.get(role, role), name) for name in sorted(names)]
    return members


def _illustrations(inspection: InspectionFile, raw: str, warnings: list[str]) -> list[Illustration]:
    try:
        choices = ff.parse_illustrations(inspection.instrument, raw)
    except UserError as exc:
        warnings.append(f"practice illustrations left out: {exc}")
        return []
    chosen: list[Illustration] = []
    for choice in choices:
        case = inspection.find_case(choice.case_ref)
        if case is None:
            warnings.append(f"practice illustration for {choice.case_ref} left out: there is no such case")
            continue
        text = choice.text or case.illustration_text
        if not text.strip():
            warnings.append(f"practice illustration for {choice.case_ref} left out: it has no text")
            continue
        chosen.append(Illustration(chapter=choice.chapter, title=choice.title, text=text))
    return chosen


def _parse_date(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def _month(value: str) -> str:
    parsed = _parse_date(value) if value else None
    return (parsed or date.today()).strftime("%B %Y")


def _dates(start: str, end: str) -> str:
    first, last = _parse_date(start), _parse_date(end)
    if first and last and first != last:
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {last.strftime('%B %Y')}"
        return f"{first.day} {first.strftime('%B %Y')} – {last.day} {last.strftime('%B %Y')}"
    single = first or last
    return f"{single.day} {single.strftime('%B %Y')}" if single else ""


__all__ = ["ReportInfo", "build_report", "gather_model", "write_atomically", "write_html_atomically"]
