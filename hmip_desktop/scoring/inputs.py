"""What the scoring engine reads: one case's status and answer values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseInput:
    uuid: str
    case_ref: str
    complete: bool
    #: Held out of the scores because a merge conflict on the case is open.
    held_out: bool = False
    #: Answer values by question id; stale answers may be present (they are never scored).
    values: Mapping[str, str] = field(default_factory=dict)
    #: The inspection the case belongs to, for national aggregates across files.
    inspection_id: str | None = None
