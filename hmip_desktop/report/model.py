"""Everything the report shows, gathered before any page is drawn.

`render_report` turns a `ReportModel` into a PDF and reads nothing else: no
file, no clock, no scoring. Every figure in it comes from `result` (the
scoring engine's `ScoringResult`); the renderer only formats and places them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.report import sentences
from hmip_desktop.report.area import AreaData
from hmip_desktop.scoring.result import ScoringResult


@dataclass(frozen=True)
class Illustration:
    chapter: str
    title: str
    text: str


@dataclass(frozen=True)
class TeamMember:
    role: str
    name: str


@dataclass(frozen=True)
class DraftState:
    """Why the report is still a draft; both zero means it is not."""

    cases_incomplete: int
    conflicts_unresolved: int
    #: Draft cases are counted in the figures (built with include_incomplete).
    incomplete_included: bool = False
    #: The file failed `hmip verify` (model/file/verify.py): its first problem; empty when it passed.
    failed_verification: str = ""

    @property
    def is_draft(self) -> bool:
        return self.cases_incomplete > 0 or self.conflicts_unresolved > 0 or bool(self.failed_verification)

    @property
    def message(self) -> str:
        """E.g. "DRAFT – 3 cases incomplete, 2 conflicts unresolved"; empty when final."""
        text = sentences.draft_message(self.cases_incomplete, self.conflicts_unresolved)
        if self.failed_verification:  # on the cover and every page: never a clean-looking report
            text = (text + "; " if text else sentences.DRAFT_PREFIX) + "built from a file that failed verification"
        return text


@dataclass(frozen=True)
class ReportModel:
    instrument: Instrument
    result: ScoringResult
    area: str
    inspection_id: str
    lead_inspector: str
    #: "March 2014", printed on the cover.
    month: str
    #: Inspection dates as printed in the arrangements appendix (may be empty).
    dates: str
    #: The lead's findings texts by field name (see findings_fields).
    texts: Mapping[str, str]
    illustrations: tuple[Illustration, ...]
    team: tuple[TeamMember, ...]
    draft: DraftState
    #: Context questions charted in the case-sample appendix (each has a breakdown in `result`).
    sample_questions: tuple[str, ...]
    #: Context questions whose groups are compared in each chapter (each has a breakdown in `result`).
    comparison_questions: tuple[str, ...]
    app_version: str = ""
    #: The tables of the appendix on the area inspected (None until the lead enters them).
    area_data: AreaData | None = None
    #: Findings fields still empty that a reader would expect (placeholders are printed).
    missing_texts: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return sentences.report_title(self.area)

    def text(self, name: str) -> str:
        return self.texts.get(name, "").strip()
