"""When the disk says no: plain messages for operating-system errors, and clean-up that never hides them.

On a read-only file system even removing a file that does not exist fails
(EROFS, not "no such file"), so a clean-up written as ``unlink(missing_ok=True)``
inside an error handler raised its own error and hid the real one behind a
traceback. Everything that writes beside the user's files uses these helpers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from hmip_desktop.model.errors import StorageError, UserError


def remove_quietly(path: Path) -> None:
    """Remove a temporary file if it is there; a place that refuses (read-only) had nothing to remove."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def reason(exc: OSError, target: Path) -> str:
    """Why the operating system refused, in words a user can act on."""
    code = exc.errno
    if code == errno.EROFS:
        return "the disk or folder is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied (the folder or file is protected)"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if code == errno.ENOENT:
        return f"the folder {target.parent} does not exist"
    if code == errno.ENOTDIR:
        return f"{target.parent} is not a folder"
    if code == errno.EISDIR:
        return f"{target} is a folder"
    return exc.strerror or str(exc)


def write_error(exc: OSError, target: Path) -> StorageError:
    return StorageError(f"cannot write {target.name}: {reason(exc, target)}. Nothing was written.")


def unwritable(target: Path) -> StorageError | None:
    """Why `target`'s folder refuses new files (None: it takes them), found by trying.

    For errors that do not say why, such as SQLite's "unable to open database file".
    """
    try:
        handle, probe = tempfile.mkstemp(prefix=".hmip-probe-", dir=target.parent)
    except OSError as exc:
        return write_error(exc, target)
    os.close(handle)
    remove_quietly(Path(probe))
    return None


def check_folder_for(target: Path) -> None:
    """Refuse, before any work, a target whose folder is missing or is not a folder."""
    folder = target.parent
    if not folder.exists():
        raise UserError(
            f"cannot write {target.name}: the folder {folder} does not exist; create it first or choose "
            "another place. Nothing was written."
        )
    if not folder.is_dir():
        raise UserError(f"cannot write {target.name}: {folder} is not a folder. Nothing was written.")


def refuse_existing(target: Path, what: str) -> None:
    """Never replace a file silently."""
    if target.exists() or target.is_symlink():
        raise UserError(
            f"{target} already exists; choose another name for the {what} or remove the old one first "
            "(it was not replaced)"
        )


def write_whole(target: Path, fill: Callable[[Path], None], *, never_replace: str = "") -> None:
    """Write `target` whole under a temporary name of its own in the target's folder (`fill` writes the
    file at the path it is given), then move it into place: only a complete file ever has the name.

    Two writes to one target never share a temporary file, and whatever stops a write (a full disk, a
    bug, Ctrl+C) removes its temporary file. With `never_replace` (what the file is, for the message) an
    existing target is refused: the finished file is linked to the name, which fails if the name is taken,
    even by a file that appeared while this one was written.
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".writing", dir=target.parent)
    except OSError as exc:
        raise write_error(exc, target) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        fill(tmp)
        if never_replace:
            _link_new(tmp, target, never_replace)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        remove_quietly(tmp)
        raise write_error(exc, target) from exc
    except BaseException:
        remove_quietly(tmp)
        raise
    remove_quietly(tmp)  # after a link, the temporary name of the file now at `target`


def _link_new(tmp: Path, target: Path, what: str) -> None:
    """Give the finished file `tmp` the name `target` only if no file has that name."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        refuse_existing(target, what)
        raise
    except OSError:
        pass  # a file system without hard links (FAT, some network shares): check, then rename
    refuse_existing(target, what)
    try:
        os.rename(tmp, target)  # on Windows this refuses a name taken since the check; elsewhere the check must do
    except FileExistsError:
        refuse_existing(target, what)
        raise
