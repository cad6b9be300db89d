"""A realistic demo inspection: one file per assessor plus the lead's file.

Case details follow the shape of a real adult case sample (mostly men, most
cases medium risk of harm, a mix of community orders, suspended sentences and
licences, about half with a report for sentencing). Judgements are drawn so
that the five outcome scores land near a typical inspection's (86, 74, 63, 58
and 64 %). Everything comes from one seeded random generator, and time stamps
and ids from seeded sources too, so the same seed gives the same files.

Two things make the demo behave like real casework for the precision and
agreement figures (docs/moderation.md):

- Cases differ in quality as a whole: each case has its own lean (drawn once),
  which moves every judgement on it up or down together, so answers within a
  case are correlated as they are in practice. Without it the outcome
  intervals would be implausibly narrow.
- A quality-assurance inspector outside the fieldwork team second-marks a tenth
  of the complete single-marked cases, blind (the sample `hmip moderation plan
  --to` draws). On each judgement she either sees it as the first marker did
  or forms her own view, which still agrees by chance about half the time; some
  questions are harder to judge alike than others. Raw agreement lands near
  88 %, inside the 85-90 % band assumed for trained assessors (an assumption:
  we know of no published HMIP figure; docs/moderation.md). The lead
  settles the resulting conflicts (the first marking stands after discussion),
  except one, kept open to show the conflicts view.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from hmip_desktop.model import assets
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.disk import write_error
from hmip_desktop.model.file.records import Role
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import (
    Instrument,
    Question,
    default_instrument,
    iter_value_rules,
)
from hmip_desktop.model.merge.conflicts import list_conflicts, resolve_conflict
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.moderation import CASE_DETAILS_SECTION, plan_moderation

INSPECTION_ID = "KENT-2014"
AREA = "Kent"
FIELDWORK = ("2014-01-13", "2014-01-24")
LEAD_NAME = "Jane Whitfield"

#: Invented team names (inspection staff, not people under supervision).
TEAM: list[tuple[str, Role]] = [
    ("Helen Carter", "inspector"),
    ("David Okafor", "inspector"),
    ("Priya Shah", "inspector"),
    ("Tom Reynolds", "local-assessor"),
    ("Grace Evans", "local-assessor"),
    ("Mark Lewis", "local-assessor"),
    ("Aisha Khan", "local-assessor"),
    ("Owen Price", "local-assessor"),
    ("Ruth Daniels", "inspector"),
    ("Sam Osei", "local-assessor"),
    ("Nia Morgan", "local-assessor"),
    ("Ben Hughes", "local-assessor"),
]

#: Chance that a scored answer is above the line, by outcome (the targets).
OUTCOME_TARGETS = {"sentencing": 0.86, "sentence": 0.74, "reoffending": 0.63, "public": 0.58, "victims": 0.64}
INTERVIEW_TARGET = 0.72

#: Weights for case details, by question id and option value; others are uniform.
DETAIL_WEIGHTS: dict[str, dict[str, float]] = {
    "cd.gender": {"male": 0.86, "female": 0.14},
    "cd.ethnicity": {
        "white-british": 0.82,
        "white-other": 0.06,
        "mixed": 0.03,
        "asian": 0.03,
        "black": 0.04,
        "chinese-other": 0.01,
        "not-known": 0.01,
    },
    "cd.age": {"18-20": 0.08, "21-24": 0.17, "25-29": 0.2, "30-39": 0.27, "40-49": 0.18, "50-plus": 0.1},
    "cd.disability": {"yes": 0.15, "no": 0.8, "not-known": 0.05},
    "cd.case_type": {"community-order": 0.45, "suspended-sentence": 0.2, "licence": 0.35},
    "cd.offence": {
        "violence": 0.35,
        "sexual": 0.08,
        "robbery": 0.04,
        "burglary": 0.08,
        "theft": 0.14,
        "fraud": 0.03,
        "criminal-damage": 0.04,
        "drugs": 0.09,
        "motoring": 0.1,
        "other": 0.05,
    },
    "cd.domestic_abuse": {"yes": 0.3, "no": 0.7},
    "cd.rosh": {"low": 0.22, "medium": 0.55, "high": 0.21, "very-high": 0.02, "not-recorded": 0.0},
    "cd.tier": {"1": 0.05, "2": 0.3, "3": 0.4, "4": 0.25},
    "cd.om_grade": {"po": 0.5, "pso": 0.46, "other": 0.04},
    "cd.mappa_category": {"none": 0.85, "1": 0.08, "2": 0.06, "3": 0.01},
    "cd.cp_concern": {"yes": 0.4, "no": 0.6},
    "cd.report_type": {"none": 0.51, "written": 0.3, "oral": 0.19},
    "cd.vcs_case": {"yes": 0.15, "no": 0.85},
    "cd.transfer": {"none": 0.95, "in": 0.025, "out": 0.025},
    "cd.om_interviewed": {"yes": 0.75, "no": 0.05, "already": 0.2},
}
#: For gate questions, "yes" is usual unless weighted here.
GATE_YES = 0.6
NA_CHANCE = 0.08
NOTE_CHANCE = 0.12
DRAFT_CASES = 4
#: Cases two team members read together and recorded alike but for one judgement: the conflict the
#: demo leaves open. (The second marking proper is the quality lead's, below.)
DOUBLE_MARKED = 1

#: How far a case's own quality moves its judgements: a case's lean in -1..1 shifts each target by
#: up to this share of the room left (min(p, 1 - p)), so no target leaves 0..1 and the means stay put.
CASE_SPREAD = 0.9
#: The second marker (outside the fieldwork team, so never one of the TEAM's files).
QUALITY_LEAD: tuple[str, Role] = ("Claire Benson", "inspector")
#: The share of complete single-marked cases second-marked (as `hmip moderation plan --share 10%`).
MODERATION_SHARE = Fraction(1, 10)
#: Chance that the second marker forms her own view of a judgement (an average question); her own
#: view agrees with the first marker's by chance about half the time, so raw agreement lands near 88 %.
SECOND_VIEW = 0.32
#: Per-question multiplier of SECOND_VIEW, drawn between these: some guidance is less clear than other.
DIFFICULTY = (0.3, 2.4)
MODERATION_NOTE = "Moderation: discussed with both assessors; the first marking stands."

NOTE_TEMPLATES = [
    "Seen in the case record; discussed with the offender manager at interview.",
    "The plan names this but the contact log shows no follow-up for several weeks.",
    "Offender manager explained the reasoning clearly; recording was brief.",
    "Checked against the OASys review and the supervision notes.",
    "Evidence found only in the interview, not in the record.",
    "Done, but later than the national standard expects.",
    "Good use of information from the police and children's services.",
]
ILLUSTRATION_TEMPLATES = [
    "The offender manager arranged a joint home visit with children's services within days of a new "
    "partner moving in, and updated the risk management plan the same week.",
    "Induction was adapted for someone with learning difficulties: an easy-read version of the licence, "
    "and each condition explained with an example of keeping to it.",
    "Persistent missed appointments were met with a mentor to accompany the person, and the plan was "
    "reviewed rather than escalated too early; compliance improved over three months.",
    "The victim liaison officer and the offender manager agreed exclusion zones that reflected the "
    "victim's concerns, and both recorded the reasons.",
    "A self-assessment questionnaire at each review gave the person a real say in their plan and made "
    "progress visible to both sides.",
    "Release planning began months before release: accommodation, benefits and GP registration were in "
    "place on the first day.",
]


#: Short titles for the report's practice-illustration boxes, by narrative.
ILLUSTRATION_TITLES = dict(
    zip(
        ILLUSTRATION_TEMPLATES,
        [
            "acting quickly on a risk to children",
            "an induction fitted to the person",
            "perseverance with missed appointments",
            "conditions that reflect the victim's concerns",
            "giving the person a say in their plan",
            "release planning that started early",
        ],
    )
)


class SeededClock:
    """Fieldwork-time stamps that advance a few minutes per call."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.now = start

    def __call__(self) -> str:
        self.now += timedelta(seconds=self.rng.randint(2, 25))
        return self.now.isoformat(timespec="milliseconds")


