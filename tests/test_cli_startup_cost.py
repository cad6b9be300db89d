"""What each `hmip` command loads: only what it uses (issue 16; the rule is in hmip_desktop/cli/main.py).

Each command runs in a fresh interpreter, so the modules other tests imported do not count; the
child prints the modules it ended with. benchmarks/bench_cli.py measures the time; these tests keep
the heavy modules off each command's path, so the floor cannot creep back.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hmip_desktop.cli import demo as demo_cli
from hmip_desktop.cli import files as files_cli
from hmip_desktop.cli import merge_cmd
from hmip_desktop.cli.main import build_parser
from hmip_desktop.model.demo import TEAM
from hmip_desktop.model.file.package import PACKAGE_SUFFIX
from hmip_desktop.model.file.records import ROLES
from hmip_desktop.model.file.store import FILE_SUFFIX, InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, default_instrument, instrument_paths, load_instrument
from hmip_desktop.model.merge.aggregate import DEFAULT_AGGREGATE_ID, DEFAULT_OWNER

#: Runs `hmip` with the given arguments (each list in argv[1], as JSON), then prints the modules loaded.
CHILD = """
import json, sys
from hmip_desktop.cli.main import main
seen = set(sys.modules)
for args in json.loads(sys.argv[1]):
    try:
        code = main(args)
    except SystemExit as exc:  # --help and --version exit through argparse
        code = exc.code
    print("EXIT", code, flush=True)
    print("LOADED", " ".join(sorted(set(sys.modules) - seen)), flush=True)
    seen = set(sys.modules)
"""

#: Third-party packages no command loads unless it needs them.
HEAVY_PACKAGES = {
    "pydantic",
    "reportlab",
    "cryptography",
    "openpyxl",
    "sqlite_utils",
    "statsmodels",
    "numpy",
    "PySide6",
}
#: The machinery behind the commands, by what uses it.
MERGE = {
    "hmip_desktop.model.merge.files",
    "hmip_desktop.model.merge.reading",
    "hmip_desktop.model.merge.one_file",
    "hmip_desktop.model.merge.incoming",
    "hmip_desktop.model.merge.aggregate",
}
REPORT = {"hmip_desktop.report.builder", "hmip_desktop.report.pdf", "hmip_desktop.report.content"}
OTHER_JOBS = {
    "hmip_desktop.exports",
    "hmip_desktop.model.demo",
    "hmip_desktop.model.imports",
    "hmip_desktop.model.moderation",
    "hmip_desktop.model.file.package",
    "hmip_desktop.ui",
}
SCORING = {"hmip_desktop.scoring"}


def run_hmip(*commands: list[str]) -> list[tuple[int, set[str]]]:
    """(exit code, modules newly loaded) for each command, run one after the other in one fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(commands)], capture_output=True, text=True, timeout=300
    )
    exits = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("EXIT ")]
    loaded = [
        line.split(" ", 1)[1] if " " in line else "" for line in done.stdout.splitlines() if line.startswith("LOADED")
    ]
    assert len(exits) == len(commands), done.stderr[-3000:]
    return [
        (int(code) if code.isdigit() else -1, set(names.split())) for code, names in zip(exits, loaded, strict=True)
    ]


