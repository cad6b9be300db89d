"""The report as format-free blocks: what is said, in what order, with layout hints.

`report.content` decides the words, the figures shown and their order; the
PDF edition (`report.pdf`) and the web edition (`report.html`) only lay the
same blocks out, so the two editions cannot say different things.

Text in blocks is *markup*: XML-escaped text with only ``<b>``, ``<i>`` and
``<br/>`` tags (`lead_text.inline` makes it from the lead's text, `plain`
from generated text). Both reportlab paragraphs and HTML read it as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

#: How a paragraph reads: ordinary text, a headline figure, a small note, a placeholder for missing text...
ParagraphRole = Literal["body", "muted", "score", "note", "placeholder", "quote"]
Align = Literal["left", "right"]
#: "data": header row and rules; "plain": a list laid out as a table (no header, no rules);
#: "grid": a two-way grid with every cell ruled.
TableKind = Literal["data", "plain", "grid"]


def plain(text: str) -> str:
    """Generated text as markup."""
    return escape(text)


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_of(markup: str) -> str:
    """What markup reads as, as plain text on one line: for the contents and the PDF's bookmarks.

    Tags are dropped (a line break reads as a space), entities read (``&amp;``, ``&nbsp;``, ``&#8211;``),
    and every run of white space, a non-breaking space included, is one space. Both editions use it,
    so their contents say the same.
    """
    return " ".join(html.unescape(_TAG.sub("", _BREAK.sub(" ", markup))).split())


@dataclass(frozen=True)
class Heading:
    """A chapter (level 0), section (1) or subsection (2) heading.

    `key` anchors it (PDF bookmark, HTML id); with `in_contents` it is listed in the contents.
    `running` is the chapter name the PDF's running header shows from here on.
    """

    level: int
    text: str
    key: str = ""
    in_contents: bool = False
    running: str | None = None


@dataclass(frozen=True)
class Paragraph:
    markup: str
    role: ParagraphRole = "body"
    #: A paragraph number printed in the margin ("3.2."), as in the published reports.
    number: str = ""


@dataclass(frozen=True)
class ItemList:
    """A list; "plain" items carry no bullet or number (the items name themselves)."""

    items: tuple[str, ...]
    marker: Literal["bullets", "numbers", "plain"] = "bullets"


@dataclass(frozen=True)
class Cell:
    markup: str
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    head: tuple[Cell, ...] | None
    rows: tuple[tuple[Cell, ...], ...]
    #: Column widths as fractions of the text width.
    widths: tuple[float, ...]
    #: What the table shows, for readers who move from table to table (the web edition's caption).
    title: str
    kind: TableKind = "data"
    #: The first cell of each row names the row (a row header).
    row_headers: bool = True
    #: The table needs a landscape page in print.
    wide: bool = False
    space_after: float = 0.0


@dataclass(frozen=True)
class YesNoRow:
    label: str
    above: int
    below: int


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int


@dataclass(frozen=True)
class Chart:
    """A bar chart; `rows` are `YesNoRow` (stacked sufficient / not sufficient) or `CountRow`."""

    kind: Literal["yes-no", "count"]
    rows: tuple[YesNoRow, ...] | tuple[CountRow, ...]
    #: Chart width as a fraction of the text width.
    width: float = 1.0


@dataclass(frozen=True)
class Figure:
    """A captioned table or chart, with notes before and after its body."""

    caption: str
    body: Table | Chart
    before: tuple[Paragraph, ...] = ()
    after: tuple[Paragraph, ...] = ()
    #: Print the caption, notes and body on one page.
    keep_together: bool = False
    space_after: float = 0.0


@dataclass(frozen=True)
class Illustration:
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Cover:
    title_lines: tuple[str, ...]
    area: str
    lines: tuple[str, ...]
    draft_message: str = ""
    draft_explanation: str = ""


@dataclass(frozen=True)
class Contents:
    title: str


@dataclass(frozen=True)
class Keep:
    """Blocks printed on one page."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Space:
    """Vertical space in millimetres (print only)."""

    mm: float


@dataclass(frozen=True)
class PageBreak:
    """Start a new page; `wide` switches the pages after it to landscape (or back)."""

    wide: bool | None = None


@dataclass(frozen=True)
class NeedSpace:
    """Start a new page unless this much room (mm) is left on the current one.

    With `chart`, the room is `mm` plus the chart's printed height, but never more than `at_most`.
    """

    mm: float
    chart: Chart | None = None
    at_most: float | None = None


Block = (
    Heading
    | Paragraph
    | ItemList
    | Table
    | Chart
    | Figure
    | Illustration
    | Cover
    | Contents
    | Keep
    | Space
    | PageBreak
    | NeedSpace
)


def wrap_words(text: str, fits: Callable[[str], bool], max_lines: int = 4) -> list[str]:
    """Greedy word wrap of a chart label into lines that `fits` accepts (a word too long for a line
    stands alone); more than `max_lines` lines are cut, the last ending with an ellipsis. Both
    editions' charts measure with their own `fits`: characters for the web's, points for the PDF's."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if fits(candidate) or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines or [""]


def nice_step(maximum: int, ticks: int = 5) -> int:
    """The smallest 1-2-5 tick interval giving at most `ticks` intervals up to `maximum`."""
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            step = base * magnitude
            if maximum <= step * ticks:
                return step
        magnitude *= 10
