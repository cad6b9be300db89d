"""`render_report`: a `ReportModel` laid out as the inspection report PDF.

The structure follows the published Inspection of Adult Offending Work
reports: cover, contents, foreword, summary, recommendations, one chapter per
outcome, appendices. This module formats and places; every figure comes from
`model.result`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from hmip_desktop.model.instrument.definition import STAGE_KEYS, Criterion, Outcome, Question
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import lead_text
from hmip_desktop.report.charts import CountRow, YesNoRow, count_chart, yes_no_chart
from hmip_desktop.report.document import BODY, WIDE, ReportDoc, contents, heading
from hmip_desktop.report.fonts import FAMILY, register_fonts
from hmip_desktop.report.model import Illustration, ReportModel
from hmip_desktop.report.sentences import cases, relevant_cases, score_sentence, shown_percent
from hmip_desktop.report.styles import (
    ACCENT,
    ACCENT_LIGHT,
    FRAME_WIDTH,
    GRID,
    PAGE_SIZE,
    RULE,
    Styles,
    make_styles,
)
from hmip_desktop.scoring.result import MIN_GROUP_CASES, Breakdown, FactorRow, QuestionScore

#: A table never leaves fewer body rows than this alone at the foot or head of a page.
MIN_ROWS_TOGETHER = 3

STAGE_TITLES = {
    "assessment-planning": "Assessment and planning",
    "delivery-review": "Delivery and review",
    "case-outcomes": "Case outcomes",
    "leadership-management": "Leadership and management",
    "victim-work": "Victim work",
}

ProgressCallback = Callable[[float, str], None]


def render_report(model: ReportModel, out_path: Path | str, *, progress: ProgressCallback | None = None) -> int:
    """Write the report to `out_path` (directly: the caller handles temp files); return the page count."""
    register_fonts()
    styles = make_styles()

    def on_pass(number: int) -> None:
        if progress is not None:
            progress(min(0.3 + 0.3 * number, 0.95), f"laying out the pages (pass {number})")

    doc = ReportDoc(
        str(out_path),
        running_title=model.title,
        draft_message=model.draft.message,
        on_pass=on_pass,
        title=model.title,
        author=_author(model),
        subject=_subject(model),
        creator=f"HMIP Desktop {model.app_version}".strip(),
        keywords=["HM Inspectorate of Probation", "Inspection of Adult Offending Work", model.area],
    )
    story = _Story(model, styles).build()
    doc.multiBuild(story)
    return int(doc.page)


def _author(model: ReportModel) -> str:
    if model.lead_inspector:
        return f"{model.lead_inspector}, HM Inspectorate of Probation"
    return "HM Inspectorate of Probation"


def _subject(model: ReportModel) -> str:
    subject = (
        f"Inspection of Adult Offending Work: {model.area} ({model.inspection_id}); "
        f"case assessment instrument {model.instrument.id} v{model.instrument.version}"
    )
    if model.draft.is_draft:
        subject += f" – {model.draft.message}"
    return subject


class ReportTable(Table):  # type: ignore[misc]  # reportlab has no type stubs
    """A table that splits across pages without leaving one or two orphaned rows."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        repeat = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        body_rows = len(self._cellvalues) - repeat
        first_rows = len(parts[0]._cellvalues) - repeat
        second_rows = body_rows - first_rows
        if first_rows < MIN_ROWS_TOGETHER:
            return []  # start the whole table on the next page
        if second_rows >= MIN_ROWS_TOGETHER:
            return parts
        if body_rows < 2 * MIN_ROWS_TOGETHER:
            return []
        moved = MIN_ROWS_TOGETHER - second_rows
        shift = sum(self._rowHeights[repeat + first_rows - moved: repeat + first_rows])
        resplit: list[Flowable] = super().split(availWidth, availHeight - shift)
        return resplit


