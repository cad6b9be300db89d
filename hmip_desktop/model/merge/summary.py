"""What a merge did, per file and in total: for the CLI's lines, the app's summary and the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hmip_desktop.model.wording import count

FileStatus = Literal["merged", "unchanged", "refused"]


@dataclass
class FileResult:
    """What happened to one incoming file."""

    name: str
    status: FileStatus
    reason: str = ""
    assessor: str = ""
    sha256: str = ""
    cases_added: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    answers_changed: int = 0
    conflicts_raised: int = 0
    conflicts_updated: int = 0
    conflicts_settled: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.cases_added
            or self.cases_updated
            or self.answers_changed
            or self.conflicts_raised
            or self.conflicts_updated
            or self.conflicts_settled
        )

    def describe(self) -> str:
        """One line for the CLI and the app's summary."""
        if self.status == "refused":
            return f"refused: {self.reason}"
        if self.status == "unchanged":
            return f"unchanged: {self.reason}"
        parts = [
            f"{count(self.cases_added, 'case')} added",
            f"{self.cases_updated} updated",
            f"{self.cases_unchanged} unchanged",
            f"{count(self.answers_changed, 'answer')} changed",
            f"{count(self.conflicts_raised, 'conflict')} raised",
        ]
        if self.conflicts_updated:
            parts.append(f"{count(self.conflicts_updated, 'conflict')} updated")
        if self.conflicts_settled:
            parts.append(f"{self.conflicts_settled} settled (the sides now agree)")
        return f"merged ({self.assessor}): " + ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "status": self.status,
            "reason": self.reason,
            "assessor": self.assessor,
            "sha256": self.sha256,
            "cases_added": self.cases_added,
            "cases_updated": self.cases_updated,
            "cases_unchanged": self.cases_unchanged,
            "answers_changed": self.answers_changed,
            "conflicts_raised": self.conflicts_raised,
            "conflicts_updated": self.conflicts_updated,
            "conflicts_settled": self.conflicts_settled,
            "warnings": list(self.warnings),
        }


@dataclass
class MergeSummary:
    files: list[FileResult]
    #: The copy of MASTER taken before the first write (None: nothing was written).
    backup: Path | None = None

    def _with(self, status: FileStatus) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def merged(self) -> list[FileResult]:
        return self._with("merged")

    @property
    def refused(self) -> list[FileResult]:
        return self._with("refused")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    def total(self, attribute: str) -> int:
        return sum(int(getattr(f, attribute)) for f in self.files)

    @property
    def changed_anything(self) -> bool:
        return any(f.changed_anything for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [f.to_json() for f in self.files],
            "merged": len(self.merged),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
            "cases_added": self.total("cases_added"),
            "cases_updated": self.total("cases_updated"),
            "answers_changed": self.total("answers_changed"),
            "conflicts_raised": self.total("conflicts_raised"),
            "backup": self.backup.name if self.backup else None,
        }
