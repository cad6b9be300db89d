"""Second marking: who marked which case, and the moderation sample the lead sends out.

The lead's merged file keeps what every source file last said about every case
(`case_sources`, see docs/merge.md). From it:

- `marked_cases` gives, per case, each assessor's own answers as last merged
  (stale answers dropped, so only judgements that stand in that file count);
  the agreement statistics (`scoring.agreement`) are computed from these.
- `plan_moderation` picks the moderation sample: ceil(share x the complete
  cases marked by exactly one assessor), spread over the first markers in
  proportion to their cases (each within one case of their exact share), each
  case given to someone who has not marked it, the least loaded first. The
  same seed and the same file give the same plan.
- `write_plan` writes one CSV per second marker: case_ref and the case-detail
  columns, importable with `hmip cases import`. Never the first marker's
  judgements: the second marking is blind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from hmip_desktop.model.errors import StorageError, UserError
from hmip_desktop.model.file.disk import remove_quietly, write_error
from hmip_desktop.model.file.rules import check_person_name
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, Question

#: The case sample's columns: what a second marker is given besides the reference.
CASE_DETAILS_SECTION = "case-details"
#: The share of the sample second-marked when nobody says otherwise (one case in ten).
DEFAULT_SHARE = Fraction(1, 10)
#: Seeds drawn when none is given are short enough to type back.
SEED_RANGE = 1_000_000


@dataclass(frozen=True)
class MarkedCase:
    """One case of the lead's file and what each assessor said about it in their own file."""

    case_ref: str
    #: Assessor name -> {question id: option value}: the answers that apply in that file, as last merged.
    marks: Mapping[str, Mapping[str, str]]
    #: The lead's file has the case complete.
    complete: bool = True
    case_uuid: str = ""


def check_lead_file(inspection: InspectionFile, doing: str) -> None:
    """Second marking lives in a lead's merged file of one inspection; a clear error otherwise."""
    name = inspection.path.name
    if inspection.owner.role != "lead":
        raise UserError(
            f"{name} is {inspection.owner.name}'s own {inspection.owner.role} file; {doing} in the lead's merged "
            "file, which knows who marked each case"
        )
    if inspection.meta().get("kind") == "aggregate":
        raise UserError(
            f"{name} is an aggregate of inspections, which keeps no second marking; {doing} in each inspection's "
            "lead file"
        )