def seeded_uuids(rng: random.Random) -> Callable[[], str]:
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _weighted(rng: random.Random, question: Question, weights: dict[str, float] | None) -> str:
    values = [o.value for o in question.options]
    if weights:
        return rng.choices(values, weights=[weights.get(v, 0.0) for v in values])[0]
    if values[:2] == ["yes", "no"] and len(values) == 2:
        return "yes" if rng.random() < GATE_YES else "no"
    return rng.choice(values)


def _question_jitter(rng: random.Random, instrument: Instrument) -> dict[str, float]:
    """Per-question differences in quality, centred within each outcome so the outcome stays on target."""
    jitter = {q.id: rng.uniform(-0.12, 0.12) for q in instrument.questions}
    groups: dict[str, list[str]] = {}
    for question in instrument.scored_questions:
        groups.setdefault(question.outcomes[0] if question.outcomes else "", []).append(question.id)
    for ids in groups.values():
        centre = sum(jitter[qid] for qid in ids) / len(ids)
        for qid in ids:
            jitter[qid] -= centre
    return jitter


def _question_target(question: Question, jitter: dict[str, float]) -> float:
    if question.outcomes:
        # A question counting towards two outcomes belongs first to the one it is listed under.
        base = OUTCOME_TARGETS[question.outcomes[0]]
    else:
        base = INTERVIEW_TARGET
    return min(0.98, max(0.05, base + jitter[question.id]))


