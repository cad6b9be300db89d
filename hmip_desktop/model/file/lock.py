"""An advisory edit lock beside an inspection file (``ann.hmip.lock``).

SQLite's own locking only covers single statements; an assessor who opens
the same file twice (two app windows, or a laptop and a desktop reaching a
shared folder) would otherwise interleave edits without knowing. The lock
file says who is editing: host, process id and since when. It is created
with ``O_EXCL`` so exactly one opener wins, even over most network shares.

A lock left behind by a crash on *this* machine is stale when its process
is gone, and is replaced silently. Process ids are reused, so the lock also
records when its process started (`process_start`): a live process with the
same id but another start time is some other program, and the lock is stale
too. A lock from another machine cannot be checked from here; the caller opens
the file read-only and tells the user (`LockHolder.describe`), who may take
over if they know that machine is off (the app's "Edit here instead…",
`hmip unlock FILE` on the command line).

The lock sits beside the file the path leads to: a symbolic link, or another
path to the same file, shares the one lock.

Pure Python, no Qt: the CLI can use it too.
"""

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from hmip_desktop.model.errors import StorageError
from hmip_desktop.model.file.disk import remove_quietly, write_error

LOCK_SUFFIX = ".lock"
APP = "hmip-desktop"
COMMAND_APP = "hmip"
#: A lock file that is empty or unreadable is treated as being written by
#: its creator for this long, then as debris from a crash.
UNREADABLE_GRACE_SECONDS = 10.0


# A named tuple, and real annotations in this module: defined as the app starts (docs/performance.md).
class LockHolder(NamedTuple):
    """Who holds a lock, as written in the lock file."""

    host: str
    pid: int
    since: str
    app: str = APP
    token: str = ""
    #: When the holding process started (`process_start`); "" in locks from older versions.
    started: str = ""

    @property
    def is_command(self) -> bool:
        """Held by an `hmip` command, which lets go within moments (the app holds it while open)."""
        return self.app == COMMAND_APP

    def describe(self) -> str:
        when = _local_time(self.since)
        if self.host == current_host():
            program = "an hmip command" if self.is_command else "another HMIP Desktop"
            return f"{program} on this computer (process {self.pid}) since {when}"
        program = "an hmip command" if self.is_command else "HMIP Desktop"
        return f"{program} on the computer {self.host!r} since {when}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "host": self.host,
                "pid": self.pid,
                "since": self.since,
                "app": self.app,
                "token": self.token,
                "started": self.started,
            }
        )


def lock_path_for(path: Path) -> Path:
    """The lock file of the file `path` leads to (symbolic links followed)."""
    real = path.resolve()
    return real.with_name(real.name + LOCK_SUFFIX)


