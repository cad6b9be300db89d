"""The PDF document: page templates, running header, page numbers, watermark, contents.

A `ReportDoc` is built in two or more passes (`multiBuild`) so the contents
page can show the page number of every heading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import ActionFlowable, BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import text_of
from hmip_desktop.report.pdf.fonts import BOLD, FAMILY
from hmip_desktop.report.pdf.styles import (
    ACCENT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    MUTED,
    PAGE_SIZE,
    RULE,
    WATERMARK,
    WATERMARK_TEXT,
)

COVER = "cover"
BODY = "body"
WIDE = "wide"

#: on_progress(pass number from 1, share of that pass's story laid out 0..1)
ProgressCallback = Callable[[int, float], None]
#: The document language (the PDF catalogue's /Lang): screen readers pick their voice from it.
LANGUAGE = "en-GB"


def heading(
    text: str, style: Any, *, toc_level: int | None = None, key: str = "", chapter: str | None = None
) -> Paragraph:
    """A heading paragraph that the contents, the PDF outline and the running header pick up."""
    paragraph = Paragraph(text, style)
    if toc_level is not None:
        paragraph._toc = (toc_level, text_of(text), key)
    if chapter is not None:
        paragraph._chapter = chapter
    return paragraph


class ReportDoc(BaseDocTemplate):  # type: ignore[misc]  # reportlab has no type stubs
    def __init__(
        self,
        filename: str,
        *,
        running_title: str,
        draft_message: str,
        on_progress: ProgressCallback | None = None,
        **metadata: Any,
    ) -> None:
        super().__init__(
            filename,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            # Pages start in the embedded font; the default (Helvetica) would be listed
            # in the PDF as an unembedded font although no text uses it.
            initialFontName=FAMILY,
            lang=LANGUAGE,
            **metadata,
        )
        self.running_title = running_title
        self.draft_message = draft_message
        self.current_chapter = ""
        #: The chapter named in this page's running header: the one in force at the top of the page.
        self.page_chapter = ""
        self._page_fresh = True
        self.on_progress = on_progress
        self._pass = 0
        self._story: list[Flowable] = []
        self._story_size = 0
        #: The flowable being placed: what a LayoutError is about (`render.too_large` quotes it).
        self.laying_out: Flowable | None = None
        width, height = PAGE_SIZE
        body_frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            width - MARGIN_LEFT - MARGIN_RIGHT,
            height - MARGIN_TOP - MARGIN_BOTTOM,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        cover_frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            width - MARGIN_LEFT - MARGIN_RIGHT,
            height - 2 * MARGIN_BOTTOM,
            id="cover",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        wide_w, wide_h = landscape(PAGE_SIZE)
        wide_frame = Frame(
            MARGIN_BOTTOM,
            MARGIN_BOTTOM,
            wide_w - 2 * MARGIN_BOTTOM,
            wide_h - MARGIN_TOP - MARGIN_BOTTOM,
            id="wide",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate(id=COVER, frames=[cover_frame], onPage=self._cover_page, onPageEnd=self._watermark),
                PageTemplate(id=BODY, frames=[body_frame], onPage=self._watermark, onPageEnd=self._furniture),
                PageTemplate(
                    id=WIDE,
                    frames=[wide_frame],
                    pagesize=landscape(PAGE_SIZE),
                    onPage=self._watermark,
                    onPageEnd=self._furniture,
                ),
            ]
        )

    # -- passes ------------------------------------------------------------------

    def beforeDocument(self) -> None:
        # A reader opens the PDF with its bookmarks (chapters, criteria, appendices) in view.
        self.canv.showOutline()

    def handle_documentBegin(self) -> None:
        self._pass += 1
        self.current_chapter = self.page_chapter = ""
        super().handle_documentBegin()

    def build(self, flowables: list[Flowable], *args: Any, **kwargs: Any) -> None:
        self._story = flowables
        self._story_size = len(flowables)
        super().build(flowables, *args, **kwargs)

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        # Each pass takes the story's flowables from the front: what is gone is laid out. (Lists
        # handled on the way, such as a page break's, are not the story.)
        if self.on_progress is not None and flowables is self._story and self._story_size:
            self.on_progress(self._pass, max(0.0, 1 - len(flowables) / self._story_size))
        if flowables:
            self.laying_out = flowables[0]
        super().handle_flowable(flowables)

    def handle_pageBegin(self) -> None:
        self.page_chapter = self.current_chapter
        self._page_fresh = True
        super().handle_pageBegin()

    def afterFlowable(self, flowable: Flowable) -> None:
        toc = getattr(flowable, "_toc", None)
        if toc is not None:
            level, text, key = toc
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, escape(text), self.page, key))  # the contents lay it out as markup
        chapter = getattr(flowable, "_chapter", None)
        if chapter is not None:
            self.current_chapter = chapter
            if self._page_fresh:  # the chapter opens this page
                self.page_chapter = chapter
        if not isinstance(flowable, ActionFlowable):  # page breaks and template switches draw nothing
            self._page_fresh = False

    # -- page furniture ------------------------------------------------------------

    def _cover_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, height * 0.52, width, height * 0.48, stroke=0, fill=1)
        canvas.setFillColor(RULE)
        canvas.rect(0, height * 0.52 - 3 * mm, width, 3 * mm, stroke=0, fill=1)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN_LEFT, 24 * mm, width - MARGIN_RIGHT, 24 * mm)
        canvas.setFont(BOLD, 9)
        canvas.setFillColor(ACCENT)
        canvas.drawString(MARGIN_LEFT, 18 * mm, say.ORGANISATION)
        canvas.restoreState()

    def _furniture(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = canvas._pagesize
        left, right = (
            MARGIN_LEFT if width < height else MARGIN_BOTTOM,
            MARGIN_RIGHT if width < height else MARGIN_BOTTOM,
        )
        canvas.saveState()
        top = height - MARGIN_TOP + 9 * mm
        canvas.setFont(FAMILY, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, top, self.running_title)
        if self.page_chapter:
            room = width - left - right - stringWidth(self.running_title, FAMILY, 7.5) - 10 * mm
            canvas.setFont(BOLD, 7.5)
            canvas.setFillColor(ACCENT)
            canvas.drawRightString(width - right, top, fit(self.page_chapter, BOLD, 7.5, room))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, top - 2.5 * mm, width - right, top - 2.5 * mm)
        canvas.setFont(FAMILY, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(width / 2, MARGIN_BOTTOM - 10 * mm, str(canvas.getPageNumber()))
        if self.draft_message:
            canvas.setFont(BOLD, 7.5)
            canvas.setFillColor(WATERMARK_TEXT)
            canvas.drawString(left, MARGIN_BOTTOM - 10 * mm, self.draft_message)
        canvas.restoreState()

    def _watermark(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if not self.draft_message:
            return
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.translate(width / 2, height / 2)
        canvas.rotate(52 if width < height else 35)
        canvas.setFillColor(WATERMARK)
        canvas.setFont(BOLD, 120)
        canvas.drawCentredString(0, 0, say.DRAFT_MARK)
        canvas.setFont(BOLD, 15)
        canvas.drawCentredString(0, -30, self.draft_message.removeprefix(say.DRAFT_PREFIX))
        canvas.restoreState()


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut at a word with an ellipsis if it is wider than `width`."""
    if stringWidth(text, font, size) <= width:
        return text
    words = text.split()
    while words and stringWidth(" ".join(words) + " …", font, size) > width:
        words.pop()
    return " ".join(words).rstrip(":,;") + " …"


def contents(styles: Any) -> TableOfContents:
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [styles.toc0, styles.toc1]
    toc.tableStyle = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FAMILY),  # the cells' default would be Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return toc
