"""Contract tests for the shipped IAOW 2013-14 instrument (resources/instruments/iaow-2013-14.json).

These pin down what the rest of the app (forms, scoring, the report) relies on: the criteria
grid, the answer scales and their above/below-the-line meaning, the gates, the offending-related
factors grid, and the question ids the report's findings are computed from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmip_desktop.model import assets
from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.instrument.definition import (
    SECTION_KEYS,
    Instrument,
    Question,
    RelevanceRule,
    ValueRule,
    default_instrument,
    iter_value_rules,
    load_instrument,
    validate_instrument,
)
from hmip_desktop.model.instrument.relevance import relevant_question_ids

INSTRUMENT_PATH = assets.asset(assets.INSTRUMENTS, "iaow-2013-14.json")

#: Appendix 6 of the report: criterion -> (outcome key, stage).
APPENDIX_6 = {
    "1.1": ("sentencing", "assessment-planning"),
    "1.4": ("sentencing", "leadership-management"),
    "2.1": ("sentence", "assessment-planning"),
    "2.2": ("sentence", "delivery-review"),
    "2.3": ("sentence", "case-outcomes"),
    "2.4": ("sentence", "leadership-management"),
    "3.1": ("reoffending", "assessment-planning"),
    "3.2": ("reoffending", "delivery-review"),
    "3.3": ("reoffending", "case-outcomes"),
    "3.4": ("reoffending", "leadership-management"),
    "4.1": ("public", "assessment-planning"),
    "4.2": ("public", "delivery-review"),
    "4.3": ("public", "case-outcomes"),
    "4.4": ("public", "leadership-management"),
    "5.1": ("victims", "assessment-planning"),
    "5.2": ("victims", "delivery-review"),
    "5.3": ("victims", "case-outcomes"),
    "5.4": ("victims", "leadership-management"),
    "5.5": ("victims", "victim-work"),
}

OUTCOME_KEYS = ("sentencing", "sentence", "reoffending", "public", "victims")

#: The order of criteria inside each section (the tool's "offender's journey").
SECTION_CRITERIA = {
    "case-details": (),
    "assessment-planning": ("1.1", "3.1", "4.1", "2.1", "5.1"),
    "delivery-review": ("2.2", "3.2", "4.2", "5.2"),
    "outcomes": ("2.3", "3.3", "4.3", "5.3"),
    "victim-contact": ("5.5",),
    "practitioner-interview": ("1.4", "2.4", "3.4", "4.4", "5.4"),
}

FACTOR_KEYS = (
    "accommodation",
    "ete",
    "finance",
    "relationships",
    "lifestyle",
    "drugs",
    "alcohol",
    "emotional",
    "thinking",
    "attitudes",
)

#: Findings from the Kent report that must be computable, as
#: finding -> (question id, option values the finding is counted from).
REQUIRED_FINDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "objectives to protect children missing in 28 of 47 relevant cases": ("cp.plan_objectives", ("yes", "no")),
    "risk of harm review sufficient in 30 of 68": ("rosh.review", ("sufficient", "insufficient")),
    "no risk of harm review in 13 of 68": ("rosh.review", ("not-done",)),
    "management oversight effective in 11 of 43 (seen in 19)": (
        "harm.oversight",
        ("effective", "not-effective", "none"),
    ),
    "children's services checks made in 4 of 18 reports needing them": ("psr.cs_checks", ("yes", "no", "na")),
    "report quality sufficient": ("psr.overall", ("sufficient", "insufficient")),
    "typed reports clear and accessible": ("psr.clear", ("yes", "no")),
    "proposal appropriate": ("psr.proposal_appropriate", ("yes", "no")),
    "proposal followed by the court": ("psr.followed", ("yes", "no")),
    "reason recorded when the indicative tier was not followed (3 of 14)": ("start.tier_reason", ("yes", "no")),
    "allocated to the correct tier": ("start.tier_correct", ("yes", "no")),
    "individual induction": ("start.induction", ("yes", "no")),
    "barriers to engagement assessed": ("start.barriers", ("yes", "no")),
    "person involved in sentence planning": ("plan.involved", ("yes", "no")),
    "sentence plan quality sufficient in six of ten": ("plan.quality", ("sufficient", "not-done", "too-late")),
    "plan actions to reduce barriers to engagement": ("plan.barriers", ("yes", "no")),
    "objectives for multi-agency obligations (12 of 33)": ("plan.multiagency_objectives", ("yes", "no")),
    "review date and review triggers": ("plan.review_triggers", ("yes", "no")),
    "level of contact sufficient": ("deliv.contact", ("yes", "no")),
    "contact kept during custody (licences)": ("deliv.custody_contact", ("yes", "no")),
    "level of resource (7 too high)": ("deliv.resource", ("appropriate", "too-high")),
    "clear and timely formal warnings": ("enf.warnings", ("yes", "no")),
    "legal proceedings expected but not taken (8), one inappropriate": (
        "enf.proceedings",
        ("taken", "not-taken", "inappropriate"),
    ),
    "re-engagement after breach or recall": ("enf.reengage", ("yes", "no")),
    "sentence plan review: 27 insufficient, 13 not done": ("review.quality", ("insufficient", "not-done")),
    "review after significant change": ("review.change", ("yes", "no")),
    "transfers handled appropriately": ("transfer.handled", ("yes", "no")),
    "complied without the offender manager needing to act": ("out.compliance", ("complied",)),
    "action to promote compliance should have been taken (4)": ("out.compliance_action", ("no",)),
    "requirements delivered": ("out.requirements", ("yes", "no")),
    "sentence plan objectives achieved fully or partly": ("out.objectives", ("fully", "partly", "not-achieved")),
    "change of offender manager caused little disruption": ("out.om_change", ("yes", "no")),
    "no further offence (caution, charge or conviction)": (
        "out.further_offence",
        ("none", "caution", "charged", "convicted"),
    ),
    "reoffending assessment: 4 not done, 11 too late, 18 insufficient": (
        "lor.quality",
        ("not-done", "too-late", "insufficient"),
    ),
    "person involved in the reoffending assessment": ("lor.involved", ("yes", "no")),
    "challenged to take responsibility": ("int.responsibility", ("yes", "no")),
    "accredited programme not delivered when it should have been (7 of 15)": ("int.programme", ("yes", "no")),
    "reoffending assessment review: 13 not done, 25 insufficient": ("lor.review", ("not-done", "insufficient")),
    "overall progress: 14 good, 28 some, 24 insufficient, 9 deterioration": (
        "reoff.progress",
        ("good", "some", "insufficient", "deterioration"),
    ),
    "RoSH classification correct (all but five; too low)": ("rosh.classification", ("yes", "too-low")),
    "RoSH screening completed and timely": ("rosh.screening", ("on-time", "late", "not-done")),
    "RoSH screening accurate": ("rosh.screening_accurate", ("yes", "no")),
    "RoSH analysis completed, timely and sufficient": ("rosh.analysis_quality", ("sufficient", "not-done")),
    "RoSH analysis timely": ("rosh.analysis_timely", ("on-time", "late")),
    "risk management plan completed and timely": ("rmp.timely", ("on-time", "late", "not-done")),
    "risk management plan sufficient in one third": ("rmp.quality", ("sufficient",)),
    "restrictive requirements appropriate (all but two of 31)": ("rosh.restrictive_appropriate", ("yes", "no")),
    "restrictive requirements proportionate": ("rosh.restrictive_proportionate", ("yes", "no")),
    "ViSOR record made (all but five of 21)": ("visor.recorded", ("yes", "no")),
    "correct MAPPA level": ("mappa.level_correct", ("yes", "no")),
    "home visits where needed": ("harm.home_visit", ("yes", "no")),
    "home visits repeated": ("harm.home_visit_repeat", ("yes", "no")),
    "enforcement for increased risk of harm (5 of 14 not taken)": ("harm.enforcement", ("yes", "no")),
    "multi-agency procedures used effectively": ("harm.multiagency", ("yes", "no")),
    "child protection procedures used effectively": ("cp.procedures", ("yes", "no")),
    "written report to child protection meetings (2)": ("cp.report_supplied", ("yes",)),
    "attended child protection meetings (3)": ("cp.attended", ("yes",)),
    "risk management plan review: 14 none, 28 inadequate": ("rmp.review", ("not-done", "insufficient")),
    "all reasonable action to minimise risk of harm": ("harmout.all_action", ("yes", "no")),
    "acted on information from other agencies (8 of 8)": ("harmout.acted", ("yes",)),
    "referral to children's social care": ("cp.referral", ("yes", "no")),
    "plan for after MAPPA": ("mappa.exit_plan", ("yes",)),
    "RMP addresses specific victims": ("vic.rmp_specific", ("yes", "no")),
    "plan clear how objectives protect victims": ("vic.plan_objectives", ("yes", "no")),
    "priority to victim safety": ("vic.priority", ("yes", "no")),
    "victims' concerns taken into account": ("vic.concerns", ("yes", "no")),
    "risk to victims managed effectively": ("vic.risk_managed", ("yes", "no")),
    "safety of children promoted": ("cp.safety_promoted", ("yes", "no")),
    "victim contact offered in time (10), not offered (4)": ("vcs.offered", ("on-time", "not-done")),
    "quality of victim contact": ("vcs.quality", ("sufficient", "insufficient")),
    "victim's views sought on licence conditions": ("vcs.views", ("yes", "no")),
    "liaison between VLO and offender manager": ("vcs.liaison", ("yes", "no")),
    "offender manager and prison liaison (6 of 8)": ("vcs.prison_liaison", ("yes", "no")),
    "restorative justice considered where appropriate (16)": ("rj.considered", ("yes", "no")),
    "liaison with women's safety worker": ("vic.wsw", ("yes", "no")),
    "practitioner's diversity needs handled (9 not)": ("omi.diversity", ("yes", "no")),
    "workload actively monitored": ("omi.workload_monitored", ("yes", "no")),
    "workload managed transparently": ("omi.workload_transparent", ("yes", "no")),
    "planned absences managed": ("omi.planned_absence", ("yes", "no")),
    "unplanned absences managed": ("omi.unplanned_absence", ("yes", "no")),
    "manager skilled to assess and develop": ("omi.manager_skills", ("yes", "no")),
    "countersigning and oversight active sometimes or always": ("omi.oversight_active", ("always", "sometimes")),
    "supervision at least six-weekly, almost half monthly": ("omi.supervision", ("monthly", "six-weekly")),
    "practice observed (more often by a colleague)": ("omi.observed", ("manager", "colleague", "no")),
    "SFO and serious case review learning disseminated": ("omi.sfo", ("yes", "no")),
    "training sufficient for current job": ("omi.training", ("yes", "no")),
    "confident with child protection (all but four)": ("omi.cp_confident", ("yes", "no")),
    "culture of learning and development": ("omi.learning_culture", ("yes", "no")),
    "range of interventions excellent or sufficient": ("omi.interventions", ("excellent", "sufficient")),
}

#: Context questions the gates and breakdowns depend on, with their option values.
CASE_DETAILS: dict[str, tuple[str, ...]] = {
    "cd.gender": ("male", "female"),
    "cd.ethnicity": ("white-british", "white-other", "mixed", "asian", "black", "chinese-other", "not-known"),
    "cd.age": ("18-20", "21-24", "25-29", "30-39", "40-49", "50-plus"),
    "cd.case_type": ("community-order", "suspended-sentence", "licence"),
    "cd.offence": (
        "violence",
        "sexual",
        "robbery",
        "burglary",
        "theft",
        "fraud",
        "criminal-damage",
        "drugs",
        "motoring",
        "other",
    ),
    "cd.rosh": ("low", "medium", "high", "very-high", "not-recorded"),
    "cd.om_grade": ("po", "pso", "other"),
    "cd.tier": ("1", "2", "3", "4"),
    "cd.mappa_category": ("none", "1", "2", "3"),
    "cd.mappa_level": ("1", "2", "3"),
    "cd.cp_concern": ("yes", "no"),
    "cd.report_type": ("none", "written", "oral"),
    "cd.vcs_case": ("yes", "no"),
    "cd.domestic_abuse": ("yes", "no"),
    "cd.disability": ("yes", "no", "not-known"),
}

#: Option values whose meaning is fixed wherever they appear in a scored question.
FIXED_ABOVE_LINE: dict[str, bool | None] = {
    "na": None,
    "sufficient": True,
    "insufficient": False,
    "not-done": False,
    "too-late": False,
    "on-time": True,
    "late": False,
    "good": True,
    "some": True,
    "deterioration": False,
    "too-early": None,
}


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument(INSTRUMENT_PATH)


def gate_ids(rule: RelevanceRule | None) -> set[str]:
    return set() if rule is None else {r.question for r in iter_value_rules(rule)}


def walk(rule: RelevanceRule) -> Iterator[ValueRule]:
    """Every value rule, found without the model's helper (a second opinion)."""
    if isinstance(rule, ValueRule):
        yield rule
        return
    children = getattr(rule, "all", None) or getattr(rule, "any", None)
    assert children, f"an all/any rule with no children: {rule!r}"
    for child in children:
        yield from walk(child)


