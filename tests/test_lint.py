"""The code keeps its habits: ruff's lint rules, the one-way layers (import-linter), both from pyproject, and no import cycles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


#: Everything of ours that is Python.
SOURCES = ("hmip_desktop", "tests", "benchmarks", "packaging", "dev.py", "setup.py")


def test_ruff_finds_nothing() -> None:
    result = run(sys.executable, "-m", "ruff", "check", "--no-cache", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    """`ruff format` leaves every file as it is (run it before committing)."""
    result = run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_run_one_way() -> None:
    """core → scoring → report | exports → cli | ui, and inside the core instrument → file → merge | imports → demo."""
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_wrong_import_breaks_a_contract(tmp_path: Path) -> None:
    """The contracts really bite: in a copy of the package, a core module importing the UI is reported."""
    shutil.copytree(ROOT / "hmip_desktop", tmp_path / "hmip_desktop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    offender = tmp_path / "hmip_desktop" / "model" / "offender.py"
    offender.write_text("import hmip_desktop.ui.main_window\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "hmip_desktop.model.offender -> hmip_desktop.ui.main_window" in result.stdout


#: Prints each import that closes a cycle, as "a -> b" (b imports a back, directly or not); imports
#: made only for type checking are left out, since they never run.
_CYCLES = """
import grimp
graph = grimp.build_graph("hmip_desktop", exclude_type_checking_imports=True, cache_dir=None)
for module in sorted(graph.modules):
    for imported in sorted(graph.find_modules_directly_imported_by(module)):
        if graph.chain_exists(importer=imported, imported=module):
            print(f"{module} -> {imported}")
"""


def import_cycles(root: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _CYCLES],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_no_import_cycles() -> None:
    """No module imports one that imports it back: each can be read (and changed) without the other."""
    assert import_cycles(ROOT) == []


def test_an_import_cycle_is_found(tmp_path: Path) -> None:
    """The cycle check bites: in a copy of the package, the audit module importing the store is reported."""
    shutil.copytree(ROOT / "hmip_desktop", tmp_path / "hmip_desktop", ignore=shutil.ignore_patterns("__pycache__"))
    audit = tmp_path / "hmip_desktop" / "model" / "file" / "audit.py"
    audit.write_text(audit.read_text() + "\nfrom hmip_desktop.model.file.store import InspectionFile  # noqa: E402\n")
    found = import_cycles(tmp_path)
    assert "hmip_desktop.model.file.audit -> hmip_desktop.model.file.store" in found
    assert "hmip_desktop.model.file.store -> hmip_desktop.model.file.audit" in found
