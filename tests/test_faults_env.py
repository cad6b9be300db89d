"""Faults of the machine, not the data: each ends in exit 3, a message naming the file, and nothing changed.

Read-only places are made for real: a read-only bind mount in a private mount
namespace (`unshare`), since root ignores folder permissions and a read-only
file system refuses differently (EROFS, even to remove a file that is not there).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from merge_support import FULL_CASE, add_case, new_file

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.file.store import InspectionFile

PASSPHRASE = "kent fieldwork march"
REMOUNT = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash: "nothing changed" means this is equal before and after."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(folder.rglob("*"))
    }


def read_only_mounts_work() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", REMOUNT, "sh", "/tmp", "true"], capture_output=True)
    return probe.returncode == 0


needs_read_only_mount = pytest.mark.skipif(
    not read_only_mounts_work(), reason="needs Linux mount namespaces (unshare -rm) to make a read-only file system"
)


def hmip_on_read_only(folder: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`hmip ARGV` with `folder` mounted read-only for that process only."""
    env = {**os.environ, "HMIP_PASSPHRASE": PASSPHRASE}
    return subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            REMOUNT,
            "sh",
            str(folder),
            sys.executable,
            "-m",
            "hmip_desktop.cli.main",
            *argv,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def files(tmp_path: Path, mini_instrument: object) -> Path:
    """A folder holding an assessor's file and a lead's file."""
    folder = tmp_path / "stick"
    folder.mkdir()
    with new_file(folder, "ann.hmip", "Ann Smith", mini_instrument) as ann:  # type: ignore[arg-type]
        add_case(ann, "KT-001", FULL_CASE, complete=True)
    with new_file(folder, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:  # type: ignore[arg-type]
        add_case(lead, "KT-002", FULL_CASE, complete=True)
    return folder


READ_ONLY_WRITES = {
    "new": (["new", "stick/new.hmip", "--inspection", "KENT-2014", "--area", "Kent", "--assessor", "Ann"], "new.hmip"),
    "answer": (["answer", "stick/ann.hmip", "KT-001", "cd.gender", "female"], "ann.hmip"),
    "export xlsx": (["export", "stick/lead.hmip", "--xlsx", "stick/out.xlsx"], "out.xlsx"),
    "export sqlite": (["export", "stick/lead.hmip", "--sqlite", "stick/out.db"], "out.db"),
    "export csv": (["export", "stick/lead.hmip", "--csv", "stick/csv"], "csv"),
    "package": (["package", "stick/ann.hmip", "--out", "stick/ann.hmipx"], "ann.hmipx"),
    "demo": (["demo", "stick/demo", "--cases", "5", "--assessors", "2"], "demo"),
}


@needs_read_only_mount
@pytest.mark.parametrize("name", list(READ_ONLY_WRITES))
def test_writing_onto_a_read_only_file_system_is_a_message(files: Path, name: str) -> None:
    argv, target = READ_ONLY_WRITES[name]
    before = snapshot(files)
    result = hmip_on_read_only(files, *argv, cwd=files.parent)
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert target in result.stderr
    assert "read-only" in result.stderr.lower()
    assert snapshot(files) == before


@needs_read_only_mount
def test_reading_from_a_read_only_file_system_works(files: Path) -> None:
    for argv in (["info", "stick/ann.hmip"], ["verify", "stick/lead.hmip"], ["score", "stick/lead.hmip", "--json"]):
        result = hmip_on_read_only(files, *argv, cwd=files.parent)
        assert result.returncode == 0, result.stderr


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("target", "option"),
    [("missing/out.xlsx", "--xlsx"), ("missing/out.db", "--sqlite"), ("missing/deeper/csv", "--csv")],
)
def test_export_into_a_missing_folder_says_so(
    files: Path, capsys: pytest.CaptureFixture[str], target: str, option: str
) -> None:
    before = snapshot(files)
    err = run(["export", str(files / "lead.hmip"), "--csv", str(files / "csv"), option, str(files / target)], capsys)
    assert f"the folder {files / target}".rsplit("/", 1)[0] in err and "does not exist" in err
    assert snapshot(files) == before  # not even the CSV files asked for beside it


