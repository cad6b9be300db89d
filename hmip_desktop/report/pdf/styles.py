"""Colours, page geometry and paragraph styles of the report."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from hmip_desktop.report.pdf.fonts import BOLD, FAMILY, ITALIC

PAGE_SIZE = A4
MARGIN_LEFT = 22 * mm
MARGIN_RIGHT = 22 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT

# An inspectorate purple for headings, a teal/amber pair for sufficient/insufficient
# work that stays distinct in greyscale print and for red-green colour blindness.
INK = colors.HexColor("#1F1F1F")
MUTED = colors.HexColor("#5A5A5A")
ACCENT = colors.HexColor("#4A2C6E")
ACCENT_LIGHT = colors.HexColor("#EEE8F4")
RULE = colors.HexColor("#B9AECB")
SUFFICIENT = colors.HexColor("#2F7F73")
INSUFFICIENT = colors.HexColor("#E3A23B")
NEUTRAL_BAR = colors.HexColor("#6C5B8C")
GRID = colors.HexColor("#D9D9D9")
WATERMARK = colors.Color(0.78, 0.16, 0.16, alpha=0.16)
WATERMARK_TEXT = colors.HexColor("#B22222")


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    body_muted: ParagraphStyle
    numbered: ParagraphStyle
    bullet: ParagraphStyle
    quote: ParagraphStyle
    chapter: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    minor: ParagraphStyle
    score: ParagraphStyle
    table: ParagraphStyle
    table_bold: ParagraphStyle
    table_head: ParagraphStyle
    table_head_right: ParagraphStyle
    table_right: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle
    placeholder: ParagraphStyle
    cover_title: ParagraphStyle
    cover_area: ParagraphStyle
    cover_line: ParagraphStyle
    toc_title: ParagraphStyle
    toc0: ParagraphStyle
    toc1: ParagraphStyle
    illustration_title: ParagraphStyle
    illustration: ParagraphStyle


def make_styles() -> Styles:
    body = ParagraphStyle(
        "body",
        fontName=FAMILY,
        bulletFontName=FAMILY,
        fontSize=9.5,
        leading=13.6,
        textColor=INK,
        spaceAfter=6,
        alignment=TA_LEFT,
    )
    table = ParagraphStyle("table", parent=body, fontSize=8.2, leading=10.4, spaceAfter=0)
    return Styles(
        body=body,
        body_muted=ParagraphStyle("body_muted", parent=body, textColor=MUTED),
        numbered=ParagraphStyle("numbered", parent=body, leftIndent=9 * mm, bulletIndent=0),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=6 * mm, spaceAfter=3),
        quote=ParagraphStyle(
            "quote", parent=body, fontName=ITALIC, leftIndent=8 * mm, rightIndent=8 * mm, textColor=ACCENT
        ),
        chapter=ParagraphStyle(
            "chapter", parent=body, fontName=BOLD, fontSize=19, leading=24, textColor=ACCENT, spaceAfter=14
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            textColor=ACCENT,
            spaceBefore=12,
            spaceAfter=6,
            keepWithNext=1,
        ),
        subheading=ParagraphStyle(
            "subheading",
            parent=body,
            fontName=BOLD,
            fontSize=10.5,
            leading=14,
            textColor=INK,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        minor=ParagraphStyle("minor", parent=body, fontName=BOLD, spaceBefore=4, spaceAfter=3),
        score=ParagraphStyle(
            "score", parent=body, fontName=BOLD, fontSize=11, leading=15, textColor=ACCENT, spaceAfter=8
        ),
        table=table,
        table_bold=ParagraphStyle("table_bold", parent=table, fontName=BOLD),
        table_head=ParagraphStyle("table_head", parent=table, fontName=BOLD, textColor=colors.white),
        table_head_right=ParagraphStyle(
            "table_head_right", parent=table, fontName=BOLD, textColor=colors.white, alignment=2
        ),
        table_right=ParagraphStyle("table_right", parent=table, alignment=2),
        caption=ParagraphStyle(
            "caption",
            parent=body,
            fontName=BOLD,
            fontSize=9.5,
            leading=12.5,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        note=ParagraphStyle(
            "note", parent=body, fontSize=8, leading=10.5, textColor=MUTED, spaceBefore=2, spaceAfter=4
        ),
        placeholder=ParagraphStyle("placeholder", parent=body, fontName=ITALIC, textColor=MUTED),
        cover_title=ParagraphStyle(
            "cover_title", parent=body, fontName=BOLD, fontSize=26, leading=32, textColor=colors.white
        ),
        cover_area=ParagraphStyle(
            "cover_area", parent=body, fontName=BOLD, fontSize=34, leading=40, textColor=colors.white
        ),
        cover_line=ParagraphStyle("cover_line", parent=body, fontSize=12, leading=17, textColor=INK),
        toc_title=ParagraphStyle(
            "toc_title", parent=body, fontName=BOLD, fontSize=19, leading=24, textColor=ACCENT, spaceAfter=14
        ),
        toc0=ParagraphStyle("toc0", parent=body, fontSize=9.5, leading=12.5, spaceBefore=6, spaceAfter=0),
        toc1=ParagraphStyle(
            "toc1", parent=body, fontSize=8, leading=10.6, leftIndent=6 * mm, spaceAfter=0, textColor=MUTED
        ),
        illustration_title=ParagraphStyle(
            "illustration_title", parent=body, fontName=BOLD, textColor=ACCENT, spaceAfter=3
        ),
        illustration=ParagraphStyle("illustration", parent=body, spaceAfter=0),
    )


CENTRED = TA_CENTER
