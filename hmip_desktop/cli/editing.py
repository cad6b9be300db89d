"""Opening a file for changes from the command line, with the app's edit lock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hmip_desktop.model.errors import FileLocked
from hmip_desktop.model.file.lock import COMMAND_APP, FileLock, LockHolder
from hmip_desktop.model.file.store import InspectionFile

#: How long a command waits for another `hmip` command on the same file to finish (a script running
#: commands side by side); a file open in the app is refused at once, since the app holds it for hours.
COMMAND_WAIT_SECONDS = 15.0

Sleep = Callable[[float], None]


def take_lock(path: Path, *, wait: float = COMMAND_WAIT_SECONDS, sleep: Sleep = time.sleep) -> FileLock:
    """The edit lock of `path` for this command; FileLocked (changing nothing) when someone else keeps it."""
    lock = FileLock(path, app=COMMAND_APP)
    deadline = time.monotonic() + wait
    pause = 0.01
    while True:
        holder = lock.acquire()
        if holder is None:
            return lock
        # An unreadable lock (pid 0) is most often one being written by another opener this moment.
        if not (holder.is_command or holder.pid <= 0) or time.monotonic() >= deadline:
            raise FileLocked(locked_message(path, holder))
        sleep(pause)
        pause = min(pause * 2, 0.25)


def locked_message(path: Path, holder: LockHolder) -> str:
    if holder.is_command:
        return (
            f"{path.name} was being changed by {holder.describe()} for longer than {COMMAND_WAIT_SECONDS:.0f} s; "
            "run the command again when it has finished. Nothing was changed."
        )
    return (
        f"{path.name} is open for editing in {holder.describe()}; close it there, then run the command again. "
        f"If that program is no longer running (the computer was switched off, or it crashed), "
        f"`hmip unlock {path.name}` removes its lock. Nothing was changed."
    )


@contextmanager
def open_for_edit(path: Path) -> Iterator[InspectionFile]:
    """Open `path` for changes; refuse while HMIP Desktop is editing it, wait briefly for another command.

    SQLite would keep the file consistent either way, but the person at the
    app would not see the change and could undo over it.
    """
    if not path.exists():  # let the store say what is wrong with the path
        with InspectionFile.open(path) as inspection:
            yield inspection
        return
    lock = take_lock(path)
    try:
        with InspectionFile.open(path) as inspection:
            yield inspection
    finally:
        lock.release()
