"""The report's charts as inline SVG for the web edition.

Drawn like the PDF's (`report.pdf.charts`): a label column, bars, an axis in
cases. The SVG is an image with a title and a description; the figures
themselves follow it in a table, which is what a screen reader reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import CountRow, YesNoRow, nice_step, wrap_words

WIDTH = 680
LABEL_WIDTH = 270
LABEL_CHARS = 44
FONT_SIZE = 12
#: A generous average width of a character at FONT_SIZE (DejaVu Sans runs wide).
CHAR_WIDTH = 7.6
LINE = 15
BAR = 16
GAP = 9
AXIS = 40
LEGEND = 28

# The PDF's colours; text on them meets WCAG AA contrast (white on teal 4.9:1, ink on amber 8.9:1).
INK = "#1f1f1f"
MUTED = "#595959"
GRID = "#d0d0d0"
SUFFICIENT = "#2f7f73"
INSUFFICIENT = "#e3a23b"
NEUTRAL = "#6c5b8c"


def wrap(text: str, chars: int = LABEL_CHARS, max_lines: int = 4) -> list[str]:
    """A label wrapped to lines of at most `chars` characters (`blocks.wrap_words`)."""
    return wrap_words(text, lambda line: len(line) <= chars, max_lines)


class _Svg:
    def __init__(self, ident: str, title: str, description: str) -> None:
        self.ident = ident
        self.title = title
        self.description = description
        self.parts: list[str] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        fill: str = INK,
        bold: bool = False,
        size: int = FONT_SIZE,
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{weight}>'
            f"{escape(text)}</text>"
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str) -> None:
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>')

    def finish(self, height: float) -> str:
        title_id, desc_id = f"{self.ident}-title", f"{self.ident}-desc"
        return (
            f'<svg class="chart" role="img" aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {WIDTH} {height:.0f}" '
            f'width="{WIDTH}" height="{height:.0f}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="DejaVu Sans, Verdana, Arial, sans-serif">'
            f'<title id="{title_id}">{escape(self.title)}</title><desc id="{desc_id}">{escape(self.description)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def _axis(svg: _Svg, x0: float, width: float, top: float, bottom: float, maximum: int) -> float:
    step = nice_step(maximum)
    end = max(step, ((maximum + step - 1) // step) * step)
    scale = width / end
    value = 0
    while value <= end:
        x = x0 + value * scale
        svg.line(x, top, x, bottom, GRID)
        svg.text(x, bottom + 14, f"{value:,}", anchor="middle", fill=MUTED, size=11)
        value += step
    svg.line(x0, bottom, x0 + width, bottom, MUTED)
    svg.text(x0 + width / 2, bottom + 30, say.AXIS_CASES, anchor="middle", fill=MUTED, size=11)
    return scale


def _rows(svg: _Svg, labels: Sequence[str], top: float) -> list[float]:
    """Draw each wrapped label at the left; the bar's y for each row."""
    y = top
    bars = []
    for label in labels:
        lines = wrap(label)
        height = max(BAR, len(lines) * LINE) + GAP
        centre = y + height / 2
        first = centre - (len(lines) - 1) * LINE / 2 + 4
        for i, line in enumerate(lines):
            svg.text(LABEL_WIDTH, first + i * LINE, line, anchor="end")
        bars.append(centre - BAR / 2)
        y += height
    return bars


def _plot_height(labels: Sequence[str]) -> float:
    return sum(max(BAR, len(wrap(label)) * LINE) + GAP for label in labels)


def yes_no_svg(ident: str, title: str, rows: Sequence[YesNoRow]) -> str:
    svg = _Svg(ident, title, say.yes_no_chart_description(title, len(rows)))
    x0, width = LABEL_WIDTH + 10, WIDTH - LABEL_WIDTH - 40
    plot = _plot_height([r.label for r in rows])
    x = 10.0
    for colour, text in ((SUFFICIENT, say.SUFFICIENT), (INSUFFICIENT, say.NOT_SUFFICIENT)):
        svg.rect(x, 6, 12, 12, colour)
        svg.text(x + 17, 16, text)
        x += 17 + len(text) * CHAR_WIDTH + 24
    top = LEGEND
    scale = _axis(svg, x0, width, top, top + plot, max([r.above + r.below for r in rows] + [1]))
    for row, bar_y in zip(rows, _rows(svg, [r.label for r in rows], top)):
        above, below = row.above * scale, row.below * scale
        if above:
            svg.rect(x0, bar_y, above, BAR, SUFFICIENT)
            if len(f"{row.above:,}") * 8 + 6 <= above:
                svg.text(x0 + above / 2, bar_y + 12, f"{row.above:,}", anchor="middle", fill="#ffffff", bold=True)
        if below:
            svg.rect(x0 + above, bar_y, below, BAR, INSUFFICIENT)
            if len(f"{row.below:,}") * 8 + 6 <= below:
                svg.text(x0 + above + below / 2, bar_y + 12, f"{row.below:,}", anchor="middle", bold=True)
        if row.above + row.below == 0:
            svg.text(x0 + 4, bar_y + 12, say.NO_RELEVANT_CASE, fill=MUTED, size=11)
    return svg.finish(top + plot + AXIS)


def count_svg(ident: str, title: str, rows: Sequence[CountRow]) -> str:
    svg = _Svg(ident, title, say.count_chart_description(title, len(rows)))
    x0, width = LABEL_WIDTH + 10, WIDTH - LABEL_WIDTH - 50
    plot = _plot_height([r.label for r in rows])
    top = 8
    scale = _axis(svg, x0, width, top, top + plot, max([r.count for r in rows] + [1]))
    for row, bar_y in zip(rows, _rows(svg, [r.label for r in rows], top)):
        if row.count:
            svg.rect(x0, bar_y, row.count * scale, BAR, NEUTRAL)
        svg.text(x0 + row.count * scale + 5, bar_y + 12, f"{row.count:,}", bold=True)
    return svg.finish(top + plot + AXIS)
