"""Merging one checked team file into the lead's file (MASTER): the rules of issue 4.

- A case is its case_ref within the inspection. For every case the lead's
  file keeps what each source file last said about it (`case_sources`: status,
  illustration and every answer with its revision), and for every answer the
  revision the merge last wrote (`answers.merged_revision`); any other
  revision is the lead's own amendment.
- A source's answer is looked at only when it changed since that file's last
  import (a higher revision with another value or note), so merging a file
  twice changes nothing, and an older copy arriving after a newer one is ignored.
- An answer the lead has not amended is what the sources say: if all sources
  that answered agree, their value (all credited, notes combined); if they
  differ, a conflict, and the master value stays as it was. An answer the lead
  amended stands; a source that changes it to something else raises a conflict.
  This makes the result independent of the order of non-conflicting files.
- A conflict whose sides all come to agree (a re-sent file) is settled by the
  merge. Case status and practice illustration follow the same three-way rule:
  a source's change is applied unless the lead changed that field meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hmip_desktop.model.file.audit import append_audit_entries
from hmip_desktop.model.file.store import CaseStatus, InspectionFile, case_ref_key
from hmip_desktop.model.merge.conflicts import ConflictSide, close_conflict, open_conflict, raise_conflict
from hmip_desktop.model.merge.incoming import IncomingAnswer, IncomingCase, IncomingFile
from hmip_desktop.model.merge.master_answers import set_illustration, set_status, touch_case, write_answer
from hmip_desktop.model.merge.summary import FileResult

MAX_WARNINGS_PER_FILE = 5


@dataclass(frozen=True)
class SourceAnswer:
    """What one source file said about one answer at its latest import."""

    file_uuid: str
    file_name: str
    assessor: str
    revision: int
    value: str | None
    note: str
    updated_at: str

    def side(self) -> ConflictSide:
        return ConflictSide(
            value=self.value,
            note=self.note,
            assessor=self.assessor,
            source=self.file_name,
            revision=self.revision,
            at=self.updated_at,
            file_uuid=self.file_uuid,
        )


@dataclass(frozen=True)
class SourceCase:
    """What one source file last said about one case."""

    status: str
    revision: int
    illustration: bool
    illustration_text: str
    #: {question id: [revision, value, note, updated_at]}
    answers: dict[str, list[Any]]


def provenance(
    inspection: InspectionFile, case_uuid: str | None = None
) -> dict[tuple[str, str], list[SourceAnswer]]:
    """Who said what: every source file's latest answer, by (case uuid, question id), sorted by assessor.

    `case_uuid` limits it to one case.
    """
    sources = {
        row[0]: (row[1], row[2], row[3])
        for row in inspection.conn.execute("SELECT id, file_uuid, file_name, assessor FROM sources")
    }
    where, params = ("WHERE case_uuid = ?", (case_uuid,)) if case_uuid else ("", ())
    found: dict[tuple[str, str], list[SourceAnswer]] = {}
    for uuid_, source_id, answers in inspection.conn.execute(
        f"SELECT case_uuid, source_id, answers FROM case_sources {where}", params
    ):
        file_uuid, file_name, assessor = sources[source_id]
        for qid, (revision, value, note, updated_at) in json.loads(answers).items():
            found.setdefault((uuid_, qid), []).append(
                SourceAnswer(file_uuid, file_name, assessor, revision, value, note, updated_at)
            )
    for said in found.values():
        said.sort(key=_side_order)
    return found


def combined_note(sources: Iterable[SourceAnswer]) -> str:
    """The evidence notes of sources that agree: one note as it is, several each credited."""
    notes = sorted({(s.assessor, s.note) for s in sources if s.note.strip()})
    if len({note for _a, note in notes}) <= 1:
        return notes[0][1] if notes else ""
    return "\n\n".join(f"[{assessor}] {note}" for assessor, note in notes)


def combined_status(statuses: Iterable[str]) -> CaseStatus:
    """Complete only when every source has it complete (a second marker may still be working)."""
    return "complete" if all(s == "complete" for s in statuses) else "draft"


def combined_illustration(sources: Sequence[tuple[bool, str]]) -> tuple[bool, str]:
    flagged = [text for flag, text in sources if flag]
    texts = flagged if flagged else [text for _flag, text in sources]
    unique = sorted({text for text in texts if text.strip()})
    return bool(flagged), "\n\n".join(unique)


@dataclass
class _MasterCase:
    uuid: str
    case_ref: str
    status: str
    illustration: bool
    illustration_text: str


@dataclass(frozen=True)
class _MasterAnswer:
    value: str | None
    note: str
    revision: int
    assessor: str
    updated_at: str
    merged_revision: int | None

    @property
    def lead_owned(self) -> bool:
        """Written or amended by the lead since the merge last wrote it."""
        return self.revision != self.merged_revision


class FileMerger:
    """Merges one checked incoming file into MASTER, inside the caller's transaction."""

    def __init__(
        self, master: InspectionFile, incoming: IncomingFile, new_cases: Mapping[str, NewCaseJson] | None = None
    ) -> None:
        """`new_cases`: `new_case_json` of the file's cases by uuid, if worked out already (by a reading worker)."""
        self.master = master
        self.incoming = incoming
        self.new_cases = new_cases or {}
        self.conn = master.conn
        self.stamp = master.clock()
        self.result = FileResult(
            name=incoming.name, status="merged", assessor=incoming.owner.name, sha256=incoming.sha256
        )
        self.result.warnings = _capped(incoming.warnings)
        if incoming.migrated_from is not None:
            self.result.warnings.append(
                f"{incoming.name} was written with an older file format (schema {incoming.migrated_from}); "
                "it was upgraded in a temporary copy"
            )
        self.detail = f"from {incoming.name} ({incoming.owner.name})"
        self.source_id = 0
        self.import_id = 0
        self.sources: dict[int, tuple[str, str, str]] = {}

    def run(self) -> FileResult:
        incoming = self.incoming
        self.master.add_assessor(incoming.owner.name, incoming.owner.role)
        self._start_import()
        # Keyed as the store keys case references: `kt-0001` from one file is `KT-0001` from another.
        by_ref: dict[str, _MasterCase] = {}
        for row in self.conn.execute(
            "SELECT uuid, case_ref, status, illustration, illustration_text FROM cases ORDER BY rowid"
        ):
            by_ref.setdefault(case_ref_key(row[1]), _MasterCase(row[0], row[1], row[2], bool(row[3]), row[4]))
        taken_uuids = {case.uuid for case in by_ref.values()}
        respelt = []
        for case in incoming.cases:
            answers = incoming.answers.get(case.uuid, {})
            existing = by_ref.get(case_ref_key(case.case_ref))
            if existing is not None and existing.case_ref != case.case_ref:
                respelt.append(f"{case.case_ref} (as {existing.case_ref})")
            if existing is None:
                self._add_case(case, answers, taken_uuids)
                self.result.cases_added += 1
            elif self._update_case(existing, case, answers):
                self.result.cases_updated += 1
            else:
                self.result.cases_unchanged += 1
        if respelt:
            self.result.warnings.append(
                f"{incoming.name} spells {len(respelt)} case reference(s) in another letter case than the lead's "
                f"file: {', '.join(respelt[:5])}{' …' if len(respelt) > 5 else ''}; merged as the same case(s)"
            )
        self._finish_import()
        return self.result

    # -- a case new to MASTER ------------------------------------------------------

    def _add_case(self, case: IncomingCase, answers: dict[str, IncomingAnswer], taken: set[str]) -> None:
        incoming, master = self.incoming, self.master
        # Keep the assessor's case id for provenance unless MASTER already uses it for another case.
        case_uuid = case.uuid if case.uuid not in taken else master.new_uuid()
        taken.add(case_uuid)
        self.conn.execute(
            "INSERT INTO cases (uuid, case_ref, status, illustration, illustration_text, revision, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (case_uuid, case.case_ref, case.status, int(case.illustration), case.illustration_text,
             incoming.owner.name, case.created_at, self.stamp),
        )
        # ~150 answers a case: tuple unpacking, not attribute access.
        written = [
            (case_uuid, qid, value, note, assessor, updated_at)
            for qid, value, note, _revision, assessor, updated_at in answers.values()
            if value is not None or note
        ]
        self.conn.executemany(
            "INSERT INTO answers (case_uuid, question_id, value, note, revision, assessor, updated_at, "
            "merged_revision) VALUES (?, ?, ?, ?, 1, ?, ?, 1)",
            written,
        )
        said, values = self.new_cases.get(case.uuid) or new_case_json(answers)
        self._record_case_source(case_uuid, case, said)
        # One audit entry for the case's answers (replayed by integrity.audit_consistency).
        append_audit_entries(master, [
            {"action": "merge-case-add", "case_ref": case.case_ref, "detail": f"status {case.status}, {self.detail}"},
            {"action": "answers-merge", "case_ref": case.case_ref, "new_value": values,
             "detail": f"{len(written)} answer(s) {self.detail}"},
        ])
        self.result.answers_changed += len(written)

    # -- a case MASTER already has ------------------------------------------------------

    def _update_case(self, case: _MasterCase, incoming_case: IncomingCase, answers: dict[str, IncomingAnswer]) -> bool:
        sources = self._case_sources(case.uuid)
        base_case = sources.pop(self.source_id, None)
        if base_case is not None and incoming_case.revision <= base_case.revision:
            return False  # not touched in this file since its last import (or an older copy)
        counters = self._counters()
        current = self._master_answers(case.uuid)
        said = dict(base_case.answers) if base_case else {}
        wrote = False
        for qid, answer in answers.items():
            src = SourceAnswer(self.incoming.file_uuid, self.incoming.name, answer.assessor, answer.revision,
                               answer.value, answer.note, answer.updated_at)
            base = self._said_by(self.source_id, base_case, qid)
            if base is not None and (src.revision < base.revision or (src.revision == base.revision and (
                    src.value, src.note) == (base.value, base.note))):
                continue
            said[qid] = [answer.revision, answer.value, answer.note, answer.updated_at]
            others = [
                said_by for source_id, source_case in sources.items()
                if (said_by := self._said_by(source_id, source_case, qid)) is not None
            ]
            value_changed = base is None or src.value != base.value
            wrote |= self._merge_answer(case, qid, src, value_changed, others, current.get(qid))
        wrote |= self._merge_case_fields(case, incoming_case, base_case, list(sources.values()))
        self._record_case_source(case.uuid, incoming_case, _said_json(said))
        if wrote:
            touch_case(self.master, case.uuid)
        return wrote or self._counters() != counters

    def _said_by(self, source_id: int, source_case: SourceCase | None, qid: str) -> SourceAnswer | None:
        """What one source file last said about one answer (None: nothing)."""
        if source_case is None:
            return None
        entry = source_case.answers.get(qid)
        if entry is None:
            return None
        file_uuid, file_name, assessor = self.sources[source_id]
        revision, value, note, updated_at = entry
        return SourceAnswer(file_uuid, file_name, assessor, revision, value, note, updated_at)

    def _counters(self) -> tuple[int, int, int, int]:
        r = self.result
        return r.answers_changed, r.conflicts_raised, r.conflicts_updated, r.conflicts_settled

    def _merge_answer(
        self,
        case: _MasterCase,
        qid: str,
        src: SourceAnswer,
        value_changed: bool,
        others: list[SourceAnswer],
        current: _MasterAnswer | None,
    ) -> bool:
        """Apply one changed source answer; return whether MASTER's answer was written."""
        if current is not None and current.lead_owned:
            if value_changed and src.value is not None and src.value != current.value:
                lead_side = ConflictSide(
                    value=current.value, note=current.note, assessor=current.assessor,
                    source=self.master.path.name, revision=current.revision, at=current.updated_at,
                )
                self._raise(case, qid, [lead_side, src.side()], replace=False)
            else:
                self._refresh_conflict(case, qid, src)
            return False
        everyone = [*others, src]
        positions = [s for s in everyone if s.value is not None]
        values = {s.value for s in positions}
        if len(values) > 1:
            self._raise(case, qid, [s.side() for s in sorted(positions, key=_side_order)], replace=True)
            return False
        value = next(iter(values), None)
        note = combined_note(s for s in everyone if s.value == value)
        wrote = False
        old = (current.value, current.note) if current else (None, "")
        if (value, note) != old:
            latest = max((s for s in everyone if s.value == value), key=lambda s: s.updated_at, default=src)
            write_answer(
                self.master, case.uuid, case.case_ref, qid, value, note,
                assessor=latest.assessor, action="answer-merge", detail=f"{self.detail} rev {src.revision}",
                updated_at=latest.updated_at, merged=True,
            )
            self.result.answers_changed += 1
            wrote = True
        self._refresh_conflict(case, qid, src)
        return wrote

    def _raise(self, case: _MasterCase, qid: str, sides: list[ConflictSide], *, replace: bool) -> None:
        """Raise or update the conflict; `replace`: the sources' positions are the whole disagreement."""
        existing = open_conflict(self.master, case.uuid, qid)
        conflict, created = raise_conflict(
            self.master, case.uuid, case.case_ref, qid, sides, detail=self.detail, replace=replace
        )
        if created:
            self.result.conflicts_raised += 1
        elif existing is not None and conflict.sides != existing.sides:
            self.result.conflicts_updated += 1

    def _refresh_conflict(self, case: _MasterCase, qid: str, src: SourceAnswer) -> None:
        """Bring this source's side of an open conflict up to date; settle it when all sides agree."""
        conflict = open_conflict(self.master, case.uuid, qid)
        if conflict is None:
            return
        side = src.side()
        sides = [s for s in conflict.sides if s.key != side.key] + ([side] if src.value is not None else [])
        if sides and len({s.value for s in sides}) == 1:
            close_conflict(self.master, conflict, sides[0].value, f"the sides now agree ({self.incoming.name})",
                           by="merge")
            self.result.conflicts_settled += 1
        elif tuple(sides) != conflict.sides:
            self._raise(case, qid, sides, replace=True)

    def _merge_case_fields(
        self, case: _MasterCase, incoming_case: IncomingCase, base: SourceCase | None, others: list[SourceCase]
    ) -> bool:
        """Status and illustration: a source's change applies unless the lead changed the field meanwhile."""
        wrote = False
        known = others + ([base] if base else [])
        if base is None or base.status != incoming_case.status:
            before_statuses = [s.status for s in known] or [case.status]
            after = combined_status(
                [s.status for s in others] + [incoming_case.status] + ([] if known else [case.status])
            )
            if case.status == combined_status(before_statuses) and after != case.status:
                set_status(self.master, case.uuid, case.case_ref, case.status, after, self.detail)
                case.status = after
                wrote = True
        incoming_pair = (incoming_case.illustration, incoming_case.illustration_text)
        if base is None or (base.illustration, base.illustration_text) != incoming_pair:
            master_pair = (case.illustration, case.illustration_text)
            known_pairs = [(s.illustration, s.illustration_text) for s in known] or [master_pair]
            new_pair = combined_illustration(
                [(s.illustration, s.illustration_text) for s in others] + [incoming_pair]
                + ([] if known else [master_pair])
            )
            if master_pair == combined_illustration(known_pairs) and new_pair != master_pair:
                set_illustration(self.master, case.uuid, case.case_ref, new_pair[0], new_pair[1], self.detail)
                case.illustration, case.illustration_text = new_pair
                wrote = True
        return wrote

    # -- provenance ------------------------------------------------------------------------

    def _start_import(self) -> None:
        incoming = self.incoming
        self.conn.execute(
            "INSERT INTO sources (file_uuid, file_name, assessor) VALUES (?, ?, ?) ON CONFLICT (file_uuid) "
            "DO UPDATE SET file_name = excluded.file_name, assessor = excluded.assessor",
            (incoming.file_uuid, incoming.name, incoming.owner.name),
        )
        self.sources = {
            row[0]: (row[1], row[2], row[3])
            for row in self.conn.execute("SELECT id, file_uuid, file_name, assessor FROM sources")
        }
        self.source_id = next(sid for sid, (uuid, _n, _a) in self.sources.items() if uuid == incoming.file_uuid)
        cursor = self.conn.execute(
            "INSERT INTO imports (file_uuid, file_name, sha256, assessor, role, inspection_id, imported_at, "
            "imported_by, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'merge')",
            (incoming.file_uuid, incoming.name, incoming.sha256, incoming.owner.name, incoming.owner.role,
             incoming.inspection_id, self.stamp, self.master.actor),
        )
        self.import_id = int(cursor.lastrowid or 0)

    def _finish_import(self) -> None:
        incoming, result = self.incoming, self.result
        self.conn.execute(
            "UPDATE imports SET cases_added = ?, cases_updated = ?, cases_unchanged = ?, answers_changed = ?, "
            "conflicts_raised = ?, warning = ? WHERE id = ?",
            (result.cases_added, result.cases_updated, result.cases_unchanged, result.answers_changed,
             result.conflicts_raised, "\n".join(result.warnings), self.import_id),
        )
        self.master.audit(
            "merge-file",
            detail=f"{incoming.name} ({incoming.owner.name}, sha256 {incoming.sha256[:12]}): "
            + result.describe().split(": ", 1)[-1],
        )

    def _case_sources(self, case_uuid: str) -> dict[int, SourceCase]:
        rows = self.conn.execute(
            "SELECT source_id, status, source_revision, illustration, illustration_text, answers FROM case_sources "
            "WHERE case_uuid = ?",
            (case_uuid,),
        )
        return {row[0]: SourceCase(row[1], row[2], bool(row[3]), row[4], json.loads(row[5])) for row in rows}

    def _master_answers(self, case_uuid: str) -> dict[str, _MasterAnswer]:
        rows = self.conn.execute(
            "SELECT question_id, value, note, revision, assessor, updated_at, merged_revision FROM answers "
            "WHERE case_uuid = ?",
            (case_uuid,),
        )
        return {row[0]: _MasterAnswer(*row[1:]) for row in rows}

    def _record_case_source(self, case_uuid: str, case: IncomingCase, said_json: str) -> None:
        self.conn.execute(
            "INSERT INTO case_sources (case_uuid, source_id, source_case_uuid, status, source_revision, illustration, "
            "illustration_text, answers, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_uuid, source_id) DO UPDATE SET source_case_uuid = excluded.source_case_uuid, "
            "status = excluded.status, source_revision = excluded.source_revision, "
            "illustration = excluded.illustration, illustration_text = excluded.illustration_text, "
            "answers = excluded.answers, import_id = excluded.import_id "
            "WHERE excluded.source_revision >= case_sources.source_revision",
            (case_uuid, self.source_id, case.uuid, case.status, case.revision, int(case.illustration),
             case.illustration_text, said_json, self.import_id),
        )


