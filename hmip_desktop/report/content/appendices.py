"""The appendices, numbered in the order they appear."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from hmip_desktop.model import assets
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import (
    Block,
    Cell,
    Chart,
    CountRow,
    Figure,
    Heading,
    ItemList,
    PageBreak,
    Paragraph,
    Table,
    plain,
)
from hmip_desktop.report.content.front import chapter_heading
from hmip_desktop.report.content.lead import lead_blocks, text_blocks
from hmip_desktop.report.model import ReportModel
from hmip_desktop.scoring.result import interval_percent

#: The folder of the organisation's standing texts among the shipped resources, and the role appendix's file.
STANDING_TEXTS = "report"
ROLE_TEXT = "role-of-the-inspectorate.md"


class Appendices:
    """Numbers the appendices as they are written."""

    def __init__(self, model: ReportModel) -> None:
        self.model = model
        self.number = 0

    def heading(self, title: str, key: str) -> Heading:
        self.number += 1
        return chapter_heading(say.appendix_title(self.number, title), key, say.appendix_running(self.number))

    def blocks(self) -> list[Block]:
        """The published eight, in the published order."""
        out: list[Block] = []
        parts: tuple[Callable[[], list[Block]], ...] = (
            self.area,
            self.sample,
            self.acknowledgements,
            self.arrangements,
            self.scoring,
            self.criteria,
            self.glossary,
            self.role,
        )
        for part in parts:
            out += part()
        return out

    def area(self) -> list[Block]:
        model = self.model
        out: list[Block] = [self.heading(say.APPENDIX_AREA, "appendix-area")]
        out += lead_blocks(model, ff.CONTEXT_AREA, context=say.APPENDIX_AREA)
        data = model.area_data
        if data is None:
            out += [Paragraph(plain(say.AREA_MISSING), "placeholder"), PageBreak()]
            return out
        numbers = {source: n for n, source in enumerate(data.sources(), start=1)}
        for table in data.tables:
            head = [Cell(plain(table.label))]
            notes: list[Paragraph] = []
            for column in table.columns:
                name = plain(column.name)
                if column.source:
                    number = numbers[column.source]
                    name += say.footnote_mark(number)
                    note = Paragraph(plain(say.source_note(number, column.source)), "note")
                    if note not in notes:
                        notes.append(note)
                head.append(Cell(name, align="right"))
            rows = tuple(
                (Cell(plain(row.label)), *(Cell(plain(value), align="right") for value in row.values))
                for row in table.rows
            )
            first = min(0.4, 1.6 / (len(table.columns) + 1))
            rest = (1 - first) / len(table.columns)
            body = Table(head=tuple(head), rows=rows, widths=(first, *(rest,) * len(table.columns)), title=table.title)
            out.append(Figure(table.title, body, after=tuple(notes), space_after=4))
        out.append(PageBreak())
        return out

    def sample(self) -> list[Block]:
        model, r = self.model, self.model.result
        out: list[Block] = [
            self.heading(say.APPENDIX_SAMPLE, "appendix-sample"),
            Paragraph(plain(say.SAMPLE_INTRO)),
            Paragraph(plain(say.sample_size(model.area, r.cases_scored))),
        ]
        if r.cases_held_out:
            out.append(Paragraph(plain(say.sample_held_out(r.cases_held_out, r.unresolved_conflicts))))
        if r.include_incomplete:
            out.append(Paragraph(plain(say.SAMPLE_INCOMPLETE_INCLUDED)))
        elif r.cases_incomplete:
            out.append(Paragraph(plain(say.sample_incomplete(r.cases_incomplete))))
        out += lead_blocks(model, ff.CONTEXT_SAMPLE, context=say.APPENDIX_SAMPLE)
        for qid in model.sample_questions:
            breakdown = r.breakdowns.get(qid)
            if breakdown is None or r.cases_scored == 0:
                continue
            question = model.instrument.question(qid)
            rows = tuple(CountRow(g.label, g.cases) for g in breakdown.groups)
            if not rows:
                continue
            before: tuple[Paragraph, ...] = ()
            if question.text and question.text.rstrip(".") != breakdown.label:
                before = (Paragraph(plain(question.text), "note"),)
            out.append(
                Figure(
                    breakdown.label, Chart("count", rows, width=0.9), before=before, keep_together=True, space_after=4
                )
            )
        out.append(PageBreak())
        return out

    def acknowledgements(self) -> list[Block]:
        model = self.model
        out: list[Block] = [self.heading(say.APPENDIX_ACKNOWLEDGEMENTS, "appendix-acknowledgements")]
        if model.text(ff.ACKNOWLEDGEMENTS):
            out += lead_blocks(model, ff.ACKNOWLEDGEMENTS, context=say.APPENDIX_ACKNOWLEDGEMENTS)
        else:
            out.append(Paragraph(plain(say.team_thanks(model.area))))
        if not model.team:
            out += [Paragraph(plain(say.TEAM_EMPTY), "placeholder"), PageBreak()]
            return out
        rows = []
        previous = None
        for member in model.team:
            role = member.role if member.role != previous else ""
            previous = member.role
            rows.append((Cell(plain(role), bold=True), Cell(plain(member.name))))
        out.append(Table(head=None, rows=tuple(rows), widths=(0.35, 0.65), title=say.TEAM_TABLE_TITLE, kind="plain"))
        out.append(PageBreak())
        return out

    def arrangements(self) -> list[Block]:
        model = self.model
        phrases = tuple(escape(o.phrase or o.title.lower()) for o in model.instrument.outcomes)
        out: list[Block] = [
            self.heading(say.APPENDIX_ARRANGEMENTS, "appendix-arrangements"),
            Heading(2, plain(say.ARRANGEMENTS_FOCUS)),
            Paragraph(plain(say.ARRANGEMENTS_FOCUS_TEXT)),
            ItemList(phrases, "bullets"),
            Heading(2, plain(say.ARRANGEMENTS_HOW)),
            Paragraph(plain(say.ARRANGEMENTS_HOW_TEXT)),
        ]
        dates = model.text(ff.DATES) or model.dates
        if dates:
            out.append(Paragraph(plain(say.inspection_dates(dates))))
        out += [
            Paragraph(plain(say.ARRANGEMENTS_LEADERSHIP_TEXT)),
            Heading(2, plain(say.ARRANGEMENTS_PUBLICATION)),
            Paragraph(plain(say.ARRANGEMENTS_PUBLICATION_TEXT)),
            PageBreak(),
        ]
        return out

    def scoring(self) -> list[Block]:
        instrument = self.model.instrument
        out: list[Block] = [self.heading(say.APPENDIX_SCORING, "appendix-scoring"), Paragraph(plain(say.SCORING_INTRO))]
        for stage in instrument.stage_order:
            criteria = [c for c in instrument.criteria if c.stage == stage]
            if not criteria:
                continue
            out.append(Heading(2, plain(instrument.stage_title(stage))))
            out.append(
                ItemList(tuple(f"<b>{escape(c.code)}</b>&nbsp;&nbsp;{escape(c.title)}" for c in criteria), "plain")
            )
        out.append(Heading(2, plain(say.SCORING_HOW)))
        out += [Paragraph(plain(text)) for text in say.SCORING_METHOD]
        out += self.precision()
        outcome_head, count_head, shared_head = say.SCORING_TABLE_HEAD
        rows = []
        for outcome in instrument.outcomes:
            own = [q for q in instrument.scored_questions if outcome.key in q.outcomes]
            shared = sorted(
                {k for q in own for k in q.outcomes if k != outcome.key}, key=lambda k: instrument.outcome(k).number
            )
            rows.append(
                (
                    Cell(plain(f"{outcome.number}. {outcome.title}")),
                    Cell(plain(str(len(own))), align="right"),
                    Cell(
                        plain(
                            ", ".join(say.outcome_number(instrument.outcome(k).number) for k in shared) or say.NO_FIGURE
                        )
                    ),
                )
            )
        table = Table(
            head=(Cell(plain(outcome_head)), Cell(plain(count_head), align="right"), Cell(plain(shared_head))),
            rows=tuple(rows),
            widths=(0.55, 0.22, 0.23),
            title=say.SCORING_TABLE_CAPTION,
        )
        out.append(
            Figure(
                say.SCORING_TABLE_CAPTION,
                table,
                after=(Paragraph(plain(say.SCORING_TABLE_NOTE), "note"),),
                keep_together=True,
            )
        )
        out.append(PageBreak(wide=True))
        return out

    def precision(self) -> list[Block]:
        """The outcome figures' 95 % intervals in words (scoring.intervals), when the scoring gave them."""
        result = self.model.result
        ranges = []
        for outcome in result.outcomes.values():
            bounds = interval_percent(outcome.interval)
            if bounds is not None and outcome.percent is not None:
                ranges.append((outcome.number, outcome.percent, *bounds))
        if not ranges:
            return []
        sentences = say.precision_sentences(result.cases_scored, ranges)
        return [Heading(2, plain(say.SCORING_PRECISION)), *(Paragraph(plain(text)) for text in sentences)]

    def criteria(self) -> list[Block]:
        instrument = self.model.instrument
        stages = [s for s in instrument.stage_order if any(c.stage == s for c in instrument.criteria)]
        head = (
            Cell(plain(say.CRITERIA_HEAD_OUTCOME)),
            *(Cell(plain(f"{i}. {instrument.stage_title(stage)}")) for i, stage in enumerate(stages, start=1)),
        )
        rows = []
        for outcome in instrument.outcomes:
            row = [Cell(f"<b>{outcome.number}</b>&nbsp;&nbsp;{escape(outcome.title.upper())}", bold=True)]
            for stage in stages:
                found = [c for c in instrument.criteria if c.outcome == outcome.key and c.stage == stage]
                row.append(Cell("<br/>".join(f"<b>{escape(c.code)}</b> {escape(c.title)}" for c in found)))
            rows.append(tuple(row))
        first = 0.2
        rest = (1 - first) / max(len(stages), 1)
        return [
            self.heading(say.APPENDIX_CRITERIA, "appendix-criteria"),
            Paragraph(plain(say.CRITERIA_INTRO)),
            Table(
                head=head,
                rows=tuple(rows),
                widths=(first, *(rest,) * len(stages)),
                title=say.CRITERIA_TABLE_TITLE,
                kind="grid",
                wide=True,
            ),
            PageBreak(wide=False),
        ]

    def glossary(self) -> list[Block]:
        out: list[Block] = [self.heading(say.APPENDIX_GLOSSARY, "appendix-glossary")]
        terms = sorted(self.model.instrument.glossary.items(), key=lambda item: item[0].lower())
        if not terms:
            out.append(Paragraph(plain(say.NO_GLOSSARY), "placeholder"))
            return out
        rows = tuple((Cell(plain(term), bold=True), Cell(plain(meaning))) for term, meaning in terms)
        out.append(Table(head=None, rows=rows, widths=(0.27, 0.73), title=say.GLOSSARY_TABLE_TITLE))
        return out

    def role(self) -> list[Block]:
        """The organisation's standing text (resources/report/), the same in every report."""
        text = assets.read_text(STANDING_TEXTS, ROLE_TEXT)
        return [
            PageBreak(),
            self.heading(say.APPENDIX_ROLE, "appendix-role"),
            *text_blocks(text, context=say.APPENDIX_ROLE),
        ]