def _lean(target: float, quality: float) -> float:
    """A target moved by the case's own quality (-1..1), never past 0 or 1."""
    return target + quality * CASE_SPREAD * min(target, 1 - target)


def _judgement(rng: random.Random, question: Question, target: float) -> str:
    above = [o.value for o in question.options if o.above_line is True]
    below = [o.value for o in question.options if o.above_line is False]
    not_counted = [o.value for o in question.options if o.above_line is None]
    if not_counted and rng.random() < NA_CHANCE:
        return rng.choice(not_counted)
    if above and (not below or rng.random() < target):
        return above[0] if len(above) == 1 or rng.random() < 0.7 else rng.choice(above[1:])
    return rng.choice(below) if below else rng.choice(not_counted)


def draw_case(
    rng: random.Random,
    instrument: Instrument,
    jitter: dict[str, float],
    *,
    answer_share: float = 1.0,
    quality: float = 0.0,
) -> dict[str, str]:
    """Answer values for one case, in form order, only where the question applies.

    `quality` (-1..1) is the case's own lean: better or worse work throughout.
    """
    values: dict[str, str] = {}
    for question in instrument.questions:
        # `values` holds only answers to questions that apply, so a rule checked
        # against it in form order is the same as the full relevance walk.
        if question.relevant_if is not None and not relevance.rule_holds(question.relevant_if, values):
            continue
        if answer_share < 1.0 and question.criterion is not None and rng.random() > answer_share:
            continue
        if question.is_scored:
            values[question.id] = _judgement(rng, question, _lean(_question_target(question, jitter), quality))
        else:
            values[question.id] = _weighted(rng, question, DETAIL_WEIGHTS.get(question.id))
    return values


def second_marking(
    rng: random.Random,
    instrument: Instrument,
    jitter: dict[str, float],
    first: Mapping[str, str],
    *,
    quality: float,
    difficulty: Mapping[str, float],
) -> dict[str, str]:
    """A blind second marker's answers to a case the first marker answered as `first`.

    Case details come from the sample (the moderation CSV), so they are the
    first marker's. Each judgement is seen the same way, or judged afresh from
    the same case (which may agree by chance); where the two differ on a gate,
    the questions behind it are answered or left as the second marker's gate says.
    """
    values: dict[str, str] = {}
    for question in instrument.questions:
        if question.relevant_if is not None and not relevance.rule_holds(question.relevant_if, values):
            continue
        own = first.get(question.id)
        if question.section == CASE_DETAILS_SECTION:
            if own is not None:
                values[question.id] = own
            continue
        if own is not None and rng.random() >= min(0.9, SECOND_VIEW * difficulty[question.id]):
            values[question.id] = own
        elif question.is_scored:
            values[question.id] = _judgement(rng, question, _lean(_question_target(question, jitter), quality))
        else:
            values[question.id] = _weighted(rng, question, DETAIL_WEIGHTS.get(question.id))
    return values


