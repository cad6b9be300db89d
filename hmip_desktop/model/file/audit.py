"""The audit log: how an entry is hashed and chained, written and checked, all in this one module.

Every change to a file appends an entry whose hash covers its fields and the
hash of the entry before it, so an entry removed, reordered or edited outside
the app breaks the chain from there on. `entry_hash` is the only place the
hashed layout is spelled out; the store's single entries, the merge's bulk
entries and `check_audit` (for `hmip verify`, the merge's warnings and the
tests) all go through it.

The merge reads a dozen team files of ~15,000 audit entries each and writes
~150 answers per case into the lead's file, so writing and checking are done
in bulk here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

GENESIS_HASH = "0" * 64
#: The audit action recording that a save found something changed outside the app since the last one.
OUTSIDE_EDIT = "outside-edit"
#: An entry's fields in the order `entry_hash` takes them (and the audit table holds them).
AUDIT_FIELDS = ("at", "actor", "action", "case_ref", "question_id", "old_value", "new_value", "detail")


def _json(value: object) -> str:
    """Any value as JSON, for a doctored file's numbers where text belongs: the hash stays well defined."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    return json.dumps(value, ensure_ascii=False)


def _hash(
    e: Callable[[Any], str],
    prev_hash: str,
    at: object,
    actor: object,
    action: object,
    case_ref: object,
    question_id: object,
    old_value: object,
    new_value: object,
    detail: object,
) -> str:
    # The entry as json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes it,
    # spelled out: a merge checks ~15,000 entries a file (tests/audit_support.py holds the reference).
    # `e` encodes a value: json's C string encoder (a TypeError for anything but text), or `_json`.
    payload = (
        f'{{"action":{e(action)},"actor":{e(actor)},"at":{e(at)},'
        f'"case_ref":{"null" if case_ref is None else e(case_ref)},"detail":{e(detail)},'
        f'"new_value":{"null" if new_value is None else e(new_value)},'
        f'"old_value":{"null" if old_value is None else e(old_value)},'
        f'"question_id":{"null" if question_id is None else e(question_id)}}}'
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def entry_hash(
    prev_hash: str,
    at: object,
    actor: object,
    action: object,
    case_ref: object,
    question_id: object,
    old_value: object,
    new_value: object,
    detail: object,
) -> str:
    """The hash of one audit entry chained to `prev_hash` (the only definition of it)."""
    try:
        return _hash(
            encode_basestring, prev_hash, at, actor, action, case_ref, question_id, old_value, new_value, detail
        )
    except TypeError:  # a number where text belongs, or a null the app never writes: only in a doctored file
        return _hash(_json, prev_hash, at, actor, action, case_ref, question_id, old_value, new_value, detail)


def last_hash(conn: sqlite3.Connection) -> str:
    """The hash the next entry chains to."""
    row = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return str(row[0]) if row else GENESIS_HASH


def append_audit_entries(conn: sqlite3.Connection, at: str, actor: str, entries: Sequence[Mapping[str, Any]]) -> None:
    """Record audit entries inside the caller's transaction, each chained to the one before.

    Each entry gives action and optionally case_ref, question_id, old_value, new_value, detail.
    `InspectionFile.audit` and `InspectionFile.audit_many` are the store's way in.
    """
    if not entries:
        return
    prev = last_hash(conn)
    rows = []
    for entry in entries:
        action = entry["action"]
        case_ref, question_id = entry.get("case_ref"), entry.get("question_id")
        old_value, new_value, detail = entry.get("old_value"), entry.get("new_value"), entry.get("detail", "")
        digest = entry_hash(prev, at, actor, action, case_ref, question_id, old_value, new_value, detail)
        rows.append((at, actor, action, case_ref, question_id, old_value, new_value, detail, prev, digest))
        prev = digest
    conn.executemany(
        "INSERT INTO audit (at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def bulk_answer_values(new_value: object) -> dict[str, str | None]:
    """The answers an "answers-*" entry records (the merge adding a whole case at once): its new_value
    is a JSON object {question id: value} ({} when it is not one)."""
    try:
        values = json.loads(new_value) if isinstance(new_value, str) else None
    except ValueError:
        return {}
    if not isinstance(values, dict):
        return {}
    return {str(k): v for k, v in values.items() if v is None or isinstance(v, str)}


@dataclass
class AuditCheck:
    """What reading a file's audit log found: where its chain breaks, and answers that disagree with it."""

    #: The first entry whose hash does not follow from its predecessor: (seq, action, at).
    broken: tuple[int, str, str] | None = None
    #: Answers that disagree with the log, one line each.
    inconsistencies: list[str] = field(default_factory=list)
    #: Every answer's value as the log's entries leave it, by (case_ref, question_id) (`read_audit`).
    replayed: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)
    #: With `read_audit(tokens=True)`: the tokens ("seq:hash16") of every entry naming a question, in the
    #: log's order, by (case_ref, question_id): the entries behind each answer (the merge's lineages).
    question_tokens: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)

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

    def compare(self, stored: Mapping[tuple[str, str], str | None]) -> AuditCheck:
        """Add a line for each answer the file holds otherwise than the log leaves it; returns self.

        `stored` is every answer's value by (case_ref, question_id), as the file holds it (a
        missing one counts as None)."""
        replayed = self.replayed
        if replayed == stored:  # the common case, compared in C
            return self
        differing = [key for key, held in stored.items() if replayed.get(key) != held]
        differing += [key for key, logged in replayed.items() if logged is not None and key not in stored]
        for key in sorted(differing):
            held, logged = stored.get(key), replayed.get(key)
            where = f"case {key[0]}, {key[1]}"
            if key not in replayed:
                self.inconsistencies.append(f"{where}: the file holds {held!r} but no audit entry records it")
            else:
                self.inconsistencies.append(
                    f"{where}: the file holds {held!r} but the audit log's last entry says {logged!r}"
                )
        return self


