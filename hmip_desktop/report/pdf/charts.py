"""Vector charts for the report, drawn with reportlab.graphics shapes.

Hand-drawn rather than HorizontalBarChart because question labels are long
and must wrap beside their bar; sizes are computed from the content so a
chart never overflows its frame. The counts drawn are the scoring result's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth

from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import CountRow, YesNoRow, nice_step, wrap_words
from hmip_desktop.report.pdf.fonts import BOLD, FAMILY
from hmip_desktop.report.pdf.styles import GRID, INK, INSUFFICIENT, MUTED, NEUTRAL_BAR, SUFFICIENT

LABEL_SIZE = 7.4
LABEL_LEADING = 8.8
VALUE_SIZE = 7.2
BAR_HEIGHT = 11.0
ROW_GAP = 6.0
AXIS_SPACE = 24.0
LEGEND_SPACE = 18.0


def wrap(text: str, width: float, font: str = FAMILY, size: float = LABEL_SIZE, max_lines: int = 4) -> list[str]:
    """A label wrapped to `width` points (`blocks.wrap_words`)."""
    return wrap_words(text, lambda line: stringWidth(line, font, size) <= width, max_lines)


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # The graphics state starts in Helvetica otherwise, which would appear in the PDF unembedded.
    drawing.initialFontName = FAMILY
    drawing.initialFontSize = LABEL_SIZE
    return drawing


def _axis(drawing: Drawing, x0: float, width: float, y_bottom: float, y_top: float, maximum: int, label: str) -> float:
    """Grid lines, tick labels and axis title; returns the points per case."""
    step = nice_step(maximum)
    top = max(step, ((maximum + step - 1) // step) * step)
    scale = width / top
    value = 0
    while value <= top:
        x = x0 + value * scale
        drawing.add(Line(x, y_bottom, x, y_top, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(
            String(x, y_bottom - 9, f"{value:,}", fontName=FAMILY, fontSize=6.8, fillColor=MUTED, textAnchor="middle")
        )
        value += step
    drawing.add(Line(x0, y_bottom, x0 + width, y_bottom, strokeColor=MUTED, strokeWidth=0.6))
    drawing.add(
        String(x0 + width / 2, y_bottom - 19, label, fontName=FAMILY, fontSize=7, fillColor=MUTED, textAnchor="middle")
    )
    return scale


def _segment_label(drawing: Drawing, x: float, y: float, seg_width: float, value: int, dark: bool) -> None:
    text = f"{value:,}"
    if value <= 0:
        return
    if stringWidth(text, BOLD, VALUE_SIZE) + 4 <= seg_width:
        colour = Color(1, 1, 1) if dark else INK
        drawing.add(
            String(
                x + seg_width / 2,
                y + BAR_HEIGHT / 2 - 2.5,
                text,
                fontName=BOLD,
                fontSize=VALUE_SIZE,
                fillColor=colour,
                textAnchor="middle",
            )
        )


def _labelled_rows(
    drawing: Drawing, wrapped: Sequence[list[str]], row_heights: Sequence[float], label_width: float, top: float
) -> Iterator[float]:
    """Rows from `top` down: draws each row's wrapped label (right-aligned before the plot, centred on the row)
    as the row is reached, so the caller's bars follow their own label, and yields the row's bar y."""
    y = top
    for lines, row_height in zip(wrapped, row_heights):
        y -= row_height
        centre = y + row_height / 2
        text_top = centre + (len(lines) - 1) * LABEL_LEADING / 2 - 2.6
        for i, line in enumerate(lines):
            drawing.add(
                String(
                    label_width,
                    text_top - i * LABEL_LEADING,
                    line,
                    fontName=FAMILY,
                    fontSize=LABEL_SIZE,
                    fillColor=INK,
                    textAnchor="end",
                )
            )
        yield centre - BAR_HEIGHT / 2


def yes_no_chart(rows: Sequence[YesNoRow], width: float, *, axis_label: str = say.AXIS_CASES) -> Drawing:
    """Stacked horizontal bars: sufficient (above the line) then not sufficient, per question."""
    label_width = width * 0.40
    plot_x = label_width + 8
    plot_width = width - plot_x - 22
    wrapped = [wrap(row.label, label_width) for row in rows]
    row_heights = [max(BAR_HEIGHT, len(lines) * LABEL_LEADING) + ROW_GAP for lines in wrapped]
    plot_height = sum(row_heights)
    height = LEGEND_SPACE + plot_height + AXIS_SPACE
    drawing = _drawing(width, height)
    maximum = max([row.above + row.below for row in rows] + [1])
    y_bottom = AXIS_SPACE
    scale = _axis(drawing, plot_x, plot_width, y_bottom, y_bottom + plot_height, maximum, axis_label)

    for row, bar_y in zip(rows, _labelled_rows(drawing, wrapped, row_heights, label_width, y_bottom + plot_height)):
        above_w, below_w = row.above * scale, row.below * scale
        if above_w:
            drawing.add(Rect(plot_x, bar_y, above_w, BAR_HEIGHT, fillColor=SUFFICIENT, strokeColor=None))
        if below_w:
            drawing.add(Rect(plot_x + above_w, bar_y, below_w, BAR_HEIGHT, fillColor=INSUFFICIENT, strokeColor=None))
        _segment_label(drawing, plot_x, bar_y, above_w, row.above, dark=True)
        _segment_label(drawing, plot_x + above_w, bar_y, below_w, row.below, dark=False)
        if row.above + row.below == 0:
            drawing.add(
                String(plot_x + 3, bar_y + 2.5, say.NO_RELEVANT_CASE, fontName=FAMILY, fontSize=6.8, fillColor=MUTED)
            )

    legend_y = height - 10
    x = plot_x
    for colour, text in ((SUFFICIENT, say.SUFFICIENT), (INSUFFICIENT, say.NOT_SUFFICIENT)):
        drawing.add(Rect(x, legend_y - 1, 8, 8, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 11, legend_y, text, fontName=FAMILY, fontSize=7.2, fillColor=INK))
        x += 11 + stringWidth(text, FAMILY, 7.2) + 16
    return drawing


def count_chart(rows: Sequence[CountRow], width: float, *, axis_label: str = say.AXIS_CASES) -> Drawing:
    """Horizontal bars of case counts per group, with the count at the end of each bar."""
    label_width = min(width * 0.34, max(stringWidth(r.label, FAMILY, LABEL_SIZE) for r in rows) + 4) if rows else 60
    plot_x = label_width + 8
    plot_width = width - plot_x - 26
    wrapped = [wrap(row.label, label_width, max_lines=2) for row in rows]
    row_heights = [max(BAR_HEIGHT, len(lines) * LABEL_LEADING) + ROW_GAP - 1 for lines in wrapped]
    plot_height = sum(row_heights)
    height = plot_height + AXIS_SPACE + 4
    drawing = _drawing(width, height)
    maximum = max([row.count for row in rows] + [1])
    y_bottom = AXIS_SPACE
    scale = _axis(drawing, plot_x, plot_width, y_bottom, y_bottom + plot_height, maximum, axis_label)
    for row, bar_y in zip(rows, _labelled_rows(drawing, wrapped, row_heights, label_width, y_bottom + plot_height)):
        bar_w = row.count * scale
        if bar_w:
            drawing.add(Rect(plot_x, bar_y, bar_w, BAR_HEIGHT, fillColor=NEUTRAL_BAR, strokeColor=None))
        drawing.add(
            String(plot_x + bar_w + 3, bar_y + 2.8, f"{row.count:,}", fontName=BOLD, fontSize=VALUE_SIZE, fillColor=INK)
        )
    return drawing
