"""Conflicts between assessors' judgements, as stored in the lead's file.

A conflict is raised by the merge when two sources disagree about one answer
(double marking, or a re-sent file against the lead's own amendment). A case
with an open conflict is held out of the scores until the lead resolves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hmip_desktop.model.errors import CaseError, InvalidAnswer
from hmip_desktop.model.file.records import Provenance
from hmip_desktop.model.file.rules import check_note
from hmip_desktop.model.file.store import InspectionFile


@dataclass(frozen=True)
class ConflictSide:
    value: str | None
    note: str
    assessor: str
    source: str
    revision: int
    at: str
    #: The source file's id (meta file_uuid); "" for the lead's own answer in the lead's file.
    file_uuid: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "note": self.note,
            "assessor": self.assessor,
            "source": self.source,
            "revision": self.revision,
            "at": self.at,
            "file_uuid": self.file_uuid,
        }

    @property
    def key(self) -> tuple[str, str]:
        """Which position this side stands for: a source file, or the lead's file."""
        return (self.file_uuid, "" if self.file_uuid else self.source)


@dataclass(frozen=True)
class Conflict:
    id: int
    case_uuid: str
    case_ref: str
    question_id: str
    sides: tuple[ConflictSide, ...]
    raised_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution_value: str | None
    resolution_note: str

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


_COLUMNS = (
    "id, case_uuid, case_ref, question_id, sides, raised_at, resolved_at, resolved_by, "
    "resolution_value, resolution_note"
)


def _conflict(row: tuple[Any, ...]) -> Conflict:
    sides = tuple(ConflictSide(**side) for side in json.loads(row[4]))
    return Conflict(row[0], row[1], row[2], row[3], sides, row[5], row[6], row[7], row[8], row[9])


def list_conflicts(inspection: InspectionFile, *, include_resolved: bool = False) -> list[Conflict]:
    where = "" if include_resolved else "WHERE resolved_at IS NULL"
    rows = inspection.conn.execute(f"SELECT {_COLUMNS} FROM conflicts {where} ORDER BY case_ref, question_id, id")
    return [_conflict(row) for row in rows]


def conflicted_case_uuids(inspection: InspectionFile) -> set[str]:
    """Cases held out of the scores because a conflict on them is open."""
    rows = inspection.conn.execute("SELECT DISTINCT case_uuid FROM conflicts WHERE resolved_at IS NULL")
    return {row[0] for row in rows}


def _sides_json(sides: tuple[ConflictSide, ...]) -> str:
    return json.dumps([side.to_json() for side in sides], ensure_ascii=False, sort_keys=True)


def open_conflict(inspection: InspectionFile, case_uuid: str, question_id: str) -> Conflict | None:
    row = inspection.conn.execute(
        f"SELECT {_COLUMNS} FROM conflicts WHERE case_uuid = ? AND question_id = ? AND resolved_at IS NULL "
        "ORDER BY id LIMIT 1",
        (case_uuid, question_id),
    ).fetchone()
    return _conflict(row) if row else None


def raise_conflict(
    inspection: InspectionFile,
    case_uuid: str,
    case_ref: str,
    question_id: str,
    sides: list[ConflictSide],
    *,
    detail: str = "",
    replace: bool = False,
) -> tuple[Conflict, bool]:
    """Record a disagreement, inside the caller's transaction; return it and whether it is new.

    An open conflict on the same answer is updated instead: with `replace` its
    sides become `sides`; otherwise a side from the same source replaces that
    source's earlier side (a re-sent file) and the others are kept.
    """
    existing = open_conflict(inspection, case_uuid, question_id)
    if existing is not None:
        replaced = {side.key for side in sides}
        kept = () if replace else tuple(side for side in existing.sides if side.key not in replaced)
        merged = kept + tuple(sides)
        if merged == existing.sides:
            return existing, False
        inspection.conn.execute("UPDATE conflicts SET sides = ? WHERE id = ?", (_sides_json(merged), existing.id))
        inspection.audit(
            "conflict-update", case_ref=case_ref, question_id=question_id, detail=f"conflict #{existing.id}; {detail}"
        )
        return _get(inspection, existing.id), False
    cursor = inspection.conn.execute(
        "INSERT INTO conflicts (case_uuid, case_ref, question_id, sides, raised_at) VALUES (?, ?, ?, ?, ?)",
        (case_uuid, case_ref, question_id, _sides_json(tuple(sides)), inspection.clock()),
    )
    conflict_id = int(cursor.lastrowid or 0)
    values = " / ".join(f"{side.assessor}: {side.value}" for side in sides)
    inspection.audit(
        "conflict-raise",
        case_ref=case_ref,
        question_id=question_id,
        detail=f"conflict #{conflict_id}: {values}; {detail}",
    )
    return _get(inspection, conflict_id), True


def close_conflict(inspection: InspectionFile, conflict: Conflict, value: str | None, note: str, *, by: str) -> None:
    """Mark a conflict resolved (inside the caller's transaction); the answer is written by the caller."""
    inspection.conn.execute(
        "UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution_value = ?, resolution_note = ? WHERE id = ?",
        (inspection.clock(), by, value, note, conflict.id),
    )
    inspection.audit(
        "conflict-resolve",
        case_ref=conflict.case_ref,
        question_id=conflict.question_id,
        new_value=value,
        detail=f"conflict #{conflict.id} resolved by {by}" + (f": {note}" if note else ""),
    )


