"""The audit log in bulk: writing many chained entries and checking a whole file's log in one pass.

The merge reads a dozen team files of ~15,000 audit entries each and writes
~150 answers per case into the lead's file, so both are done in bulk here
with the store's `entry_hash`. Tests check that `check_audit` finds exactly
what `InspectionFile.verify_audit_chain` and `integrity.audit_consistency`
find.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from hmip_desktop.model.file.integrity import bulk_answer_values
from hmip_desktop.model.file.store import GENESIS_HASH, InspectionFile, entry_hash


def append_audit_entries(inspection: InspectionFile, entries: Sequence[Mapping[str, Any]]) -> None:
    """Record many audit entries inside the caller's transaction, chained as `InspectionFile.audit` chains one.

    Each entry gives action and optionally case_ref, question_id, old_value, new_value, detail.
    """
    if not entries:
        return
    row = inspection.conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS_HASH
    at, actor = inspection.clock(), inspection.actor
    rows = []
    for entry in entries:
        action = entry["action"]
        case_ref, question_id = entry.get("case_ref"), entry.get("question_id")
        old_value, new_value, detail = entry.get("old_value"), entry.get("new_value"), entry.get("detail", "")
        digest = entry_hash(prev, at, actor, action, case_ref, question_id, old_value, new_value, detail)
        rows.append((at, actor, action, case_ref, question_id, old_value, new_value, detail, prev, digest))
        prev = digest
    inspection.conn.executemany(
        "INSERT INTO audit (at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


@dataclass
class AuditCheck:
    #: The first entry whose hash does not follow from its predecessor: (seq, action, at).
    broken: tuple[int, str, str] | None = None
    #: Answers that disagree with the log, worded as `integrity.audit_consistency` words them.
    inconsistencies: list[str] = field(default_factory=list)

    def warnings(self, name: str) -> list[str]:
        found = []
        if self.broken is not None:
            seq, action, at = self.broken
            found.append(
                f"{name}: the audit log is broken at entry #{seq} ({action}, {at}); "
                "the file was edited outside HMIP Desktop from there on"
            )
        found.extend(f"{name}: {line}" for line in self.inconsistencies)
        return found


def check_audit(conn: sqlite3.Connection, stored: Mapping[tuple[str, str], str | None]) -> AuditCheck:
    """Verify the hash chain and replay the answers in one pass over the log.

    `stored` is every answer's value by (case_ref, question_id), as the file holds it.
    """
    result = AuditCheck()
    enc, sha256 = encode_basestring, hashlib.sha256
    prev = GENESIS_HASH
    replayed: dict[tuple[str, str], str | None] = {}
    problems = result.inconsistencies
    # One loop over ~15,000 entries a file: the hash spelled out, and `integrity.is_answer_action` /
    # `is_bulk_answer_action` inlined (tests check the findings equal the store's and integrity's).
    for seq, at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, digest in conn.execute(
        "SELECT seq, at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash "
        "FROM audit ORDER BY seq"
    ):
        if result.broken is None:
            try:  # the common case, every field text or NULL
                payload = (
                    f'{{"action":{enc(action)},"actor":{enc(actor)},"at":{enc(at)},'
                    f'"case_ref":{"null" if case_ref is None else enc(case_ref)},"detail":{enc(detail)},'
                    f'"new_value":{"null" if new_value is None else enc(new_value)},'
                    f'"old_value":{"null" if old_value is None else enc(old_value)},'
                    f'"question_id":{"null" if question_id is None else enc(question_id)}}}'
                )
                expected = sha256((prev + payload).encode("utf-8")).hexdigest()
            except TypeError:  # a number where text belongs: only in a doctored file
                expected = entry_hash(prev, at, actor, action, case_ref, question_id, old_value, new_value, detail)
            if prev_hash != prev or digest != expected:
                result.broken = (seq, action, at)
            prev = digest
        if type(case_ref) is not str or type(action) is not str:
            continue
        if action == "answer" or action.startswith("answer-"):
            if type(question_id) is not str:
                continue
            key = (case_ref, question_id)
            before = replayed.get(key)
            if old_value != before:
                problems.append(
                    f"audit entry #{seq} (case {case_ref}, {question_id}) says the answer was {old_value!r}, "
                    f"but the entry before it left {before!r}"
                )
            replayed[key] = new_value
        elif action.startswith("answers-"):
            for bulk_question, value in bulk_answer_values(new_value).items():
                replayed[(case_ref, bulk_question)] = value
    # Compare held and logged values (a missing one counts as None); sort only the differences.
    if replayed == stored:  # the common case, compared in C
        return result
    differing = [key for key, held in stored.items() if replayed.get(key) != held]
    differing += [key for key, logged in replayed.items() if logged is not None and key not in stored]
    for key in sorted(differing):
        held, logged = stored.get(key), replayed.get(key)
        where = f"case {key[0]}, {key[1]}"
        if key not in replayed:
            problems.append(f"{where}: the file holds {held!r} but no audit entry records it")
        else:
            problems.append(f"{where}: the file holds {held!r} but the audit log's last entry says {logged!r}")
    return result
