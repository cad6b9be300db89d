"""Reopening a settled conflict: the core function and `hmip resolve --reopen` (both audited)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from merge_support import FULL_CASE, team_file

from hmip_desktop.cli.main import main
from hmip_desktop.model.errors import CaseError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import (
    conflicted_case_uuids,
    list_conflicts,
    reopen_conflict,
    resolve_conflict,
)
from hmip_desktop.model.merge.files import create_master, merge_files


@pytest.fixture
def master(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    """A lead file where Ann and Bob disagree on KT-001 p.plan (one open conflict)."""
    folder = tmp_path / "team"
    folder.mkdir()
    ann = team_file(folder, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(folder, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    lead = create_master(tmp_path / "lead.hmip", ann, lead="Lee Lead")
    merge_files(lead, [ann, bob])
    yield lead
    lead.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_resolved_conflict_reopens_holds_its_case_out_again_and_is_audited(master: InspectionFile) -> None:
    [conflict] = list_conflicts(master)
    resolve_conflict(master, "KT-001", "p.plan", take="Bob Jones", note="read the plan")
    assert conflicted_case_uuids(master) == set()

    reopened = reopen_conflict(master, "KT-001", "p.plan", note="Ann's reading was right after all")
    assert reopened.id == conflict.id and reopened.is_open
    assert (reopened.resolved_by, reopened.resolution_value, reopened.resolution_note) == (None, None, "")
    assert reopened.sides == conflict.sides
    assert conflicted_case_uuids(master) == {conflict.case_uuid}
    # The decided answer stays until the next decision.
    assert master.values_for(conflict.case_uuid)["p.plan"] == "not-done"
    entry = [e for e in master.audit_entries() if e.action == "conflict-reopen"][-1]
    assert (entry.case_ref, entry.question_id, entry.old_value, entry.actor) == (
        "KT-001",
        "p.plan",
        "not-done",
        "Lee Lead",
    )
    assert f"conflict #{conflict.id} reopened by Lee Lead" in entry.detail
    assert entry.detail.endswith(": Ann's reading was right after all")

    settled = resolve_conflict(master, "KT-001", "p.plan", take="Ann Smith")
    assert settled.resolution_value == "sufficient" and not settled.is_open
    assert master.values_for(conflict.case_uuid)["p.plan"] == "sufficient"


def test_reopen_refuses_what_it_cannot_do_and_changes_nothing(master: InspectionFile) -> None:
    path = master.path
    before = digest(path)
    with pytest.raises(CaseError, match="already has an open conflict"):
        reopen_conflict(master, "KT-001", "p.plan")
    with pytest.raises(CaseError, match=r"no resolved conflict on KT-001 s\.quality"):
        reopen_conflict(master, "KT-001", "s.quality")
    assert digest(path) == before

    [conflict] = list_conflicts(master)
    resolve_conflict(master, "KT-001", "p.plan", value="sufficient")
    with pytest.raises(CaseError, match=rf"#{conflict.id + 7}.*overtaken by a later decision \(#{conflict.id}\)"):
        reopen_conflict(master, "KT-001", "p.plan", conflict_id=conflict.id + 7)
    assert not list_conflicts(master)


def test_hmip_resolve_reopen(master: InspectionFile, capsys: pytest.CaptureFixture[str]) -> None:
    path = master.path
    resolve_conflict(master, "KT-001", "p.plan", value="sufficient")
    master.close()

    assert main(["resolve", str(path), "KT-001", "p.plan", "--reopen", "--note", "second look"]) == 0
    out = capsys.readouterr().out
    assert "reopened KT-001 p.plan" in out and "1 open conflict" in out
    with InspectionFile.open(path, read_only=True) as lead:
        [conflict] = list_conflicts(lead)
        assert conflict.case_ref == "KT-001" and conflict.is_open

    before = digest(path)
    assert main(["resolve", str(path), "KT-001", "p.plan", "--reopen"]) == 3
    assert "already has an open conflict" in capsys.readouterr().err
    assert main(["resolve", str(path), "KT-001", "p.plan", "sufficient", "--reopen"]) == 3
    assert "--reopen takes no VALUE" in capsys.readouterr().err
    assert digest(path) == before