def raw_instrument() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    return data


# -- loading and identity -------------------------------------------------------------


def test_shipped_file_loads_and_validates(instrument: Instrument) -> None:
    assert instrument.id == "iaow-2013-14"
    assert instrument.version == "1.1"
    assert instrument.title
    assert default_instrument().identity == instrument.identity


def test_sha256_is_stable_across_loads(instrument: Instrument) -> None:
    again = load_instrument(INSTRUMENT_PATH)
    assert again is not instrument
    assert again.sha256 == instrument.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", instrument.sha256)
    # A re-validation of the canonical dump gives the same identity.
    assert validate_instrument(instrument.canonical_json()).sha256 == instrument.sha256


def test_sections_are_the_fixed_six_in_order(instrument: Instrument) -> None:
    assert [(s.key, s.title) for s in instrument.sections] == [
        ("case-details", "Case details"),
        ("assessment-planning", "Assessment and planning"),
        ("delivery-review", "Delivery and review"),
        ("outcomes", "Outcomes"),
        ("victim-contact", "Victim contact and restorative justice"),
        ("practitioner-interview", "Practitioner interview"),
    ]
    assert tuple(s.key for s in instrument.sections) == SECTION_KEYS


def test_outcomes(instrument: Instrument) -> None:
    assert [(o.key, o.number) for o in instrument.outcomes] == [(k, n) for n, k in enumerate(OUTCOME_KEYS, 1)]
    phrases = {o.key: o.phrase for o in instrument.outcomes}
    assert phrases["sentencing"] == "assist sentencing"
    assert phrases["reoffending"] == "reduce reoffending"
    for outcome in instrument.outcomes:
        assert outcome.title and outcome.phrase
        assert len(outcome.expectation) > 60


