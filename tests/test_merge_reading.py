"""Reading the team's files ahead in worker processes merges exactly what the serial merge does."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures.process import _RemoteTraceback
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, INSPECTION, new_file, sha256, team_file

from hmip_desktop.model.file.package import ScryptParams, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, available_instruments
from hmip_desktop.model.merge import reading as merge_reading
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.merge.incoming import Expectation
from hmip_desktop.model.merge.one_file import FileMerger
from hmip_desktop.model.merge.reading import TeamReader, reader_count
from hmip_desktop.model.merge.summary import MergeSummary

PASSPHRASE = "kent fieldwork march"
FAST = ScryptParams(n=2**10, r=8, p=1)
STAMP = "2014-06-02T10:00:00+00:00"
FIXTURE_INSTRUMENTS = Path(__file__).parent / "fixtures" / "instruments"


def fixed_clock() -> str:
    return STAMP


@pytest.fixture
def empty_lead(tmp_path: Path, mini_instrument: Instrument) -> Path:
    new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead").close()
    return tmp_path / "lead.hmip"


@pytest.fixture
def team(tmp_path: Path, mini_instrument: Instrument) -> list[Path]:
    """Files of every kind: merged, refused, a package, a conflict, a duplicate, one merged before (di)."""
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    bob = team_file(
        tmp_path,
        "bob.hmip",
        "Bob Jones",
        mini_instrument,
        {"KT-001": {**FULL_CASE, "p.plan": "not-done"}, "KT-003": None},
        complete=False,
    )
    cy = team_file(tmp_path, "cy.hmip", "Cy Quinn", mini_instrument, {"KT-004": None})
    write_package(cy, tmp_path / "cy.hmipx", PASSPHRASE, kdf=FAST)
    team_file(tmp_path, "di.hmip", "Di Patel", mini_instrument, {"KT-005": None})
    empty = tmp_path / "empty.hmip"
    empty.write_bytes(b"")
    surrey = team_file(
        tmp_path, "surrey.hmip", "Sue Brown", mini_instrument, {"SY-001": None}, inspection="SURREY-2014"
    )
    return [ann, empty, bob, tmp_path / "cy.hmipx", surrey, tmp_path / "di.hmip", ann]


def merge_into_copy(
    empty_lead: Path, folder: Path, files: list[Path], readers: int, *, first: str | None = "di.hmip"
) -> tuple[MergeSummary, list[str], list[tuple[int, int, str]], list[str]]:
    """Merge `first` (if any), then `files`, into a copy of the empty lead file; what the merge said and
    MASTER's dump."""
    folder.mkdir()
    master_path = folder / "lead.hmip"
    shutil.copy(empty_lead, master_path)
    progress: list[tuple[int, int, str]] = []
    asked: list[str] = []

    def passphrase_for(path: Path) -> str:
        asked.append(path.name)  # a closure: it could not be sent to a worker process
        return PASSPHRASE

    with InspectionFile.open(master_path) as master:
        master.clock = fixed_clock  # type: ignore[method-assign]
        if first is not None:
            merge_files(master, [empty_lead.parent / first], readers=0)
        summary = merge_files(
            master,
            files,
            readers=readers,
            passphrase_for=passphrase_for,
            progress=lambda i, n, name: progress.append((i, n, name)),
        )
        dump = list(master.conn.iterdump())
    return summary, dump, progress, asked


def test_workers_merge_exactly_what_the_serial_merge_does(empty_lead: Path, team: list[Path], tmp_path: Path) -> None:
    serial = merge_into_copy(empty_lead, tmp_path / "serial", team, readers=0)
    pooled = merge_into_copy(empty_lead, tmp_path / "pooled", team, readers=2)
    serial_summary, serial_dump, serial_progress, serial_asked = serial
    pooled_summary, pooled_dump, pooled_progress, pooled_asked = pooled
    assert [f.to_json() for f in pooled_summary.files] == [f.to_json() for f in serial_summary.files]
    assert [f.status for f in serial_summary.files] == [
        "merged",
        "refused",
        "merged",
        "merged",
        "refused",
        "unchanged",
        "unchanged",
    ]
    assert serial_summary.files[2].conflicts_raised > 0
    assert pooled_dump == serial_dump  # every table, the audit chain's hashes included
    assert pooled_progress == serial_progress == [(i + 1, len(team), p.name) for i, p in enumerate(team)]
    assert pooled_asked == serial_asked == ["cy.hmipx"]  # asked in this process


@pytest.fixture(scope="module")
def file_pool(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """An empty lead file and team files to draw from: double marking, re-sent and older copies, a refusal."""
    instrument = next(i for i in available_instruments() if i.id == "mini-test")
    folder = tmp_path_factory.mktemp("pool")
    new_file(folder, "lead.hmip", "Lee Lead", instrument, role="lead").close()
    ann = team_file(folder, "ann.hmip", "Ann Smith", instrument, {"KT-001": None, "KT-002": None})
    older = folder / "ann-older.hmip"
    shutil.copy(ann, older)
    with InspectionFile.open(ann) as resent:
        resent.reopen_case("KT-002")
        resent.set_answer("KT-002", "p.plan", "not-done")
    files = [
        ann,
        older,
        team_file(folder, "bob.hmip", "Bob Jones", instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}}),
        team_file(folder, "cy.hmip", "Cy Quinn", instrument, {"KT-002": None, "KT-003": None}, complete=False),
        team_file(folder, "sue.hmip", "Sue Brown", instrument, {"SY-001": None}, inspection="SURREY-2014"),
    ]
    return folder / "lead.hmip", files


