"""What an inspection file holds, row by row: the record types the store hands out.

Named tuples (immutable, compared by value) with no behaviour beyond reading
themselves, so every layer above can pass them around without touching SQLite.
Not dataclasses: a frozen dataclass costs ~0.5 ms to define (it compiles six
generated methods), a named tuple ~0.08 ms, and this module loads as every file
opens. Their annotations are real objects, not strings, for the same reason (a
string annotation is compiled when the class is made).
"""

from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from hmip_desktop.model.instrument.definition import InstrumentIdentity, to_json

ROLES = ("inspector", "local-assessor", "lead")
Role = Literal["inspector", "local-assessor", "lead"]
CaseStatus = Literal["draft", "complete"]


class CaseKey(Protocol):
    """What a write needs to know of a case: the store's `CaseRecord`, or the merge's own view of one."""

    @property
    def uuid(self) -> str: ...

    @property
    def case_ref(self) -> str: ...

    @property
    def status(self) -> str: ...


class CaseRecord(NamedTuple):
    """One case as the cases table holds it."""

    uuid: str
    case_ref: str
    status: CaseStatus
    illustration: bool
    illustration_text: str
    revision: int
    created_by: str
    created_at: str
    updated_at: str

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"


class AnswerRecord(NamedTuple):
    """One answer (or evidence note) to one question of one case."""

    case_uuid: str
    question_id: str
    value: str | None
    note: str
    revision: int
    assessor: str
    updated_at: str


class Provenance(NamedTuple):
    """Who and what wrote a value copied in from elsewhere (the merge, a conflict resolution), as the
    audit log and the answer record it."""

    #: The assessor the value is recorded as theirs.
    assessor: str
    #: The audit action, e.g. "answer-merge", "answer-resolve", "merge-status".
    action: str
    detail: str
    #: The source's time of the change (None: now).
    updated_at: str | None = None
    #: The merge wrote it (the sources' view), not the lead deciding it (see `InspectionFile.write_answer`).
    merged: bool = False


class AuditEntry(NamedTuple):
    """One entry of the audit log, chained to the one before it by its hash."""

    seq: int
    at: str
    actor: str
    action: str
    case_ref: str | None
    question_id: str | None
    old_value: str | None
    new_value: str | None
    detail: str
    prev_hash: str
    hash: str


class Assessor(NamedTuple):
    """A person named in the file: its owner, or a team member merged in."""

    name: str
    role: Role
    is_owner: bool


class FileInfo(NamedTuple):
    """What `hmip info` says of a file: the inspection, its owner, its instrument, its cases."""

    path: Path
    file_uuid: str
    inspection_id: str
    area: str
    start_date: str
    end_date: str
    owner: Assessor
    instrument: InstrumentIdentity
    schema_version: int
    cases_total: int
    cases_complete: int
    cases_draft: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "file_uuid": self.file_uuid,
            "inspection": {
                "id": self.inspection_id,
                "area": self.area,
                "start_date": self.start_date,
                "end_date": self.end_date,
            },
            "assessor": {"name": self.owner.name, "role": self.owner.role},
            "instrument": to_json(self.instrument),
            "schema_version": self.schema_version,
            "cases": {"total": self.cases_total, "complete": self.cases_complete, "draft": self.cases_draft},
        }


CASE_COLUMNS = "uuid, case_ref, status, illustration, illustration_text, revision, created_by, created_at, updated_at"
ANSWER_COLUMNS = "case_uuid, question_id, value, note, revision, assessor, updated_at"
#: Every column of the answers table, in the table's order: a row written whole (`InspectionFile.insert_case_rows`).
ANSWER_TABLE_COLUMNS = (
    "case_uuid",
    "question_id",
    "value",
    "note",
    "revision",
    "assessor",
    "updated_at",
    "merged_revision",
)
AUDIT_COLUMNS = "seq, at, actor, action, case_ref, question_id, old_value, new_value, detail, prev_hash, hash"


def case_from_row(row: tuple[Any, ...]) -> CaseRecord:
    """A `CaseRecord` from a row selected as `CASE_COLUMNS`."""
    return CaseRecord(
        uuid=row[0],
        case_ref=row[1],
        status=row[2],
        illustration=bool(row[3]),
        illustration_text=row[4],
        revision=row[5],
        created_by=row[6],
        created_at=row[7],
        updated_at=row[8],
    )


def answer_from_row(row: tuple[Any, ...]) -> AnswerRecord:
    """An `AnswerRecord` from a row selected as `ANSWER_COLUMNS`."""
    return AnswerRecord(*row)