# -- criteria -------------------------------------------------------------------------


def test_every_appendix_6_criterion_is_present(instrument: Instrument) -> None:
    found = {c.code: (c.outcome, c.stage) for c in instrument.criteria}
    assert found == APPENDIX_6
    assert all(c.title for c in instrument.criteria)


@pytest.mark.parametrize("code", sorted(APPENDIX_6))
def test_every_criterion_has_scored_questions(instrument: Instrument, code: str) -> None:
    scored = [q for q in instrument.questions_for_criterion(code) if q.is_scored]
    assert scored, f"criterion {code} has no scored question"


def test_instrument_size(instrument: Instrument) -> None:
    assert len(instrument.scored_questions) >= 100
    # Every question with a criterion is scored; gates without a score are context questions.
    assert all(q.is_scored for q in instrument.questions if q.criterion is not None)


# -- order ----------------------------------------------------------------------------


def test_questions_follow_the_offenders_journey(instrument: Instrument) -> None:
    section_rank = {key: i for i, key in enumerate(SECTION_KEYS)}
    ranks = [section_rank[q.section] for q in instrument.questions]
    assert ranks == sorted(ranks), "questions are not grouped by section in form order"
    for section, order in SECTION_CRITERIA.items():
        codes = [q.criterion for q in instrument.questions_in_section(section) if q.criterion is not None]
        assert set(codes) == set(order), section
        positions = [order.index(code) for code in codes]
        assert positions == sorted(positions), f"criteria out of order in {section}: {codes}"