def _get(inspection: InspectionFile, conflict_id: int) -> Conflict:
    row = inspection.conn.execute(f"SELECT {_COLUMNS} FROM conflicts WHERE id = ?", (conflict_id,)).fetchone()
    return _conflict(row)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def resolve_conflict(
    inspection: InspectionFile,
    case_ref: str,
    question_id: str,
    *,
    value: str | None = None,
    take: str | None = None,
    note: str = "",
) -> Conflict:
    """Settle one open conflict with a value, or by taking one assessor's side; audited.

    The lead's decision stands like a lead amendment: a later re-sent file that
    changes this answer again raises a new conflict rather than overwriting it.
    """
    if (value is None) == (take is None):
        raise InvalidAnswer("give either the value to keep or the assessor whose answer to take, not both")
    note = check_note(note)
    case = inspection.get_case(case_ref)
    conflict = open_conflict(inspection, case.uuid, question_id)
    if conflict is None:
        raise CaseError(
            f"there is no open conflict on {case.case_ref} {question_id}; `hmip conflicts` lists the open ones"
        )
    if take is not None:
        chosen = [side for side in conflict.sides if _same_name(side.assessor, take)]
        if not chosen:
            names = ", ".join(sorted({side.assessor for side in conflict.sides}))
            raise CaseError(f"no side of this conflict is {take!r}'s; the sides are {names}")
        if len({side.value for side in chosen}) > 1:
            raise CaseError(f"{take} has more than one side in this conflict; give the value to keep instead")
        side = chosen[0]
        new_value, assessor = side.value, side.assessor
        answer_note = side.note
        how = f"took {side.assessor}'s answer ({side.source})"
    else:
        inspection.check_option(question_id, value)
        new_value, assessor = value, inspection.actor
        current = inspection.answer(case.uuid, question_id)
        agreeing = [side for side in conflict.sides if side.value == value]
        answer_note = agreeing[0].note if agreeing else (current.note if current else "")
        how = "set by the lead"
    with inspection.transaction():
        old = inspection.answer(case.uuid, question_id)
        written = inspection.write_answer(
            case,
            question_id,
            new_value,
            answer_note,
            provenance=Provenance(assessor=assessor, action="answer-resolve", detail=f"conflict #{conflict.id}: {how}"),
        )
        if old is None or written.revision != old.revision:
            inspection.touch_case(case.uuid)
        # The answer is now the lead's decision, even where its value did not change.
        inspection.conn.execute(
            "UPDATE answers SET merged_revision = NULL WHERE case_uuid = ? AND question_id = ?",
            (case.uuid, question_id),
        )
        close_conflict(inspection, conflict, new_value, note or how, by=inspection.actor)
    return _get(inspection, conflict.id)


def reopen_conflict(
    inspection: InspectionFile,
    case_ref: str,
    question_id: str,
    *,
    note: str = "",
    conflict_id: int | None = None,
) -> Conflict:
    """Open the latest settled conflict on one answer again (the lead changed their mind); audited.

    The answer keeps the decided value until the conflict is resolved again;
    meanwhile the case is held out of the scores, as with any open conflict.
    The decision itself stays in the audit log (`conflict-resolve`, then
    `conflict-reopen` naming what it was). `conflict_id`, when given, must be
    that latest decision: an older one was already overtaken by a later one.
    """
    note = check_note(note)
    case = inspection.get_case(case_ref)
    if open_conflict(inspection, case.uuid, question_id) is not None:
        raise CaseError(
            f"{case.case_ref} {question_id} already has an open conflict; settle that one "
            "(`hmip conflicts` lists it) instead of reopening an earlier decision"
        )
    row = inspection.conn.execute(
        f"SELECT {_COLUMNS} FROM conflicts WHERE case_uuid = ? AND question_id = ? AND resolved_at IS NOT NULL "
        "ORDER BY resolved_at DESC, id DESC LIMIT 1",
        (case.uuid, question_id),
    ).fetchone()
    if row is None:
        raise CaseError(
            f"there is no resolved conflict on {case.case_ref} {question_id} to reopen; "
            "`hmip conflicts --all` lists the resolved ones"
        )
    conflict = _conflict(row)
    if conflict_id is not None and conflict.id != conflict_id:
        raise CaseError(
            f"conflict #{conflict_id} on {case.case_ref} {question_id} was overtaken by a later decision "
            f"(#{conflict.id}); reopen that one instead"
        )
    with inspection.transaction():
        inspection.conn.execute(
            "UPDATE conflicts SET resolved_at = NULL, resolved_by = NULL, resolution_value = NULL, "
            "resolution_note = '' WHERE id = ?",
            (conflict.id,),
        )
        decided = f"the decision was {conflict.resolution_value!r} by {conflict.resolved_by}"
        inspection.audit(
            "conflict-reopen",
            case_ref=conflict.case_ref,
            question_id=conflict.question_id,
            old_value=conflict.resolution_value,
            detail=f"conflict #{conflict.id} reopened by {inspection.actor}; {decided}" + (f": {note}" if note else ""),
        )
    return _get(inspection, conflict.id)
