"""Every word the report generates, in one place.

The content modules (`report.content`) choose which of these to say and pass
in the figures, always taken from the scoring result; nothing here computes a
figure, and no layout code (`report.pdf`, `report.html`) writes a word of its
own. The organisation's standing texts (for example the role of the
inspectorate) are data in ``resources/report/``, not here.
"""

from __future__ import annotations

from hmip_desktop.model.instrument.definition import Outcome
from hmip_desktop.scoring.result import MIN_GROUP_CASES, OutcomeScore, QuestionScore

NO_FIGURE = "–"

# -- figures in words ---------------------------------------------------------------------


def shown_percent(percent: int | None) -> str:
    return NO_FIGURE if percent is None else f"{percent}%"


def outcome_phrase(outcome: Outcome) -> str:
    return outcome.phrase or outcome.title[0].lower() + outcome.title[1:]


def score_sentence(outcome: Outcome, score: OutcomeScore | None) -> str:
    """ "Overall, 86% of work to assist sentencing was done well enough." """
    phrase = outcome_phrase(outcome)
    if score is None or score.percent is None:
        return f"No work to {phrase} could be scored yet: none of its questions applied to a scored case."
    return f"Overall, {score.percent}% of work to {phrase} was done well enough."


def relevant_cases(question: QuestionScore) -> str:
    """ "19 of 47 relevant cases"."""
    if question.applicable == 0:
        return "no relevant case"
    noun = "relevant case" if question.applicable == 1 else "relevant cases"
    # The engine's n and N, with thousands separators for aggregate-sized samples.
    return f"{question.above_line:,} of {question.applicable:,} {noun}"


def cases(count: int) -> str:
    return f"{count:,} case" if count == 1 else f"{count:,} cases"


def count(value: int) -> str:
    return f"{value:,}"


# -- titles -------------------------------------------------------------------------------

REPORT_TITLE = "Inspection of Adult Offending Work in {area}"
COVER_TITLE_LINES = ("Inspection of Adult", "Offending Work in")
COVER_LED_BY = "An inspection led by HMI Probation"
ORGANISATION = "HM Inspectorate of Probation"
CONTENTS = "Contents"
FOREWORD = "Foreword"
SUMMARY = "Summary"
RECOMMENDATIONS = "Recommendations"
SKIP_TO_CONTENT = "Skip to the report"


def report_title(area: str) -> str:
    return REPORT_TITLE.format(area=area)


def lead_inspector_line(name: str) -> str:
    return f"Lead inspector: {name}"


def outcome_title(outcome: Outcome) -> str:
    return f"Outcome {outcome.number}: {outcome.title}"


def appendix_title(number: int, title: str) -> str:
    return f"Appendix {number}: {title}"


def appendix_running(number: int) -> str:
    return f"Appendix {number}"


def author(lead_inspector: str) -> str:
    return f"{lead_inspector}, {ORGANISATION}" if lead_inspector else ORGANISATION


def subject(area: str, inspection_id: str, instrument_id: str, version: str, draft_message: str) -> str:
    text = (
        f"Inspection of Adult Offending Work: {area} ({inspection_id}); "
        f"case assessment instrument {instrument_id} v{version}"
    )
    return f"{text} – {draft_message}" if draft_message else text


KEYWORDS = ("HM Inspectorate of Probation", "Inspection of Adult Offending Work")

# -- drafts and placeholders ----------------------------------------------------------------

DRAFT_MARK = "DRAFT"
DRAFT_PREFIX = f"{DRAFT_MARK} – "


def draft_message(cases_incomplete: int, conflicts_unresolved: int) -> str:
    """ "DRAFT – 3 cases incomplete, 2 conflicts unresolved"; empty when there is neither."""
    parts = []
    if cases_incomplete:
        noun = "case" if cases_incomplete == 1 else "cases"
        parts.append(f"{cases_incomplete} {noun} incomplete")
    if conflicts_unresolved:
        noun = "conflict" if conflicts_unresolved == 1 else "conflicts"
        parts.append(f"{conflicts_unresolved} {noun} unresolved")
    return DRAFT_PREFIX + ", ".join(parts) if parts else ""