def test_case_details_are_context_only(instrument: Instrument) -> None:
    details = instrument.questions_in_section("case-details")
    assert details and all(q.is_context for q in details)
    for qid, values in CASE_DETAILS.items():
        question = instrument.question(qid)
        assert question.section == "case-details"
        assert tuple(o.value for o in question.options) == values, qid


# -- options and outcomes -------------------------------------------------------------


def test_every_option_is_well_formed(instrument: Instrument) -> None:
    for q in instrument.questions:
        labels = [o.label for o in q.options]
        assert len(set(labels)) == len(labels), q.id
        if q.is_context:
            assert all(o.above_line is None for o in q.options), q.id
            assert q.outcomes == (), q.id
            continue
        lines = [o.above_line for o in q.options]
        assert True in lines and False in lines, f"{q.id} needs a sufficient and an insufficient answer"
        for o in q.options:
            if o.value in FIXED_ABOVE_LINE:
                assert o.above_line is FIXED_ABOVE_LINE[o.value], f"{q.id}: {o.value}"
            if o.value == "yes":
                assert o.above_line is True, q.id
            if o.value == "no":
                assert o.above_line is False, q.id


def test_question_text_help_and_short_labels(instrument: Instrument) -> None:
    for q in instrument.questions:
        assert q.text.strip() == q.text and len(q.text) > 10, q.id
        assert q.short and len(q.short) <= 60, q.id
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_-]+)+", q.id), q.id
    assert sum(1 for q in instrument.questions if q.help) >= len(instrument.questions) // 3