def test_export_sqlite_never_replaces_a_file(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = files / "analysis.db"
    existing.write_bytes(b"someone's own database")
    before = snapshot(files)
    err = run(["export", str(files / "lead.hmip"), "--sqlite", str(existing), "--csv", str(files / "csv")], capsys)
    assert f"{existing} already exists" in err and "it was not replaced" in err
    assert snapshot(files) == before
    assert main(["export", str(files / "lead.hmip"), "--sqlite", str(files / "fresh.db")]) == 0


def test_demo_onto_an_existing_file(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = files / "ann.hmip"
    before = snapshot(files)
    err = run(["demo", str(target), "--cases", "5", "--assessors", "2"], capsys)
    assert f"{target} is a file, not a folder" in err
    assert snapshot(files) == before


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (
            ["--start-date", "next monday"],
            "the fieldwork start date 'next monday' is not a date; write it as YYYY-MM-DD",
        ),
        (["--start-date", "2014-02-30"], "the fieldwork start date '2014-02-30' is not a date"),
        (["--end-date", "13/01/2014"], "the fieldwork end date '13/01/2014' is not a date"),
        (
            ["--start-date", "2014-01-24", "--end-date", "2014-01-13"],
            "the fieldwork ends (2014-01-13) before it starts",
        ),
    ],
)
def test_new_refuses_a_date_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dates: list[str], message: str
) -> None:
    target = tmp_path / "ann.hmip"
    err = run(["new", str(target), "--inspection", "KENT-2014", "--area", "Kent", "--assessor", "Ann", *dates], capsys)
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_new_keeps_good_dates(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    argv = ["new", str(target), "--inspection", "KENT-2014", "--area", "Kent", "--assessor", "Ann"]
    assert main([*argv, "--start-date", "2014-01-13", "--end-date", "2014-01-24"]) == 0
    with InspectionFile.open(target, read_only=True) as inspection:
        assert (inspection.info().start_date, inspection.info().end_date) == ("2014-01-13", "2014-01-24")


def test_new_into_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = run(
        ["new", str(tmp_path / "no" / "ann.hmip"), "--inspection", "K", "--area", "Kent", "--assessor", "A"], capsys
    )
    assert "cannot write ann.hmip: the folder" in err and "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def no_terminal(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`hmip ARGV` as a scheduler runs it: no controlling terminal, empty input, no passphrase set."""
    env = {key: value for key, value in os.environ.items() if key != "HMIP_PASSPHRASE"}
    return subprocess.run(
        [sys.executable, "-m", "hmip_desktop.cli.main", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        start_new_session=True,
        timeout=120,
    )


def test_no_terminal_and_no_passphrase_is_a_message(files: Path) -> None:
    before = snapshot(files)
    for argv in (["package", "ann.hmip", "--out", "ann.hmipx"], ["unpackage", "bob.hmipx", "--out", "bob.hmip"]):
        if argv[0] == "unpackage":
            env = {**os.environ, "HMIP_PASSPHRASE": PASSPHRASE}
            made = subprocess.run(
                [sys.executable, "-m", "hmip_desktop.cli.main", "package", "ann.hmip", "--out", "bob.hmipx"],
                cwd=files,
                env=env,
                capture_output=True,
                text=True,
            )
            assert made.returncode == 0, made.stderr
            before = snapshot(files)
        result = no_terminal(argv, files)
        assert result.returncode == EXIT_BAD_INPUT, result.stderr
        assert "Traceback" not in result.stderr and "EOFError" not in result.stderr
        assert "there is no terminal to type it in" in result.stderr and "--passphrase-file" in result.stderr
        assert argv[3].split(".")[0] in result.stderr
        assert snapshot(files) == before


def test_package_into_a_missing_folder_is_refused_before_the_passphrase(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HMIP_PASSPHRASE", raising=False)
    before = snapshot(files)
    err = run(["package", str(files / "ann.hmip"), "--out", str(files / "gone" / "ann.hmipx")], capsys)
    assert "cannot write ann.hmipx: the folder" in err
    assert snapshot(files) == before


@needs_read_only_mount
def test_a_stale_lock_on_a_read_only_file_system_is_a_message(files: Path) -> None:
    stale = {"host": socket.gethostname(), "pid": 999_999_999, "since": "2014-01-13T09:00:00+00:00", "token": "x"}
    (files / "ann.hmip.lock").write_text(json.dumps(stale))  # left by a crash: its process is gone
    before = snapshot(files)
    result = hmip_on_read_only(files, "answer", "stick/ann.hmip", "KT-001", "cd.gender", "female", cwd=files.parent)
    assert result.returncode == EXIT_BAD_INPUT and "Traceback" not in result.stderr
    assert "cannot remove the stale lock file ann.hmip.lock beside ann.hmip" in result.stderr
    assert snapshot(files) == before
