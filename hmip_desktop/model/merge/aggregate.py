"""An aggregate of several inspections: one file holding every inspection's merged cases.

Built from the leads' merged files (checked like any incoming file) into a
new lead-role file whose meta says ``kind = aggregate``. Each case keeps its
inspection in ``cases.inspection_id`` and its case_ref is prefixed with the
inspection id ("KENT-2014/KT-0001"), so case references stay unique while the
inspection of every case is known. Open conflicts come along, so their cases
stay held out of the scores. The file is built under a temporary name and
renamed into place at the end: an interrupted run leaves no half aggregate.
Scores and breakdowns work on it as on any inspection file; scores per
inspection come from `scoring.by_inspection`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.records import ANSWER_TABLE_COLUMNS
from hmip_desktop.model.file.rules import check_person_name
from hmip_desktop.model.file.seal import CaseRows
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.files import Progress
from hmip_desktop.model.merge.incoming import (
    AGGREGATE_KIND,
    Expectation,
    FileRefused,
    IncomingFile,
    PassphraseFor,
    read_incoming,
    remove_work_dir,
)
from hmip_desktop.model.merge.reading import TeamReader, reader_count
from hmip_desktop.model.merge.scratch import scratch_folder
from hmip_desktop.model.wording import count

DEFAULT_AGGREGATE_ID = "AGGREGATE"
DEFAULT_OWNER = "HMIP aggregate"


@dataclass(frozen=True)
class AggregateMember:
    inspection_id: str
    area: str
    file_name: str
    cases: int
    answers: int
    open_conflicts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "area": self.area,
            "file": self.file_name,
            "cases": self.cases,
            "answers": self.answers,
            "open_conflicts": self.open_conflicts,
        }


@dataclass
class AggregateSummary:
    path: Path
    members: list[AggregateMember] = field(default_factory=list)
    #: (file name, reason) of each file left out.
    refused: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "inspections": [m.to_json() for m in self.members],
            "refused": [{"file": name, "reason": reason} for name, reason in self.refused],
        }


def is_aggregate(inspection: InspectionFile) -> bool:
    return inspection.meta().get("kind") == AGGREGATE_KIND


def case_inspection_ids(inspection: InspectionFile) -> dict[str, str]:
    """The inspection of every case, by case uuid (an ordinary file: all its own)."""
    own = inspection.inspection_id
    rows = inspection.conn.execute("SELECT uuid, inspection_id FROM cases")
    return {case_uuid: case_inspection or own for case_uuid, case_inspection in rows}


def build_aggregate(
    out: Path | str,
    masters: Sequence[Path | str],
    *,
    aggregate_id: str = DEFAULT_AGGREGATE_ID,
    owner: str = DEFAULT_OWNER,
    overwrite: bool = False,
    progress: Progress | None = None,
    passphrase_for: PassphraseFor | None = None,
    readers: int | None = None,
) -> AggregateSummary:
    """Combine the merged files of several inspections that share an instrument into `out`.

    Files after the first taken in are read ahead in `readers` worker processes (None: as many
    as pays, see `reading.reader_count`; 0: none), as a merge reads its team's files."""
    out = Path(out)
    owner = check_person_name(owner, "aggregate owner name")
    if out.exists() and not overwrite:
        raise UserError(f"{out} already exists; choose another name or pass --overwrite to rebuild it")
    building = out.with_name(out.name + ".building")
    for leftover in (building, building.with_name(building.name + ".creating")):
        leftover.unlink(missing_ok=True)
    summary = AggregateSummary(path=out)
    paths = [Path(p) for p in masters]
    try:
        with scratch_folder("aggregate") as tmp:
            aggregate, taken = _first_member(
                building, paths, tmp, summary, aggregate_id, owner, progress, passphrase_for
            )
            try:
                rest = paths[taken:]
                readers = reader_count(rest) if readers is None else readers
                _add_the_rest(aggregate, rest, taken, tmp / "rest", summary, progress, passphrase_for, readers)
                _describe_area(aggregate, summary)
            finally:
                aggregate.close()
        os.replace(building, out)
    finally:
        building.unlink(missing_ok=True)
    return summary


def _first_member(
    building: Path,
    paths: Sequence[Path],
    tmp: Path,
    summary: AggregateSummary,
    aggregate_id: str,
    owner: str,
    progress: Progress | None,
    passphrase_for: PassphraseFor | None,
) -> tuple[InspectionFile, int]:
    """The aggregate file, new, holding the first file that can be taken in; and how many files that took.

    That first member sets the instrument the others must share, so files are read here one by one
    until one is taken; the rest are then read ahead in workers (`_add_the_rest`)."""
    for position, path in enumerate(paths, start=1):
        if progress is not None:
            progress(position, len(paths), path.name)
        work_dir = tmp / str(position)
        work_dir.mkdir()
        try:
            member = read_incoming(path, work_dir, passphrase_for=passphrase_for)
            _check_member(member, summary)
        except UserError as exc:
            summary.refused.append((path.name, str(exc)))
            continue
        finally:
            remove_work_dir(work_dir)
        aggregate = _start(building, member, aggregate_id, owner)
        try:
            with aggregate.transaction():
                summary.members.append(_add_member(aggregate, member))
        except BaseException:
            aggregate.close()
            raise
        return aggregate, position
    raise UserError(
        "no inspection could be aggregated; nothing was written",
        [f"{name}: {reason}" for name, reason in summary.refused],
    )