@settings(max_examples=12, deadline=None)
@given(picks=st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=6))
def test_any_files_in_any_order_merge_the_same_with_workers(
    file_pool: tuple[Path, list[Path]], picks: list[int]
) -> None:
    empty_lead, files = file_pool
    chosen = [files[i] for i in picks]
    with tempfile.TemporaryDirectory() as tmp:
        serial = merge_into_copy(empty_lead, Path(tmp) / "serial", chosen, readers=0, first=None)
        pooled = merge_into_copy(empty_lead, Path(tmp) / "pooled", chosen, readers=2, first=None)
    assert [f.to_json() for f in pooled[0].files] == [f.to_json() for f in serial[0].files]
    assert pooled[1] == serial[1]


def test_refusals_read_the_same_from_a_worker(empty_lead: Path, team: list[Path], tmp_path: Path) -> None:
    refusals = {}
    for readers in (0, 2):
        summary = merge_into_copy(empty_lead, tmp_path / f"r{readers}", team[1:], readers=readers)[0]
        refusals[readers] = [(f.name, f.reason) for f in summary.refused]
    assert refusals[2] == refusals[0]
    assert [name for name, _reason in refusals[0]] == ["empty.hmip", "surrey.hmip"]
    assert "empty (0 bytes)" in refusals[0][0][1] and "SURREY-2014" in refusals[0][1][1]


class ExplodesOn(frozenset[str]):
    """A set of known hashes that fails, as a bug would, when asked about one hash."""

    bad = ""  # set on the instance: it travels to the worker with it

    def __contains__(self, digest: object) -> bool:
        if digest == self.bad:
            raise LookupError(f"a bug while reading {digest}")
        return super().__contains__(digest)


def test_a_bug_in_a_worker_is_raised_here_and_the_copies_are_removed(
    team: list[Path], tmp_path: Path, mini_instrument: Instrument
) -> None:
    ann, bob = team[0], team[2]
    known = ExplodesOn()
    known.bad = sha256(bob)
    expect = Expectation(inspection_id=INSPECTION, instrument=mini_instrument.identity)
    folder = tmp_path / "work"
    folder.mkdir()
    for readers in (0, 2):
        with TeamReader([ann, bob], folder, expect, known, None, readers=readers) as reader:
            assert reader.prepared(0).incoming is not None
            with pytest.raises(LookupError, match="a bug while reading") as raised:
                reader.prepared(1)
        from_worker = isinstance(raised.value.__cause__, _RemoteTraceback)
        assert from_worker == (readers > 0)
        assert list(folder.iterdir()) == []


def test_temporary_copies_are_removed_when_merging_fails_half_way(
    empty_lead: Path, team: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    merged = 0

    def fail_on_the_second(self: FileMerger) -> None:
        nonlocal merged
        merged += 1
        if merged == 2:
            raise ZeroDivisionError("a bug while writing")
        return original(self)

    original = FileMerger.run
    monkeypatch.setattr(FileMerger, "run", fail_on_the_second)
    with InspectionFile.open(empty_lead) as master, pytest.raises(ZeroDivisionError):
        merge_files(master, [team[0], team[2], team[5]], readers=2)
    [private] = temp.iterdir()  # the user's private folder for merges (merge.scratch), left empty
    assert list(private.iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with InspectionFile.open(empty_lead) as master:
        merge_files(master, [team[0], team[2], team[5]], readers=2)
    assert list(private.iterdir()) == []


def test_a_worker_finds_an_instrument_added_after_the_workers_first_started(
    tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instrument path travels with each file (a fork server's children keep the environment it started with)."""
    first = tmp_path / "first"
    first.mkdir()
    with new_file(first, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as master:
        merge_files(
            master,
            [team_file(first, f"{n}.hmip", "Ann Smith", mini_instrument, {f"KT-00{n}": None}) for n in (1, 2)],
            readers=2,
        )
    data = json.loads((FIXTURE_INSTRUMENTS / "mini-test.json").read_text(encoding="utf-8"))
    data["version"] = "0.3"
    extra = tmp_path / "instruments"
    extra.mkdir()
    (extra / "mini-test-0.3.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("HMIP_INSTRUMENT_PATH", os.pathsep.join([os.environ["HMIP_INSTRUMENT_PATH"], str(extra)]))
    newer = next(i for i in available_instruments() if i.id == "mini-test" and i.version == "0.3")
    with new_file(tmp_path, "lead.hmip", "Lee Lead", newer, role="lead") as master:
        files = [team_file(tmp_path, f"{n}.hmip", "Ann Smith", newer, {f"KT-00{n}": None}) for n in (1, 2)]
        summary = merge_files(master, files, readers=2)
    assert [f.status for f in summary.files] == ["merged", "merged"], summary.to_json()


def test_workers_only_when_they_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for n in range(6):
        path = tmp_path / f"{n}.hmip"
        path.write_bytes(b"x" * 1000)
        files.append(path)
    assert reader_count(files[:1]) == 0  # one file: read here
    assert reader_count(files) == 0  # small files: starting workers costs more than it saves
    monkeypatch.setattr(merge_reading, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert reader_count(files[:3]) == 2  # the first file is read here
    assert reader_count(files) == merge_reading.MAX_READERS
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert reader_count(files) == 0  # one CPU