def test_outcomes_of_each_question(instrument: Instrument) -> None:
    for q in instrument.scored_questions:
        assert q.criterion is not None
        own = APPENDIX_6[q.criterion][0]
        if q.criterion.endswith(".4"):
            assert q.outcomes == (), f"{q.id}: leadership questions stay out of outcome scores"
        elif q.criterion in ("5.1", "5.2", "5.3"):
            assert "victims" in q.outcomes and set(q.outcomes) <= {"victims", "public"}, q.id
        else:
            assert q.outcomes == (own,), q.id


def test_victim_questions_also_count_towards_protecting_the_public(instrument: Instrument) -> None:
    both = [q.id for q in instrument.scored_questions if set(q.outcomes) == {"victims", "public"}]
    assert len(both) >= 4
    assert {"vic.rmp_specific", "vic.priority", "cp.safety_promoted"} <= set(both)


def test_every_outcome_has_key_questions(instrument: Instrument) -> None:
    for key in OUTCOME_KEYS:
        keys = [q for q in instrument.questions if q.key and key in q.outcomes]
        assert 1 <= len(keys) <= 15, key
        assert all(q.is_scored for q in keys)
    own_keys = {
        key: [q for q in instrument.questions if q.key and q.outcomes and q.outcomes[0] == key] for key in OUTCOME_KEYS
    }
    assert all(4 <= len(qs) <= 8 for qs in own_keys.values()), {k: len(v) for k, v in own_keys.items()}


# -- gates ----------------------------------------------------------------------------


def test_relevant_if_points_to_earlier_questions_and_real_values(instrument: Instrument) -> None:
    position = {q.id: i for i, q in enumerate(instrument.questions)}
    for i, q in enumerate(instrument.questions):
        if q.relevant_if is None:
            continue
        rules = list(walk(q.relevant_if))
        assert rules, q.id
        for rule in rules:
            assert rule.question in position, f"{q.id} names unknown {rule.question}"
            assert position[rule.question] < i, f"{q.id} is gated on a later question {rule.question}"
            gate = instrument.question(rule.question)
            values = {o.value for o in gate.options}
            assert set(rule.in_) <= values, f"{q.id}: {rule.in_} not all options of {gate.id}"
            assert set(rule.in_) != values, f"{q.id}: a gate naming every option of {gate.id} never closes"


@pytest.mark.parametrize(
    ("prefix", "gate"),
    [
        ("psr.", "cd.report_type"),
        ("vcs.", "cd.vcs_case"),
        ("cp.", "cd.cp_concern"),
        ("rmp.", "rmp.required"),
        ("rosh.analysis_", "rosh.analysis_required"),
        ("visor.", "cd.mappa_category"),
        ("omi.", "cd.om_interviewed"),
        ("enf.investigated", "enf.noncompliance"),
        ("enf.warnings", "enf.noncompliance"),
        ("enf.proceedings", "enf.noncompliance"),
        ("enf.prompt", "enf.proceedings"),
        ("enf.reengage", "enf.proceedings"),
        ("deliv.custody_contact", "cd.case_type"),
        ("transfer.", "cd.transfer"),
        ("int.programme", "cd.programme"),
        ("harm.oversight", "cd.rosh"),
        ("harm.home_visit", "cd.cp_concern"),
        ("mappa.exit_plan", "cd.mappa_level"),
        ("start.tier_reason", "start.tier_followed"),
        ("out.om_change", "out.om_count"),
    ],
)
def test_gated_questions(instrument: Instrument, prefix: str, gate: str) -> None:
    matching = [q for q in instrument.questions if q.id.startswith(prefix) and q.id != gate]
    assert matching, prefix
    for q in matching:
        assert gate in gate_ids(q.relevant_if), f"{q.id} should depend on {gate}"


