"""Faults a field team really meets at merge time (issue 11, the merge side).

Each ends in the right result or a clear refusal that names the file, says what
to do, and changes nothing: a lead's merged file offered as a team file, side
files (a hot journal, a WAL) beside an incoming file, case references that
bypass the rules, a "complete" case with questions unanswered, a busy lead file
and a disk that fills during the pre-merge backup.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from merge_support import FULL_CASE, add_case, content, new_file, sha256, team_file

from hmip_desktop.model.errors import FileLocked, StorageError, UserError
from hmip_desktop.model.file.package import ScryptParams, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge import files as merge_files_module
from hmip_desktop.model.merge.aggregate import build_aggregate
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.scoring.load import score_file


@pytest.fixture
def lead(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    master = new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead")
    yield master
    master.close()


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _refused(master: InspectionFile, path: Path) -> str:
    before = sha256(master.path)
    [result] = merge_files(master, [path]).files
    assert result.status == "refused", result.to_json()
    assert sha256(master.path) == before
    return result.reason


# -- a lead's merged file offered as a team file ---------------------------------------------------


@pytest.fixture
def other_lead(tmp_path: Path, mini_instrument: Instrument) -> Path:
    """Another lead's merged file of the same inspection: an open conflict, a resolution, provenance."""
    team = tmp_path / "team"
    team.mkdir()
    ann = team_file(team, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    bob = team_file(
        team, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done", "r.rmp": "yes"}}
    )
    with new_file(tmp_path, "other-lead.hmip", "Ola Other", mini_instrument, role="lead") as other:
        merge_files(other, [ann, bob])
        from hmip_desktop.model.merge.conflicts import resolve_conflict

        resolve_conflict(other, "KT-001", "r.rmp", take="Bob Jones")
        assert len(list_conflicts(other)) == 1  # p.plan is still disputed
    return tmp_path / "other-lead.hmip"


def test_a_leads_merged_file_is_refused_as_a_team_file(lead: InspectionFile, other_lead: Path) -> None:
    reason = _refused(lead, other_lead)
    assert "other-lead.hmip is a lead's merged file" in reason
    assert "1 open conflict" in reason
    assert "Merge the assessors' own files instead" in reason and "hmip aggregate" in reason
    assert score_file(lead, include_incomplete=True).cases_scored == 0  # nothing disputed was scored


def test_a_lead_role_file_holding_only_its_own_judgements_merges(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    """What is lost by merging a lead's file is its conflicts, decisions and provenance: a lead-role file
    without any (the lead marking cases themselves) has none to lose."""
    with new_file(tmp_path, "lee-own.hmip", "Lee Lead", mini_instrument, role="lead") as own:
        add_case(own, "KT-009", complete=True)
    [result] = merge_files(lead, [tmp_path / "lee-own.hmip"]).files
    assert (result.status, result.cases_added) == ("merged", 1)


def test_aggregates_still_take_leads_merged_files(other_lead: Path, tmp_path: Path) -> None:
    summary = build_aggregate(tmp_path / "national.hmip", [other_lead])
    assert summary.refused == []
    [member] = summary.members
    assert (member.cases, member.open_conflicts) == (2, 1)


# -- side files beside an incoming file --------------------------------------------------------------


def _hot_journal_copy(source: Path, folder: Path) -> tuple[Path, dict[str, object]]:
    """A copy of `source` taken in the middle of a write that spilled to the file: the main file holds
    uncommitted pages and a hot journal holds the committed ones. Returns the copy and the committed content."""
    folder.mkdir()
    with InspectionFile.open(source, read_only=True) as before:
        committed = content(before)
    conn = sqlite3.connect(source, isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # spill early: the write reaches the main file before COMMIT
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE answers SET value = 'not-done', note = randomblob(3000) WHERE question_id = 'p.plan'")
    conn.execute("UPDATE answers SET note = hex(randomblob(2000))")
    copy = folder / source.name
    shutil.copy(source, copy)
    shutil.copy(source.with_name(source.name + "-journal"), folder / (source.name + "-journal"))
    conn.execute("ROLLBACK")
    conn.close()
    return copy, committed


def test_a_hot_journal_is_rolled_back_in_the_private_copy(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    copy, committed = _hot_journal_copy(ann, tmp_path / "stick")
    side_files = {p.name: p.read_bytes() for p in copy.parent.iterdir()}
    [result] = merge_files(lead, [copy]).files
    assert result.status == "merged", result.reason
    assert content(lead) == committed  # the last committed state, not the half-written pages
    assert {p.name: p.read_bytes() for p in copy.parent.iterdir()} == side_files  # the team file is untouched


def test_a_file_left_in_wal_mode_is_read_with_its_wal(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    stick = tmp_path / "stick"
    stick.mkdir()
    with InspectionFile.open(ann) as source:
        source.conn.execute("PRAGMA journal_mode = WAL")  # as another SQLite tool might leave it
        source.set_answer("KT-001", "p.plan", "insufficient", "the correction made last")
        # Copied while the WAL still holds the change (closing would checkpoint it).
        for suffix in ("", "-wal"):
            shutil.copy(ann.with_name(ann.name + suffix), stick / (ann.name + suffix))
    copy = stick / ann.name
    assert (stick / "ann.hmip-wal").stat().st_size > 0
    [result] = merge_files(lead, [copy]).files
    assert result.status == "merged", result.reason
    answer = lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"]
    assert (answer.value, answer.note) == ("insufficient", "the correction made last")
    assert any("ann.hmip-wal" in warning for warning in result.warnings), result.warnings
    assert list_conflicts(lead) == [] and not any("audit" in w for w in result.warnings)


def test_a_package_made_from_a_file_left_in_wal_mode_holds_the_wal(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    """Packaging reads the source through SQLite (the backup API), WAL included: never the stale main file."""
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None}, complete=False)
    stick = tmp_path / "stick"
    stick.mkdir()
    with InspectionFile.open(ann) as source:
        source.conn.execute("PRAGMA journal_mode = WAL")
        source.set_answer("KT-001", "p.plan", "insufficient", "the correction made last")
        for suffix in ("", "-wal"):
            shutil.copy(ann.with_name(ann.name + suffix), stick / (ann.name + suffix))
    write_package(stick / "ann.hmip", tmp_path / "ann.hmipx", "kent fieldwork march", kdf=ScryptParams(n=2**10))
    [result] = merge_files(lead, [tmp_path / "ann.hmipx"], passphrase_for=lambda _path: "kent fieldwork march").files
    assert result.status == "merged", result.reason
    assert lead.answers_for(lead.get_case("KT-001").uuid)["p.plan"].value == "insufficient"


def test_a_wal_mode_file_without_its_wal_is_merged_as_it_stands(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    _sql(ann, "PRAGMA journal_mode = WAL")  # checkpointed on close: the file alone is complete
    assert not ann.with_name("ann.hmip-wal").exists()
    [result] = merge_files(lead, [ann]).files
    assert (result.status, result.cases_added) == ("merged", 1), result.reason


# -- case references -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_ref", "set_inspection"),
    [
        ("John Smith 01/02/1980", True),  # a name and a date of birth, behind an aggregate's inspection id
        ("KT-001\n", False),  # a trailing new line slips past a `$` in the pattern
        ('=HYPERLINK("http://x")', True),  # a spreadsheet formula
        (" KT-003", False),
    ],
    ids=["name-and-birth-date", "newline", "formula", "leading-space"],
)
def test_every_case_reference_of_an_incoming_file_is_checked(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument, bad_ref: str, set_inspection: bool
) -> None:
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-002": None, "KT-005": None})
    conn = sqlite3.connect(bob)
    conn.execute("UPDATE cases SET case_ref = ? WHERE case_ref = 'KT-005'", (bad_ref,))
    if set_inspection:
        conn.execute("UPDATE cases SET inspection_id = 'KENT-2014' WHERE case_ref = ?", (bad_ref,))
    conn.commit()
    conn.close()
    reason = _refused(lead, bob)
    assert "bob.hmip" in reason and "not a valid case reference" in reason, reason
    assert content(lead) == {}


def test_refs_differing_only_in_letter_case_are_one_case(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"kt-001": {**FULL_CASE, "p.plan": "not-done"}})
    summary = merge_files(lead, [ann, bob])
    assert [f.status for f in summary.files] == ["merged", "merged"]
    assert list(content(lead)) == ["KT-001"]  # one case, as the lead first had it spelt
    assert [(c.case_ref, c.question_id) for c in list_conflicts(lead)] == [("KT-001", "p.plan")]
    assert any("kt-001" in w and "KT-001" in w for w in summary.files[1].warnings), summary.files[1].warnings


def test_two_refs_differing_only_in_letter_case_in_one_file_are_refused(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": None, "KT-002": None})
    _sql(bob, "UPDATE cases SET case_ref = 'kt-001' WHERE case_ref = 'KT-002'")
    reason = _refused(lead, bob)
    assert "bob.hmip" in reason and "KT-001" in reason and "kt-001" in reason


# -- completeness re-checked ------------------------------------------------------------------------------


def test_a_case_forced_to_complete_with_questions_unanswered_merges_as_a_draft(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann = team_file(
        tmp_path,
        "ann.hmip",
        "Ann Smith",
        mini_instrument,
        {"KT-001": None, "KT-002": {"cd.gender": "male"}},
        complete=False,
    )
    with InspectionFile.open(ann) as source:
        source.complete_case("KT-001")
    _sql(ann, "UPDATE cases SET status = 'complete' WHERE case_ref = 'KT-002'")  # a hand edit
    [result] = merge_files(lead, [ann]).files
    assert result.status == "merged"
    assert (lead.get_case("KT-001").status, lead.get_case("KT-002").status) == ("complete", "draft")
    [warning] = [w for w in result.warnings if "KT-002" in w and "marked complete" in w]
    assert "unanswered" in warning and "merged as a draft" in warning
    assert any("case KT-002: its details" in w for w in result.warnings)  # and the seal saw the hand edit
    assert score_file(lead).cases_scored == 1


# -- a busy lead file, a full disk ---------------------------------------------------------------------------


def test_a_busy_lead_file_refuses_the_whole_merge_once(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument
) -> None:
    files = [team_file(tmp_path, f"t{n}.hmip", "Ann Smith", mini_instrument, {f"KT-00{n}": None}) for n in (1, 2, 3)]
    other = sqlite3.connect(lead.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing to the lead's file
    try:
        before = sha256(lead.path)
        with pytest.raises(FileLocked, match=r"lead\.hmip: the file is busy") as raised:
            merge_files(lead, files)
        assert "nothing was merged" in str(raised.value).lower()
        assert sha256(lead.path) == before
        assert not (tmp_path / "backups").exists()
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_disk_full_during_the_backup_leaves_no_partial_backup(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    merge_files(lead, [ann])
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-002": None})
    backups_before = sorted(p.name for p in (tmp_path / "backups").iterdir())
    real_copy = merge_files_module._copy_pages

    def fill_the_disk(source: sqlite3.Connection, target: Path) -> None:
        real_copy(source, target)  # a part is written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(merge_files_module, "_copy_pages", fill_the_disk)
    before = sha256(lead.path)
    with pytest.raises(StorageError, match=r"lead\.hmip could not be backed up before merging: the disk is full"):
        merge_files(lead, [bob])
    assert sha256(lead.path) == before
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == backups_before


def _can_mount_tmpfs(point: Path, size: str = "256k") -> bool:
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True, check=False
    )
    return done.returncode == 0


def test_a_really_full_disk_during_the_backup(tmp_path: Path, mini_instrument: Instrument) -> None:
    """The same on a real file system that fills up (a 256 KiB tmpfs; needs root, skipped otherwise)."""
    small = tmp_path / "small"
    if shutil.which("mount") is None or not _can_mount_tmpfs(small):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        team = tmp_path / "team"
        team.mkdir()
        ann = team_file(team, "ann.hmip", "Ann Smith", mini_instrument, {f"KT-{n:03d}": None for n in range(1, 4)})
        with new_file(small, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as master:
            merge_files(master, [ann])
            (small / "backups").mkdir(exist_ok=True)
            for stale in (small / "backups").iterdir():
                stale.unlink()
            filler = small / "filler"
            free = shutil.disk_usage(small).free
            filler.write_bytes(b"\0" * max(0, free - master.path.stat().st_size // 2))
            bob = team_file(team, "bob.hmip", "Bob Jones", mini_instrument, {"KT-009": None})
            before = sha256(master.path)
            with pytest.raises(StorageError, match="the disk is full"):
                merge_files(master, [bob])
            assert sha256(master.path) == before
            assert list((small / "backups").iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


# -- hand edits in a team file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "warning"),
    [
        (
            "UPDATE answers SET note = 'added later' WHERE question_id = 'p.plan'",
            "case KT-001: its answers (a value, note or assessor) changed outside HMIP Desktop",
        ),
        (
            "UPDATE answers SET assessor = 'Bob Jones' WHERE question_id = 'r.rmp'",
            "case KT-001: its answers (a value, note or assessor) changed outside HMIP Desktop",
        ),
        (
            "UPDATE cases SET illustration = 1, illustration_text = 'made up'",
            "case KT-001: its details (reference, status, practice illustration) changed outside HMIP Desktop",
        ),
        ("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)", "deleted outside the app"),
    ],
    ids=["note", "assessor", "illustration", "last-audit-entry"],
)
def test_hand_edits_in_a_team_file_are_named_in_a_warning(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument, edit: str, warning: str
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    _sql(ann, edit)
    [result] = merge_files(lead, [ann]).files
    assert result.status == "merged"
    assert any(w.startswith("ann.hmip: ") and warning in w for w in result.warnings), result.warnings
    ledger = lead.conn.execute("SELECT warning FROM imports WHERE file_name = 'ann.hmip'").fetchone()[0]
    assert warning in ledger


def test_an_inspection_id_that_is_not_one_is_refused_before_it_reaches_an_aggregate(
    other_lead: Path, tmp_path: Path
) -> None:
    _sql(other_lead, "UPDATE meta SET value = '=cmd|''/C calc''!A0' WHERE key = 'inspection_id'")
    with pytest.raises(UserError, match="no inspection could be aggregated") as raised:
        build_aggregate(tmp_path / "national.hmip", [other_lead])
    assert "other-lead.hmip holds an inspection id HMIP Desktop would never write" in str(raised.value.details)
    assert not (tmp_path / "national.hmip").exists()


def test_a_full_temporary_folder_refuses_the_files_with_what_to_do(
    lead: InspectionFile, tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The private copies need room (a 64 KiB tmpfs as the temporary folder; needs root, skipped otherwise)."""
    small = tmp_path / "small-temp"
    if shutil.which("mount") is None or not _can_mount_tmpfs(small, "64k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
        monkeypatch.setattr(tempfile, "tempdir", str(small))
        before = sha256(lead.path)
        [result] = merge_files(lead, [ann]).files
        assert result.status == "refused"
        assert "cannot copy ann.hmip into the merge's temporary folder" in result.reason
        assert "TMPDIR" in result.reason
        assert sha256(lead.path) == before
        private = next(small.iterdir())
        assert list(private.iterdir()) == []  # the partial copy went with its folder
    finally:
        subprocess.run(["umount", str(small)], check=False)