#: Called by `read_audit(tokens=True)`, in the log's order, for each entry naming a case but no question
#: nor an answer, with its token ("seq:hash16"), action, case_ref and, for a bulk entry of answers, the
#: answers it gives (`bulk_answer_values`; else None).
CaseEntrySeen = Callable[[str, str, str, dict[str, str | None] | None], None]

_READ = "SELECT seq, at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash"
_TOKEN = "seq || ':' || substr(CAST(hash AS TEXT), 1, 16)"


def read_audit(
    conn: sqlite3.Connection, *, tokens: bool = False, case_entry: CaseEntrySeen | None = None
) -> AuditCheck:
    """Verify the hash chain and replay the answers in one pass over the log (compare with `compare`).

    Answer entries are "answer" (the assessor's edits and CSV imports) and "answer-*"
    (merge and conflict resolution), whose new_value is the answer after the change,
    and "answers-*" (a whole case merged at once, see `bulk_answer_values`). Replayed
    per (case, question), the last entry must leave the value the file holds and each
    entry's old value must be what the one before it left: an answer changed outside
    the app without forging the log shows up here, which the hash chain alone cannot see.

    With `tokens`, the same pass also gathers `question_tokens` and passes each entry naming a
    case but no question to `case_entry`: the merge's lineages, so that the log of ~15,000
    entries a file is read once, not once per use.
    """
    result = AuditCheck()
    prev = GENESIS_HASH
    replayed = result.replayed
    problems = result.inconsistencies
    question_tokens = result.question_tokens
    query = f"{_READ}, {_TOKEN} FROM audit ORDER BY seq" if tokens else f"{_READ}, '' FROM audit ORDER BY seq"
    for (
        seq,
        at,
        actor,
        action,
        case_ref,
        question_id,
        old_value,
        new_value,
        detail,
        prev_hash,
        digest,
        token,
    ) in conn.execute(query):
        if result.broken is None:
            expected = entry_hash(prev, at, actor, action, case_ref, question_id, old_value, new_value, detail)
            if prev_hash != prev or digest != expected:
                result.broken = (seq, action, at)
            prev = digest
        if type(case_ref) is not str:
            continue
        if tokens and type(question_id) is str:
            found = question_tokens.get((case_ref, question_id))
            if found is None:
                question_tokens[(case_ref, question_id)] = [token]
            else:
                found.append(token)
        if type(action) is not str:
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
            continue
        bulk = bulk_answer_values(new_value) if action.startswith("answers-") else None
        if bulk:
            for bulk_question, value in bulk.items():
                replayed[(case_ref, bulk_question)] = value
        if case_entry is not None and question_id is None:
            case_entry(token, action, case_ref, bulk)
    return result


def check_audit(conn: sqlite3.Connection, stored: Mapping[tuple[str, str], str | None]) -> AuditCheck:
    """`read_audit`, compared with `stored`: every answer's value by (case_ref, question_id), as the file holds it."""
    return read_audit(conn).compare(stored)
