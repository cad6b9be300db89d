"""Fixtures and helpers of the lead's workspace tests (tests/test_ui_lead*.py), loaded as a pytest plugin.

A demo inspection (three assessors, 30 cases) is generated once per test
module; each test copies it into its own folder and opens its own session.
In the copy, Priya Shah has second-marked three of Helen Carter's complete
cases and disagrees on one judgement in each (quality-assurance double
marking), so a merge raises several conflicts for the lead to settle.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from hmip_desktop.model.demo import generate_demo
from hmip_desktop.ui.lead.score_service import ScoreSnapshot
from hmip_desktop.ui.lead.screenshots import double_mark
from hmip_desktop.ui.lead.workspace import LeadWorkspace
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.session import InspectionSession

MERGE_TIMEOUT = 60_000
#: The window sizes of the laptops fieldwork is done on.
LAPTOP_SIZES = ((1280, 800), (1366, 768))


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "kent"
    generate_demo(folder, cases=30, assessors=3, merge=False)
    return folder


@pytest.fixture
def team(demo_master: Path, tmp_path: Path) -> dict[str, Path]:
    """This test's own copy: three team files, the empty lead file, a bad file and a re-sent copy."""
    folder = tmp_path / "kent"
    shutil.copytree(demo_master, folder)
    (folder / "broken.hmip").write_bytes(b"this is a spreadsheet, not an inspection file" * 40)
    shutil.copyfile(folder / "helen-carter.hmip", folder / "helen-carter-resent.hmip")
    return {
        "helen": folder / "helen-carter.hmip",
        "david": folder / "david-okafor.hmip",
        "priya": folder / "priya-shah.hmip",
        "lead": folder / "lead.hmip",
        "broken": folder / "broken.hmip",
        "resent": folder / "helen-carter-resent.hmip",
    }


@pytest.fixture
def double_marked(team: dict[str, Path]) -> dict[str, Path]:
    """The team's files with three of Helen's cases second-marked by Priya (three more conflicts)."""
    double_mark(team["helen"], team["priya"], count=3)
    return team


@pytest.fixture
def lead(qtbot: QtBot, team: dict[str, Path]) -> Iterator[LeadWorkspace]:
    session = InspectionSession.open(team["lead"])
    workspace = LeadWorkspace(session)
    for widget, _title in workspace.tabs():
        qtbot.addWidget(widget)
    yield workspace
    workspace.shutdown()
    session.close()


@pytest.fixture
def lead_window(qtbot: QtBot, tmp_path: Path, team: dict[str, Path]) -> Iterator[MainWindow]:
    """The app's window at laptop size with the (empty) lead file open; the lead's tabs are built lazily."""
    settings = QSettings(str(tmp_path / "lead-settings.ini"), QSettings.Format.IniFormat)
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.resize(*LAPTOP_SIZES[0])
    main.show()
    qtbot.waitExposed(main)
    assert main.open_file(team["lead"])
    yield main
    main.close()


def lead_of(window: MainWindow) -> LeadWorkspace:
    assert window.workspace is not None and window.workspace.lead is not None
    return window.workspace.lead


def merge(qtbot: QtBot, lead: LeadWorkspace, paths: list[Path]) -> object:
    with qtbot.waitSignal(lead.import_panel.merged, timeout=MERGE_TIMEOUT) as blocker:
        assert lead.import_panel.import_files(paths)
    return blocker.args[0]


def merge_team(qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]) -> object:
    return merge(qtbot, lead, [team["helen"], team["david"], team["priya"]])


def next_snapshot(qtbot: QtBot, lead: LeadWorkspace, action: Callable[[], object]) -> ScoreSnapshot:
    with qtbot.waitSignal(lead.dashboard.refreshed, timeout=MERGE_TIMEOUT) as blocker:
        action()
    snapshot = blocker.args[0]
    assert isinstance(snapshot, ScoreSnapshot)
    return snapshot


def settle_scores(qtbot: QtBot, lead: LeadWorkspace) -> ScoreSnapshot:
    """Wait until the dashboard shows the file as it is now."""
    qtbot.waitUntil(lambda: not lead.dashboard.service.busy and lead.dashboard.snapshot is not None)
    return next_snapshot(qtbot, lead, lead.dashboard.refresh)
