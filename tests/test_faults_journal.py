"""A save cut off by a killed process leaves a hot ``-journal``; reading commands finish it, or refuse
without ever suggesting that the file be copied away from its journal."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.errors import StorageError, UserError
from hmip_desktop.model.file.connection import journal_path, storage_error
from hmip_desktop.model.file.lock import FileLock
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file

PASSPHRASE = "kent fieldwork march"

# Starts a transaction that rewrites every answer's note and spills it to disk, then dies by SIGKILL:
# exactly what a power cut or `kill -9` in the middle of a save leaves.
CUT_OFF_SAVE = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE answers SET note = 'HALF-WRITTEN ' || hex(zeroblob(3000))")
conn.execute("UPDATE cases SET status = 'draft'")
os.kill(os.getpid(), signal.SIGKILL)
"""


def content(path: Path) -> dict[tuple[str, str], tuple[str | None, str]]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)  # only after the journal is gone
    try:
        return {
            (ref, qid): (value, note)
            for ref, qid, value, note in conn.execute(
                "SELECT c.case_ref, a.question_id, a.value, a.note FROM answers a JOIN cases c ON c.uuid = a.case_uuid"
            )
        }
    finally:
        conn.close()


def cut_off_save(path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", CUT_OFF_SAVE, str(path)], capture_output=True)
    assert result.returncode == -9, result.stderr
    assert journal_path(path).stat().st_size > 0
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        conn.execute("PRAGMA user_version").fetchone()
    conn.close()
    assert refused.value.sqlite_errorcode == sqlite3.SQLITE_READONLY_ROLLBACK  # hot: SQLite itself says so


@pytest.fixture
def saved(mini_file: InspectionFile) -> Iterator[tuple[Path, dict[tuple[str, str], tuple[str | None, str]]]]:
    mini_file.set_answer("KT-001", "cd.gender", "female", "seen in the record", create_case=True)
    mini_file.set_answer("KT-001", "cd.rosh", "high", create_case=True)
    mini_file.set_answer("KT-002", "cd.gender", "male", "interview", create_case=True)
    path = mini_file.path
    mini_file.close()
    yield path, content(path)


READ_COMMANDS = {
    "info": lambda p, out: ["info", str(p)],
    "score": lambda p, out: ["score", str(p), "--json"],
    "cases list": lambda p, out: ["cases", "list", str(p)],
    "export": lambda p, out: ["export", str(p), "--csv", str(out / "csv")],
    "report": lambda p, out: ["report", str(p), "--out", str(out / "r.pdf")],
    "package": lambda p, out: ["package", str(p), "--out", str(out / "p.hmipx")],
    "verify": lambda p, out: ["verify", str(p)],
    "findings list": lambda p, out: ["findings", "list", str(p)],
}


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_a_reading_command_finishes_a_cut_off_save(
    saved: tuple[Path, dict[tuple[str, str], tuple[str | None, str]]],
    tmp_path: Path,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, before = saved
    monkeypatch.setenv("HMIP_PASSPHRASE", PASSPHRASE)
    cut_off_save(path)
    assert main(READ_COMMANDS[command](path, tmp_path)) == 0, capsys.readouterr().err
    assert not journal_path(path).exists()
    assert content(path) == before  # rolled back: the half-written save is gone, every saved answer is there
    assert "HALF-WRITTEN" not in path.read_bytes().decode("latin-1")
    assert verify_file(path).ok


def test_the_app_s_read_only_open_finishes_it_too(
    saved: tuple[Path, dict[tuple[str, str], tuple[str | None, str]]],
) -> None:
    path, before = saved
    cut_off_save(path)
    with InspectionFile.open(path, read_only=True) as inspection:
        assert inspection.get_case("KT-001").status == "draft"
    assert content(path) == before and not journal_path(path).exists()


def _refusal(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    journal = journal_path(path).read_bytes()
    assert main(["info", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest and journal_path(path).read_bytes() == journal
    assert "ann.hmip" in err and "ann.hmip-journal" in err
    assert "keep the two files together" in err
    # The old advice ("copy it somewhere writable") separated the file from its journal: never again.
    assert "copy it somewhere" not in err
    return err


def test_while_another_app_edits_the_file_the_command_refuses_and_changes_nothing(
    saved: tuple[Path, dict[tuple[str, str], tuple[str | None, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, before = saved
    cut_off_save(path)
    app = FileLock(path)
    assert app.acquire() is None
    try:
        err = _refusal(path, capsys)
        assert "open for editing in another HMIP Desktop on this computer" in err
    finally:
        app.release()
    assert main(["info", str(path)]) == 0
    assert content(path) == before


def test_in_a_read_only_folder_the_command_refuses_and_says_keep_them_together(
    saved: tuple[Path, dict[tuple[str, str], tuple[str | None, str]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, _before = saved
    cut_off_save(path)

    def read_only_folder(self: FileLock) -> None:
        raise StorageError(f"cannot create the lock file {self.path.name}: Read-only file system")

    # Root ignores folder permissions, so the read-only place is the lock file's refusal itself.
    monkeypatch.setattr(FileLock, "acquire", read_only_folder)
    err = _refusal(path, capsys)
    assert "its folder is read-only" in err and "both files together" in err


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_file_with_a_cut_off_save_is_refused(
    saved: tuple[Path, dict[tuple[str, str], tuple[str | None, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _before = saved
    cut_off_save(path)
    path.chmod(0o444)
    try:
        err = _refusal(path, capsys)
        assert "read-only" in err
    finally:
        path.chmod(0o644)


def test_the_merge_s_sqlite_message_for_a_hot_journal_is_the_same_refusal(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorcode = sqlite3.SQLITE_READONLY_ROLLBACK  # type: ignore[attr-defined]
    message = str(storage_error(error, tmp_path / "ann.hmip"))
    assert "ann.hmip-journal" in message and "keep the two files together" in message
    assert isinstance(storage_error(error, tmp_path / "ann.hmip"), UserError)