#: A case new to MASTER as stored: its source's answers (case_sources.answers) and its answers' values (the
#: bulk audit entry's new_value), both JSON.
NewCaseJson = tuple[str, str]


def new_case_json(answers: Mapping[str, IncomingAnswer]) -> NewCaseJson:
    """What MASTER stores as JSON for a case it takes in whole: depends only on the incoming file, so a
    reading worker works it out ahead, off the merge's critical path (~15 % of the writing process's time)."""
    # ~150 answers a case: tuple unpacking, not attribute access.
    said = {qid: [revision, value, note, at] for qid, value, note, revision, _assessor, at in answers.values()}
    values = {qid: value for qid, value, note, _revision, _assessor, _at in answers.values() if value is not None or note}
    return _said_json(said), json.dumps(values, ensure_ascii=False, sort_keys=True)


def _said_json(said: dict[str, list[Any]]) -> str:
    """A source's answers as stored in case_sources.answers: {question id: [revision, value, note, updated_at]}."""
    return json.dumps(said, ensure_ascii=False, separators=(",", ":"))


def _side_order(source: SourceAnswer) -> tuple[str, str]:
    return (source.assessor, source.file_name)


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS_PER_FILE:
        return list(warnings)
    return [*warnings[:MAX_WARNINGS_PER_FILE], f"... and {len(warnings) - MAX_WARNINGS_PER_FILE} more warning(s)"]
