"""Blocks to reportlab flowables: styles, widths and page breaks, never words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, NextPageTemplate, Spacer, TableStyle
from reportlab.platypus import PageBreak as PdfPageBreak
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from hmip_desktop.report.content.blocks import (
    Block,
    Cell,
    Chart,
    Contents,
    CountRow,
    Cover,
    Figure,
    Heading,
    Illustration,
    ItemList,
    Keep,
    NeedSpace,
    PageBreak,
    Paragraph,
    Space,
    Table,
    YesNoRow,
)
from hmip_desktop.report.pdf.charts import count_chart, yes_no_chart
from hmip_desktop.report.pdf.document import BODY, WIDE, contents, heading
from hmip_desktop.report.pdf.fonts import FAMILY
from hmip_desktop.report.pdf.styles import ACCENT, ACCENT_LIGHT, FRAME_WIDTH, GRID, PAGE_SIZE, RULE, Styles

#: A table never leaves fewer body rows than this alone at the foot or head of a page.
MIN_ROWS_TOGETHER = 3
#: The text width of a landscape page (the criteria grid).
WIDE_WIDTH = PAGE_SIZE[1] - 2 * 20 * mm - 2


class ReportTable(PdfTable):  # type: ignore[misc]  # reportlab has no type stubs
    """A table that splits across pages without leaving one or two orphaned rows.

    A row taller than a page (a long practice illustration, a very long name in a cell) is split inside
    the row, and a table already at the top of a page is never moved on whole to the next one: that could
    not help, and reportlab would stop the whole build with a LayoutError.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("splitInRow", 1)  # the parts of a split come back through here with it set
        super().__init__(*args, **kwargs)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        if self._next_row_fits_no_page(availHeight):
            # Split inside that row where this page ends, rather than leave the rest of the page empty.
            in_row: list[Flowable] = self._splitRows(availHeight, doInRowSplit=1)
            return in_row or parts
        # Starting the whole table on the next page helps only when it is not at the top of one already.
        move_on: list[Flowable] = parts if self._at_top_of_frame() else []
        repeat = self._repeat_count()
        body_rows = len(self._cellvalues) - repeat
        first_rows = len(parts[0]._cellvalues) - repeat
        second_rows = body_rows - first_rows
        if first_rows < MIN_ROWS_TOGETHER:
            return move_on
        if second_rows >= MIN_ROWS_TOGETHER:
            return parts
        if body_rows < 2 * MIN_ROWS_TOGETHER:
            return move_on
        moved = MIN_ROWS_TOGETHER - second_rows
        shift = sum(self._rowHeights[repeat + first_rows - moved : repeat + first_rows])
        resplit: list[Flowable] = super().split(availWidth, availHeight - shift)
        return resplit or parts

    def _repeat_count(self) -> int:
        return self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)

    def _page_room(self) -> float | None:
        """The height of a whole frame of the kind laying this table out (None: not inside a frame)."""
        # The frame asking for the split sets itself on the flowable for the call (reportlab's Frame.split).
        frame = getattr(self, "_frame", None)
        if frame is None:
            return None
        return float(frame._height - frame._topPadding - frame._bottomPadding)

    def _at_top_of_frame(self) -> bool:
        return bool(getattr(getattr(self, "_frame", None), "_atTop", False))

    def _next_row_fits_no_page(self, availHeight: float) -> bool:
        """Whether the first row that does not fit here would not fit on a page of its own either."""
        room = self._page_room()
        if room is None:
            return False
        n = self._getFirstPossibleSplitRowPosition(availHeight)
        if n >= len(self._rowHeights):
            return False
        head = sum(self._rowHeights[: self._repeat_count()]) if n >= self._repeat_count() else 0.0
        return bool(self._rowHeights[n] + head > room)


