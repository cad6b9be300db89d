"""One chapter per outcome: expectations, score, strengths, findings by criterion, comparisons, data summary."""

from __future__ import annotations

from collections.abc import Sequence

from hmip_desktop.model.instrument.definition import Criterion, Outcome, Question, ValueRule
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report import lead_text
from hmip_desktop.report import sentences as say
from hmip_desktop.report.content.blocks import (
    Block,
    Cell,
    Chart,
    Figure,
    Heading,
    Illustration,
    Keep,
    NeedSpace,
    PageBreak,
    Paragraph,
    Space,
    Table,
    YesNoRow,
    plain,
)
from hmip_desktop.report.content.front import chapter_heading
from hmip_desktop.report.content.lead import lead_blocks, numbered_list
from hmip_desktop.report.model import Illustration as ChosenIllustration
from hmip_desktop.report.model import ReportModel
from hmip_desktop.scoring.result import MIN_GROUP_CASES, Breakdown, FactorRow, QuestionScore


def chapter(model: ReportModel, outcome: Outcome) -> list[Block]:
    result = model.result
    score = result.outcomes.get(outcome.key)
    title = say.outcome_title(outcome)
    out: list[Block] = [
        chapter_heading(title, f"outcome-{outcome.key}"),
        Heading(1, plain(say.WHAT_WE_EXPECT)),
        Paragraph(plain(outcome.expectation)),
        Heading(1, plain(say.CASE_SCORE)),
        Paragraph(plain(say.score_sentence(outcome, score)), "score"),
        Heading(1, plain(say.KEY_STRENGTHS)),
    ]
    out += numbered_list(model, ff.strengths_field(outcome.key))
    out.append(Heading(1, plain(say.KEY_IMPROVEMENTS)))
    out += numbered_list(model, ff.improvements_field(outcome.key))
    out += shared_questions_note(model, outcome)

    out.append(Heading(1, plain(say.EXPLANATION)))
    criteria = criteria_of(model, outcome)
    placed: set[int] = set()
    illustrations = [i for i in model.illustrations if i.chapter == outcome.key]
    for number, criterion in enumerate(criteria, start=1):
        out += criterion_findings(model, criterion, number)
        out += factor_table(model, criterion)
        # Illustrations follow the findings they illustrate: spread one per criterion, in the lead's order.
        if number - 1 < len(illustrations) and number < len(criteria):
            out.append(illustration_box(illustrations[number - 1]))
            placed.add(number - 1)
    for index, illustration in enumerate(illustrations):
        if index not in placed:
            out.append(illustration_box(illustration))
    out += comparisons(model, outcome)
    out += data_summary(model, outcome)
    out.append(PageBreak())
    return out


def criteria_of(model: ReportModel, outcome: Outcome) -> list[Criterion]:
    order = model.instrument.stage_order
    own = [c for c in model.instrument.criteria if c.outcome == outcome.key]
    return sorted(own, key=lambda c: (order.index(c.stage), c.code))


def shared_questions_note(model: ReportModel, outcome: Outcome) -> list[Block]:
    """Say where the questions of another outcome's criteria also count towards this one."""
    instrument = model.instrument
    score = model.result.outcomes.get(outcome.key)
    if score is None:
        return []
    others: dict[str, Outcome] = {}
    for qid in score.questions:
        question = instrument.by_id.get(qid)
        if question is None or question.criterion is None:
            continue
        owner = instrument.criterion(question.criterion).outcome
        if owner != outcome.key:
            others[owner] = instrument.outcome(owner)
    if not others:
        return []
    names = [say.outcome_reference(o) for o in others.values()]
    return [Paragraph(plain(say.shared_questions(names)), "muted")]


def criterion_findings(model: ReportModel, criterion: Criterion, number: int) -> list[Block]:
    result, instrument = model.result, model.instrument
    heading = say.criterion_heading(number, criterion.title)
    # Heading, summary paragraph and the first rows of the table belong on one page.
    out: list[Block] = [
        NeedSpace(70),
        Heading(1, plain(heading), key=f"criterion-{criterion.code}", in_contents=True),
    ]
    narrative = lead_blocks(model, ff.explanation_field(criterion.code), context=heading, number_prefix=f"{number}.")
    out += narrative
    next_para = sum(1 for block in narrative if isinstance(block, Paragraph) and block.number) + 1
    crit_score = result.criteria.get(criterion.code)
    scores = [result.questions[q] for q in (crit_score.questions if crit_score else ()) if q in result.questions]
    all_scored = [
        result.questions[q.id] for q in instrument.questions_for_criterion(criterion.code) if q.id in result.questions
    ]
    if crit_score is None or crit_score.percent is None:
        out.append(Paragraph(plain(say.NO_CRITERION_SCORE), number=f"{number}.{next_para}."))
        return out
    sentence = say.criterion_sentence(number, len(scores), crit_score.percent)
    best, worst = extremes(scores)
    if best is not None and worst is not None:
        sentence += " " + say.extremes_sentence(number, label(model, best), best, label(model, worst), worst)
    out.append(Paragraph(plain(sentence), number=f"{number}.{next_para}."))
    out.append(question_table(model, criterion, all_scored))
    out.append(Space(2))
    return out


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


def label(model: ReportModel, score: QuestionScore) -> str:
    return model.instrument.question(score.question_id).chart_label