def _start(building: Path, first: IncomingFile, aggregate_id: str, owner: str) -> InspectionFile:
    """The aggregate file, new, with the instrument of its first member."""
    aggregate = InspectionFile.create(
        building,
        inspection_id=aggregate_id,
        area="Aggregate of inspections",
        assessor=owner,
        role="lead",
        instrument=first.instrument,
    )
    try:
        with aggregate.transaction():
            aggregate.conn.execute("INSERT INTO meta (key, value) VALUES ('kind', ?)", (AGGREGATE_KIND,))
    except BaseException:
        aggregate.close()
        raise
    return aggregate


def _add_the_rest(
    aggregate: InspectionFile,
    paths: Sequence[Path],
    done: int,
    folder: Path,
    summary: AggregateSummary,
    progress: Progress | None,
    passphrase_for: PassphraseFor | None,
    readers: int,
) -> None:
    """Read `paths` (in `readers` workers) and add each in its own transaction; `done`: files before them."""
    folder.mkdir()
    expect = Expectation(inspection_id=None, instrument=aggregate.instrument.identity, instrument_of="the aggregate")
    with TeamReader(paths, folder, expect, frozenset(), passphrase_for, readers=readers, new_cases=False) as reader:
        for index, path in enumerate(paths):
            if progress is not None:
                progress(done + index + 1, done + len(paths), path.name)
            prepared = reader.prepared(index)
            member = prepared.incoming
            if member is None:  # refused as it was read (nothing here is known by its hash)
                summary.refused.append((path.name, prepared.refusal))
                continue
            try:
                _check_member(member, summary)
            except UserError as exc:
                summary.refused.append((path.name, str(exc)))
                continue
            with aggregate.transaction():
                summary.members.append(_add_member(aggregate, member))


def _check_member(member: IncomingFile, summary: AggregateSummary) -> None:
    # An aggregate offered as a member is refused as it is read (`incoming`).
    if member.owner.role != "lead":
        raise FileRefused(
            f"{member.name} is {member.owner.name}'s {member.owner.role} file; aggregate the leads' merged files"
        )
    for existing in summary.members:
        if existing.inspection_id == member.inspection_id:
            raise FileRefused(
                f"{member.name} is inspection {member.inspection_id}, which {existing.file_name} already brought in"
            )


def _add_member(aggregate: InspectionFile, member: IncomingFile) -> AggregateMember:
    """Copy one inspection's cases, answers and open conflicts, inside the caller's transaction."""
    conn = aggregate.conn
    prefix = member.inspection_id + "/"
    refs = {case.uuid: prefix + case.case_ref for case in member.cases}
    conn.executemany(
        "INSERT INTO cases (uuid, case_ref, status, illustration, illustration_text, revision, created_by, "
        "created_at, updated_at, inspection_id) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        [
            (
                case.uuid,
                refs[case.uuid],
                case.status,
                int(case.illustration),
                case.illustration_text,
                member.owner.name,
                case.created_at,
                aggregate.clock(),
                member.inspection_id,
            )
            for case in member.cases
        ],
    )
    cases: list[CaseRows] = [
        (
            case_uuid,
            [
                (case_uuid, a.question_id, a.value, a.note, 1, a.assessor, a.updated_at, None)
                for a in answers.values()
                if a.value is not None or a.note
            ],
            None,
        )
        for case_uuid, answers in member.answers.items()
    ]
    aggregate.insert_case_rows("answers", ANSWER_TABLE_COLUMNS, cases)  # sealed from what is written
    rows = [row for _case, case_rows, _digest in cases for row in case_rows]
    conn.executemany(
        "INSERT INTO conflicts (case_uuid, case_ref, question_id, sides, raised_at) VALUES (?, ?, ?, ?, ?)",
        [(c.case_uuid, refs[c.case_uuid], c.question_id, c.sides, c.raised_at) for c in member.open_conflicts],
    )
    for person in member.team:
        aggregate.add_assessor(person.name, person.role)
    conn.execute(
        "INSERT INTO imports (file_uuid, file_name, sha256, assessor, role, inspection_id, imported_at, imported_by, "
        "kind, cases_added, answers_changed, warning) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'aggregate', ?, ?, ?)",
        (
            member.file_uuid,
            member.name,
            member.sha256,
            member.owner.name,
            member.owner.role,
            member.inspection_id,
            aggregate.clock(),
            aggregate.actor,
            len(member.cases),
            len(rows),
            "\n".join(member.warnings[:5]),
        ),
    )
    detail = f"from {member.name} ({member.inspection_id}, {member.area})"
    entries: list[dict[str, Any]] = [
        {
            "action": "aggregate-add",
            "detail": f"{count(len(member.cases), 'case')}, {count(len(rows), 'answer')} {detail}",
        }
    ]
    by_case: dict[str, dict[str, str | None]] = {}
    for case_uuid, qid, value, *_rest in rows:
        by_case.setdefault(case_uuid, {})[qid] = value
    # One audit entry per case for its answers (replayed by audit.check_audit).
    entries += [
        {
            "action": "answers-aggregate",
            "case_ref": refs[case_uuid],
            "detail": detail,
            "new_value": json.dumps(values, ensure_ascii=False, sort_keys=True),
        }
        for case_uuid, values in by_case.items()
    ]
    aggregate.audit_many(entries)
    return AggregateMember(
        inspection_id=member.inspection_id,
        area=member.area,
        file_name=member.name,
        cases=len(member.cases),
        answers=len(rows),
        open_conflicts=len(member.open_conflicts),
    )


def _describe_area(aggregate: InspectionFile, summary: AggregateSummary) -> None:
    with aggregate.transaction():
        aggregate.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'area'", (f"Aggregate of {len(summary.members)} inspections",)
        )