def current_host() -> str:
    """This computer's name: the kernel's node name, which is what gethostname() returns, read without
    importing socket (~3 ms of every file opened) where the system has one."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
    else:  # pragma: no cover - Windows
        import socket

        name = socket.gethostname()
    return name or "unknown-host"


class FileLock:
    """The edit lock of one inspection file, held by at most one process."""

    def __init__(self, target: Path | str, *, app: str = APP) -> None:
        self.target = Path(target)
        self.path = lock_path_for(self.target)
        self.app = app
        self._token: str | None = None

    @property
    def held(self) -> bool:
        return self._token is not None

    def acquire(self) -> LockHolder | None:
        """Take the lock; return None on success, or whoever holds it.

        Raises StorageError when the folder does not allow a lock file at all
        (read-only folder, disk full): the caller opens the file read-only.
        """
        if self._token is not None:
            return None
        holder: LockHolder | None = None
        for _attempt in range(3):
            holder = self._try_create()
            if holder is None:
                return None
            if not self._is_stale(holder):
                return holder
            self._remove_if_unchanged(holder)
        return holder  # still contested after removing stale locks: someone else keeps winning

    def release(self) -> None:
        """Remove the lock file if it is still ours (someone may have taken over)."""
        if self._token is None:
            return
        holder = self.holder()
        if holder is not None and holder.token == self._token:
            # Called on close and in clean-ups: a lock left behind is found stale later, while
            # an error here would hide the one being reported.
            remove_quietly(self.path)
        self._token = None

    def take_over(self) -> None:
        """Replace another holder's lock: only when the user says that copy is closed."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise write_error(exc, self.path) from exc
        holder = self.acquire()
        if holder is not None:
            raise StorageError(f"{self.target.name} was locked again by {holder.describe()} while taking over")

    def running_here(self, holder: LockHolder) -> bool:
        """Whether `holder` is seen running on this computer: its process, started when the lock says."""
        return (
            holder.host == current_host()
            and pid_alive(holder.pid)
            and bool(holder.started)
            and process_start(holder.pid) == holder.started
        )

    def holder(self) -> LockHolder | None:
        """The current holder as written in the lock file, or None when there is no lock file."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return _unreadable_holder(self.path)
        try:
            data = json.loads(raw)
            return LockHolder(
                host=str(data["host"]),
                pid=int(data["pid"]),
                since=str(data["since"]),
                app=str(data.get("app", "")),
                token=str(data.get("token", "")),
                started=str(data.get("started", "")),
            )
        except (ValueError, KeyError, TypeError):
            return _unreadable_holder(self.path)

    # -- internals -------------------------------------------------------------

    def _try_create(self) -> LockHolder | None:
        token = os.urandom(16).hex()  # as random as uuid4's, without importing uuid (and platform) to open a file
        me = LockHolder(
            host=current_host(),
            pid=os.getpid(),
            since=datetime.now(UTC).isoformat(timespec="seconds"),
            app=self.app,
            token=token,
            started=process_start(os.getpid()) or "",
        )
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return self.holder() or _unreadable_holder(self.path)
        except OSError as exc:
            raise StorageError(
                f"cannot create the lock file {self.path.name} beside {self.target.name}: {exc.strerror or exc}"
            ) from exc
        try:
            os.write(fd, me.to_json().encode("utf-8"))
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            self.path.unlink(missing_ok=True)
            raise StorageError(f"cannot write the lock file {self.path.name}: {exc.strerror or exc}") from exc
        os.close(fd)
        self._token = token
        return None

    def _is_stale(self, holder: LockHolder) -> bool:
        if holder.pid <= 0:
            # Unreadable lock: debris from a crash once it has aged.
            try:
                age = time.time() - self.path.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > UNREADABLE_GRACE_SECONDS
        if holder.host != current_host():
            return False
        if not pid_alive(holder.pid):
            return True
        # Alive: the holder itself, unless the id now belongs to a process that started at another
        # time (the holder crashed and the id was reused, by any program, this one included).
        if holder.started:
            now = process_start(holder.pid)
            return now is not None and now != holder.started
        return False

    def _remove_if_unchanged(self, stale: LockHolder) -> None:
        # Two openers can both find the same stale lock; only remove it if it is
        # still the one we judged, so we never delete a fresh lock.
        if self.holder() == stale:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:  # a read-only folder: the stale lock stays, and so must we out
                raise StorageError(
                    f"cannot remove the stale lock file {self.path.name} beside {self.target.name}: "
                    f"{exc.strerror or exc}"
                ) from exc


def _unreadable_holder(path: Path) -> LockHolder:
    try:
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    except OSError:
        stamp = ""
    return LockHolder(host="unknown", pid=0, since=stamp, app="unknown")


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d %b %Y %H:%M")
    except ValueError:
        return "an unknown time"


def process_start(pid: int) -> str | None:
    """When process `pid` started, as an opaque text that differs for a later process given the same id.

    Linux: the boot's id and the start time in clock ticks from /proc; elsewhere `ps -o lstart=`
    (macOS, the BSDs) or the process's creation time (Windows). None when it cannot be told.
    """
    if pid <= 0:
        return None
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
            boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        except OSError:
            return None
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (name) "; the name may hold spaces
        return f"{boot}:{fields[19]}" if len(fields) > 19 else None
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _process_start_windows(pid)
    import subprocess  # pragma: no cover - only here, not to open a file on Linux or Windows

    try:  # pragma: no cover - macOS and the BSDs
        result = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):  # pragma: no cover
        return None
    started = result.stdout.strip()  # pragma: no cover
    return started or None  # pragma: no cover


def _process_start_windows(pid: int) -> str | None:  # pragma: no cover - exercised on Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return None
    try:
        times = [ctypes.c_ulonglong() for _ in range(4)]
        if not kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            return None
        return str(times[0].value)  # creation time
    finally:
        kernel32.CloseHandle(handle)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    # os.kill(pid, 0) would send CTRL_C_EVENT on Windows; ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    process_query_limited_information = 0x1000
    still_active = 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
