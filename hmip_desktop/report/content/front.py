"""The front of the report: cover, contents, foreword, summary and recommendations."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import (
    Block,
    Cell,
    Contents,
    Cover,
    Heading,
    NeedSpace,
    PageBreak,
    Paragraph,
    Space,
    Table,
    plain,
)
from hmip_desktop.report.content.lead import lead_blocks, numbered_list
from hmip_desktop.report.model import ReportModel


def cover(model: ReportModel) -> list[Block]:
    lines = [f"<b>{plain(say.COVER_LED_BY)}</b>"]
    if model.lead_inspector:
        lines.append(plain(say.lead_inspector_line(model.lead_inspector)))
    if model.month:
        lines.append(plain(model.month))
    explanation = ""
    if model.draft.is_draft:
        r = model.result
        explanation = say.draft_explanation(r.cases_scored, r.include_incomplete, r.cases_incomplete, r.cases_held_out)
    return [
        Cover(
            title_lines=say.COVER_TITLE_LINES,
            area=model.area,
            lines=tuple(lines),
            draft_message=model.draft.message,
            draft_explanation=explanation,
        ),
        PageBreak(),
    ]


def contents() -> list[Block]:
    return [Contents(say.CONTENTS), PageBreak()]


def chapter_heading(text: str, key: str, running: str | None = None) -> Heading:
    return Heading(0, plain(text), key=key, in_contents=True, running=running or text)


def foreword(model: ReportModel) -> list[Block]:
    out: list[Block] = [chapter_heading(say.FOREWORD, "foreword")]
    out += lead_blocks(model, ff.FOREWORD, context=say.FOREWORD)
    signatory = model.text(ff.FOREWORD_SIGNATORY)
    if signatory:
        out.append(Space(4))
        lines = [escape(line.strip()) for line in signatory.splitlines() if line.strip()]
        out.append(Paragraph("<br/>".join([f"<b>{lines[0]}</b>", *lines[1:]])))
        if model.month:
            out.append(Paragraph(plain(model.month)))
    out.append(PageBreak())
    return out


def summary(model: ReportModel) -> list[Block]:
    result = model.result
    rows = []
    for outcome in model.instrument.outcomes:
        score = result.outcomes.get(outcome.key)
        rows.append(
            (Cell(plain(outcome.title)), Cell(plain(say.shown_percent(score.percent if score else None)), bold=True))
        )
    out: list[Block] = [
        chapter_heading(say.SUMMARY, "summary"),
        Table(
            head=tuple(Cell(plain(text)) for text in say.SUMMARY_HEAD),
            rows=tuple(rows),
            widths=(0.62, 0.38),
            title=say.SUMMARY_TABLE_TITLE,
        ),
        Space(6),
    ]
    for outcome in model.instrument.outcomes:
        out.append(Heading(1, plain(say.outcome_title(outcome))))
        out.append(Paragraph(plain(say.score_sentence(outcome, result.outcomes.get(outcome.key))), "score"))
        out += lead_blocks(model, ff.summary_field(outcome.key), context=say.outcome_title(outcome))
    return out


def recommendations(model: ReportModel) -> list[Block]:
    out: list[Block] = [
        NeedSpace(60),
        chapter_heading(say.RECOMMENDATIONS, "recommendations"),
        Paragraph(plain(say.RECOMMENDATIONS_INTRO)),
    ]
    out += numbered_list(model, ff.RECOMMENDATIONS)
    if model.illustrations:
        out.append(Space(3))
        out.append(Paragraph(plain(say.NAMES_CHANGED), "note"))
    out.append(PageBreak())
    return out
