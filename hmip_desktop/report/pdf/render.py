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
#: Layout passes a report usually takes: the first places everything, the second puts the page numbers
#: in the contents. A third, when the numbers moved something, is shown as the end of the second.
EXPECTED_PASSES = 2
#: The share of a whole build the layout starts and ends at (scoring before it, writing after).
LAYOUT_FROM, LAYOUT_TO = 0.1, 0.95


def render_report(model: ReportModel, out_path: Path | str, *, progress: ProgressCallback | None = None) -> int:
    """Write the report to `out_path` (directly: the caller handles temp files); return the page count."""
    register_fonts()
    styles = make_styles()

    def on_progress(number: int, share: float) -> None:
        if progress is not None:
            done = min((number - 1 + share) / EXPECTED_PASSES, 1.0)
            text = "laying out the pages" if number == 1 else "numbering the pages in the contents"
            progress(LAYOUT_FROM + (LAYOUT_TO - LAYOUT_FROM) * done, text)

    doc = ReportDoc(
        str(out_path),
        running_title=model.title,
        draft_message=model.draft.message,
        on_progress=on_progress,
        title=model.title,
        author=say.author(model.lead_inspector),
        subject=say.subject(
            model.area, model.inspection_id, model.instrument.id, model.instrument.version, model.draft.message
        ),
        creator=f"HMIP Desktop {model.app_version}".strip(),
        keywords=[*say.KEYWORDS, model.area],
    )
    story = Layout(styles).flowables(report_blocks(model))
    doc.multiBuild(story)
    return int(doc.page)


def warm_up() -> None:
    """Load what a first build would load (reportlab's modules, the fonts, their first use) by laying out
    a small page in memory, so the app's first preview costs what later ones do."""
    from io import BytesIO

    from reportlab.platypus import SimpleDocTemplate

    from hmip_desktop.report.content.blocks import Block, Cell, Chart, CountRow, Heading, Paragraph, Table, YesNoRow

    register_fonts()
    blocks: list[Block] = [
        Heading(0, "Ŵ", key="warm", in_contents=True, running="Ŵ"),
        Paragraph("<b>ŷ</b> <i>ŵ</i>"),
        Table(
            head=(Cell("a"), Cell("b", align="right")),
            rows=((Cell("c"), Cell("1", align="right")),),
            widths=(0.5, 0.5),
            title="",
        ),
        Chart("yes-no", (YesNoRow("a", 1, 1),)),
        Chart("count", (CountRow("a", 1),)),
    ]
    SimpleDocTemplate(BytesIO(), initialFontName="DejaVuSans").build(Layout(make_styles()).flowables(blocks))
