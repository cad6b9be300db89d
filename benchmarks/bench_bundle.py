"""The standalone bundle (dist/hmip-desktop): how fast its programs start, against plain Python.

`hmip --version` from the bundle against the same command from the development environment, and
the bundled app's first window against a bare PySide6 window started by Python. A window counts
as shown when the X server maps it: every program here runs on a private Xvfb screen with Qt's
desktop (xcb) platform, and this process watches the screen's root window for the map event (so
nothing has to be added to the app to time it). Each figure is the median of several runs after an
untimed first one (the files are then in the disk cache, as on a laptop's second start).

Needs Xvfb and the xcb libraries (Debian: xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0);
builds the bundle first when dist/hmip-desktop is older than the sources (`dev.py bundle`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "hmip-desktop"
RUNS = 7
WINDOW_TIMEOUT = 60.0

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.exec()
"""

_MAP_NOTIFY = 19
_SUBSTRUCTURE_NOTIFY_MASK = 1 << 19


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("pad", ctypes.c_long * 24)]


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X screen; its DISPLAY value."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as handle:
            number = handle.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


class RootWatcher:
    """Map events of top-level windows on one X screen (libX11 through ctypes)."""

    def __init__(self, display: str) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise RuntimeError("libX11 is not installed")
        self.x11 = ctypes.CDLL(name)
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        self.x11.XPending.argtypes = [ctypes.c_void_p]
        self.x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
        self.x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.display = self.x11.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open the X display {display}")
        self.x11.XSelectInput(self.display, self.x11.XDefaultRootWindow(self.display), _SUBSTRUCTURE_NOTIFY_MASK)
        self.x11.XSync(self.display, 0)

    def drain(self) -> None:
        event = _XEvent()
        while self.x11.XPending(self.display):
            self.x11.XNextEvent(self.display, ctypes.byref(event))

    def wait_for_map(self, child: subprocess.Popen[bytes], deadline: float) -> float:
        """perf_counter() when a top-level window is mapped."""
        event = _XEvent()
        while time.perf_counter() < deadline:
            while self.x11.XPending(self.display):
                self.x11.XNextEvent(self.display, ctypes.byref(event))
                if event.type == _MAP_NOTIFY:
                    return time.perf_counter()
            if child.poll() is not None:
                raise RuntimeError(f"{child.args} ended ({child.returncode}) without showing a window")
            time.sleep(0.001)
        raise RuntimeError(f"{child.args} showed no window in {WINDOW_TIMEOUT:.0f} s")

    def close(self) -> None:
        self.x11.XCloseDisplay(self.display)


def window_seconds(command: list[str], env: dict[str, str], watcher: RootWatcher, cwd: Path) -> float:
    """Seconds from spawning `command` to its first window mapped; the program is then closed."""
    return window_times(command, env, watcher, cwd)[0]


def window_times(command: list[str], env: dict[str, str], watcher: RootWatcher, cwd: Path) -> tuple[float, float]:
    """(wall seconds to the first window mapped, CPU seconds the program used until closed just after)."""
    watcher.drain()
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        shown = watcher.wait_for_map(child, started + WINDOW_TIMEOUT) - started
    finally:
        child.terminate()
        cpu = reap(child, timeout=20)
    return shown, cpu


def reap(child: subprocess.Popen[bytes], timeout: float) -> float:
    """Wait for `child` (killing it after `timeout`); the CPU seconds (user + system) it used."""
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.perf_counter() > deadline:
            child.kill()
            deadline = float("inf")
        time.sleep(0.005)


def command_times(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `command`, which must succeed."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    cpu = reap(child, timeout=60)
    if child.returncode != 0:
        raise RuntimeError(f"{command} exited {child.returncode}")
    return time.perf_counter() - started, cpu


def medians(measure: Callable[[], tuple[float, float]], runs: int = RUNS) -> tuple[float, float]:
    """Median wall and median CPU seconds over `runs`, after one untimed run (it fills the disk cache)."""
    measure()
    results = [measure() for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def run() -> Iterator[tuple[str, float, str]]:
    if shutil.which("Xvfb") is None:
        print("  bundle: skipped, Xvfb is not installed (apt-get install xvfb)", file=sys.stderr)
        return
    subprocess.run([sys.executable, str(ROOT / "dev.py"), "bundle"], check=True, cwd=ROOT)
    python = Path(sys.executable)
    scripts = python.parent
    exe = ".exe" if os.name == "nt" else ""
    with tempfile.TemporaryDirectory(prefix="hmip-bench-bundle-") as tmp, xvfb() as display:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "HMIP_"))}
        env.update(
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            XDG_CONFIG_HOME=str(folder / "config"),
            XDG_DATA_HOME=str(folder / "data"),
            XDG_RUNTIME_DIR=str(folder),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # the development app starts with compiled bytecode, as installed
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        os.chmod(folder, 0o700)

        hmip_bundle = [str(BUNDLE / f"hmip{exe}"), "--version"]
        version_bundle, version_bundle_cpu = medians(lambda: command_times(hmip_bundle, env, folder))
        version_dev, version_dev_cpu = medians(
            lambda: command_times([str(scripts / f"hmip{exe}"), "--version"], env, folder)
        )
        yield "hmip --version, bundle", version_bundle, "≤ 0.5 s"
        yield "hmip --version, development environment", version_dev, ""
        yield "start ratio: bundle hmip --version / development", version_bundle / version_dev, ""
        yield "CPU ratio: bundle hmip --version / development", version_bundle_cpu / version_dev_cpu, ""

        watcher = RootWatcher(display)
        try:
            bare, bare_cpu = medians(lambda: window_times([str(python), "-c", BARE_WINDOW], env, watcher, folder))
            bundled, bundled_cpu = medians(
                lambda: window_times([str(BUNDLE / f"hmip-desktop{exe}")], env, watcher, folder)
            )
            developed, developed_cpu = medians(
                lambda: window_times([str(python), "-m", "hmip_desktop"], env, watcher, folder)
            )
        finally:
            watcher.close()
        yield "window shown: bare PySide6 window (Python)", bare, ""
        yield "window shown: bundled app", bundled, ""
        yield "window shown: app from the development environment", developed, ""
        yield "start ratio: bundled app window / bare window", bundled / bare, "≤ 3×"
        yield "start ratio: development app window / bare window", developed / bare, ""
        yield "start ratio: bundle hmip --version / bare window", version_bundle / bare, ""
        # CPU up to the window and a moment after (the program is closed as soon as it is seen).
        yield "CPU ratio: bundled app window / bare window", bundled_cpu / bare_cpu, ""
        yield "CPU ratio: development app window / bare window", developed_cpu / bare_cpu, ""