def draft_explanation(cases_scored: int, include_incomplete: bool, cases_incomplete: int, cases_held_out: int) -> str:
    parts = [f"The figures in this draft are based on {cases(cases_scored)}."]
    if include_incomplete:
        parts.append("Cases whose assessment is not yet complete are included in them.")
    elif cases_incomplete:
        parts.append(f"{cases(cases_incomplete).capitalize()} not yet complete are left out.")
    if cases_held_out:
        verb, pronoun = ("is", "it") if cases_held_out == 1 else ("are", "them")
        parts.append(
            f"{cases(cases_held_out).capitalize()} with conflicting judgements {verb} held out until "
            f"the lead inspector resolves {pronoun}."
        )
    return " ".join(parts)


def to_be_written(field: str) -> str:
    return f"[To be written: the findings field “{field}”.]"


TEAM_EMPTY = "[The team list is empty: set the findings field “team”.]"
NO_GLOSSARY = "The instrument has no glossary."

# -- summary and recommendations ------------------------------------------------------------

SUMMARY_HEAD = ("Outcomes", "The proportion of work judged to have been done well enough")
SUMMARY_TABLE_TITLE = "The proportion of work done well enough, by outcome"
RECOMMENDATIONS_INTRO = "After this inspection, work to improve practice should above all make sure that:"
NAMES_CHANGED = "The names in the practice illustrations have been changed so that no one can be identified."

# -- outcome chapters ----------------------------------------------------------------------

WHAT_WE_EXPECT = "What we expect to see"
CASE_SCORE = "Case assessment score"
KEY_STRENGTHS = "Key strengths"
KEY_IMPROVEMENTS = "Key areas for improvement"
EXPLANATION = "Explanation of findings"
DATA_SUMMARY = "Data summary"
COMPARISONS = "Differences between groups of cases"
PRACTICE_ILLUSTRATION = "Practice illustration"


def illustration_title(title: str) -> str:
    return f"{PRACTICE_ILLUSTRATION} – {title}" if title else PRACTICE_ILLUSTRATION


def shared_questions(names: list[str]) -> str:
    joined = " and ".join(names)
    return (
        f"Our judgements on some questions discussed under {joined} also count towards the score for this "
        "outcome; the detail of those findings is set out in that chapter."
    )


def outcome_reference(outcome: Outcome) -> str:
    return f"Outcome {outcome.number} ({outcome.title})"


def criterion_heading(number: int, title: str) -> str:
    return f"{number}. {title}"


NO_CRITERION_SCORE = "None of the questions under this criterion applied to a case in the scores, so it has no score."


def criterion_sentence(number: int, questions: int, percent: int) -> str:
    """The criterion's score in words; the wording turns with the criterion's place in the chapter."""
    aspects = "aspect" if questions == 1 else "aspects"
    templates = (
        f"Across the {questions} {aspects} of work we assessed under this criterion, {percent}% of the work "
        "was judged good enough.",
        f"Taking the {questions} {aspects} of this criterion together, {percent}% of the work was done well enough.",
        f"Under this criterion we looked at {questions} {aspects} of the work; {percent}% of it was good enough.",
    )
    return templates[(number - 1) % len(templates)]


def extremes_sentence(number: int, best_label: str, best: QuestionScore, worst_label: str, worst: QuestionScore) -> str:
    templates = (
        f"Work was strongest on “{best_label}” (done well enough in {relevant_cases(best)}) and weakest on "
        f"“{worst_label}” ({relevant_cases(worst)}).",
        f"The best results were for “{best_label}” ({relevant_cases(best)}); the weakest were for "
        f"“{worst_label}” ({relevant_cases(worst)}).",
        f"“{best_label}” was done well most often ({relevant_cases(best)}), and “{worst_label}” least often "
        f"({relevant_cases(worst)}).",
    )
    return templates[(number - 1) % len(templates)]


QUESTION_HEAD = ("Aspect of work", "Done well enough in", "%")


def question_table_title(code: str, title: str) -> str:
    return f"Criterion {code}, {title}: how often each aspect of work was done well enough"


