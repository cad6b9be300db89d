"""The merge's temporary folders: private to the user, and never left behind for long.

A merge copies every team file into a temporary folder (a decrypted package
among them), so the folder holds case data. All of them live in one folder
per user, ``<temp>/hmip-desktop-<user>``, created 0700 and refused if it is a
link, another user's, or open to others. Each merge (or aggregate) works in a
folder of its own there, which it removes when it ends.

A process killed mid-merge cannot remove its folder, so each folder holds an
``owner`` file its process keeps locked (``flock`` / ``msvcrt.locking``) while
it runs. The operating system releases that lock when the process dies, however
it dies, so the next merge to start removes every folder whose lock it can take
(`sweep`): no process ids to trust, none to be fooled by when an id is reused.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from hmip_desktop.model.errors import StorageError

OWNER_FILE = "owner"
#: A folder without its owner file is being set up for this long at most (mkdtemp, then the lock);
#: after that it is debris of a process killed in between.
SETUP_GRACE_SECONDS = 60.0


def private_base() -> Path:
    """The user's private folder for merge work, created if need be (0700)."""
    base = Path(tempfile.gettempdir()) / f"hmip-desktop-{_user()}"
    try:
        base.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(
            f"cannot create the temporary folder {base} ({exc.strerror or exc}); check the free space and "
            "permissions of the temporary folder. Nothing was changed."
        ) from exc
    info = base.lstat()
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        raise StorageError(
            f"the temporary folder {base} is not a folder of this user (someone else made it); remove it or set "
            "TMPDIR to a folder of your own. Nothing was changed."
        )
    if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(base, 0o700)  # ours, but opened up: close it again before anything is put in it
    return base


@contextmanager
def scratch_folder(kind: str) -> Iterator[Path]:
    """A new private folder for one merge or aggregate, removed at the end; stale ones are swept first."""
    base = private_base()
    sweep(base)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=base))
    except OSError as exc:
        raise StorageError(
            f"cannot make a temporary folder in {base} ({exc.strerror or exc}); free some space there, or set "
            "TMPDIR to a folder with room. Nothing was changed."
        ) from exc
    try:
        owner = (folder / OWNER_FILE).open("w")
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise StorageError(
            f"cannot write in the temporary folder {base} ({exc.strerror or exc}); free some space there, or set "
            "TMPDIR to a folder with room. Nothing was changed."
        ) from exc
    try:
        _lock(owner)
        yield folder
    finally:
        owner.close()  # releases the lock; a sweep that comes in between removes the folder just the same
        shutil.rmtree(folder, ignore_errors=True)


def sweep(base: Path) -> list[str]:
    """Remove the folders of merges whose process has ended; return their names."""
    removed: list[str] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for folder in entries:
        if not folder.is_dir() or folder.is_symlink():
            continue
        if _stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder.name)
    return removed


def _stale(folder: Path) -> bool:
    try:
        owner = (folder / OWNER_FILE).open("r+")
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > SETUP_GRACE_SECONDS
        except OSError:
            return False
    except OSError:
        return False
    with owner:
        try:
            _lock(owner)
        except OSError:
            return False  # its process is still running
    return True


def _lock(handle: IO[str]) -> None:
    """Take the owner file's lock without waiting (OSError: someone holds it)."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _user() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    name = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    return "".join(c for c in name if c.isalnum() or c in "-_") or "user"
