"""Conflicts between assessors' judgements, as stored in the lead's file.

A conflict is raised by the merge when two sources disagree about one answer
(double marking, or a re-sent file against the lead's own amendment). A case
with an open conflict is held out of the scores until the lead resolves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hmip_desktop.model.store import InspectionFile


@dataclass(frozen=True)
class ConflictSide:
    value: str | None
    note: str
    assessor: str
    source: str
    revision: int
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "note": self.note,
            "assessor": self.assessor,
            "source": self.source,
            "revision": self.revision,
            "at": self.at,
        }


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
