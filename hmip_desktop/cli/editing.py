"""Opening a file for changes from the command line, with the app's edit lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hmip_desktop.model.errors import FileLocked
from hmip_desktop.model.file.lock import FileLock
from hmip_desktop.model.file.store import InspectionFile


@contextmanager
def open_for_edit(path: Path) -> Iterator[InspectionFile]:
    """Open `path` for changes; refuse while HMIP Desktop (or another command) is editing it.

    SQLite would keep the file consistent either way, but the person at the
    app would not see the change and could undo over it.
    """
    if not path.exists():  # let the store say what is wrong with the path
        with InspectionFile.open(path) as inspection:
            yield inspection
        return
    lock = FileLock(path)
    holder = lock.acquire()
    if holder is not None:
        raise FileLocked(
            f"{path.name} is open for editing in {holder.describe()}; close it there, then run the command "
            "again. Nothing was changed."
        )
    try:
        with InspectionFile.open(path) as inspection:
            yield inspection
    finally:
        lock.release()
