"""The audit checks the tests hold the app to, written independently of `model/file/audit.py`.

`verify_audit_chain` recomputes each entry's hash with `json.dumps`, the layout
`audit.entry_hash` spells out by hand for speed, so a change to either shows up
as a broken chain in every test that checks a file's log.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping

from hmip_desktop.model.file.audit import AUDIT_FIELDS, GENESIS_HASH, check_audit
from hmip_desktop.model.file.records import AuditEntry
from hmip_desktop.model.file.store import InspectionFile


def reference_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """An audit entry's hash as documented in docs/security.md: sha256 of the previous hash and the sorted JSON."""
    payload = json.dumps(
        {name: fields[name] for name in AUDIT_FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def verify_audit_chain(inspection: InspectionFile) -> AuditEntry | None:
    """The first audit entry whose hash does not follow from its predecessor, or None."""
    prev = GENESIS_HASH
    for entry in inspection.audit_entries():
        fields = {name: getattr(entry, name) for name in AUDIT_FIELDS}
        if entry.prev_hash != prev or entry.hash != reference_hash(prev, fields):
            return entry
        prev = entry.hash
    return None


def stored_answers(conn: sqlite3.Connection) -> dict[tuple[str, str], str | None]:
    """Every answer's value by (case_ref, question_id), as the file holds it (what `check_audit` compares)."""
    return {
        (case_ref, question_id): value
        for case_ref, question_id, value in conn.execute(
            "SELECT cases.case_ref, answers.question_id, answers.value FROM answers "
            "JOIN cases ON cases.uuid = answers.case_uuid"
        )
    }


def audit_consistency(inspection: InspectionFile) -> list[str]:
    """Answers that disagree with what the audit log says was recorded, one line each."""
    return check_audit(inspection.conn, stored_answers(inspection.conn)).inconsistencies


def tamper_warnings(inspection: InspectionFile) -> list[str]:
    """Everything suggesting the file was edited outside the app, as the merge warns of it."""
    return check_audit(inspection.conn, stored_answers(inspection.conn)).warnings(inspection.path.name)
