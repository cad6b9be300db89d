"""`render_report`: a `ReportModel` written as the inspection report PDF.

The words and their order come from `report.content`; this module only sets
up the document (metadata, outline, page furniture) and lays the blocks out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import LayoutError

from hmip_desktop.model.errors import UserError
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
    try:
        doc.multiBuild(story)
    except LayoutError as exc:
        raise too_large(doc.laying_out, int(doc.page)) from exc
    return int(doc.page)


#: How much of the text that does not fit the message quotes.
QUOTED_CHARS = 60


def too_large(flowable: Flowable | None, page: int) -> UserError:
    """What to say when something cannot be placed on any page (reportlab's LayoutError).

    Long texts split across pages (tables split inside a row), so this is left for what cannot split;
    the message quotes the start of it so the lead can find it among their texts.
    """
    words = " ".join(_words_of(flowable).split())
    if len(words) > QUOTED_CHARS:
        words = words[: QUOTED_CHARS - 1].rstrip() + "…"
    what = f"the part beginning “{words}”" if words else "a table or chart"
    return UserError(
        f"the report cannot be laid out: {what} is too large to fit on a page (page {page}). Shorten that "
        "text or break it into paragraphs with blank lines, then build the report again. Nothing was written."
    )


def _words_of(flowable: object) -> str:
    """The text in a flowable: a paragraph's, or a table's or group's first few pieces."""
    if flowable is None or isinstance(flowable, str):
        return flowable or ""
    plain = getattr(flowable, "getPlainText", None)
    if callable(plain):
        return str(plain())
    if isinstance(flowable, list | tuple):
        parts: list[object] = list(flowable)
    else:
        rows = getattr(flowable, "_cellvalues", None) or []
        parts = [cell for row in rows for cell in row] or list(getattr(flowable, "_content", None) or [])
    words = ""
    for part in parts:
        words = f"{words} {_words_of(part)}".strip()
        if len(words) > QUOTED_CHARS:
            break
    return words


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