FACTORS_CAPTION = "Offending-related factors"
FACTORS_HEAD = (
    "Offending-related factor",
    "Cases where it was linked to offending",
    "Identified in the assessment",
    "Sufficient interventions or services delivered",
    "Sufficient progress made",
)
#: For an instrument that asks about interventions and progress only where the assessment identified the factor.
FACTORS_INTRO = (
    "The factors linked to offending that we found most often in the cases inspected, with how often "
    "enough was done about each and how often enough progress was made. The percentages are of the "
    "cases where the factor was linked to offending and the question applied."
)
#: For an instrument that asks about them wherever the factor is linked to offending (identified or missed).
FACTORS_INTRO_LINKED = (
    "The factors we judged to be linked to offending most often in the cases inspected, whether or not the "
    "offender manager's assessment had identified them, with how often enough was done about each and how "
    "often enough progress was made. Each percentage is of all the cases where we judged the factor linked "
    "to offending (the number in the second column); where it was too early to judge progress, the case "
    "counts as not yet showing sufficient progress."
)

COMPARISONS_INTRO = (
    f"We compared the score for this outcome between groups of cases. A group of fewer than "
    f"{MIN_GROUP_CASES} cases is too small for a fair comparison, so no score is given for it."
)
COMPARISON_HEAD_CASES = "Cases"
COMPARISON_HEAD_SCORE = "Work done well enough"
TOO_FEW_TO_COMPARE = "too few cases to compare"


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Gender" → "gender", but "RoSH at start" and "OASys" stay as they are."""
    if len(label) > 1 and (label[1].isupper() or not label[0].isupper()):
        return label
    return label[:1].lower() + label[1:]


def comparison_title(label: str, outcome: Outcome) -> str:
    return f"{outcome_title(outcome)}: work done well enough by {in_sentence(label)}"


def data_summary_note(cases_scored: int) -> str:
    return (
        f"The chart shows the answers to some of the key questions about this outcome. "
        f"{cases(cases_scored).capitalize()} are in the figures; the totals differ from one "
        "question to another because some questions do not apply to every case."
    )


# -- charts ---------------------------------------------------------------------------------

AXIS_CASES = "Number of cases"
SUFFICIENT = "Sufficient (above the line)"
NOT_SUFFICIENT = "Not sufficient (below the line)"
NO_RELEVANT_CASE = "no relevant case"
CHART_DATA = "The figures in the chart"
YES_NO_HEAD = ("Question", "Sufficient", "Not sufficient", "Relevant cases")
COUNT_HEAD = ("Group", "Cases")


def yes_no_chart_description(title: str, rows: int) -> str:
    return (
        f"Bar chart: {title}. For each of {rows} questions, the number of cases where the work was sufficient "
        "and where it was not; the figures follow in a table."
    )


def count_chart_description(title: str, rows: int) -> str:
    return f"Bar chart: {title}. The number of cases in each of {rows} groups; the figures follow in a table."


# -- appendices -----------------------------------------------------------------------------

APPENDIX_AREA = "Contextual information about the area inspected"
APPENDIX_SAMPLE = "Contextual information about the inspected case sample"
APPENDIX_ACKNOWLEDGEMENTS = "Acknowledgements"
APPENDIX_ARRANGEMENTS = "Inspection arrangements"
APPENDIX_SCORING = "Scoring approach"
APPENDIX_CRITERIA = "Criteria"
APPENDIX_GLOSSARY = "Glossary"
APPENDIX_ROLE = "Role of the inspectorate and code of practice"

SAMPLE_INTRO = (
    "We inspect a sample of cases from across the area: community orders, suspended sentence orders "
    "and licences after release from custody, each supervised for several months before the inspection."
)


def sample_size(area: str, cases_scored: int) -> str:
    return f"In {area} the figures in this report come from {cases(cases_scored)}."


def sample_held_out(cases_held_out: int, conflicts: int) -> str:
    return (
        f"A further {cases(cases_held_out)} were held out of the figures because assessors' judgements "
        f"on them conflict ({conflicts} unresolved)."
    )


SAMPLE_INCOMPLETE_INCLUDED = "Cases whose assessment was not yet complete are included in these figures."


def sample_incomplete(cases_incomplete: int) -> str:
    return f"{cases(cases_incomplete).capitalize()} whose assessment was not yet complete are not included."


def team_thanks(area: str) -> str:
    return (
        f"We thank the staff and managers in {area}, and the partner organisations we met, for "
        "their help in making the inspection run smoothly. We are especially grateful to the staff who "
        "trained as local assessors and joined the inspection team."
    )


TEAM_TABLE_TITLE = "The inspection team, by role"

