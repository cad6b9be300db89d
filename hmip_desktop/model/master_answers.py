"""Low-level writes to the lead's file, for the merge and conflict resolution.

The store's `_write_answer` guards an assessor's editing (no change to a
complete case, relevance checked against the case's other answers). A merge
must instead copy what the sources say as they say it: a complete case gets
its answers, answers arrive in any order, and a stale answer is kept like the
assessor's own file keeps it. Values are still checked against the instrument.
Every function here runs inside the caller's `inspection.transaction()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hmip_desktop.model.errors import InvalidAnswer
from hmip_desktop.model.store import GENESIS_HASH, CaseStatus, InspectionFile, audit_hash


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
) -> int:
    """Set one answer in the lead's file, audited; return its new revision (unchanged: the old one)."""
    check_option(inspection, question_id, value)
    old = read_answer(inspection, case_uuid, question_id)
    if old is not None and old.value == value and old.note == note:
        return old.revision
    revision = old.revision + 1 if old else 1
    inspection.conn.execute(
        "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_uuid, question_id) DO UPDATE SET "
        "value = excluded.value, note = excluded.note, revision = excluded.revision, "
        "assessor = excluded.assessor, updated_at = excluded.updated_at",
        (case_uuid, question_id, value, note, revision, assessor, updated_at or inspection.clock()),
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


def append_audit_entries(inspection: InspectionFile, entries: Sequence[Mapping[str, Any]]) -> None:
    """Record many audit entries at once, chained exactly as `InspectionFile.audit` chains one.

    A merge adds a whole case (about 150 answers) at a time; walking the chain
    in memory and inserting in one statement keeps that fast. Each entry gives
    action and optionally case_ref, question_id, old_value, new_value, detail.
    """
    if not entries:
        return
    row = inspection.conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS_HASH
    at, actor = inspection.clock(), inspection.actor
    rows = []
    for entry in entries:
        fields = {
            "at": at,
            "actor": actor,
            "action": entry["action"],
            "case_ref": entry.get("case_ref"),
            "question_id": entry.get("question_id"),
            "old_value": entry.get("old_value"),
            "new_value": entry.get("new_value"),
            "detail": entry.get("detail", ""),
        }
        digest = audit_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    inspection.conn.executemany(
        "INSERT INTO audit (at, actor, action, case_ref, question_id, old_value, new_value, detail, "
        "prev_hash, hash) VALUES (:at, :actor, :action, :case_ref, :question_id, :old_value, :new_value, "
        ":detail, :prev_hash, :hash)",
        rows,
    )