def test_gates_open_and_close(instrument: Instrument) -> None:
    base = {
        "cd.report_type": "none",
        "cd.vcs_case": "no",
        "cd.cp_concern": "no",
        "cd.case_type": "community-order",
        "cd.rosh": "low",
        "cd.mappa_category": "none",
        "cd.om_interviewed": "no",
        "rmp.required": "no",
        "rosh.analysis_required": "no",
    }
    closed = relevant_question_ids(instrument, base)
    for qid in (
        "psr.info",
        "psr.clear",
        "vcs.offered",
        "cp.plan_objectives",
        "deliv.custody_contact",
        "harm.oversight",
        "mappa.effective",
        "cd.mappa_level",
        "omi.training",
        "rmp.quality",
        "rosh.analysis_quality",
        "factor.drugs.interventions",
    ):
        assert qid not in closed, qid
    # Restorative justice is asked in every case, not only victim contact scheme cases.
    assert "rj.considered" in closed

    open_ = relevant_question_ids(
        instrument,
        base
        | {
            "cd.report_type": "written",
            "cd.vcs_case": "yes",
            "cd.cp_concern": "yes",
            "cd.case_type": "licence",
            "cd.mappa_category": "2",
            "cd.om_interviewed": "yes",
            "rmp.required": "yes",
            "rosh.analysis_required": "yes",
            "factor.drugs.identified": "yes",
        },
    )
    for qid in (
        "psr.info",
        "psr.clear",
        "vcs.offered",
        "cp.plan_objectives",
        "deliv.custody_contact",
        "harm.oversight",
        "mappa.effective",
        "cd.mappa_level",
        "omi.training",
        "rmp.quality",
        "rosh.analysis_quality",
        "factor.drugs.interventions",
        "factor.drugs.progress",
    ):
        assert qid in open_, qid

    oral = relevant_question_ids(instrument, base | {"cd.report_type": "oral"})
    assert "psr.info" in oral and "psr.overall" in oral
    assert "psr.clear" not in oral, "typed-report questions apply only to written reports"

    higher_risk = relevant_question_ids(instrument, base | {"cd.rosh": "very-high"})
    assert "harm.oversight" in higher_risk and "harm.home_visit" in higher_risk


# -- offending-related factors grid -----------------------------------------------------


def test_factor_list(instrument: Instrument) -> None:
    assert tuple(f.key for f in instrument.factors) == FACTOR_KEYS
    labels = {f.key: f.label for f in instrument.factors}
    assert labels["ete"] == "Education, training and employment"
    assert labels["emotional"] == "Emotional well-being"
    assert labels["thinking"] == "Thinking and behaviour"


@pytest.mark.parametrize("factor", FACTOR_KEYS)
def test_factor_grid(instrument: Instrument, factor: str) -> None:
    cells: dict[str, Question] = {}
    for q in instrument.questions:
        if q.factor is not None and q.factor.factor == factor:
            assert q.factor.aspect not in cells, f"two {q.factor.aspect} questions for {factor}"
            cells[q.factor.aspect] = q
    assert set(cells) == {"identified", "interventions", "progress"}
    identified, interventions, progress = cells["identified"], cells["interventions"], cells["progress"]

    assert (identified.section, identified.criterion) == ("assessment-planning", "3.1")
    assert (interventions.section, interventions.criterion) == ("delivery-review", "3.2")
    assert (progress.section, progress.criterion) == ("outcomes", "3.3")

    assert {o.value: o.above_line for o in identified.options} == {"yes": True, "missed": False, "not-relevant": None}
    assert identified.relevant_if is None
    for cell in (interventions, progress):
        rule = cell.relevant_if
        assert isinstance(rule, ValueRule), cell.id
        # Asked wherever the factor is linked to offending, identified or missed (the published base).
        assert (rule.question, rule.in_) == (identified.id, ("yes", "missed")), cell.id
    assert {o.value: o.above_line for o in interventions.options} == {"yes": True, "no": False}
    assert {o.value: o.above_line for o in progress.options} == {
        "good": True,
        "some": True,
        "insufficient": False,
        "deterioration": False,
        "too-early": None,
    }
    for cell in cells.values():
        assert cell.is_scored and cell.outcomes == ("reoffending",)


