#!/usr/bin/env python3
"""Set up HMIP Desktop on a fresh machine with only python3, then run it.

    python3 dev.py demo    # virtualenv + install + demo inspection + open the app
    python3 dev.py test    # virtualenv + install + the whole test suite, headless
    python3 dev.py bench   # the benchmarks, printed as tables
    python3 dev.py wheel [DIR]          # the wheel, built from a clean copy of the sources (default dist/)
    python3 dev.py bundle [--force] [--copy-to DIR]   # the standalone app (PyInstaller) in dist/hmip-desktop/

Uses only the standard library, so it works before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
DEMO_DIR = ROOT / "demo"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
#: What the wheel is built from (copied to a clean folder first: setuptools' own build/ folder keeps
#: modules deleted since the last build, and would put them in the wheel).
WHEEL_SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "hmip_desktop", "resources")
#: The bundle is built in its own environment from the wheel, so it holds what a user of the wheel
#: gets and nothing else that happens to be installed in .venv.
BUNDLE_VENV = BUILD / "bundle-venv"
BUNDLE_PYTHON = BUNDLE_VENV / BIN.name / PYTHON.name
BUNDLE_SPEC = ROOT / "packaging" / "hmip-desktop.spec"
BUNDLE_DIR = DIST / "hmip-desktop"
#: The sources' digest when dist/hmip-desktop was built: the tests rebuild only when it differs.
BUNDLE_STAMP = DIST / "hmip-desktop.sources-sha256"


def run(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup() -> None:
    """Create .venv and install the project with its test extras (again when pyproject changes)."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(wanted)


def demo() -> None:
    setup()
    lead = DEMO_DIR / "lead.hmip"
    if not lead.exists():
        run(BIN / "hmip", "demo", DEMO_DIR)
    run(PYTHON, "-m", "hmip_desktop", lead)


def test(extra: list[str]) -> None:
    setup()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run(PYTHON, "-m", "pytest", *extra, env=env)


def bench(extra: list[str]) -> None:
    setup()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run(PYTHON, "-m", "benchmarks", *extra, env=env)


def source_files(names: tuple[str, ...]) -> list[Path]:
    """The files under `names` (relative to the checkout), without caches, sorted."""
    found: list[Path] = []
    for name in names:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        found += [
            path
            for path in candidates
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
        ]
    return found


def sources_digest(names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in source_files(names):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def wheel(out_dir: Path, python: Path = PYTHON) -> Path:
    """Build the wheel into `out_dir` from a clean copy of WHEEL_SOURCES; its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hmip-wheel-") as tmp:
        source = Path(tmp) / "src"
        for path in source_files(WHEEL_SOURCES):
            target = source / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        before = set(out_dir.glob("hmip_desktop-*.whl"))
        started = time.perf_counter()
        run(python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out_dir, source)
    built = max(out_dir.glob("hmip_desktop-*.whl"), key=lambda p: (p not in before, p.stat().st_mtime))
    print(f"wheel: {built} ({built.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.0f} s)")
    return built


@contextmanager
def bundle_lock() -> Iterator[None]:
    """One bundle build at a time in this checkout: a second waits, then finds the first one's result."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / "bundle.lock", "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: builds there are one per CI job
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bundle(extra: list[str]) -> None:
    """dist/hmip-desktop/: `hmip-desktop` and `hmip` with one set of libraries (packaging/hmip-desktop.spec).

    `--copy-to DIR` then copies it to DIR (a new folder) before another build can replace it."""
    copy_to = Path(extra[extra.index("--copy-to") + 1]).resolve() if "--copy-to" in extra else None
    with bundle_lock():
        build_bundle(force="--force" in extra)
        if copy_to is not None:
            shutil.copytree(BUNDLE_DIR, copy_to, symlinks=True)
            print(f"copied to {copy_to}")


def build_bundle(*, force: bool) -> None:
    digest = sources_digest((*WHEEL_SOURCES, "packaging"))
    if not force and BUNDLE_DIR.is_dir() and BUNDLE_STAMP.is_file() and BUNDLE_STAMP.read_text() == digest:
        print(f"{BUNDLE_DIR.relative_to(ROOT)} is up to date with the sources (--force builds it again)")
        return
    started = time.perf_counter()
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    venv_stamp = BUNDLE_VENV / ".pyproject-sha256"
    if not (BUNDLE_PYTHON.exists() and venv_stamp.is_file() and venv_stamp.read_text() == wanted):
        print(f"creating the build environment in {BUNDLE_VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(BUNDLE_VENV)
    venv_stamp.write_text("")  # until the installs below succeed: a failed one means a new environment
    wheels = BUILD / "bundle-wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    built = wheel(wheels, BUNDLE_PYTHON)
    run(BUNDLE_PYTHON, "-m", "pip", "install", "--quiet", f"{built}[bundle]")
    run(BUNDLE_PYTHON, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", built)
    venv_stamp.write_text(wanted)
    BUNDLE_STAMP.unlink(missing_ok=True)
    analysed = time.perf_counter()
    # Run outside the checkout, so the analysis finds hmip_desktop in the build environment only.
    run(
        BUNDLE_PYTHON,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        DIST,
        "--workpath",
        BUILD / "pyinstaller",
        BUNDLE_SPEC,
        cwd=BUILD,
    )
    BUNDLE_STAMP.write_text(digest)
    size = sum(p.stat().st_size for p in BUNDLE_DIR.rglob("*") if p.is_file() and not p.is_symlink())
    print(
        f"bundle: {BUNDLE_DIR} ({size / 1e6:.0f} MB); {time.perf_counter() - started:.0f} s in all, "
        f"{time.perf_counter() - analysed:.0f} s of them in PyInstaller"
    )


def main() -> None:
    commands = {"demo", "test", "bench", "setup", "wheel", "bundle"}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "setup":
        setup()
    elif command == "demo":
        demo()
    elif command == "test":
        test(extra)
    elif command == "wheel":
        setup()
        wheel(Path(extra[0]).resolve() if extra else DIST)
    elif command == "bundle":
        bundle(extra)
    else:
        bench(extra)


if __name__ == "__main__":
    main()
