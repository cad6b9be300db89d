"""`render_html`: a `ReportModel` written as one self-contained web page.

The page is the PDF's blocks (`report.content`) in HTML that needs nothing
else: real headings in order, tables with header cells and captions, each
chart as inline SVG with a title and description followed by its figures as a
table, a skip link, print styles, the document language; no script, no
fonts, images or styles fetched from anywhere (the style sheet is inlined).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from hmip_desktop.model import assets
from hmip_desktop.report import sentences as say
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
    text_of,
)
from hmip_desktop.report.content.report import report_blocks
from hmip_desktop.report.html.svg import count_svg, yes_no_svg
from hmip_desktop.report.model import ReportModel

#: The document language, as in the PDF.
LANGUAGE = "en-GB"
STYLE_SHEET = "report.css"
STANDING_TEXTS = "report"


@dataclass(frozen=True)
class ContentsEntry:
    level: int
    text: str
    key: str


def render_html(model: ReportModel) -> str:
    """The whole page as text."""
    blocks = report_blocks(model)
    return _Page(model, blocks).render()


class _Page:
    def __init__(self, model: ReportModel, blocks: list[Block]) -> None:
        self.model = model
        self.blocks = blocks
        self.contents = [
            ContentsEntry(0 if b.level == 0 else 1, text_of(b.text), b.key)
            for b in blocks
            if isinstance(b, Heading) and b.in_contents and b.key
        ]
        self.level = 1  # the cover's title is the page's h1
        self.charts = 0
        self.in_section = False

    # -- the page ------------------------------------------------------------------------------

    def render(self) -> str:
        model = self.model
        style = assets.read_text(STANDING_TEXTS, STYLE_SHEET)
        head = [
            "<!DOCTYPE html>",
            f'<html lang="{LANGUAGE}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(_title(model))}</title>",
            f'<meta name="author" content={quoteattr(say.author(model.lead_inspector))}>',
            f'<meta name="description" content={quoteattr(_subject(model))}>',
            f'<meta name="generator" content={quoteattr(f"HMIP Desktop {model.app_version}".strip())}>',
            f"<style>\n{style}</style>",
            "</head>",
            "<body>",
            f'<a class="skip-link" href="#main">{escape(say.SKIP_TO_CONTENT)}</a>',
        ]
        body: list[str] = []
        main_open = False
        for block in self.blocks:
            if isinstance(block, Cover | Contents):
                body.append(self.block(block))
                continue
            if not main_open:
                body.append('<main id="main" tabindex="-1">')
                main_open = True
            body.append(self.block(block))
        if self.in_section:
            body.append("</section>")
        body.append("</main>")
        foot = ['<footer class="page-foot">']
        if model.draft.is_draft:
            foot.append(f'<p class="draft">{escape(model.draft.message)}</p>')
        foot.append(f"<p>{escape(model.title)} · {escape(say.ORGANISATION)}</p>")
        foot.append("</footer>")
        return "\n".join([*head, *body, *foot, "</body>", "</html>", ""])

    # -- blocks --------------------------------------------------------------------------------

    def blocks_html(self, blocks: Iterable[Block]) -> str:
        return "\n".join(self.block(b) for b in blocks)

    def block(self, block: Block) -> str:
        if isinstance(block, Heading):
            return self.heading(block)
        if isinstance(block, Paragraph):
            return self.paragraph(block)
        if isinstance(block, ItemList):
            return self.item_list(block)
        if isinstance(block, Table):
            return self.table(block, block.title)
        if isinstance(block, Chart):
            return self.chart(block, "")
        if isinstance(block, Figure):
            return self.figure(block)
        if isinstance(block, Illustration):
            return self.illustration(block)
        if isinstance(block, Cover):
            return self.cover(block)
        if isinstance(block, Contents):
            return self.contents_nav(block)
        if isinstance(block, Keep):
            return f'<div class="keep">\n{self.blocks_html(block.blocks)}\n</div>'
        if isinstance(block, Space | PageBreak | NeedSpace):
            return ""  # print layout: the style sheet breaks pages before chapters
        raise TypeError(f"no HTML for {type(block).__name__}")

    def heading(self, block: Heading) -> str:
        # h2 for chapters, h3 for sections, h4 below; never more than one level deeper than the last.
        wanted = block.level + 2
        level = min(wanted, self.level + 1)
        self.level = level
        ident = f" id={quoteattr(block.key)}" if block.key else ""
        out = ""
        if block.level == 0:
            out = ("</section>\n" if self.in_section else "") + '<section class="chapter">\n'
            self.in_section = True
        return out + f"<h{level}{ident}>{_markup(block.text)}</h{level}>"

    def paragraph(self, block: Paragraph) -> str:
        if block.number:
            return f'<p class="numbered"><span class="number">{escape(block.number)}</span> {_markup(block.markup)}</p>'
        if block.role == "quote":
            return f"<blockquote><p>{_markup(block.markup)}</p></blockquote>"
        css = "" if block.role == "body" else f' class="{block.role}"'
        return f"<p{css}>{_markup(block.markup)}</p>"

    def item_list(self, block: ItemList) -> str:
        tag = "ol" if block.marker == "numbers" else "ul"
        css = ' class="plain"' if block.marker == "plain" else ""
        items = "".join(f"<li>{_markup(item)}</li>" for item in block.items)
        return f"<{tag}{css}>{items}</{tag}>"

    def cell(self, cell: Cell, tag: str, scope: str = "") -> str:
        classes = [c for c in ("num" if cell.align == "right" else "", "strong" if cell.bold else "") if c]
        css = f' class="{" ".join(classes)}"' if classes else ""
        scoped = f' scope="{scope}"' if scope else ""
        return f"<{tag}{scoped}{css}>{_markup(cell.markup)}</{tag}>"

    def table(self, block: Table, caption: str) -> str:
        kind = f"table-{block.kind}"
        parts = [f'<div class="table-wrap"><table class="{kind}">']
        if caption:
            parts.append(f"<caption>{escape(caption)}</caption>")
        if block.head:
            head = "".join(self.cell(c, "th", "col") if c.markup.strip() else "<td></td>" for c in block.head)
            parts.append(f"<thead><tr>{head}</tr></thead>")
        parts.append("<tbody>")
        for row in block.rows:
            cells = []
            for i, cell in enumerate(row):
                if i == 0 and block.row_headers and cell.markup.strip():
                    cells.append(self.cell(cell, "th", "row"))
                else:
                    cells.append(self.cell(cell, "td"))
            parts.append(f"<tr>{''.join(cells)}</tr>")
        parts.append("</tbody></table></div>")
        return "".join(parts)

    def chart(self, block: Chart, caption: str) -> str:
        self.charts += 1
        ident = f"chart-{self.charts}"
        title = caption or say.CHART_DATA
        if block.kind == "yes-no":
            rows = [r for r in block.rows if isinstance(r, YesNoRow)]
            svg = yes_no_svg(ident, title, rows)
            question, sufficient, insufficient, relevant = say.YES_NO_HEAD
            data = Table(
                head=(
                    Cell(escape(question)),
                    Cell(escape(sufficient), align="right"),
                    Cell(escape(insufficient), align="right"),
                    Cell(escape(relevant), align="right"),
                ),
                rows=tuple(
                    (
                        Cell(escape(r.label)),
                        Cell(say.count(r.above), align="right"),
                        Cell(say.count(r.below), align="right"),
                        Cell(say.count(r.above + r.below), align="right"),
                    )
                    for r in rows
                ),
                widths=(0.55, 0.15, 0.15, 0.15),
                title="",
            )
        else:
            counted = [r for r in block.rows if isinstance(r, CountRow)]
            svg = count_svg(ident, title, counted)
            group, cases = say.COUNT_HEAD
            data = Table(
                head=(Cell(escape(group)), Cell(escape(cases), align="right")),
                rows=tuple((Cell(escape(r.label)), Cell(say.count(r.count), align="right")) for r in counted),
                widths=(0.7, 0.3),
                title="",
            )
        table = self.table(data, f"{say.CHART_DATA}: {title}" if caption else say.CHART_DATA)
        return f'<div class="chart-box">{svg}</div>\n{table}'

    def figure(self, block: Figure) -> str:
        before = "\n".join(self.paragraph(p) for p in block.before)
        after = "\n".join(self.paragraph(p) for p in block.after)
        if isinstance(block.body, Table):
            inner = self.table(block.body, block.caption)
            return "\n".join(part for part in (before, inner, after) if part)
        chart = self.chart(block.body, block.caption)
        return (
            f"<figure>\n<figcaption>{escape(block.caption)}</figcaption>\n"
            + "\n".join(part for part in (before, chart, after) if part)
            + "\n</figure>"
        )

    def illustration(self, block: Illustration) -> str:
        paragraphs = "".join(f"<p>{_markup(text)}</p>" for text in block.paragraphs)
        return f'<div class="illustration"><p class="illustration-title">{_markup(block.title)}</p>{paragraphs}</div>'

    def cover(self, block: Cover) -> str:
        lines = "".join(f"<p>{_markup(line)}</p>" for line in block.lines)
        draft = ""
        if block.draft_message:
            draft = (
                f'<div class="draft-banner"><p class="draft">{escape(block.draft_message)}</p>'
                f"<p>{escape(block.draft_explanation)}</p></div>"
            )
        title = " ".join(block.title_lines)
        return (
            '<header class="cover">'
            f'<p class="organisation">{escape(say.ORGANISATION)}</p>'
            f'<h1>{escape(title)} <span class="area">{escape(block.area)}</span></h1>'
            f'<div class="cover-lines">{lines}</div>{draft}</header>'
        )

    def contents_nav(self, block: Contents) -> str:
        parts = [
            f'<nav class="contents" aria-labelledby="contents-title"><h2 id="contents-title">{escape(block.title)}</h2><ol>'
        ]
        open_sub = False
        for i, entry in enumerate(self.contents):
            link = f'<a href="#{escape(entry.key)}">{escape(entry.text)}</a>'
            if entry.level == 0:
                if open_sub:
                    parts.append("</ol></li>")
                    open_sub = False
                next_is_sub = i + 1 < len(self.contents) and self.contents[i + 1].level == 1
                if next_is_sub:
                    parts.append(f"<li>{link}<ol>")
                    open_sub = True
                else:
                    parts.append(f"<li>{link}</li>")
            else:
                parts.append(f"<li>{link}</li>")
        if open_sub:
            parts.append("</ol></li>")
        parts.append("</ol></nav>")
        self.level = 2
        return "".join(parts)


def _title(model: ReportModel) -> str:
    return f"{model.title} ({model.draft.message})" if model.draft.is_draft else model.title


def _subject(model: ReportModel) -> str:
    return say.subject(
        model.area, model.inspection_id, model.instrument.id, model.instrument.version, model.draft.message
    )


def _markup(markup: str) -> str:
    """Block markup as HTML: it already is, but for reportlab's self-closing break."""
    return markup.replace("<br/>", "<br>")
