"""The edit lock beside an inspection file (hmip_desktop.model.file.lock)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmip_desktop.model.errors import StorageError
from hmip_desktop.model.file.lock import FileLock, LockHolder, current_host, lock_path_for, pid_alive


def write_lock(target: Path, **fields: object) -> Path:
    data = {"host": current_host(), "pid": os.getpid(), "since": "2014-03-01T09:00:00+00:00", "token": "x"}
    data.update(fields)
    path = lock_path_for(target)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_first_opener_wins_and_the_lock_says_who(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    first, second = FileLock(target), FileLock(target)
    assert first.acquire() is None
    assert first.held
    holder = second.acquire()
    assert holder is not None and not second.held
    assert holder.host == current_host() and holder.pid == os.getpid()
    on_disk = json.loads(lock_path_for(target).read_text())
    assert on_disk["pid"] == os.getpid() and on_disk["host"] == current_host()


def test_release_lets_the_next_opener_in(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    first, second = FileLock(target), FileLock(target)
    first.acquire()
    first.release()
    assert not lock_path_for(target).exists()
    assert second.acquire() is None


def test_a_lock_left_by_a_dead_process_on_this_machine_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    pid = dead_pid()
    assert not pid_alive(pid)
    write_lock(target, pid=pid)
    lock = FileLock(target)
    assert lock.acquire() is None
    assert json.loads(lock_path_for(target).read_text())["pid"] == os.getpid()


def test_a_killed_holder_leaves_a_lock_the_next_opener_replaces(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    code = (
        "import sys, time\n"
        "from hmip_desktop.model.file.lock import FileLock\n"
        f"assert FileLock({str(target)!r}).acquire() is None\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        holder = FileLock(target).acquire()
        assert holder is not None and holder.pid == child.pid
        assert "this computer" in holder.describe()
    finally:
        child.kill()
        child.wait()
    assert FileLock(target).acquire() is None


def test_a_lock_from_another_machine_is_respected(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    write_lock(target, host="field-laptop-7", pid=dead_pid())
    holder = FileLock(target).acquire()
    assert holder is not None
    assert "field-laptop-7" in holder.describe()


def test_an_unreadable_lock_counts_as_held_until_it_ages(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    path = lock_path_for(target)
    path.write_text("{not json", encoding="utf-8")
    holder = FileLock(target).acquire()
    assert holder is not None and holder.pid == 0
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert FileLock(target).acquire() is None


def test_release_never_removes_a_lock_taken_over_by_someone_else(tmp_path: Path) -> None:
    target = tmp_path / "ann.hmip"
    original, usurper = FileLock(target), FileLock(target)
    original.acquire()
    usurper.take_over()
    original.release()
    holder = FileLock(target).holder()
    assert holder is not None and usurper.held


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_folder_is_a_storage_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StorageError, match="cannot create the lock file"):
            FileLock(folder / "ann.hmip").acquire()
    finally:
        folder.chmod(0o755)


def test_describe_reads_well() -> None:
    holder = LockHolder(host="laptop-3", pid=12, since="2014-03-01T09:30:00+00:00")
    assert holder.describe().startswith("HMIP Desktop on the computer 'laptop-3' since ")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["acquire", "release"]), st.integers(0, 2)), max_size=25))
def test_at_most_one_holder_whatever_the_order(tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]) -> None:
    target = tmp_path_factory.mktemp("lock") / "ann.hmip"
    locks = [FileLock(target) for _ in range(3)]
    for action, index in steps:
        lock = locks[index]
        if action == "acquire":
            others_hold = any(other.held for other in locks if other is not lock)
            result = lock.acquire()
            assert (result is None) == (not others_hold)
        else:
            lock.release()
        holders = [lock for lock in locks if lock.held]
        assert len(holders) <= 1
        assert lock_path_for(target).exists() == bool(holders)
