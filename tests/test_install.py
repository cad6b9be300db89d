"""HMIP Desktop installs and runs away from the checkout: the wheel in a fresh environment, the bundle.

The wheel is built once per session from a clean copy of the sources (`dev.py wheel`), installed
with its dependencies into a new virtual environment in a temporary folder, and run from a folder
outside the checkout, so nothing can come from the source tree. The standalone bundle is built by
`python3 dev.py bundle` (which does nothing when dist/hmip-desktop matches the sources), copied
elsewhere, and run from there.

These are marked `install` (a few minutes the first time: the bundle is built): `-m "not install"`
leaves them out locally; the default run (`python3 dev.py test`, CI) always runs them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

import hmip_desktop
from hmip_desktop.model.merge.reading import reader_count

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""
PASSED = "self-test passed"


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hmip_dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outside_env(home: Path) -> dict[str, str]:
    """An environment with nothing pointing at the checkout, and settings and logs kept in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "HMIP_"))}
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        APPDATA=str(home / "AppData"),
        LOCALAPPDATA=str(home / "Local"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    home.mkdir(parents=True, exist_ok=True)
    return env


def run(command: Sequence[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


# -- the wheel --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(load_dev().wheel(tmp_path_factory.mktemp("wheel"), Path(sys.executable)))


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (outside the checkout) with the wheel and its dependencies."""
    environment = tmp_path_factory.mktemp("wheel-venv") / "venv"
    base = tmp_path_factory.mktemp("outside")
    env = outside_env(base / "home")
    run([sys.executable, "-m", "venv", environment], base, env)
    python = environment / SCRIPTS / f"python{EXE}"
    run([python, "-m", "pip", "install", "--quiet", wheel], base, env, timeout=600)
    return environment


@pytest.mark.install
def test_the_wheel_holds_the_code_and_the_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "hmip_desktop").rglob("*.py"):
        assert path.relative_to(ROOT).as_posix() in names
    for path in (ROOT / "resources").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"hmip_desktop/resources/{path.relative_to(ROOT / 'resources').as_posix()}" in names
    assert "hmip_desktop/py.typed" in names
    assert not any(n.startswith(("tests/", "benchmarks/", "resources/", "packaging/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"hmip_desktop-{hmip_desktop.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata


@pytest.mark.install
def test_the_installed_package_reads_its_resources_from_the_environment(installed: Path, tmp_path: Path) -> None:
    python = installed / SCRIPTS / f"python{EXE}"
    code = (
        "import hmip_desktop; from hmip_desktop.model import assets; "
        "from hmip_desktop.model.instrument.definition import default_instrument; "
        "print(hmip_desktop.__file__); print(assets.where()); print(default_instrument().id)"
    )
    package_file, resources, instrument = run([python, "-c", code], tmp_path, outside_env(tmp_path / "home")).split()
    assert Path(package_file).resolve().is_relative_to(installed.resolve())
    assert Path(resources).resolve() == Path(package_file).resolve().parent / "resources"
    assert instrument == "iaow-2013-14"


@pytest.mark.install
def test_hmip_demo_and_report_run_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    hmip = installed / SCRIPTS / f"hmip{EXE}"
    env = outside_env(tmp_path / "home")
    run([hmip, "demo", "team"], tmp_path, env)
    assert (tmp_path / "team" / "lead.hmip").is_file()
    said = run([hmip, "report", Path("team") / "lead.hmip", "--out", "report.pdf"], tmp_path, env)
    assert re.match(r"wrote report\.pdf: \d+ pages, \d+ cases in the figures", said), said
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.install
def test_the_self_test_passes_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    env = outside_env(tmp_path / "home")
    env["QT_QPA_PLATFORM"] = "xcb"  # --self-test uses the offscreen platform whatever this says
    said = run([installed / SCRIPTS / f"hmip-desktop{EXE}", "--self-test"], tmp_path, env)
    lines = said.splitlines()
    assert lines[-1] == PASSED, said
    assert "platform offscreen" in lines[1]


# -- the standalone bundle ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/hmip-desktop (built if the sources changed since), copied to a folder of its own."""
    moved = tmp_path_factory.mktemp("moved") / "HMIP Desktop"
    done = subprocess.run(
        [sys.executable, ROOT / "dev.py", "bundle", "--copy-to", moved],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return moved


@pytest.mark.install
@pytest.mark.timeout(1800)
def test_the_bundle_answers_its_version(bundle: Path, tmp_path: Path) -> None:
    env = outside_env(tmp_path / "home")
    assert run([bundle / f"hmip{EXE}", "--version"], tmp_path, env).strip() == f"hmip {hmip_desktop.__version__}"
    said = run([bundle / f"hmip-desktop{EXE}", "--version"], tmp_path, env)
    assert said.strip() == f"hmip-desktop {hmip_desktop.__version__}"


@pytest.mark.install
@pytest.mark.timeout(1800)
def test_the_bundle_passes_its_self_test_from_a_copied_folder(bundle: Path, tmp_path: Path) -> None:
    env = outside_env(tmp_path / "home")
    lines = run([bundle / f"hmip-desktop{EXE}", "--self-test"], tmp_path, env).splitlines()
    assert lines[-1] == PASSED, "\n".join(lines)
    by_step = {line.split(":")[0]: line for line in lines[1:-1]}
    assert "one read in a reader process" in by_step["merge"]
    # The instrument and fonts come from the copied folder, not from the checkout or the build.
    instrument = by_step["instrument"]
    assert str(bundle) in instrument and str(ROOT) not in instrument
    log = next((tmp_path / "home").rglob("hmip-desktop.log")).read_text(encoding="utf-8")
    assert f"self-test: {PASSED}" in log


@pytest.mark.install
@pytest.mark.timeout(1800)
def test_the_bundled_hmip_merges_a_large_team_with_reader_processes(bundle: Path, tmp_path: Path) -> None:
    env = outside_env(tmp_path / "home")
    hmip = bundle / f"hmip{EXE}"
    run([hmip, "demo", "team", "--cases", "200", "--assessors", "12"], tmp_path, env)
    team = sorted(p for p in (tmp_path / "team").glob("*.hmip") if p.name != "lead.hmip")
    if (os.cpu_count() or 1) >= 2:
        assert reader_count(team) > 0, "the team is too small for the merge to use reader processes"
    said = run([hmip, "merge", "lead.hmip", *team, "--create", "--lead", "Jane Whitfield"], tmp_path, env)
    assert f"{len(team)} files merged, 0 unchanged, 0 refused" in said
    scores = run([hmip, "score", "lead.hmip", "--json"], tmp_path, env)
    assert '"cases_scored"' in scores


@pytest.mark.install
@pytest.mark.timeout(1800)
def test_the_bundle_holds_no_path_of_the_build_machine(bundle: Path) -> None:
    """Nothing in it names the checkout or the build environment, so nothing can be loaded from there."""
    needles = [str(ROOT).encode(), b"bundle-venv"]
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            assert not any(needle in data for needle in needles), path.relative_to(bundle)


@pytest.mark.install
@pytest.mark.timeout(1800)
@pytest.mark.skipif(sys.platform != "linux", reason="the desktop platform checked here is X11's (xcb)")
def test_the_bundled_app_shows_its_window_on_an_x11_desktop(bundle: Path, tmp_path: Path) -> None:
    """Qt's desktop platform plug-in and the libraries it needs are in the bundle: a window appears."""
    if shutil.which("Xvfb") is None:
        assert not os.environ.get("CI"), "Xvfb is missing; .ci/run installs it"
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    from benchmarks.bench_bundle import RootWatcher, window_seconds, xvfb

    env = outside_env(tmp_path / "home")
    with xvfb() as display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        watcher = RootWatcher(display)
        try:
            # Raises when the app ends (Qt aborts without its platform plug-in) or shows no window.
            window_seconds([str(bundle / "hmip-desktop")], env, watcher, tmp_path)
        finally:
            watcher.close()
    log = next((tmp_path / "home").rglob("hmip-desktop.log"), None)
    assert log is None or "Traceback" not in log.read_text(encoding="utf-8")
