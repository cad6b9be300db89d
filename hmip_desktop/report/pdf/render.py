"""`render_report`: a `ReportModel` written as the inspection report PDF.

The words and their order come from `report.content`; this module only sets
up the document (metadata, outline, page furniture) and lays the blocks out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.report import report_blocks
from hmip_desktop.report.model import ReportModel
from hmip_desktop.report.pdf.document import ReportDoc
from hmip_desktop.report.pdf.fonts import register_fonts
from hmip_desktop.report.pdf.layout import Layout
from hmip_desktop.report.pdf.styles import make_styles

ProgressCallback = Callable[[float, str], None]


def render_report(model: ReportModel, out_path: Path | str, *, progress: ProgressCallback | None = None) -> int:
    """Write the report to `out_path` (directly: the caller handles temp files); return the page count."""
    register_fonts()
    styles = make_styles()

    def on_pass(number: int) -> None:
        if progress is not None:
            progress(min(0.3 + 0.3 * number, 0.95), f"laying out the pages (pass {number})")

    doc = ReportDoc(
        str(out_path),
        running_title=model.title,
        draft_message=model.draft.message,
        on_pass=on_pass,
        title=model.title,
        author=say.author(model.lead_inspector),
        subject=say.subject(model.area, model.inspection_id, model.instrument.id, model.instrument.version,
                            model.draft.message),
        creator=f"HMIP Desktop {model.app_version}".strip(),
        keywords=[*say.KEYWORDS, model.area],
    )
    story = Layout(styles).flowables(report_blocks(model))
    doc.multiBuild(story)
    return int(doc.page)