def loaded_of(modules: set[str], names: set[str]) -> set[str]:
    """The modules among `modules` that are one of `names` or inside one of them."""
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY_PACKAGES}


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command of the parser, e.g. ("cases", "list")."""
    found: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += command_paths(sub, (*prefix, name))
    return found


@pytest.fixture(autouse=True)
def _instrument_records_made() -> None:
    """pydantic validates an instrument file once per user (model/instrument/validated_cache.py); the
    starts measured here come after that, as every start but the first after an install does."""
    for path in instrument_paths():
        load_instrument(path)


def test_help_and_version_load_only_the_command_line() -> None:
    paths = command_paths(build_parser())
    assert ("info",) in paths and ("cases", "list") in paths
    commands = [["--help"], ["--version"], *([*path, "--help"] for path in paths)]
    results = run_hmip(*commands)
    for command, (code, modules) in zip(commands, results, strict=True):
        assert code == 0, command
        ours = {m for m in modules if m.startswith("hmip_desktop.")}
        beyond_the_cli = {m for m in ours if not m.startswith("hmip_desktop.cli")} - {
            "hmip_desktop.model",
            "hmip_desktop.model.errors",
            "hmip_desktop.model.wording",  # counts in words: a few lines importing nothing
        }
        assert beyond_the_cli == set(), f"`hmip {' '.join(command)}` loads {sorted(beyond_the_cli)}"
        assert heavy(modules) == set(), f"`hmip {' '.join(command)}` loads {sorted(heavy(modules))}"


@pytest.fixture
def assessor_file(tmp_path: Path, mini_instrument: Instrument) -> Path:
    path = tmp_path / "ann.hmip"
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as file:
        question = mini_instrument.questions[0]
        file.set_answer("KT-0001", question.id, question.options[0].value, create_case=True)
    return path


@pytest.fixture
def lead_file(tmp_path: Path) -> Path:
    path = tmp_path / "lead.hmip"
    instrument = default_instrument()
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Lee Lead", role="lead", instrument=instrument
    ) as file:
        question = instrument.context_questions[0]
        file.set_answer("KT-0001", question.id, question.options[0].value, create_case=True)
    return path


def test_reading_a_file_loads_the_store_and_nothing_of_the_jobs(assessor_file: Path) -> None:
    commands = [["info", str(assessor_file)], ["cases", "list", str(assessor_file), "--json"]]
    (info_code, info), (list_code, listed) = run_hmip(*commands)
    assert (info_code, list_code) == (0, 0)
    assert "hmip_desktop.model.file.store" in info
    for modules in (info, listed):
        assert heavy(modules) == set()
        assert loaded_of(modules, MERGE | REPORT | OTHER_JOBS | SCORING) == set()


def test_the_instrument_command_loads_no_file_code() -> None:
    ((code, modules),) = run_hmip(["instrument", "--json"])
    assert code == 0
    assert heavy(modules) == set()
    assert loaded_of(modules, {"hmip_desktop.model.file", "sqlite3"} | MERGE | REPORT | OTHER_JOBS | SCORING) == set()


def test_scoring_loads_the_engine_but_no_report_merge_or_export(lead_file: Path) -> None:
    ((code, modules),) = run_hmip(["score", str(lead_file), "--include-incomplete"])
    assert code == 0
    assert "hmip_desktop.scoring.engine" in modules
    assert heavy(modules) == set()
    assert loaded_of(modules, MERGE | REPORT | OTHER_JOBS) == set()


def test_the_report_loads_reportlab_but_no_merge_export_or_cipher(lead_file: Path, tmp_path: Path) -> None:
    ((code, modules),) = run_hmip(["report", str(lead_file), "--out", str(tmp_path / "r.pdf"), "--include-incomplete"])
    assert code == 0
    assert "reportlab" in modules and "hmip_desktop.report.builder" in modules
    # The area appendix (report/area.py) checks its tables with pydantic and reads them with the CSV import.
    used = {"reportlab", "pydantic", "pydantic_core"}
    assert {m for m in heavy(modules) if m.split(".")[0] not in used} == set()
    assert loaded_of(modules, MERGE | OTHER_JOBS - {"hmip_desktop.model.imports"}) == set()


# -- what registering writes out agrees with where it comes from ----------------------------------


def subparser(*path: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = action.choices[name]
    return parser


def option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    return next(a for a in parser._actions if flag in a.option_strings)


def test_the_copies_registering_uses_match_their_originals() -> None:
    assert files_cli.ROLE_CHOICES == ROLES
    assert option(subparser("new"), "--role").choices == ROLES
    assert len(TEAM) == demo_cli.TEAM_SIZE
    assert f"1 to {len(TEAM)}" in (option(subparser("demo"), "--assessors").help or "")
    assert PACKAGE_SUFFIX in (option(subparser("package"), "--out").help or "")
    assert FILE_SUFFIX in (option(subparser("unpackage"), "--out").help or "")
    assert (merge_cmd.AGGREGATE_ID, merge_cmd.AGGREGATE_OWNER) == (DEFAULT_AGGREGATE_ID, DEFAULT_OWNER)
    assert option(subparser("aggregate"), "--id").default == DEFAULT_AGGREGATE_ID
    assert option(subparser("aggregate"), "--owner").default == DEFAULT_OWNER
