#!/usr/bin/env python3
"""Set up HMIP Desktop on a fresh machine with only python3, then run it.

    python3 dev.py demo    # virtualenv + install + demo inspection + open the app
    python3 dev.py test    # virtualenv + install + the whole test suite, headless
    python3 dev.py bench   # the benchmarks, printed as tables

Uses only the standard library, so it works before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
DEMO_DIR = ROOT / "demo"


def run(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
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


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "bench", "setup"}:
        print(__doc__)
        sys.exit(2)
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "setup":
        setup()
    elif command == "demo":
        demo()
    elif command == "test":
        test(extra)
    else:
        bench(extra)


if __name__ == "__main__":
    main()
