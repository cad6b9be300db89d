"""The whole report as blocks, in the published order.

Cover, contents, foreword, summary, recommendations, one chapter per outcome,
then the appendices. The PDF and the web edition both lay out this list.
"""

from __future__ import annotations

from hmip_desktop.report.content import chapters, front
from hmip_desktop.report.content.appendices import Appendices
from hmip_desktop.report.content.blocks import Block
from hmip_desktop.report.model import ReportModel


def report_blocks(model: ReportModel) -> list[Block]:
    blocks: list[Block] = []
    blocks += front.cover(model)
    blocks += front.contents()
    blocks += front.foreword(model)
    blocks += front.summary(model)
    blocks += front.recommendations(model)
    for outcome in model.instrument.outcomes:
        blocks += chapters.chapter(model, outcome)
    blocks += Appendices(model).blocks()
    return blocks