class _Story:
    """Builds the list of flowables, section by section."""

    def __init__(self, model: ReportModel, styles: Styles) -> None:
        self.model = model
        self.s = styles
        self.result = model.result
        self.instrument = model.instrument
        self.appendix_number = 0

    # -- helpers -------------------------------------------------------------------

    def p(self, text: str, style: object | None = None, **kwargs: object) -> Paragraph:
        return Paragraph(text, style or self.s.body, **kwargs)

    def text_p(self, text: str, style: object | None = None) -> Paragraph:
        """A paragraph of generated plain text (escaped)."""
        return self.p(escape(text), style)

    def placeholder(self, field: str) -> Paragraph:
        return self.p(f"[To be written: the findings field “{escape(field)}”.]", self.s.placeholder)

    def lead(self, field: str, *, number_prefix: str = "", first: int = 1) -> list[Flowable]:
        """The lead's text for `field` as flowables; paragraphs numbered "k.n." when a prefix is given."""
        text = self.model.text(field)
        if not text:
            expected = any(f.name == field and f.expected for f in ff.findings_fields(self.instrument))
            return [self.placeholder(field)] if expected else []
        out: list[Flowable] = []
        number = first
        for block in lead_text.parse(text):
            if block.kind == "paragraph":
                if number_prefix:
                    out.append(self.p(lead_text.inline(block.items[0]), self.s.numbered,
                                      bulletText=f"{number_prefix}{number}."))
                    number += 1
                else:
                    out.append(self.p(lead_text.inline(block.items[0])))
            elif block.kind == "bullets":
                out += [self.p(lead_text.inline(item), self.s.bullet, bulletText="•") for item in block.items]
            elif block.kind == "numbered":
                out += [
                    self.p(lead_text.inline(item), self.s.numbered, bulletText=f"{i}.")
                    for i, item in enumerate(block.items, start=1)
                ]
            elif block.kind == "quote":
                out += [self.p("“" + lead_text.inline(item) + "”", self.s.quote) for item in block.items]
            elif block.kind == "heading":
                out.append(self.p(lead_text.inline(block.items[0]), self.s.subheading))
            elif block.kind == "table":
                out.append(self.lead_table(block.items))
        return out

    def lead_numbered_list(self, field: str) -> list[Flowable]:
        """Key strengths, areas for improvement, recommendations: one numbered item per entry."""
        text = self.model.text(field)
        if not text:
            return [self.placeholder(field)]
        return [
            self.p(lead_text.inline(item), self.s.numbered, bulletText=f"{i}.")
            for i, item in enumerate(lead_text.list_items(text), start=1)
        ]

    def lead_table(self, rows: Sequence[str]) -> Table:
        cells = [row.split("\t") for row in rows]
        width = max(len(row) for row in cells)
        data = []
        for r, row in enumerate(cells):
            row = row + [""] * (width - len(row))
            style = self.s.table_head if r == 0 else self.s.table
            data.append([self.p(lead_text.inline(cell), style) for cell in row])
        return self.table(data, [FRAME_WIDTH / width] * width)

    def table(self, data: list[list[Flowable]], widths: Sequence[float], *, header: bool = True,
              extra: Iterable[tuple[object, ...]] = ()) -> Table:
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

    def chapter_heading(self, text: str, key: str, running: str) -> list[Flowable]:
        return [heading(escape(text), self.s.chapter, toc_level=0, key=key, chapter=running)]

    def section(self, text: str, *, toc_key: str = "") -> Paragraph:
        if toc_key:
            return heading(escape(text), self.s.heading, toc_level=1, key=toc_key)
        return self.p(escape(text), self.s.heading)

    def subsection(self, text: str) -> Paragraph:
        return self.p(escape(text), self.s.subheading)

    # -- the report ------------------------------------------------------------------

    def build(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += self.cover()
        story += self.contents_page()
        story += self.foreword()
        story += self.summary()
        story += self.recommendations()
        for outcome in self.instrument.outcomes:
            story += self.chapter(outcome)
        story += self.appendices()
        return story

    def cover(self) -> list[Flowable]:
        m = self.model
        out: list[Flowable] = [
            Spacer(1, 38 * mm),
            self.p("Inspection of Adult<br/>Offending Work in", self.s.cover_title),
            Spacer(1, 4 * mm),
            self.text_p(m.area, self.s.cover_area),
            Spacer(1, 60 * mm),
            self.p("<b>An inspection led by HMI Probation</b>", self.s.cover_line),
        ]
        if m.lead_inspector:
            out.append(self.text_p(f"Lead inspector: {m.lead_inspector}", self.s.cover_line))
        if m.month:
            out.append(self.text_p(m.month, self.s.cover_line))
        if m.draft.is_draft:
            out.append(Spacer(1, 8 * mm))
            out.append(self.text_p(m.draft.message, self.s.score))
            out.append(self.text_p(self._draft_explanation(), self.s.body_muted))
        out += [NextPageTemplate(BODY), PageBreak()]
        return out

    def _draft_explanation(self) -> str:
        r = self.result
        parts = [f"The figures in this draft are based on {cases(r.cases_scored)}."]
        if r.include_incomplete:
            parts.append("Cases whose assessment is not yet complete are included in them.")
        elif r.cases_incomplete:
            parts.append(f"{cases(r.cases_incomplete).capitalize()} not yet complete are left out.")
        if r.cases_held_out:
            parts.append(
                f"{cases(r.cases_held_out).capitalize()} with conflicting judgements are held out until "
                "the lead inspector resolves them."
            )
        return " ".join(parts)

    def contents_page(self) -> list[Flowable]:
        return [self.p("Contents", self.s.toc_title), contents(self.s), PageBreak()]

    def foreword(self) -> list[Flowable]:
        out = self.chapter_heading("Foreword", "foreword", "Foreword")
        out += self.lead(ff.FOREWORD)
        signatory = self.model.text(ff.FOREWORD_SIGNATORY)
        if signatory:
            out.append(Spacer(1, 4 * mm))
            lines = [escape(line.strip()) for line in signatory.splitlines() if line.strip()]
            out.append(self.p("<br/>".join([f"<b>{lines[0]}</b>", *lines[1:]])))
            if self.model.month:
                out.append(self.text_p(self.model.month))
        out.append(PageBreak())
        return out

    def summary(self) -> list[Flowable]:
        out = self.chapter_heading("Summary", "summary", "Summary")
        head = [self.p("Outcomes", self.s.table_head),
                self.p("The proportion of work judged to have been done well enough", self.s.table_head)]
        rows: list[list[Flowable]] = [head]
        for outcome in self.instrument.outcomes:
            score = self.result.outcomes.get(outcome.key)
            rows.append([
                self.text_p(outcome.title, self.s.table),
                self.p(f"<b>{shown_percent(score.percent if score else None)}</b>", self.s.table),
            ])
        out.append(self.table(rows, [FRAME_WIDTH * 0.62, FRAME_WIDTH * 0.38]))
        out.append(Spacer(1, 6 * mm))
        for outcome in self.instrument.outcomes:
            out.append(self.section(f"Outcome {outcome.number}: {outcome.title}"))
            out.append(self.text_p(score_sentence(outcome, self.result.outcomes.get(outcome.key)), self.s.score))
            out += self.lead(ff.summary_field(outcome.key))
        return out

    def recommendations(self) -> list[Flowable]:
        out: list[Flowable] = [
            CondPageBreak(60 * mm),
            heading("Recommendations", self.s.chapter, toc_level=0, key="recommendations", chapter="Recommendations"),
            self.p("After this inspection, work to improve practice should above all make sure that:"),
        ]
        out += self.lead_numbered_list(ff.RECOMMENDATIONS)
        if self.model.illustrations:
            out.append(Spacer(1, 3 * mm))
            out.append(self.p(
                "The names in the practice illustrations have been changed so that no one can be identified.",
                self.s.note,
            ))
        out.append(PageBreak())
        return out

    # -- chapters ------------------------------------------------------------------------

    def chapter(self, outcome: Outcome) -> list[Flowable]:
        score = self.result.outcomes.get(outcome.key)
        out = self.chapter_heading(f"Outcome {outcome.number}: {outcome.title}", f"outcome-{outcome.key}",
                                   f"Outcome {outcome.number}: {outcome.title}")
        out.append(self.section("What we expect to see"))
        out.append(self.text_p(outcome.expectation))
        out.append(self.section("Case assessment score"))
        out.append(self.text_p(score_sentence(outcome, score), self.s.score))
        out.append(self.section("Key strengths"))
        out += self.lead_numbered_list(ff.strengths_field(outcome.key))
        out.append(self.section("Key areas for improvement"))
        out += self.lead_numbered_list(ff.improvements_field(outcome.key))
        out += self.shared_questions_note(outcome)

        out.append(self.section("Explanation of findings"))
        criteria = self.criteria_of(outcome)
        placed: set[int] = set()
        illustrations = [i for i in self.model.illustrations if i.chapter == outcome.key]
        for number, criterion in enumerate(criteria, start=1):
            out += self.criterion_findings(outcome, criterion, number)
            out += self.factor_table(criterion)
            # Illustrations follow the findings they illustrate: spread one per criterion, in the lead's order.
            if number - 1 < len(illustrations) and number < len(criteria):
                out.append(self.illustration_box(illustrations[number - 1]))
                placed.add(number - 1)
        for index, illustration in enumerate(illustrations):
            if index not in placed:
                out.append(self.illustration_box(illustration))
        out += self.comparisons(outcome)
        out += self.data_summary(outcome)
        out.append(PageBreak())
        return out

    def criteria_of(self, outcome: Outcome) -> list[Criterion]:
        own = [c for c in self.instrument.criteria if c.outcome == outcome.key]
        return sorted(own, key=lambda c: (STAGE_KEYS.index(c.stage), c.code))

    def shared_questions_note(self, outcome: Outcome) -> list[Flowable]:
        """Say where the questions of another outcome's criteria also count towards this one."""
        score = self.result.outcomes.get(outcome.key)
        if score is None:
            return []
        others: dict[str, Outcome] = {}
        for qid in score.questions:
            question = self.instrument.by_id.get(qid)
            if question is None or question.criterion is None:
                continue
            owner = self.instrument.criterion(question.criterion).outcome
            if owner != outcome.key:
                others[owner] = self.instrument.outcome(owner)
        if not others:
            return []
        names = " and ".join(f"Outcome {o.number} ({o.title})" for o in others.values())
        return [self.text_p(
            f"Our judgements on some questions discussed under {names} also count towards the score for this "
            "outcome; the detail of those findings is set out in that chapter.",
            self.s.body_muted,
        )]

    def criterion_findings(self, outcome: Outcome, criterion: Criterion, number: int) -> list[Flowable]:
        # Heading, summary paragraph and the first rows of the table belong on one page.
        out: list[Flowable] = [
            CondPageBreak(70 * mm),
            self.section(f"{number}. {criterion.title}", toc_key=f"criterion-{criterion.code}"),
        ]
        narrative = self.lead(ff.explanation_field(criterion.code), number_prefix=f"{number}.")
        out += narrative
        next_para = sum(1 for f in narrative if getattr(f, "bulletText", None)) + 1
        crit_score = self.result.criteria.get(criterion.code)
        scores = [self.result.questions[q] for q in (crit_score.questions if crit_score else ())
                  if q in self.result.questions]
        all_scored = [self.result.questions[q.id] for q in self.instrument.questions_for_criterion(criterion.code)
                      if q.id in self.result.questions]
        if crit_score is None or crit_score.percent is None:
            out.append(self.p(
                escape("None of the questions under this criterion applied to a case in the scores, so it has "
                       "no score."), self.s.numbered, bulletText=f"{number}.{next_para}."))
            return out
        sentence = self.criterion_sentence(number, len(scores), crit_score.percent)
        best, worst = self.extremes(scores)
        if best is not None and worst is not None:
            sentence += " " + self.extremes_sentence(number, best, worst)
        out.append(self.p(escape(sentence), self.s.numbered, bulletText=f"{number}.{next_para}."))
        out.append(self.question_table(all_scored))
        out.append(Spacer(1, 2 * mm))
        return out

    @staticmethod
    def criterion_sentence(number: int, questions: int, percent: int) -> str:
        aspects = "aspect" if questions == 1 else "aspects"
        templates = (
            f"Across the {questions} {aspects} of work we assessed under this criterion, {percent}% of the work "
            "was judged good enough.",
            f"Taking the {questions} {aspects} of this criterion together, {percent}% of the work was done well "
            "enough.",
            f"Under this criterion we looked at {questions} {aspects} of the work; {percent}% of it was good enough.",
        )
        return templates[(number - 1) % len(templates)]

    def extremes_sentence(self, number: int, best: QuestionScore, worst: QuestionScore) -> str:
        best_label, worst_label = self.label(best.question_id), self.label(worst.question_id)
        templates = (
            f"Work was strongest on “{best_label}” (done well enough in {relevant_cases(best)}) and weakest on "
            f"“{worst_label}” ({relevant_cases(worst)}).",
            f"The best results were for “{best_label}” ({relevant_cases(best)}); the weakest were for "
            f"“{worst_label}” ({relevant_cases(worst)}).",
            f"“{best_label}” was done well most often ({relevant_cases(best)}), and “{worst_label}” least often "
            f"({relevant_cases(worst)}).",
        )
        return templates[(number - 1) % len(templates)]

    @staticmethod
    def extremes(scores: Sequence[QuestionScore]) -> tuple[QuestionScore | None, QuestionScore | None]:
        """The best and worst question; a question with very few relevant cases is not singled out."""
        ranked = [q for q in scores if q.score is not None and q.applicable >= MIN_GROUP_CASES]
        if len(ranked) < 2:
            return None, None
        best = max(ranked, key=lambda q: (q.score, q.applicable))
        worst = min(ranked, key=lambda q: (q.score, -q.applicable))
        if best.score == worst.score:
            return None, None
        return best, worst

    def label(self, question_id: str) -> str:
        return self.instrument.question(question_id).chart_label

    def question_table(self, scores: Sequence[QuestionScore]) -> Table:
        head = [self.p("Aspect of work", self.s.table_head),
                self.p("Done well enough in", self.s.table_head),
                self.p("%", self.s.table_head_right)]
        rows: list[list[Flowable]] = [head]
        for score in scores:
            rows.append([
                self.text_p(self.label(score.question_id), self.s.table),
                self.text_p(relevant_cases(score), self.s.table),
                self.text_p(shown_percent(score.percent), self.s.table_right),
            ])
        return self.table(rows, [FRAME_WIDTH * 0.6, FRAME_WIDTH * 0.28, FRAME_WIDTH * 0.12])

    def factor_table(self, criterion: Criterion) -> list[Flowable]:
        """The offending-related factors table, after the criterion its progress questions belong to."""
        rows = [row for row in self.result.factors if self._factor_criterion(row) == criterion.code]
        if not rows:
            return []
        rows.sort(key=lambda row: -row.identified_of)
        head = [
            self.p("Offending-related factor", self.s.table_head),
            self.p("Cases where it was linked to offending", self.s.table_head_right),
            self.p("Identified in the assessment", self.s.table_head_right),
            self.p("Sufficient interventions or services delivered", self.s.table_head_right),
            self.p("Sufficient progress made", self.s.table_head_right),
        ]
        data: list[list[Flowable]] = [head]
        for row in rows:
            data.append([
                self.text_p(row.label, self.s.table),
                self.text_p(f"{row.identified_of:,}", self.s.table_right),
                self.text_p(f"{row.identified:,}", self.s.table_right),
                self.text_p(shown_percent(row.interventions_sufficient), self.s.table_right),
                self.text_p(shown_percent(row.progress_sufficient), self.s.table_right),
            ])
        w = FRAME_WIDTH
        table = self.table(data, [w * 0.32, w * 0.17, w * 0.15, w * 0.2, w * 0.16])
        intro = self.p(
            "The factors linked to offending that we found most often in the cases inspected, with how often "
            "enough was done about each and how often enough progress was made. The percentages are of the "
            "cases where the factor was linked to offending and the question applied.",
        )
        return [self.p("Offending-related factors", self.s.caption), intro, table, Spacer(1, 3 * mm)]

    def _factor_criterion(self, row: FactorRow) -> str | None:
        for qid in (row.progress_question, row.interventions_question, row.identified_question):
            if qid and qid in self.instrument.by_id:
                return self.instrument.question(qid).criterion
        return None

    def illustration_box(self, illustration: Illustration) -> Table:
        title = "Practice illustration"
        if illustration.title:
            title += f" – {illustration.title}"
        rows: list[list[Flowable]] = [[self.text_p(title, self.s.illustration_title)]]
        for block in lead_text.parse(illustration.text):
            for item in block.items:
                rows.append([self.p(lead_text.inline(item.replace("\t", " ")), self.s.illustration)])
        table = ReportTable(rows, colWidths=[FRAME_WIDTH], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FAMILY),
            ("BACKGROUND", (0, 0), (-1, -1), ACCENT_LIGHT),
            ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, 0), 7),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
        ]))
        table.spaceBefore = 4
        table.spaceAfter = 8
        return table

    def comparisons(self, outcome: Outcome) -> list[Flowable]:
        out: list[Flowable] = []
        for qid in self.model.comparison_questions:
            breakdown = self.result.breakdowns.get(qid)
            if breakdown is None:
                continue
            groups = [g for g in breakdown.groups if g.cases > 0]
            if len(groups) < 2:
                continue
            out.append(self.comparison_table(outcome, breakdown))
        if not out:
            return []
        intro = self.p(
            f"We compared the score for this outcome between groups of cases. A group of fewer than "
            f"{MIN_GROUP_CASES} cases is too small for a fair comparison, so no score is given for it.",
        )
        return [KeepTogether([self.subsection("Differences between groups of cases"), intro, out[0]]), *out[1:]]

    def comparison_table(self, outcome: Outcome, breakdown: Breakdown) -> Flowable:
        head = [self.text_p(breakdown.label, self.s.table_head), self.p("Cases", self.s.table_head_right),
                self.p("Work done well enough", self.s.table_head_right)]
        rows: list[list[Flowable]] = [head]
        for group in breakdown.groups:
            if group.cases == 0:
                continue
            score = group.outcomes.get(outcome.key)
            if group.too_small:
                figure = "too few cases to compare"
            else:
                figure = shown_percent(score.percent if score else None)
            rows.append([
                self.text_p(group.label, self.s.table),
                self.text_p(f"{group.cases:,}", self.s.table_right),
                self.text_p(figure, self.s.table_right),
            ])
        table = self.table(rows, [FRAME_WIDTH * 0.5, FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.3])
        table.spaceAfter = 8
        return table

    def key_questions(self, outcome: Outcome) -> list[Question]:
        return [q for q in self.instrument.scored_questions if q.key and outcome.key in q.outcomes]

    def data_summary(self, outcome: Outcome) -> list[Flowable]:
        questions = [q for q in self.key_questions(outcome) if q.id in self.result.questions]
        if not questions or self.result.cases_scored == 0:
            return []
        rows = [
            YesNoRow(q.chart_label, self.result.questions[q.id].above_line, self.result.questions[q.id].below_line)
            for q in questions
        ]
        note = self.p(
            f"The chart shows the answers to some of the key questions about this outcome. "
            f"{cases(self.result.cases_scored).capitalize()} are in the figures; the totals differ from one "
            "question to another because some questions do not apply to every case.",
            self.s.body,
        )
        chart = yes_no_chart(rows, FRAME_WIDTH)
        return [
            CondPageBreak(min(chart.height + 40 * mm, 200 * mm)),
            self.section("Data summary"),
            note,
            KeepTogether([self.text_p(outcome.title, self.s.caption), chart]),
        ]

    # -- appendices ---------------------------------------------------------------------

    def appendix_heading(self, title: str, key: str) -> list[Flowable]:
        self.appendix_number += 1
        text = f"Appendix {self.appendix_number}: {title}"
        return self.chapter_heading(text, key, f"Appendix {self.appendix_number}")

    def appendices(self) -> list[Flowable]:
        out: list[Flowable] = []
        if self.model.text(ff.CONTEXT_AREA):
            out += self.appendix_heading("Contextual information about the area inspected", "appendix-area")
            out += self.lead(ff.CONTEXT_AREA)
            out.append(PageBreak())
        out += self.sample_appendix()
        out += self.team_appendix()
        out += self.arrangements_appendix()
        out += self.scoring_appendix()
        out += self.criteria_appendix()
        out += self.glossary_appendix()
        return out

    def sample_appendix(self) -> list[Flowable]:
        r = self.result
        out = self.appendix_heading("Contextual information about the inspected case sample", "appendix-sample")
        out.append(self.p(
            "We inspect a sample of cases from across the area: community orders, suspended sentence orders "
            "and licences after release from custody, each supervised for several months before the inspection."
        ))
        out.append(self.text_p(f"In {self.model.area} the figures in this report come from {cases(r.cases_scored)}."))
        if r.cases_held_out:
            out.append(self.text_p(
                f"A further {cases(r.cases_held_out)} were held out of the figures because assessors' judgements "
                f"on them conflict ({r.unresolved_conflicts} unresolved)."
            ))
        if r.include_incomplete:
            out.append(self.text_p("Cases whose assessment was not yet complete are included in these figures."))
        elif r.cases_incomplete:
            out.append(self.text_p(
                f"{cases(r.cases_incomplete).capitalize()} whose assessment was not yet complete are not included."
            ))
        out += self.lead(ff.CONTEXT_SAMPLE)
        for qid in self.model.sample_questions:
            breakdown = r.breakdowns.get(qid)
            if breakdown is None or r.cases_scored == 0:
                continue
            question = self.instrument.question(qid)
            rows = [CountRow(g.label, g.cases) for g in breakdown.groups]
            if not rows:
                continue
            chart = count_chart(rows, FRAME_WIDTH * 0.9)
            block: list[Flowable] = [self.text_p(breakdown.label, self.s.caption)]
            if question.text and question.text.rstrip(".") != breakdown.label:
                block.append(self.text_p(question.text, self.s.note))
            block.append(chart)
            block.append(Spacer(1, 4 * mm))
            out.append(KeepTogether(block))
        out.append(PageBreak())
        return out

    def team_appendix(self) -> list[Flowable]:
        out = self.appendix_heading("The inspection team", "appendix-team")
        out.append(self.text_p(
            f"We thank the staff and managers in {self.model.area}, and the partner organisations we met, for "
            "their help in making the inspection run smoothly. We are especially grateful to the staff who "
            "trained as local assessors and joined the inspection team."
        ))
        if not self.model.team:
            out.append(self.p("[The team list is empty: set the findings field “team”.]", self.s.placeholder))
            out.append(PageBreak())
            return out
        rows: list[list[Flowable]] = []
        previous = None
        for member in self.model.team:
            role = member.role if member.role != previous else ""
            previous = member.role
            rows.append([self.text_p(role, self.s.table_bold), self.text_p(member.name, self.s.table)])
        table = self.table(rows, [FRAME_WIDTH * 0.35, FRAME_WIDTH * 0.65], header=False,
                           extra=[("LINEBELOW", (0, 0), (-1, -1), 0, colors.white)])
        out.append(table)
        out.append(PageBreak())
        return out

    def arrangements_appendix(self) -> list[Flowable]:
        out = self.appendix_heading("Inspection arrangements", "appendix-arrangements")
        out.append(self.subsection("Inspection focus"))
        out.append(self.p(
            "The Inspection of Adult Offending Work looks at the quality of practice with adults who have "
            "offended, through a sample of cases supervised in the area. In each case we follow the person "
            "through their sentence: first how well the factors behind their offending were assessed, then how "
            "well the work to change their behaviour was planned and delivered, and finally what that work "
            "achieved. Our judgements on the cases feed our view of the work to:"
        ))
        for outcome in self.instrument.outcomes:
            phrase = outcome.phrase or outcome.title.lower()
            out.append(self.p(escape(phrase), self.s.bullet, bulletText="•"))
        out.append(self.subsection("How the inspection was carried out"))
        dates = self.model.text(ff.DATES) or self.model.dates
        out.append(self.p(
            "Inspectors and trained local assessors read each case record and recorded structured judgements "
            "in the case assessment tool. Where possible they interviewed the practitioner responsible for the "
            "case, who was asked to explain their thinking, point to the evidence in the record and say how "
            "leadership and management supported their work."
        ))
        if dates:
            out.append(self.text_p(f"Inspection dates: {dates}."))
        out.append(self.p(
            "Leadership and management are described in this report where they help to explain what we found "
            "in practice. Emerging findings from the cases shaped the meetings we held with managers, "
            "partner organisations and sentencers, and we shared our findings with local leaders at the end "
            "of the fieldwork."
        ))
        out.append(self.subsection("Publication"))
        out.append(self.p(
            "The inspected organisation sees a draft of the report and may comment on its factual accuracy "
            "before it is published on the inspectorate's website. Reports on inspections in Wales are "
            "published in Welsh and in English."
        ))
        out.append(PageBreak())
        return out

    def scoring_appendix(self) -> list[Flowable]:
        out = self.appendix_heading("Scoring approach", "appendix-scoring")
        out.append(self.p(
            "This appendix explains how the figures in the report are produced. In every case, the inspection "
            "team judged how well each aspect of the work was done against the criteria below, grouped by "
            "stage of the work:"
        ))
        for stage in STAGE_KEYS:
            criteria = [c for c in self.instrument.criteria if c.stage == stage]
            if not criteria:
                continue
            block: list[Flowable] = [self.subsection(STAGE_TITLES.get(stage, stage))]
            block += [self.p(f"<b>{escape(c.code)}</b>&nbsp;&nbsp;{escape(c.title)}", self.s.bullet) for c in criteria]
            out += block
        out.append(self.subsection("How the scores are calculated"))
        for text in (
            "Each scored question in the case assessment tool belongs to one criterion and counts towards one "
            "or more of the outcomes. For every case, the work on a question is judged either sufficient "
            "(‘above the line’) or not sufficient (‘below the line’); answers such as ‘not applicable’ count "
            "neither way, and a question that does not apply to a case is not counted for it.",
            "A question's score is the proportion of the cases it applies to in which the work was judged "
            "sufficient. A criterion's score is the average of the scores of its questions.",
            "The score of each outcome, shown on the summary page, is the average of the scores of all the "
            "questions that count towards it. Questions that applied to none of the cases are left out of the "
            "averages.",
            "Only cases whose assessment is complete are counted. A case on which two assessors' judgements "
            "conflict is held out until the lead inspector resolves the conflict. Percentages are rounded to "
            "the nearest whole number, halves upwards, from the exact values.",
        ):
            out.append(self.p(escape(text)))
        rows: list[list[Flowable]] = [[
            self.p("Outcome", self.s.table_head),
            self.p("Questions counting towards it", self.s.table_head_right),
            self.p("Shared with", self.s.table_head),
        ]]
        for outcome in self.instrument.outcomes:
            own = [q for q in self.instrument.scored_questions if outcome.key in q.outcomes]
            shared = sorted({k for q in own for k in q.outcomes if k != outcome.key},
                            key=lambda k: self.instrument.outcome(k).number)
            rows.append([
                self.text_p(f"{outcome.number}. {outcome.title}", self.s.table),
                self.text_p(str(len(own)), self.s.table_right),
                self.text_p(", ".join(f"Outcome {self.instrument.outcome(k).number}" for k in shared) or "–",
                            self.s.table),
            ])
        out.append(KeepTogether([
            self.p("Questions counting towards each outcome", self.s.caption),
            self.table(rows, [FRAME_WIDTH * 0.55, FRAME_WIDTH * 0.22, FRAME_WIDTH * 0.23]),
            self.p(
                "The number of questions is that of the case assessment tool; a question shared by two outcomes "
                "counts in full towards each.", self.s.note,
            ),
        ]))
        out.append(NextPageTemplate(WIDE))
        out.append(PageBreak())
        return out

    def criteria_appendix(self) -> list[Flowable]:
        out = self.appendix_heading("Criteria", "appendix-criteria")
        out.append(self.p(
            "The inspection criteria, by outcome (rows) and stage of the work (columns). Each scored question "
            "of the case assessment tool belongs to one of these criteria."
        ))
        stages = [s for s in STAGE_KEYS if any(c.stage == s for c in self.instrument.criteria)]
        width = PAGE_SIZE[1] - 2 * 20 * mm - 2
        first = width * 0.2
        rest = (width - first) / max(len(stages), 1)
        head = [self.p("Outcome", self.s.table_head)] + [
            self.p(f"{i}. {escape(STAGE_TITLES.get(s, s))}", self.s.table_head) for i, s in enumerate(stages, start=1)
        ]
        rows: list[list[Flowable]] = [head]
        for outcome in self.instrument.outcomes:
            row: list[Flowable] = [self.p(f"<b>{outcome.number}</b>&nbsp;&nbsp;{escape(outcome.title.upper())}",
                                          self.s.table_bold)]
            for stage in stages:
                found = [c for c in self.instrument.criteria if c.outcome == outcome.key and c.stage == stage]
                row.append(self.p("<br/>".join(f"<b>{escape(c.code)}</b> {escape(c.title)}" for c in found),
                                  self.s.table))
            rows.append(row)
        table = self.table(rows, [first] + [rest] * len(stages),
                           extra=[("GRID", (0, 0), (-1, -1), 0.4, RULE)])
        out.append(table)
        out.append(NextPageTemplate(BODY))
        out.append(PageBreak())
        return out

    def glossary_appendix(self) -> list[Flowable]:
        out = self.appendix_heading("Glossary", "appendix-glossary")
        terms = sorted(self.instrument.glossary.items(), key=lambda item: item[0].lower())
        if not terms:
            out.append(self.p("The instrument has no glossary.", self.s.placeholder))
            return out
        rows = [[self.text_p(term, self.s.table_bold), self.text_p(meaning, self.s.table)] for term, meaning in terms]
        out.append(self.table(rows, [FRAME_WIDTH * 0.27, FRAME_WIDTH * 0.73], header=False,
                              extra=[("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)]))
        return out

