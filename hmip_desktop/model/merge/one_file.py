"""Merging one checked team file into the lead's file (MASTER): the rules of issue 4, and of issue 11.

- A case is its case_ref within the inspection (in any letter case). For every
  case the lead's file keeps what each source file said about it
  (`case_sources`: every answer, and the case's status and practice
  illustration, each as a `Version`), and for every answer the revision the
  merge last wrote (`answers.merged_revision`); any other revision is the
  lead's own amendment.
- Versions are compared by their lineage (the source's audit entries behind
  them), answer by answer: a version the source already gave, or an older one
  (an older copy of the file arriving after a newer one), changes nothing; a
  newer one replaces what the source said; and one from a copy of the same
  file edited elsewhere, which has not seen the other's change (diverged
  copies: same file, two laptops), stands beside it. So what a source says is
  the set of its newest versions, whatever order its copies arrive in, and two
  copies that changed one answer differently are a disagreement, never a
  silent drop. Merging a file twice changes nothing.
- An answer the lead has not amended is what the sources say: if every version
  that answers agrees, that value (all credited, notes combined); if they
  differ, a conflict, and the master value stays as it was. An answer the lead
  amended stands; a source that changes it to something else raises a conflict.
  This makes the result independent of the order of the files.
- A conflict whose sides all come to agree (a re-sent file) is settled by the
  merge. Case status and practice illustration follow the same three-way rule:
  a source's change is applied unless the lead changed that field meanwhile;
  a case is complete only when every version of every source says so.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from hmip_desktop.model.file.records import ANSWER_TABLE_COLUMNS, CaseStatus, Provenance
from hmip_desktop.model.file.rules import case_ref_key
from hmip_desktop.model.file.seal import CaseRows, part_digest
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import Conflict, ConflictSide, close_conflict, open_conflict, raise_conflict
from hmip_desktop.model.merge.incoming import (
    ILLUSTRATION_KEY,
    STATUS_KEY,
    IncomingAnswer,
    IncomingCase,
    IncomingFile,
    Lineage,
)
from hmip_desktop.model.merge.summary import FileResult
from hmip_desktop.model.wording import count, plural

MAX_WARNINGS_PER_FILE = 5
FIELD_KEYS = (STATUS_KEY, ILLUSTRATION_KEY)


@dataclass(frozen=True)
class Version:
    """One value a source file gave: an answer (value and note), or a case's status or illustration.

    Stored in `case_sources.answers` as ``[revision, value, note, updated_at, lineage]`` (rows
    written before issue 11 have no lineage). For the illustration, value is "1" or "0" and
    note its text.
    """

    revision: int
    value: str | None
    note: str
    updated_at: str
    lineage: Lineage = ()

    def seen_by(self, other: Version) -> bool:
        """Whether `other` comes from a copy that had this version (the same, or a later one of it).

        With lineages: the copy of `other` holds this version's latest audit entry (the hash
        chain makes that mean it holds this whole history). Without (rows merged before issue
        11, or a file whose log lacks the entries): the same version, or a lower revision.
        """
        if self.lineage and other.lineage:
            if self.lineage[-1] == other.lineage[-1]:
                return (self.value, self.note) == (other.value, other.note)
            return self.lineage[-1] in other.lineage
        if self.revision == other.revision:
            return (self.value, self.note) == (other.value, other.note)
        return self.revision < other.revision

    def to_json(self) -> list[Any]:
        return [self.revision, self.value, self.note, self.updated_at, list(self.lineage)]

    @classmethod
    def of(cls, entry: Sequence[Any]) -> Version:
        return cls(entry[0], entry[1], entry[2], entry[3], tuple(entry[4]) if len(entry) > 4 else ())

    def order(self) -> tuple[int, str, int, str, str, str]:
        """A fixed order among versions that stand side by side (so MASTER's rows do not depend on arrival)."""
        last = self.lineage[-1] if self.lineage else ""
        seq = int(last.split(":", 1)[0]) if last else -1
        return (seq, last, self.revision, self.updated_at, self.value or "", self.note)


def take_in(versions: list[Version], new: Version) -> tuple[list[Version], list[Version]] | None:
    """What a source says after one of its copies gives `new`: (its versions, the ones `new` replaced).

    None when `new` adds nothing (a version already given, or an older one). Otherwise the versions
    `new` has seen are replaced by it, and any it has not seen (a copy edited elsewhere) stay beside
    it. The result is the newest of all versions ever given, in a fixed order: the same whatever
    order the copies arrive in.
    """
    if any(new.seen_by(version) for version in versions):
        return None
    replaced = [version for version in versions if version.seen_by(new)]
    kept = [version for version in versions if not version.seen_by(new)]
    return sorted([*kept, new], key=Version.order), replaced


def entry_json(versions: Sequence[Version]) -> list[Any]:
    """A source's versions of one value as stored: the first, then any others beside it as a sixth element."""
    first = versions[0].to_json()
    return first if len(versions) == 1 else [*first, [version.to_json() for version in versions[1:]]]


def entry_versions(entry: Sequence[Any]) -> list[Version]:
    return [Version.of(entry), *(Version.of(other) for other in (entry[5] if len(entry) > 5 else ()))]


@dataclass(frozen=True)
class SourceAnswer:
    """What one source file said about one answer (one version of it)."""

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
    """What one source file said about one case: its `case_sources` row."""

    status: str
    revision: int
    illustration: bool
    illustration_text: str
    #: {question id or field key: the stored entry (see `entry_json`)}
    answers: dict[str, list[Any]]
    #: The answers JSON as stored, to recognise a case that has not changed without comparing it.
    raw: str = ""

    def versions(self, key: str) -> list[Version]:
        entry = self.answers.get(key)
        if entry is not None:
            return entry_versions(entry)
        # A row written before issue 11 keeps status and illustration only in its columns.
        if key == STATUS_KEY:
            return [Version(self.revision, self.status, "", "")]
        if key == ILLUSTRATION_KEY:
            return [Version(self.revision, "1" if self.illustration else "0", self.illustration_text, "")]
        return []


def provenance(inspection: InspectionFile, case_uuid: str | None = None) -> dict[tuple[str, str], list[SourceAnswer]]:
    """Who said what: every source file's answers, by (case uuid, question id), sorted by assessor.

    A file edited on two computers may give two versions of one answer; both are listed.
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
        for qid, entry in json.loads(answers).items():
            if qid in FIELD_KEYS:
                continue
            found.setdefault((uuid_, qid), []).extend(
                SourceAnswer(file_uuid, file_name, assessor, v.revision, v.value, v.note, v.updated_at)
                for v in entry_versions(entry)
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


def combined_status(statuses: Iterable[str | None]) -> CaseStatus:
    """Complete only when every source has it complete (a second marker may still be working)."""
    return "complete" if all(s == "complete" for s in statuses) else "draft"


def combined_illustration(sources: Sequence[tuple[bool, str]]) -> tuple[bool, str]:
    flagged = [text for flag, text in sources if flag]
    texts = flagged if flagged else [text for _flag, text in sources]
    unique = sorted({text for text in texts if text.strip()})
    return bool(flagged), "\n\n".join(unique)


def _illustrations(versions: Iterable[Version]) -> list[tuple[bool, str]]:
    return [(version.value == "1", version.note) for version in versions]


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
        #: Values this copy changed that an earlier copy of the same file changed otherwise (or without it).
        self.diverged = 0
        #: The answers of the cases new to MASTER, written together once every case is taken in (`run`).
        self.new_answers: list[CaseRows] = []

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
            existing = by_ref.get(case_ref_key(case.case_ref))
            if existing is not None and existing.case_ref != case.case_ref:
                respelt.append(f"{case.case_ref} (as {existing.case_ref})")
            if existing is None:
                self._add_case(case, incoming.answer_tuples(case.uuid), taken_uuids)
                self.result.cases_added += 1
            elif self._update_case(existing, case, incoming.answers.get(case.uuid, {})):
                self.result.cases_updated += 1
            else:
                self.result.cases_unchanged += 1
        self.master.insert_case_rows("answers", ANSWER_TABLE_COLUMNS, self.new_answers)
        if respelt:
            self.result.warnings.append(
                f"{incoming.name} spells {len(respelt)} case {plural(len(respelt), 'reference')} in another letter case than the lead's "
                f"file: {', '.join(respelt[:5])}{' …' if len(respelt) > 5 else ''}; merged as the same {plural(len(respelt), 'case')}"
            )
        if self.diverged:
            self.result.warnings.append(
                f"{incoming.name} and a copy of the same file merged before were each changed without the other "
                f"(the file was edited on two computers): {count(self.diverged, 'value')} of this copy "
                f"{plural(self.diverged, 'stands', 'stand')} beside the "
                "other copy's; where the two disagree on an answer, it is a conflict for the lead to settle"
            )
        self._finish_import()
        return self.result

    # -- a case new to MASTER ------------------------------------------------------

    def _add_case(self, case: IncomingCase, answers: Collection[tuple[Any, ...]], taken: set[str]) -> None:
        incoming, master = self.incoming, self.master
        # Keep the assessor's case id for provenance unless MASTER already uses it for another case.
        case_uuid = case.uuid if case.uuid not in taken else master.new_uuid()
        taken.add(case_uuid)
        self.conn.execute(
            "INSERT INTO cases (uuid, case_ref, status, illustration, illustration_text, revision, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (
                case_uuid,
                case.case_ref,
                case.status,
                int(case.illustration),
                case.illustration_text,
                incoming.owner.name,
                case.created_at,
                self.stamp,
            ),
        )
        written = new_case_rows(case_uuid, answers)
        said, values, digest = self.new_cases.get(case.uuid) or new_case_json(case, answers)
        self._record_case_source(case_uuid, case, said, case.status, (case.illustration, case.illustration_text))
        # Written with the other new cases' at the end of the file (`_insert_new_answers`): sealed without
        # reading them back, the digest holding under the case's own id.
        self.new_answers.append((case_uuid, written, digest if case_uuid == case.uuid else None))
        # One audit entry for the case's answers (replayed by audit.check_audit).
        master.audit_many(
            [
                {
                    "action": "merge-case-add",
                    "case_ref": case.case_ref,
                    "detail": f"status {case.status}, {self.detail}",
                },
                {
                    "action": "answers-merge",
                    "case_ref": case.case_ref,
                    "new_value": values,
                    "detail": f"{count(len(written), 'answer')} {self.detail}",
                },
            ]
        )
        self.result.answers_changed += len(written)

    # -- a case MASTER already has ------------------------------------------------------

    def _update_case(
        self, case: _MasterCase, incoming_case: IncomingCase, answers: Mapping[str, IncomingAnswer]
    ) -> bool:
        sources = self._case_sources(case.uuid)
        mine = sources.pop(self.source_id, None)
        said_now = (self.new_cases.get(incoming_case.uuid) or new_case_json(incoming_case, answers.values())).said
        if mine is not None and mine.raw == said_now:
            return False  # exactly what this file said at its last import: nothing to look at
        counters = self._counters()
        current = self._master_answers(case.uuid)
        said = dict(mine.answers) if mine else {}
        changed = False
        wrote = False
        for qid, answer in answers.items():
            given = Version(answer.revision, answer.value, answer.note, answer.updated_at, answer.lineage)
            taken = self._take_in(mine, said, qid, given)
            if taken is None:
                continue
            versions, replaced = taken
            changed = True
            # The file's value changed (not merely its note), as far as the versions this one replaced say.
            value_changed = not replaced or any(v.value != answer.value for v in replaced)
            others = [
                self._source_answer(source_id, version)
                for source_id, source_case in sources.items()
                for version in source_case.versions(qid)
            ]
            wrote |= self._merge_answer(
                case,
                qid,
                self._source_answer(self.source_id, given),
                [self._source_answer(self.source_id, v) for v in versions],
                value_changed,
                others,
                current.get(qid),
            )
        fields_changed, fields_wrote, status, illustration = self._merge_case_fields(
            case, incoming_case, mine, said, list(sources.values())
        )
        if changed or fields_changed or mine is None:
            self._record_case_source(case.uuid, incoming_case, _said_json(said), status, illustration)
        wrote |= fields_wrote
        if wrote:
            self.master.touch_case(case.uuid)
        return wrote or self._counters() != counters

    def _take_in(
        self, mine: SourceCase | None, said: dict[str, list[Any]], key: str, version: Version
    ) -> tuple[list[Version], list[Version]] | None:
        """Take one of this copy's versions into what the file says (`said`, updated); see `take_in`."""
        before = mine.versions(key) if mine is not None else []
        taken = take_in(before, version)
        if taken is None:
            return None
        versions, replaced = taken
        if before and not replaced:
            self.diverged += 1
        said[key] = entry_json(versions)
        return taken

    def _source_answer(self, source_id: int, version: Version) -> SourceAnswer:
        file_uuid, file_name, assessor = self.sources[source_id]
        return SourceAnswer(
            file_uuid, file_name, assessor, version.revision, version.value, version.note, version.updated_at
        )

    def _counters(self) -> tuple[int, int, int, int]:
        r = self.result
        return r.answers_changed, r.conflicts_raised, r.conflicts_updated, r.conflicts_settled

    def _merge_answer(
        self,
        case: _MasterCase,
        qid: str,
        src: SourceAnswer,
        mine: list[SourceAnswer],
        value_changed: bool,
        others: list[SourceAnswer],
        current: _MasterAnswer | None,
    ) -> bool:
        """Apply one changed source answer; return whether MASTER's answer was written.

        `src` is the version this copy gave, `mine` every version its file gives now (`src` among
        them, and any from a copy of the file edited elsewhere), `others` every other file's.
        """
        if current is not None and current.lead_owned:
            if value_changed and src.value is not None and src.value != current.value:
                lead_side = ConflictSide(
                    value=current.value,
                    note=current.note,
                    assessor=current.assessor,
                    source=self.master.path.name,
                    revision=current.revision,
                    at=current.updated_at,
                )
                conflict = open_conflict(self.master, case.uuid, qid)
                beside = (
                    [] if conflict is None else [s for s in conflict.sides if s.file_uuid not in ("", src.file_uuid)]
                )
                self._raise(case, qid, [lead_side, *beside, *self._my_sides(conflict, src, mine)], replace=True)
            else:
                self._refresh_conflict(case, qid, src, mine)
            return False
        everyone = [*others, *mine]
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
            self.master.write_answer(
                case,
                qid,
                value,
                note,
                provenance=Provenance(
                    assessor=latest.assessor,
                    action="answer-merge",
                    detail=f"{self.detail} rev {src.revision}",
                    updated_at=latest.updated_at,
                    merged=True,
                ),
            )
            self.result.answers_changed += 1
            wrote = True
        self._refresh_conflict(case, qid, src, mine)
        return wrote

    @staticmethod
    def _my_sides(conflict: Conflict | None, src: SourceAnswer, mine: list[SourceAnswer]) -> list[ConflictSide]:
        """This file's sides in a conflict: the version it gives now, and those of its sides still standing
        (a version from a copy edited elsewhere that is still among the file's newest)."""
        standing = (
            {(s.value, s.revision, s.at) for s in conflict.sides if s.file_uuid == src.file_uuid} if conflict else set()
        )
        return [
            version.side()
            for version in mine
            if version.value is not None
            and (version == src or (version.value, version.revision, version.updated_at) in standing)
        ]

    def _raise(self, case: _MasterCase, qid: str, sides: list[ConflictSide], *, replace: bool) -> None:
        """Raise or update the conflict; `replace`: `sides` are the whole disagreement."""
        existing = open_conflict(self.master, case.uuid, qid)
        conflict, created = raise_conflict(
            self.master, case.uuid, case.case_ref, qid, sides, detail=self.detail, replace=replace
        )
        if created:
            self.result.conflicts_raised += 1
        elif existing is not None and conflict.sides != existing.sides:
            self.result.conflicts_updated += 1

    def _refresh_conflict(self, case: _MasterCase, qid: str, src: SourceAnswer, mine: list[SourceAnswer]) -> None:
        """Bring this file's sides of an open conflict up to date; settle it when all sides agree."""
        conflict = open_conflict(self.master, case.uuid, qid)
        if conflict is None:
            return
        sides = [s for s in conflict.sides if s.file_uuid != src.file_uuid] + self._my_sides(conflict, src, mine)
        if sides and len({s.value for s in sides}) == 1:
            close_conflict(
                self.master, conflict, sides[0].value, f"the sides now agree ({self.incoming.name})", by="merge"
            )
            self.result.conflicts_settled += 1
        elif tuple(sides) != conflict.sides:
            self._raise(case, qid, sides, replace=True)

    def _merge_case_fields(
        self,
        case: _MasterCase,
        incoming_case: IncomingCase,
        mine: SourceCase | None,
        said: dict[str, list[Any]],
        others: list[SourceCase],
    ) -> tuple[bool, bool, str, tuple[bool, str]]:
        """Status and illustration: a source's change applies unless the lead changed the field meanwhile.

        Returns whether this file's versions changed, whether MASTER was written, and the file's
        own status and illustration (for its `case_sources` row).
        """
        changed = wrote = False
        incoming_status = Version(incoming_case.revision, incoming_case.status, "", "", incoming_case.status_lineage)
        before = mine.versions(STATUS_KEY) if mine else []
        taken = self._take_in(mine, said, STATUS_KEY, incoming_status)
        statuses = taken[0] if taken else before
        if taken is not None:
            changed = True
            known = [v.value for other in others for v in other.versions(STATUS_KEY)]
            before_all = known + [v.value for v in before]
            after_all = known + [v.value for v in statuses] + ([] if before_all else [case.status])
            after = combined_status(after_all)
            if case.status == combined_status(before_all or [case.status]) and after != case.status:
                self.master.write_status(
                    case, after, provenance=Provenance(self.master.actor, "merge-status", self.detail)
                )
                case.status = after
                wrote = True
        incoming_pair = Version(
            incoming_case.revision,
            "1" if incoming_case.illustration else "0",
            incoming_case.illustration_text,
            "",
            incoming_case.illustration_lineage,
        )
        before = mine.versions(ILLUSTRATION_KEY) if mine else []
        taken = self._take_in(mine, said, ILLUSTRATION_KEY, incoming_pair)
        illustrations = taken[0] if taken else before
        if taken is not None:
            changed = True
            master_pair = (case.illustration, case.illustration_text)
            known_pairs = [pair for other in others for pair in _illustrations(other.versions(ILLUSTRATION_KEY))]
            before_pairs = known_pairs + _illustrations(before)
            new_pair = combined_illustration(
                known_pairs + _illustrations(illustrations) + ([] if before_pairs else [master_pair])
            )
            if master_pair == combined_illustration(before_pairs or [master_pair]) and new_pair != master_pair:
                self.master.write_illustration(
                    case, *new_pair, provenance=Provenance(self.master.actor, "merge-illustration", self.detail)
                )
                case.illustration, case.illustration_text = new_pair
                wrote = True
        return (
            changed,
            wrote,
            combined_status(v.value for v in statuses),
            combined_illustration(_illustrations(illustrations)),
        )

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
            (
                incoming.file_uuid,
                incoming.name,
                incoming.sha256,
                incoming.owner.name,
                incoming.owner.role,
                incoming.inspection_id,
                self.stamp,
                self.master.actor,
            ),
        )
        self.import_id = int(cursor.lastrowid or 0)

    def _finish_import(self) -> None:
        incoming, result = self.incoming, self.result
        self.conn.execute(
            "UPDATE imports SET cases_added = ?, cases_updated = ?, cases_unchanged = ?, answers_changed = ?, "
            "conflicts_raised = ?, warning = ? WHERE id = ?",
            (
                result.cases_added,
                result.cases_updated,
                result.cases_unchanged,
                result.answers_changed,
                result.conflicts_raised,
                "\n".join(result.warnings),
                self.import_id,
            ),
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
        return {row[0]: SourceCase(row[1], row[2], bool(row[3]), row[4], json.loads(row[5]), row[5]) for row in rows}

    def _master_answers(self, case_uuid: str) -> dict[str, _MasterAnswer]:
        rows = self.conn.execute(
            "SELECT question_id, value, note, revision, assessor, updated_at, merged_revision FROM answers "
            "WHERE case_uuid = ?",
            (case_uuid,),
        )
        return {row[0]: _MasterAnswer(*row[1:]) for row in rows}

    def _record_case_source(
        self, case_uuid: str, case: IncomingCase, said_json: str, status: str, illustration: tuple[bool, str]
    ) -> None:
        """What this file says about the case now; `status` and `illustration` combine its versions."""
        self.conn.execute(
            "INSERT INTO case_sources (case_uuid, source_id, source_case_uuid, status, source_revision, illustration, "
            "illustration_text, answers, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_uuid, source_id) DO UPDATE SET source_case_uuid = excluded.source_case_uuid, "
            "status = excluded.status, source_revision = max(excluded.source_revision, case_sources.source_revision), "
            "illustration = excluded.illustration, illustration_text = excluded.illustration_text, "
            "answers = excluded.answers, import_id = excluded.import_id",
            (
                case_uuid,
                self.source_id,
                case.uuid,
                status,
                case.revision,
                int(illustration[0]),
                illustration[1],
                said_json,
                self.import_id,
            ),
        )


class NewCaseJson(NamedTuple):
    """A case new to MASTER as stored: what its source says (case_sources.answers) and its answers' values
    (the bulk audit entry's new_value), both JSON; and the digest its answers' rows have in its seal,
    were it kept under its own id (`new_case_rows`, `seal.part_digest`)."""

    said: str
    values: str
    answers_digest: str


def new_case_rows(case_uuid: str, answers: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The answers rows MASTER takes in for a new case (`ANSWER_TABLE_COLUMNS`): those with a value or a
    note. `answers`: the case's answers, laid out as `IncomingAnswer` (`IncomingFile.answer_tuples`)."""
    # ~150 answers a case: tuple unpacking, not attribute access.
    return [
        (case_uuid, qid, value, note, 1, assessor, updated_at, 1)
        for qid, value, note, _revision, assessor, updated_at, _lineage in answers
        if value is not None or note
    ]


def new_case_json(case: IncomingCase, answers: Collection[tuple[Any, ...]]) -> NewCaseJson:
    """What MASTER stores for a case it takes in whole: depends only on the incoming file, so a reading
    worker works it out ahead, off the merge's critical path (~30 % of the writing process's time)."""
    said: dict[str, list[Any]] = {
        qid: [revision, value, note, at, list(lineage)]
        for qid, value, note, revision, _assessor, at, lineage in answers
    }
    said[STATUS_KEY] = [case.revision, case.status, "", "", list(case.status_lineage)]
    said[ILLUSTRATION_KEY] = [
        case.revision,
        "1" if case.illustration else "0",
        case.illustration_text,
        "",
        list(case.illustration_lineage),
    ]
    rows = new_case_rows(case.uuid, answers)
    values = {row[1]: row[2] for row in rows}
    return NewCaseJson(
        _said_json(said),
        json.dumps(values, ensure_ascii=False, sort_keys=True),
        part_digest("answers", sorted(rows, key=_by_question)),
    )


_by_question = itemgetter(1)


def _said_json(said: dict[str, list[Any]]) -> str:
    """What a source says about a case, as stored in case_sources.answers: {question id or field key: entry}.

    The same file gives the same text for a case it has not changed, which `FileMerger._update_case` uses
    to pass over such a case without comparing its answers (any other difference in the text only means
    they are compared)."""
    return json.dumps(said, ensure_ascii=False, separators=(",", ":"))


def _side_order(source: SourceAnswer) -> tuple[str, str]:
    return (source.assessor, source.file_name)


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS_PER_FILE:
        return list(warnings)
    return [
        *warnings[:MAX_WARNINGS_PER_FILE],
        f"... and {len(warnings) - MAX_WARNINGS_PER_FILE} more {plural(len(warnings) - MAX_WARNINGS_PER_FILE, 'warning')}",
    ]