def marked_cases(inspection: InspectionFile) -> list[MarkedCase]:
    """Every merged case with its assessors, by case reference; each assessor's own answers for double-marked cases.

    An assessor who sent the case in two files (two laptops) counts once, with
    the file merged last. A source's answer whose question no longer applies in
    that source's own answers (stale) is not a judgement and is left out. A case
    only one assessor marked carries that name with no answers: nothing is
    compared on it, and not reading them keeps a 3,000-case file quick.
    """
    instrument = inspection.instrument
    conn = inspection.conn
    # Who marked what first, without the answers (most cases are single-marked; their answers stay unread).
    rows = conn.execute(
        "SELECT c.uuid, c.case_ref, c.status, s.assessor, cs.source_id FROM case_sources AS cs "
        "JOIN cases AS c ON c.uuid = cs.case_uuid JOIN sources AS s ON s.id = cs.source_id "
        "ORDER BY c.case_ref, cs.import_id, s.id"
    )
    found: dict[str, tuple[str, str, bool, dict[str, int]]] = {}
    for case_uuid, case_ref, status, assessor, source_id in rows:
        entry = found.setdefault(case_uuid, (case_uuid, case_ref, status == "complete", {}))
        entry[3][assessor] = source_id  # the file merged last wins
    double = [case_uuid for case_uuid, _ref, _complete, said in found.values() if len(said) > 1]
    answers: dict[tuple[str, int], str] = {}
    for start in range(0, len(double), 500):
        chunk = double[start : start + 500]
        answers.update(
            ((case_uuid, source_id), text)
            for case_uuid, source_id, text in conn.execute(
                "SELECT case_uuid, source_id, answers FROM case_sources "
                f"WHERE case_uuid IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
        )
    cases = []
    for case_uuid, case_ref, complete, said in found.values():
        marks: dict[str, Mapping[str, str]] = {assessor: {} for assessor in said}
        if len(said) > 1:
            for assessor, source_id in said.items():
                values = {qid: entry[1] for qid, entry in json.loads(answers[case_uuid, source_id]).items()}
                marks[assessor] = relevance.effective_values(instrument, values)
        cases.append(MarkedCase(case_ref=case_ref, marks=marks, complete=complete, case_uuid=case_uuid))
    return cases


def team_members(inspection: InspectionFile) -> list[str]:
    """Everyone whose file was merged into the lead's file (the import ledger), by name."""
    rows = inspection.conn.execute("SELECT DISTINCT assessor FROM imports WHERE kind = 'merge'")
    return sorted((str(row[0]) for row in rows), key=lambda name: (name.casefold(), name))


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    case_ref: str
    first: str
    second: str


@dataclass(frozen=True)
class FirstMarkerShare:
    name: str
    #: Complete cases only this assessor marked.
    eligible: int
    chosen: int
    #: The exact proportional share (chosen is within one case of it).
    quota: Fraction


@dataclass(frozen=True)
class ModerationPlan:
    share: Fraction
    seed: int
    eligible: int
    assignments: tuple[Assignment, ...]
    first_markers: tuple[FirstMarkerShare, ...]
    second_markers: tuple[str, ...]
    #: Files written, by second marker (filled by `write_plan`).
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def chosen(self) -> int:
        return len(self.assignments)

    def cases_for(self, second: str) -> list[str]:
        return [a.case_ref for a in self.assignments if a.second == second]

    def to_json(self) -> dict[str, Any]:
        return {
            "share": float(self.share),
            "seed": self.seed,
            "eligible": self.eligible,
            "chosen": self.chosen,
            "first_markers": [
                {"name": f.name, "eligible": f.eligible, "chosen": f.chosen, "quota": float(f.quota)}
                for f in self.first_markers
            ],
            "second_markers": [
                {
                    "name": name,
                    "cases": self.cases_for(name),
                    "file": str(self.files[name]) if name in self.files else None,
                }
                for name in self.second_markers
            ],
            "cases": [{"case_ref": a.case_ref, "first": a.first, "second": a.second} for a in self.assignments],
        }


def parse_share(text: str) -> Fraction:
    """A share as typed: "0.1", "10%" or "1/10"; exact, so ceil(0.1 x 30) is 3, not 4."""
    raw = text.strip()
    try:
        share = Fraction(raw[:-1].strip()) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise UserError(f"--share {text!r} is not a share; give a number such as 0.1 or 10%") from None
    if not 0 < share <= 1:
        raise UserError(f"--share {text!r} must be more than 0 and at most 1 (100%)")
    return share


def new_seed() -> int:
    """A seed for a plan nobody asked to repeat: unpredictable, so no assessor can guess the sample."""
    return random.SystemRandom().randrange(1, SEED_RANGE)


def _by_name(names: Sequence[str]) -> list[str]:
    return sorted(dict.fromkeys(names), key=lambda name: (name.casefold(), name))


def _allocate(counts: Mapping[str, int], total: int, rng: random.Random) -> dict[str, tuple[int, Fraction]]:
    """Largest remainder: each first marker gets floor or ceil of their exact share; ties drawn."""
    eligible = sum(counts.values())
    quotas = {name: Fraction(total * n, eligible) for name, n in counts.items()}
    given = {name: math.floor(q) for name, q in quotas.items()}
    order = list(counts)
    rng.shuffle(order)  # a seeded tie-break among equal remainders
    order.sort(key=lambda name: quotas[name] - given[name], reverse=True)
    for name in order[: total - sum(given.values())]:
        given[name] += 1
    return {name: (given[name], quotas[name]) for name in counts}


def plan_moderation(
    cases: Sequence[tuple[str, str]], *, share: Fraction, seed: int, second_markers: Sequence[str]
) -> ModerationPlan:
    """The moderation sample from (case ref, first marker) of every eligible case.

    `second_markers` are the people who may second-mark; each case goes to one
    of them who is not its first marker, the one with fewest cases so far
    (ties in a seeded order).
    """
    rng = random.Random(seed)
    by_first: dict[str, list[str]] = {}
    for ref, first in sorted(cases):
        by_first.setdefault(first, []).append(ref)
    by_first = {name: by_first[name] for name in _by_name(list(by_first))}
    markers = _by_name(second_markers)
    total = math.ceil(share * len(cases))
    allocation = _allocate({name: len(refs) for name, refs in by_first.items()}, total, rng) if cases else {}
    for first, (count, _quota) in allocation.items():
        if count and not any(marker != first for marker in markers):
            raise UserError(
                f"nobody can second-mark {first}'s cases: the only second marker named is {first}; "
                "name others with --to"
            )
    picked: list[tuple[str, str]] = []
    for first, refs in by_first.items():
        picked += [(ref, first) for ref in sorted(rng.sample(refs, allocation[first][0]))]
    tie_break = list(markers)
    rng.shuffle(tie_break)
    rank = {name: n for n, name in enumerate(tie_break)}
    load = dict.fromkeys(markers, 0)
    assignments = []
    for ref, first in sorted(picked):
        second = min((m for m in markers if m != first), key=lambda m: (load[m], rank[m]))
        load[second] += 1
        assignments.append(Assignment(ref, first, second))
    return ModerationPlan(
        share=share,
        seed=seed,
        eligible=len(cases),
        assignments=tuple(assignments),
        first_markers=tuple(
            FirstMarkerShare(name, len(by_first[name]), count, quota) for name, (count, quota) in allocation.items()
        ),
        second_markers=tuple(m for m in markers if load[m]),
    )


def eligible_cases(cases: Sequence[MarkedCase]) -> list[tuple[str, str]]:
    """(case ref, first marker) of the complete cases marked by exactly one assessor."""
    return [(case.case_ref, next(iter(case.marks))) for case in cases if case.complete and len(case.marks) == 1]


@dataclass(frozen=True)
class PlanningData:
    """What planning needs from the lead's file, read once (the app reads it on a worker)."""

    file_name: str
    #: (case ref, first marker) of the complete single-marked cases.
    eligible: tuple[tuple[str, str], ...]
    #: The team from the import ledger: the second markers when none are named.
    team: tuple[str, ...]
    #: Case details of the eligible cases, for the second markers' files.
    details: dict[str, dict[str, str]]

    def plan(self, *, share: Fraction, seed: int, to: Sequence[str] = ()) -> ModerationPlan:
        names = [check_person_name(name, "second marker's name") for name in to]
        if not self.eligible:
            raise UserError(
                f"{self.file_name} has no complete case marked by one assessor only, so there is nothing to "
                "second-mark; merge the team's files first"
            )
        markers = names or list(self.team)
        if not markers:
            raise UserError(f"{self.file_name} names no team member; give the second markers with --to")
        return plan_moderation(self.eligible, share=share, seed=seed, second_markers=markers)


def planning_data(inspection: InspectionFile) -> PlanningData:
    check_lead_file(inspection, "moderation is planned")
    eligible = eligible_cases(marked_cases(inspection))
    return PlanningData(
        file_name=inspection.path.name,
        eligible=tuple(eligible),
        team=tuple(team_members(inspection)),
        details=case_details(inspection, [ref for ref, _first in eligible]),
    )


def plan_for_file(inspection: InspectionFile, *, share: Fraction, seed: int, to: Sequence[str] = ()) -> ModerationPlan:
    """The moderation plan of a lead's merged file; second markers are `to`, else the team in the ledger."""
    check_lead_file(inspection, "moderation is planned")
    eligible = eligible_cases(marked_cases(inspection))
    return PlanningData(inspection.path.name, tuple(eligible), tuple(team_members(inspection)), {}).plan(
        share=share, seed=seed, to=to
    )


# -- the second markers' files ---------------------------------------------------------------------


def case_detail_questions(instrument: Instrument) -> tuple[Question, ...]:
    return tuple(q for q in instrument.questions if q.section == CASE_DETAILS_SECTION)


def case_details(inspection: InspectionFile, case_refs: Sequence[str]) -> dict[str, dict[str, str]]:
    """The case-detail answers of each case in the lead's file, only those that apply given each other."""
    instrument = inspection.instrument
    detail_ids = {q.id for q in case_detail_questions(instrument)}
    values = inspection.all_values()
    details: dict[str, dict[str, str]] = {}
    for ref in case_refs:
        case = inspection.get_case(ref)
        own = {qid: value for qid, value in values.get(case.uuid, {}).items() if qid in detail_ids}
        details[ref] = relevance.effective_values(instrument, own)
    return details


def file_slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "second-marker"


def plan_file_names(plan: ModerationPlan) -> dict[str, str]:
    """One file name per second marker: moderation-<name>.csv (numbered if two names read the same)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for marker in plan.second_markers:
        base = f"moderation-{file_slug(marker)}"
        candidate, n = f"{base}.csv", 2
        while candidate in taken:
            candidate, n = f"{base}-{n}.csv", n + 1
        taken.add(candidate)
        names[marker] = candidate
    return names


def plan_csv(instrument: Instrument, case_refs: Sequence[str], details: Mapping[str, Mapping[str, str]]) -> str:
    """The blind sample for one second marker: case_ref and the case-detail columns (option values)."""
    columns = [q.id for q in case_detail_questions(instrument)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case_ref", *columns])
    for ref in case_refs:
        own = details.get(ref, {})
        writer.writerow([ref, *(own.get(qid, "") for qid in columns)])
    return out.getvalue()


def write_plan(inspection: InspectionFile, plan: ModerationPlan, out_dir: Path | str) -> dict[str, Path]:
    """Write each second marker's CSV into `out_dir`; refuses (writing nothing) if any of them exists."""
    refuse_existing(plan, out_dir)
    details = case_details(inspection, [a.case_ref for a in plan.assignments])
    return write_plan_files(inspection.instrument, plan, details, out_dir)


def refuse_existing(plan: ModerationPlan, out_dir: Path | str) -> None:
    folder = Path(out_dir)
    existing = sorted(name for name in plan_file_names(plan).values() if (folder / name).exists())
    if existing:
        raise UserError(
            f"{folder} already holds {', '.join(existing)}; choose an empty folder or move those files "
            "(nothing was written)"
        )


def write_plan_files(
    instrument: Instrument, plan: ModerationPlan, details: Mapping[str, Mapping[str, str]], out_dir: Path | str
) -> dict[str, Path]:
    """The second markers' CSVs from case details already read (the app reads them on a worker)."""
    refuse_existing(plan, out_dir)
    folder = Path(out_dir)
    targets = {marker: folder / name for marker, name in plan_file_names(plan).items()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    written: list[Path] = []
    try:
        for marker, target in targets.items():
            _write_new(target, plan_csv(instrument, plan.cases_for(marker), details))
            written.append(target)
    except BaseException:
        for path in written:
            remove_quietly(path)
        raise
    plan.files.update(targets)
    return targets


def _write_new(target: Path, text: str) -> None:
    """Write a whole file under a temporary name, then move it into place (a half-written CSV never shows)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            remove_quietly(Path(tmp))
            raise
    except OSError as exc:
        raise write_error(exc, target) from exc