class Layout:
    """Lays out blocks with one set of styles."""

    def __init__(self, styles: Styles) -> None:
        self.s = styles
        self._roles = {
            "body": styles.body,
            "muted": styles.body_muted,
            "score": styles.score,
            "note": styles.note,
            "placeholder": styles.placeholder,
            "quote": styles.quote,
        }

    def flowables(self, blocks: Iterable[Block]) -> list[Flowable]:
        out: list[Flowable] = []
        for block in blocks:
            out += self.block(block)
        return out

    def block(self, block: Block) -> list[Flowable]:
        if isinstance(block, Heading):
            return [self.heading(block)]
        if isinstance(block, Paragraph):
            return [self.paragraph(block)]
        if isinstance(block, ItemList):
            return self.item_list(block)
        if isinstance(block, Table):
            return [self.table(block)]
        if isinstance(block, Chart):
            return [self.chart(block)]
        if isinstance(block, Figure):
            return self.figure(block)
        if isinstance(block, Illustration):
            return [self.illustration(block)]
        if isinstance(block, Cover):
            return self.cover(block)
        if isinstance(block, Contents):
            return [PdfParagraph(escape(block.title), self.s.toc_title), contents(self.s)]
        if isinstance(block, Keep):
            return [KeepTogether(self.flowables(block.blocks))]
        if isinstance(block, Space):
            return [Spacer(1, block.mm * mm)]
        if isinstance(block, PageBreak):
            if block.wide is None:
                return [PdfPageBreak()]
            return [NextPageTemplate(WIDE if block.wide else BODY), PdfPageBreak()]
        if isinstance(block, NeedSpace):
            room = block.mm * mm
            if block.chart is not None:
                room += self.chart(block.chart).height
            if block.at_most is not None:
                room = min(room, block.at_most * mm)
            return [CondPageBreak(room)]
        raise TypeError(f"no layout for {type(block).__name__}")

    # -- text ---------------------------------------------------------------------------------

    def heading(self, block: Heading) -> PdfParagraph:
        if block.level == 0:
            return heading(block.text, self.s.chapter, toc_level=0, key=block.key, chapter=block.running)
        if block.level == 1 and block.in_contents:
            return heading(block.text, self.s.heading, toc_level=1, key=block.key)
        return PdfParagraph(block.text, self.s.heading if block.level == 1 else self.s.subheading)

    def paragraph(self, block: Paragraph) -> PdfParagraph:
        if block.number:
            return PdfParagraph(block.markup, self.s.numbered, bulletText=block.number)
        return PdfParagraph(block.markup, self._roles[block.role])

    def item_list(self, block: ItemList) -> list[Flowable]:
        if block.marker == "numbers":
            return [PdfParagraph(item, self.s.numbered, bulletText=f"{i}.") for i, item in enumerate(block.items, 1)]
        if block.marker == "bullets":
            return [PdfParagraph(item, self.s.bullet, bulletText="•") for item in block.items]
        return [PdfParagraph(item, self.s.bullet) for item in block.items]

    # -- tables and charts ------------------------------------------------------------------------

    def cell(self, cell: Cell, *, head: bool) -> PdfParagraph:
        style: ParagraphStyle
        if head:
            style = self.s.table_head_right if cell.align == "right" else self.s.table_head
        elif cell.bold:
            style = self.s.table_bold
        else:
            style = self.s.table_right if cell.align == "right" else self.s.table
        return PdfParagraph(cell.markup, style)

    def table(self, block: Table) -> PdfTable:
        width = WIDE_WIDTH if block.wide else FRAME_WIDTH
        data = [[self.cell(c, head=True) for c in block.head]] if block.head else []
        data += [[self.cell(c, head=False) for c in row] for row in block.rows]
        header = block.head is not None
        commands: list[tuple[object, ...]] = []
        if block.kind == "plain":
            commands.append(("LINEBELOW", (0, 0), (-1, -1), 0, colors.white))
        elif block.kind == "grid":
            commands.append(("GRID", (0, 0), (-1, -1), 0.4, RULE))
        table = self.ruled_table(data, [width * w for w in block.widths], header=header, extra=commands)
        if block.space_after:
            table.spaceAfter = block.space_after
        return table

    @staticmethod
    def ruled_table(
        data: list[list[Flowable]], widths: Sequence[float], *, header: bool, extra: Iterable[tuple[object, ...]] = ()
    ) -> PdfTable:
        table = ReportTable(data, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
        commands: list[tuple[object, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), FAMILY),  # the cells' default would be Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID),
        ]
        if header:
            commands += [("BACKGROUND", (0, 0), (-1, 0), ACCENT), ("VALIGN", (0, 0), (-1, 0), "BOTTOM")]
            commands += [("BACKGROUND", (0, r), (-1, r), ACCENT_LIGHT) for r in range(2, len(data), 2)]
        commands += list(extra)
        table.setStyle(TableStyle(commands))
        return table

    def chart(self, block: Chart) -> Drawing:
        width = FRAME_WIDTH * block.width
        if block.kind == "yes-no":
            return yes_no_chart([r for r in block.rows if isinstance(r, YesNoRow)], width)
        return count_chart([r for r in block.rows if isinstance(r, CountRow)], width)

    def figure(self, block: Figure) -> list[Flowable]:
        body = self.table(block.body) if isinstance(block.body, Table) else self.chart(block.body)
        parts: list[Flowable] = [PdfParagraph(escape(block.caption), self.s.caption)]
        parts += [self.paragraph(p) for p in block.before]
        parts.append(body)
        parts += [self.paragraph(p) for p in block.after]
        if block.space_after:
            parts.append(Spacer(1, block.space_after * mm))
        return [KeepTogether(parts)] if block.keep_together else parts

    def illustration(self, block: Illustration) -> PdfTable:
        rows: list[list[Flowable]] = [[PdfParagraph(block.title, self.s.illustration_title)]]
        rows += [[PdfParagraph(text, self.s.illustration)] for text in block.paragraphs]
        table = ReportTable(rows, colWidths=[FRAME_WIDTH], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FAMILY),
                    ("BACKGROUND", (0, 0), (-1, -1), ACCENT_LIGHT),
                    ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, 0), 7),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                ]
            )
        )
        table.spaceBefore = 4
        table.spaceAfter = 8
        return table

    # -- cover ----------------------------------------------------------------------------------

    def cover(self, block: Cover) -> list[Flowable]:
        out: list[Flowable] = [
            Spacer(1, 38 * mm),
            PdfParagraph("<br/>".join(escape(line) for line in block.title_lines), self.s.cover_title),
            Spacer(1, 4 * mm),
            PdfParagraph(escape(block.area), self.s.cover_area),
            Spacer(1, 60 * mm),
        ]
        out += [PdfParagraph(line, self.s.cover_line) for line in block.lines]
        if block.draft_message:
            out.append(Spacer(1, 8 * mm))
            out.append(PdfParagraph(escape(block.draft_message), self.s.score))
            out.append(PdfParagraph(escape(block.draft_explanation), self.s.body_muted))
        out.append(NextPageTemplate(BODY))
        return out
