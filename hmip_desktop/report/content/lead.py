"""The lead's findings texts as blocks (placeholders while a text a reader expects is empty)."""

from __future__ import annotations

from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import lead_text, sentences
from hmip_desktop.report.content.blocks import Block, Cell, Heading, ItemList, Paragraph, Table, plain
from hmip_desktop.report.model import ReportModel


def placeholder(field: str) -> Paragraph:
    return Paragraph(plain(sentences.to_be_written(field)), "placeholder")


def lead_blocks(model: ReportModel, field: str, *, context: str, number_prefix: str = "") -> list[Block]:
    """The lead's text for `field`; paragraphs numbered "k.n." when a prefix is given.

    `context` names the part of the report the text sits in (a table in the text is titled after it).
    """
    text = model.text(field)
    if not text:
        expected = any(f.name == field and f.expected for f in ff.findings_fields(model.instrument))
        return [placeholder(field)] if expected else []
    return text_blocks(text, context=context, number_prefix=number_prefix)


def text_blocks(text: str, *, context: str, number_prefix: str = "") -> list[Block]:
    """Narrative text (the lead's, or a standing text) as blocks."""
    out: list[Block] = []
    number = 1
    parsed = lead_text.parse(text)
    tables = sum(1 for block in parsed if block.kind == "table")
    table_number = 0
    for block in parsed:
        if block.kind == "paragraph":
            if number_prefix:
                out.append(Paragraph(lead_text.inline(block.items[0]), number=f"{number_prefix}{number}."))
                number += 1
            else:
                out.append(Paragraph(lead_text.inline(block.items[0])))
        elif block.kind == "bullets":
            out.append(ItemList(tuple(lead_text.inline(item) for item in block.items), "bullets"))
        elif block.kind == "numbered":
            out.append(ItemList(tuple(lead_text.inline(item) for item in block.items), "numbers"))
        elif block.kind == "quote":
            out += [Paragraph("“" + lead_text.inline(item) + "”", "quote") for item in block.items]
        elif block.kind == "heading":
            out.append(Heading(2, lead_text.inline(block.items[0])))
        elif block.kind == "table":
            table_number += 1
            title = context if tables == 1 else f"{context} ({table_number} of {tables})"
            out.append(table_of_rows(block.items, title))
    return out


def table_of_rows(rows: tuple[str, ...], title: str) -> Table:
    """'| a | b |' rows: the first row heads the columns."""
    cells = [row.split("\t") for row in rows]
    width = max(len(row) for row in cells)
    padded = [row + [""] * (width - len(row)) for row in cells]
    marked = [tuple(Cell(lead_text.inline(cell)) for cell in row) for row in padded]
    return Table(head=marked[0], rows=tuple(marked[1:]), widths=(1 / width,) * width, title=title, row_headers=False)


def numbered_list(model: ReportModel, field: str) -> list[Block]:
    """Key strengths, areas for improvement, recommendations: one numbered item per entry."""
    text = model.text(field)
    if not text:
        return [placeholder(field)]
    return [ItemList(tuple(lead_text.inline(item) for item in lead_text.list_items(text)), "numbers")]
