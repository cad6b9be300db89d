"""The team as the lead's file knows it: each person, their cases, their latest import.

Read from the merge's import ledger (`imports`) and case provenance
(`case_sources` and `sources`, migration m002), for the lead's team view.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmip_desktop.model.file.store import InspectionFile


@dataclass(frozen=True)
class TeamMemberStatus:
    name: str
    role: str
    is_owner: bool
    #: Distinct cases the assessor's imported files hold, and how many they had marked complete.
    cases: int
    complete: int
    #: Files of theirs merged (re-sends included; identical re-imports are not recorded).
    imports: int
    #: When a file of theirs was last merged (None: never, e.g. the lead).
    last_import: str | None


def team_status(master: InspectionFile) -> list[TeamMemberStatus]:
    """Each person named in the lead's file, with their cases and latest import."""
    cases = {
        str(row[0]): (int(row[1]), int(row[2] or 0))
        for row in master.conn.execute(
            "SELECT s.assessor, count(DISTINCT c.case_uuid), "
            "count(DISTINCT CASE WHEN c.status = 'complete' THEN c.case_uuid END) "
            "FROM case_sources AS c JOIN sources AS s ON s.id = c.source_id GROUP BY s.assessor"
        )
    }
    imports = {
        str(row[0]): (int(row[1]), str(row[2]))
        for row in master.conn.execute(
            "SELECT assessor, count(*), max(imported_at) FROM imports WHERE kind = 'merge' GROUP BY assessor"
        )
    }
    members = []
    for person in master.assessors():
        case_count, complete = cases.get(person.name, (0, 0))
        import_count, last = imports.get(person.name, (0, None))
        members.append(
            TeamMemberStatus(
                name=person.name,
                role=person.role,
                is_owner=person.is_owner,
                cases=case_count,
                complete=complete,
                imports=import_count,
                last_import=last,
            )
        )
    return members
