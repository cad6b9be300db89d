"""The lead's tabs at laptop sizes: breakdown groups readable, the team table given the room, saves shown.

The window is driven at 1280x800 and 1366x768 (the laptops fieldwork is done on).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lead_support import LAPTOP_SIZES, MERGE_TIMEOUT, lead_of, merge, merge_team
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabWidget
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.report import findings_fields as ff
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.session import Changes

pytestmark = QT_STRICT


def click_tab(qtbot: QtBot, tabs: QTabWidget, index: int) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())


@pytest.mark.parametrize("size", LAPTOP_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_breakdown_groups_are_readable_at_laptop_width(
    qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path], size: tuple[int, int]
) -> None:
    lead_window.resize(*size)
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    merge_team(qtbot, lead, team)
    with qtbot.waitSignal(lead.dashboard_tab.panel.refreshed, timeout=MERGE_TIMEOUT):
        click_tab(qtbot, workspace, workspace.indexOf(lead.dashboard_tab))
    dashboard = lead.dashboard
    click_tab(qtbot, dashboard.tabs, 1)
    view = dashboard.breakdown_view
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    assert dashboard.breakdown_question == "cd.gender"  # the first breakdown, scored with the rest
    for question_id in ("cd.gender", "cd.rosh", "cd.case_type"):
        if dashboard.breakdown_question != question_id:
            with qtbot.waitSignal(dashboard.refreshed, timeout=MERGE_TIMEOUT):
                dashboard.breakdown_choice.setCurrentIndex(dashboard.breakdown_choice.findData(question_id))
        labels = [dashboard.breakdown.index(r, 0).data() for r in range(dashboard.breakdown.rowCount())]
        assert labels, question_id
        # Every group's name fits its column (the column was ~26 px, "L…", at these sizes).
        widest = max(metrics.horizontalAdvance(label) for label in [*labels, "Group"])
        assert header.sectionSize(0) >= widest + 6, (question_id, header.sectionSize(0), widest)
        assert header.sectionSize(0) >= view.sizeHintForColumn(0)
        # ... and every outcome column is on screen, with room for "100%" and a bar.
        assert header.length() <= view.viewport().width() + 1
        for column in range(2, dashboard.breakdown.columnCount()):
            assert header.sectionSize(column) >= metrics.horizontalAdvance("100%") + 30


def test_changing_the_breakdown_never_shows_the_old_groups_under_the_new_label(
    qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path]
) -> None:
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    merge_team(qtbot, lead, team)
    with qtbot.waitSignal(lead.dashboard_tab.panel.refreshed, timeout=MERGE_TIMEOUT):
        click_tab(qtbot, workspace, workspace.indexOf(lead.dashboard_tab))
    dashboard = lead.dashboard
    click_tab(qtbot, dashboard.tabs, 1)
    model = dashboard.breakdown
    instrument = dashboard.instrument
    seen: list[tuple[str, str | None, list[str]]] = []

    def record() -> None:
        labels = [model.index(r, 0).data() for r in range(model.rowCount())]
        seen.append((dashboard.breakdown_choice.currentText(), model.question_id, labels))

    for signal in (model.modelReset, model.dataChanged, model.rowsInserted):
        signal.connect(lambda *_args: record())
    dashboard.breakdown_choice.setFocus()
    for _step in range(3):  # three choices down the list, by keyboard, each waited for
        with qtbot.waitSignal(dashboard.refreshed, timeout=MERGE_TIMEOUT):
            qtbot.keyClick(dashboard.breakdown_choice, Qt.Key.Key_Down)
            # At once: no groups (the old ones are gone) and a word that scoring is under way.
            assert model.rowCount() == 0 and model.question_id == dashboard.breakdown_question
            assert dashboard.breakdown_status.text() == "Scoring…"
        assert model.rowCount() > 0 and dashboard.breakdown_status.text() == ""
        record()
    assert len({label for label, _question, _groups in seen}) == 3
    for label, question_id, groups in seen:
        assert question_id is not None
        question = instrument.question(question_id)
        assert label == question.chart_label
        allowed = {option.label for option in question.options} | {"Not recorded"}
        assert set(groups) <= allowed, (label, groups)


@pytest.mark.parametrize("size", LAPTOP_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_team_table_gets_the_height_of_the_team_files_tab(
    qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path], size: tuple[int, int]
) -> None:
    lead_window.resize(*size)
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    click_tab(qtbot, workspace, workspace.indexOf(lead.import_tab))
    panel = lead.import_panel
    qtbot.waitExposed(panel)
    # Before any import: no empty "Last import" table at all.
    assert not panel.summary_view.isVisible()
    assert panel.team_view.height() > panel.height() // 2

    merge(qtbot, lead, [team["helen"], team["david"], team["priya"], team["broken"], team["resent"]])
    qtbot.waitUntil(lambda: panel.summary_view.isVisible())
    summary, team_view = panel.summary_view, panel.team_view
    rows_height = sum(summary.rowHeight(r) for r in range(panel.summary_model.rowCount()))
    needed = rows_height + summary.horizontalHeader().height() + 2 * summary.frameWidth()
    qtbot.waitUntil(lambda: summary.verticalScrollBar().maximum() == 0)  # every file's row shows
    # The last import takes what its rows need (a horizontal scroll bar at most), no more...
    assert summary.height() <= needed + summary.horizontalScrollBar().sizeHint().height() + 2
    # ... and the team table has the rest: every assessor shows without scrolling, and it is the taller.
    assert team_view.model().rowCount() == 4
    assert team_view.verticalScrollBar().maximum() == 0
    assert team_view.height() > summary.height()


def test_a_findings_save_reaches_the_saved_label(qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path]) -> None:
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    heard: list[Changes] = []
    lead.session.changed.connect(heard.append)
    click_tab(qtbot, workspace, workspace.indexOf(lead.findings_tab))
    narrative = lead.findings.narrative
    narrative.select_field(ff.FOREWORD)
    assert lead_window.saved_label.text() == "Every change is saved as you make it"
    qtbot.mouseClick(narrative.editor.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(narrative.editor, "The third of six inspections this year.")
    with qtbot.waitSignal(narrative.saved, timeout=5_000):
        pass
    assert lead_window.saved_label.text().startswith("Saved ")
    assert heard == [Changes.of(findings=[ff.FOREWORD])]
    # The words column follows the session's changes.
    row = narrative.model.row_of(ff.FOREWORD)
    assert narrative.model.index(row, 1).data() == 7


def test_no_lead_tab_makes_a_900_pixel_window_wider(qtbot: QtBot, lead_window: MainWindow) -> None:
    """The Findings tab did: its chapter list (names of ~70 characters) and two unwrapped hints made
    the window 955 pixels wide at least, cut off by a smaller screen."""
    lead_window.resize(900, 600)
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    for index in range(workspace.count()):
        click_tab(qtbot, workspace, index)
        if workspace.currentWidget() is lead.findings_tab:
            findings = lead.findings
            for page in range(findings.count()):
                click_tab(qtbot, findings, page)
                QApplication.processEvents()  # the layout's requests, posted as the tab shows
                assert lead_window.width() == 900, findings.tabText(page)
        QApplication.processEvents()
        assert lead_window.width() == 900, workspace.tabText(index)