# -- findings -------------------------------------------------------------------------


@pytest.mark.parametrize("finding", sorted(REQUIRED_FINDINGS))
def test_required_finding_is_expressible(instrument: Instrument, finding: str) -> None:
    qid, values = REQUIRED_FINDINGS[finding]
    question = instrument.question(qid)
    assert question.is_scored, f"{qid} ({finding}) is not scored"
    options = {o.value for o in question.options}
    assert set(values) <= options, f"{qid} lacks {set(values) - options} for: {finding}"


def test_headline_findings_use_the_expected_answer_meaning(instrument: Instrument) -> None:
    oversight = {o.value: o.above_line for o in instrument.question("harm.oversight").options}
    assert oversight == {"effective": True, "not-effective": False, "none": False}
    review = {o.value: o.above_line for o in instrument.question("rosh.review").options}
    assert review["sufficient"] is True and review["not-done"] is False and review["na"] is None
    assert "cd.cp_concern" in gate_ids(instrument.question("cp.plan_objectives").relevant_if)
    assert "cd.report_type" in gate_ids(instrument.question("psr.cs_checks").relevant_if)


# -- glossary -------------------------------------------------------------------------


def test_glossary(instrument: Instrument) -> None:
    assert 25 <= len(instrument.glossary) <= 45
    terms = {t.split(" (")[0] for t in instrument.glossary}
    for term in ("OASys", "RoSH", "MAPPA", "PSO", "PO", "VLO", "SPO", "RJ", "ETE", "OGRS", "SARA", "ViSOR"):
        assert term in terms, term
    assert all(len(text) > 20 for text in instrument.glossary.values())


# -- the instrument is written in the project's own words --------------------------------

SEED_REPORT = Path("/work/shared/seed/kent-adult-offending-inspection-2014.txt")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not SEED_REPORT.exists(), reason="the seed report is not available here")
def test_no_long_passages_from_the_report(instrument: Instrument) -> None:
    n = 9
    report = _words(SEED_REPORT.read_text(encoding="utf-8"))
    shingles = {tuple(report[i : i + n]) for i in range(len(report) - n + 1)}
    texts = [q.text for q in instrument.questions] + [q.help for q in instrument.questions]
    texts += [o.expectation for o in instrument.outcomes] + list(instrument.glossary.values())
    for text in texts:
        words = _words(text)
        for i in range(len(words) - n + 1):
            assert tuple(words[i : i + n]) not in shingles, f"copied wording: {' '.join(words[i : i + n])}"


# -- broken instruments are refused -----------------------------------------------------


def _break_gate_to_later_question(data: dict[str, Any]) -> None:
    questions = data["questions"]
    first, last = questions[0], questions[-1]
    first["relevant_if"] = {"question": last["id"], "in": [last["options"][0]["value"]]}


def _break_unknown_option_value(data: dict[str, Any]) -> None:
    question = next(q for q in data["questions"] if q["id"] == "psr.info")
    question["relevant_if"] = {"question": "cd.report_type", "in": ["typed"]}


def _break_duplicate_id(data: dict[str, Any]) -> None:
    questions = data["questions"]
    questions.append(dict(questions[-1]))


def _break_unknown_criterion(data: dict[str, Any]) -> None:
    data["questions"][30]["criterion"] = "6.1"


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (_break_gate_to_later_question, "not an earlier question"),
        (_break_unknown_option_value, "is not an option of cd.report_type"),
        (_break_duplicate_id, "duplicate id"),
        (_break_unknown_criterion, "unknown criterion"),
    ],
)
def test_broken_instrument_is_rejected(tmp_path: Path, breaker: Any, message: str) -> None:
    data = raw_instrument()
    breaker(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path)
    assert message in str(excinfo.value)


def test_unreadable_instrument_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "truncated.json"
    path.write_text(INSTRUMENT_PATH.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(InstrumentError):
        load_instrument(path)


def test_unmodified_copy_still_loads(tmp_path: Path) -> None:
    """The breakage tests fail for the reason they name, not because copying breaks the file."""
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(raw_instrument()), encoding="utf-8")
    assert load_instrument(path).sha256 == load_instrument(INSTRUMENT_PATH).sha256