def _member_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name.lower().replace(' ', '-')}.hmip"


def _member_file(
    path: Path, name: str, role: Role, instrument: Instrument, clock: SeededClock, uuids: Callable[[], str]
) -> InspectionFile:
    """A new file of the demo inspection for one member of the team, on the demo's seeded clock."""
    return InspectionFile.create(
        path,
        inspection_id=INSPECTION_ID,
        area=AREA,
        assessor=name,
        role=role,
        instrument=instrument,
        start_date=FIELDWORK[0],
        end_date=FIELDWORK[1],
        clock=clock,
        uuid_factory=uuids,
    )


def _write_case(inspection: InspectionFile, rng: random.Random, ref: str, values: dict[str, str]) -> None:
    with inspection.transaction():
        case = inspection.insert_case(ref)
        for qid, value in values.items():
            note = (
                rng.choice(NOTE_TEMPLATES)
                if inspection.instrument.by_id[qid].is_scored and rng.random() < NOTE_CHANCE
                else None
            )
            inspection.write_answer(case, qid, value, note)


def generate_demo(
    out_dir: Path | str,
    *,
    cases: int = 86,
    assessors: int = 8,
    seed: int = 3,
    instrument: Instrument | None = None,
    merge: bool = True,
    moderation: Fraction | float = MODERATION_SHARE,
) -> list[Path]:
    """Write the team's files (and the lead's, merged when the merge is available).

    `moderation` is the share of complete single-marked cases the quality lead
    second-marks in a file of her own (0: none).
    Returns the paths written: the assessors' files first, then the quality
    lead's (when she second-marks), the lead's last.
    """
    out_dir = Path(out_dir)
    if not 1 <= assessors <= len(TEAM):
        raise UserError(f"--assessors must be between 1 and {len(TEAM)}")
    if not 1 <= cases <= 5000:
        raise UserError("--cases must be between 1 and 5000")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(
            f"{out_dir} is a file, not a folder; give the demo an empty or new folder (nothing was written)"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, out_dir) from exc
    existing = [p.name for p in out_dir.glob("*.hmip")]
    if existing:
        raise UserError(
            f"{out_dir} already holds inspection files ({', '.join(sorted(existing)[:3])}…); use an empty folder"
        )
    instrument = instrument or default_instrument()
    rng = random.Random(seed)
    jitter = _question_jitter(rng, instrument)
    clock = SeededClock(rng, datetime(2014, 1, 13, 9, 0, tzinfo=UTC))
    uuids = seeded_uuids(rng)
    team = TEAM[:assessors]

    refs = [f"KT-{n:04d}" for n in range(1, cases + 1)]
    # The case leans and the second marking come from generators of their own, so the team's
    # judgements keep the main generator's sequence.
    leans = random.Random(f"{seed}:case-quality")
    quality = {ref: leans.uniform(-1.0, 1.0) for ref in refs}
    owners = {ref: team[i % len(team)] for i, ref in enumerate(refs)}
    drafts = set(rng.sample(refs, min(DRAFT_CASES, cases // 10)))
    illustrated = rng.sample(refs, min(len(ILLUSTRATION_TEMPLATES), max(1, cases // 14)))
    double = rng.sample([r for r in refs if r not in drafts], min(DOUBLE_MARKED, cases // 20)) if len(team) > 1 else []

    files: dict[str, InspectionFile] = {}
    paths: list[Path] = []
    drawn: dict[str, dict[str, str]] = {}
    try:
        for name, role in team:
            path = _member_path(out_dir, name)
            files[name] = _member_file(path, name, role, instrument, clock, uuids)
            paths.append(path)
        for ref in refs:
            owner = owners[ref][0]
            share = 0.7 if ref in drafts else 1.0
            values = draw_case(rng, instrument, jitter, answer_share=share, quality=quality[ref])
            drawn[ref] = values
            _write_case(files[owner], rng, ref, values)
            if ref not in drafts:
                files[owner].complete_case(ref)
            if ref in illustrated:
                files[owner].set_illustration(ref, True, ILLUSTRATION_TEMPLATES[illustrated.index(ref)])
            if ref in double:
                # Read together by two team members, who differ on one judgement.
                second = team[(team.index(owners[ref]) + 1) % len(team)][0]
                copy = dict(values)
                if double.index(ref) == 0:
                    _disagree(rng, instrument, copy)
                _write_case(files[second], rng, ref, copy)
                files[second].complete_case(ref)
    finally:
        for inspection in files.values():
            inspection.close()

    # Second marking: the moderation sample, all of it for the quality lead.
    single = [(ref, owners[ref][0]) for ref in refs if ref not in drafts and ref not in double]
    firsts: dict[str, str] = {}
    if moderation and single:
        plan = plan_moderation(single, share=Fraction(moderation), seed=seed, second_markers=[QUALITY_LEAD[0]])
        firsts = {a.case_ref: a.first for a in plan.assignments}
        second_rng = random.Random(f"{seed}:moderation")
        difficulty = {
            q.id: DIFFICULTY[0] + (DIFFICULTY[1] - DIFFICULTY[0]) * second_rng.random() ** 2
            for q in instrument.questions
        }
        name, role = QUALITY_LEAD
        path = _member_path(out_dir, name)
        quality_lead = _member_file(path, name, role, instrument, clock, uuids)
        paths.append(path)
        try:
            for ref in firsts:
                values = second_marking(
                    second_rng, instrument, jitter, drawn[ref], quality=quality[ref], difficulty=difficulty
                )
                _write_case(quality_lead, second_rng, ref, values)
                quality_lead.complete_case(ref)
        finally:
            quality_lead.close()

    lead_path = out_dir / "lead.hmip"
    lead = _member_file(lead_path, LEAD_NAME, "lead", instrument, clock, uuids)
    try:
        if merge:
            merge_files(lead, paths)
            settle_moderation(lead, firsts)
            write_demo_findings(lead)
    finally:
        lead.close()
    return [*paths, lead_path]


def settle_moderation(lead: InspectionFile, firsts: Mapping[str, str]) -> None:
    """The lead settles every conflict of the moderation sample: the first marking stands."""
    for conflict in list_conflicts(lead):
        first = firsts.get(conflict.case_ref)
        if first is not None:
            resolve_conflict(lead, conflict.case_ref, conflict.question_id, take=first, note=MODERATION_NOTE)


def write_demo_findings(lead: InspectionFile) -> None:
    """The lead's narrative for the demo report, and a practice illustration per chosen case."""
    texts = json.loads(assets.read_text(assets.DEMO, "findings.json"))
    for field, text in texts.items():
        lead.set_finding(field, text)
    chapters = [o.key for o in lead.instrument.outcomes]
    chosen = {
        case.case_ref: {
            "chapter": chapters[i % len(chapters)],
            "title": ILLUSTRATION_TITLES.get(case.illustration_text, ""),
        }
        for i, case in enumerate(c for c in lead.list_cases() if c.illustration)
    }
    if chosen:
        lead.set_finding("illustrations", json.dumps(chosen, indent=1))


def _disagree(rng: random.Random, instrument: Instrument, values: dict[str, str]) -> None:
    """Change one scored judgement to another option that keeps every gate as it was."""
    candidates = [
        qid
        for qid in values
        if instrument.by_id[qid].is_scored
        and not any(rule_question == qid for q in instrument.questions if q.relevant_if for rule_question in _gates(q))
    ]
    qid = rng.choice(sorted(candidates))
    others = [o.value for o in instrument.by_id[qid].options if o.value != values[qid]]
    values[qid] = rng.choice(others)


def _gates(question: Question) -> list[str]:
    return [rule.question for rule in iter_value_rules(question.relevant_if)] if question.relevant_if else []