def question_table(model: ReportModel, criterion: Criterion, scores: Sequence[QuestionScore]) -> Table:
    what, done, percent = say.QUESTION_HEAD
    rows = tuple(
        (
            Cell(plain(label(model, score))),
            Cell(plain(say.relevant_cases(score))),
            Cell(plain(say.shown_percent(score.percent)), align="right"),
        )
        for score in scores
    )
    return Table(
        head=(Cell(plain(what)), Cell(plain(done)), Cell(plain(percent), align="right")),
        rows=rows,
        widths=(0.6, 0.28, 0.12),
        title=say.question_table_title(criterion.code, criterion.title),
    )


def factor_table(model: ReportModel, criterion: Criterion) -> list[Block]:
    """The offending-related factors table, after the criterion its progress questions belong to."""
    rows = [row for row in model.result.factors if factor_criterion(model, row) == criterion.code]
    if not rows:
        return []
    rows.sort(key=lambda row: -row.identified_of)
    head = tuple(Cell(plain(text), align="left" if i == 0 else "right") for i, text in enumerate(say.FACTORS_HEAD))
    body = tuple(
        (
            Cell(plain(row.label)),
            Cell(plain(say.count(row.identified_of)), align="right"),
            Cell(plain(say.count(row.identified)), align="right"),
            Cell(plain(say.shown_percent(row.interventions_sufficient)), align="right"),
            Cell(plain(say.shown_percent(row.progress_sufficient)), align="right"),
        )
        for row in rows
    )
    table = Table(head=head, rows=body, widths=(0.32, 0.17, 0.15, 0.2, 0.16), title=say.FACTORS_CAPTION)
    intro = say.FACTORS_INTRO_LINKED if all(asked_wherever_linked(model, row) for row in rows) else say.FACTORS_INTRO
    return [Figure(say.FACTORS_CAPTION, table, before=(Paragraph(plain(intro)),), space_after=3)]


def asked_wherever_linked(model: ReportModel, row: FactorRow) -> bool:
    """The row's interventions and progress questions apply wherever the factor is linked to offending,
    whether the assessment identified it or missed it (so the percentages are of the bracketed count)."""
    instrument = model.instrument
    identified = instrument.by_id.get(row.identified_question or "")
    if identified is None:
        return False
    linked = {o.value for o in identified.options if o.above_line is not None}
    for qid in (row.interventions_question, row.progress_question):
        question = instrument.by_id.get(qid or "")
        if question is None:
            continue
        rule = question.relevant_if
        if not (isinstance(rule, ValueRule) and rule.question == identified.id and linked <= set(rule.in_)):
            return False
    return True


def factor_criterion(model: ReportModel, row: FactorRow) -> str | None:
    for qid in (row.progress_question, row.interventions_question, row.identified_question):
        if qid and qid in model.instrument.by_id:
            return model.instrument.question(qid).criterion
    return None


def illustration_box(illustration: ChosenIllustration) -> Illustration:
    paragraphs = tuple(
        lead_text.inline(item.replace("\t", " "))
        for block in lead_text.parse(illustration.text)
        for item in block.items
    )
    return Illustration(plain(say.illustration_title(illustration.title)), paragraphs)


def comparisons(model: ReportModel, outcome: Outcome) -> list[Block]:
    tables: list[Block] = []
    for qid in model.comparison_questions:
        breakdown = model.result.breakdowns.get(qid)
        if breakdown is None:
            continue
        groups = [g for g in breakdown.groups if g.cases > 0]
        if len(groups) < 2:
            continue
        tables.append(comparison_table(outcome, breakdown))
    if not tables:
        return []
    intro = Paragraph(plain(say.COMPARISONS_INTRO))
    return [Keep((Heading(2, plain(say.COMPARISONS)), intro, tables[0])), *tables[1:]]


def comparison_table(outcome: Outcome, breakdown: Breakdown) -> Table:
    rows = []
    for group in breakdown.groups:
        if group.cases == 0:
            continue
        score = group.outcomes.get(outcome.key)
        figure = say.TOO_FEW_TO_COMPARE if group.too_small else say.shown_percent(score.percent if score else None)
        rows.append(
            (
                Cell(plain(group.label)),
                Cell(plain(say.count(group.cases)), align="right"),
                Cell(plain(figure), align="right"),
            )
        )
    return Table(
        head=(
            Cell(plain(breakdown.label)),
            Cell(plain(say.COMPARISON_HEAD_CASES), align="right"),
            Cell(plain(say.COMPARISON_HEAD_SCORE), align="right"),
        ),
        rows=tuple(rows),
        widths=(0.5, 0.2, 0.3),
        title=say.comparison_title(breakdown.label, outcome),
        space_after=8,
    )


def key_questions(model: ReportModel, outcome: Outcome) -> list[Question]:
    return [q for q in model.instrument.scored_questions if q.key and outcome.key in q.outcomes]


def data_summary(model: ReportModel, outcome: Outcome) -> list[Block]:
    result = model.result
    questions = [q for q in key_questions(model, outcome) if q.id in result.questions]
    if not questions or result.cases_scored == 0:
        return []
    rows = tuple(
        YesNoRow(q.chart_label, result.questions[q.id].above_line, result.questions[q.id].below_line) for q in questions
    )
    chart = Chart("yes-no", rows)
    return [
        NeedSpace(40, chart=chart, at_most=200),
        Heading(1, plain(say.DATA_SUMMARY)),
        Paragraph(plain(say.data_summary_note(result.cases_scored))),
        Figure(outcome.title, chart, keep_together=True),
    ]