AREA_MISSING = (
    "[To be added: figures about the area, such as its population, unemployment and the probation "
    "caseload, each with its source. Enter them in the lead workspace's Area tab, or import them from a "
    "CSV file with the command “hmip area import”.]"
)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def footnote_mark(number: int) -> str:
    """The superscript number that ties a column to its source: ¹, ², ... ¹²."""
    return str(number).translate(_SUPERSCRIPTS)


def source_note(number: int, source: str) -> str:
    return f"{footnote_mark(number)} Source: {source}"


ROLE_TITLES = {"lead": "Lead inspector", "inspector": "Inspectors", "local-assessor": "Local assessors"}

ARRANGEMENTS_FOCUS = "Inspection focus"
ARRANGEMENTS_FOCUS_TEXT = (
    "The Inspection of Adult Offending Work looks at the quality of practice with adults who have "
    "offended, through a sample of cases supervised in the area. In each case we follow the person "
    "through their sentence: first how well the factors behind their offending were assessed, then how "
    "well the work to change their behaviour was planned and delivered, and finally what that work "
    "achieved. Our judgements on the cases feed our view of the work to:"
)
ARRANGEMENTS_HOW = "How the inspection was carried out"
ARRANGEMENTS_HOW_TEXT = (
    "Inspectors and trained local assessors read each case record and recorded structured judgements "
    "in the case assessment tool. Where possible they interviewed the practitioner responsible for the "
    "case, who was asked to explain their thinking, point to the evidence in the record and say how "
    "leadership and management supported their work."
)


def inspection_dates(dates: str) -> str:
    return f"Inspection dates: {dates}."


ARRANGEMENTS_LEADERSHIP_TEXT = (
    "Leadership and management are described in this report where they help to explain what we found "
    "in practice. Emerging findings from the cases shaped the meetings we held with managers, "
    "partner organisations and sentencers, and we shared our findings with local leaders at the end "
    "of the fieldwork."
)
ARRANGEMENTS_PUBLICATION = "Publication"
ARRANGEMENTS_PUBLICATION_TEXT = (
    "The inspected organisation sees a draft of the report and may comment on its factual accuracy "
    "before it is published on the inspectorate's website. Reports on inspections in Wales are "
    "published in Welsh and in English."
)

SCORING_INTRO = (
    "This appendix explains how the figures in the report are produced. In every case, the inspection "
    "team judged how well each aspect of the work was done against the criteria below, grouped by "
    "stage of the work:"
)
SCORING_HOW = "How the scores are calculated"
SCORING_METHOD = (
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
)
SCORING_PRECISION = "How precise the figures are"


def precision_sentences(cases_scored: int, ranges: list[tuple[int, int, int, int]]) -> tuple[str, ...]:
    """The precision of the outcome figures in plain words; `ranges` holds (outcome number, percent, low, high)."""
    listed = "; ".join(
        f"Outcome {number}, {percent}% (between {low}% and {high}%)" for number, percent, low, high in ranges
    )
    widest = max((high - low for _n, _p, low, high in ranges), default=0)
    return (
        f"The figures rest on the {cases(cases_scored)} inspected, so each is an estimate of the work as a "
        "whole. Had another sample of the same work been inspected, each outcome figure would in all "
        f"likelihood (95 times in 100) have fallen within the range shown: {listed}.",
        "Each range is worked out from how much the cases differ from one another, taking each case as "
        "a whole, because the judgements on one case tend to go together. A difference between two figures "
        f"smaller than these ranges (up to {widest} points wide here) may be down to which cases were "
        "inspected rather than to the work itself.",
    )


SCORING_TABLE_CAPTION = "Questions counting towards each outcome"
SCORING_TABLE_HEAD = ("Outcome", "Questions counting towards it", "Shared with")
SCORING_TABLE_NOTE = (
    "The number of questions is that of the case assessment tool; a question shared by two outcomes "
    "counts in full towards each."
)


def outcome_number(number: int) -> str:
    return f"Outcome {number}"


CRITERIA_INTRO = (
    "The inspection criteria, by outcome (rows) and stage of the work (columns). Each scored question "
    "of the case assessment tool belongs to one of these criteria."
)
CRITERIA_TABLE_TITLE = "The inspection criteria by outcome and stage of the work"
CRITERIA_HEAD_OUTCOME = "Outcome"
GLOSSARY_TABLE_TITLE = "Terms used in this report"
