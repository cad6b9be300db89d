"""Low-level writes to the lead's file, for the merge and conflict resolution.

The store's `_write_answer` guards an assessor's editing (no change to a
complete case, relevance checked against the case's other answers). A merge
must instead copy what the sources say as they say it: a complete case gets
its answers, answers arrive in any order, and a stale answer is kept like the
assessor's own file keeps it. Values are still checked against the instrument.
Every function here runs inside the caller's `inspection.transaction()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmip_desktop.model.errors import InvalidAnswer
from hmip_desktop.model.file.records import CaseStatus
from hmip_desktop.model.file.store import InspectionFile


@dataclass(frozen=True)
class MasterAnswer:
    value: str | None
    note: str
    revision: int
    assessor: str


def check_option(inspection: InspectionFile, question_id: str, value: str | None) -> None:
    question = inspection.instrument.by_id.get(question_id)
    if question is None:
        raise InvalidAnswer(f"there is no question {question_id!r} in {inspection.instrument.id}")
    if value is not None and question.option(value) is None:
        allowed = ", ".join(o.value for o in question.options)
        raise InvalidAnswer(f"{value!r} is not an answer to {question_id}; use one of: {allowed}")


def read_answer(inspection: InspectionFile, case_uuid: str, question_id: str) -> MasterAnswer | None:
    row = inspection.conn.execute(
        "SELECT value, note, revision, assessor FROM answers WHERE case_uuid = ? AND question_id = ?",
        (case_uuid, question_id),
    ).fetchone()
    return MasterAnswer(*row) if row else None


def write_answer(
    inspection: InspectionFile,
    case_uuid: str,
    case_ref: str,
    question_id: str,
    value: str | None,
    note: str,
    *,
    assessor: str,
    action: str,
    detail: str,
    updated_at: str | None = None,
    merged: bool = False,
) -> int:
    """Set one answer in the lead's file, audited; return its new revision (unchanged: the old one).

    `merged`: the merge wrote it (the sources' view), as opposed to the lead deciding it
    (a conflict resolution); a later source change applies only to the former.
    """
    check_option(inspection, question_id, value)
    old = read_answer(inspection, case_uuid, question_id)
    if old is not None and old.value == value and old.note == note:
        return old.revision
    revision = old.revision + 1 if old else 1
    inspection.conn.execute(
        "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at, merged_revision) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_uuid, question_id) DO UPDATE SET "
        "value = excluded.value, note = excluded.note, revision = excluded.revision, "
        "assessor = excluded.assessor, updated_at = excluded.updated_at, merged_revision = excluded.merged_revision",
        (case_uuid, question_id, value, note, revision, assessor, updated_at or inspection.clock(),
         revision if merged else None),
    )
    old_value = old.value if old else None
    inspection.audit(
        action,
        case_ref=case_ref,
        question_id=question_id,
        old_value=old_value,
        new_value=value,
        detail=detail if old_value != value else f"note only; {detail}",
    )
    return revision


def touch_case(inspection: InspectionFile, case_uuid: str) -> None:
    inspection.conn.execute(
        "UPDATE cases SET updated_at = ?, revision = revision + 1 WHERE uuid = ?", (inspection.clock(), case_uuid)
    )


def set_status(inspection: InspectionFile, case_uuid: str, case_ref: str, old: str, new: CaseStatus, detail: str) -> None:
    inspection.conn.execute("UPDATE cases SET status = ? WHERE uuid = ?", (new, case_uuid))
    inspection.audit("merge-status", case_ref=case_ref, old_value=old, new_value=new, detail=detail)


def set_illustration(
    inspection: InspectionFile, case_uuid: str, case_ref: str, flagged: bool, text: str, detail: str
) -> None:
    inspection.conn.execute(
        "UPDATE cases SET illustration = ?, illustration_text = ? WHERE uuid = ?", (int(flagged), text, case_uuid)
    )
    inspection.audit("merge-illustration", case_ref=case_ref, new_value=str(int(flagged)), detail=detail)

