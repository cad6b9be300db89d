"""The lead's report preview: its own thread, progress that follows the build, and the web edition export.

A first preview once took 20–32 s with its progress bar at 0 % (issue 13): it queued on the shared
thread pool behind other background work, and then paid for loading reportlab and the fonts. The
panel now builds on its own thread, loads the report tools on it as soon as it is shown, and reports
every stage of the build.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot
from test_report import make_inspection

from hmip_desktop.ui.lead import report_panel as panel_module
from hmip_desktop.ui.lead.report_panel import ReportPanel
from hmip_desktop.ui.workers import run_in_thread

BUILD_TIMEOUT = 60_000


@pytest.fixture
def lead_path(tmp_path: Path) -> Path:
    path = tmp_path / "lead.hmip"
    make_inspection(path, cases=20, drafts=1).close()
    return path


@pytest.fixture
def panel(qtbot: QtBot, lead_path: Path) -> Iterator[ReportPanel]:
    widget = ReportPanel(lead_path, "GWY-2014")
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_a_preview_does_not_wait_behind_other_background_work(qtbot: QtBot, panel: ReportPanel) -> None:
    shared = QThreadPool.globalInstance()
    release = threading.Event()
    blockers = [run_in_thread(lambda _progress: release.wait(60)) for _ in range(shared.maxThreadCount())]
    try:
        qtbot.waitUntil(lambda: shared.activeThreadCount() == shared.maxThreadCount())
        with qtbot.waitSignal(panel.built, timeout=BUILD_TIMEOUT) as built:
            qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
        assert built.args[0].pages > 10
        assert not any(job.is_done for job in blockers), "the shared pool was busy the whole time"
    finally:
        release.set()
        for job in blockers:
            if not job.is_done:
                qtbot.waitSignal(job.done, timeout=10_000).wait()


def test_progress_follows_the_build_and_only_grows(qtbot: QtBot, panel: ReportPanel) -> None:
    steps: list[tuple[int, str]] = []
    assert panel.preview()
    assert panel.job is not None
    panel.job.progress.connect(lambda done, _total, text: steps.append((done, text)))
    with qtbot.waitSignal(panel.built, timeout=BUILD_TIMEOUT) as built:
        pass
    values = [done for done, _text in steps]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 100
    assert len(set(values)) >= 20, "the bar moves through the layout, not in three jumps"
    words = [text for _done, text in steps]
    for stage in ("scoring the cases", "laying out the pages", "numbering the pages in the contents", "report written"):
        assert stage in words
    info = built.args[0]
    assert f"{info.pages} pages, built in" in panel.status.text() and "DRAFT" in panel.status.text()
    assert panel.document.pageCount() == info.pages
    assert not panel.progress.isVisible() and panel.preview_button.isEnabled()


def test_a_preview_asked_for_while_the_tools_load_says_so(
    qtbot: QtBot, lead_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading = threading.Event()
    monkeypatch.setattr(panel_module, "_warm_up", lambda _progress: loading.wait(60))
    widget = ReportPanel(lead_path, "GWY-2014")
    qtbot.addWidget(widget)
    try:
        assert not widget.warm_up.is_done
        assert widget.preview()
        assert widget.status.text() == "Loading the report tools (the first time only)…"
        assert widget.progress.value() == 0 and not widget.preview_button.isEnabled()
        with qtbot.waitSignal(widget.built, timeout=BUILD_TIMEOUT):
            loading.set()
        assert widget.warm_up.is_done
    finally:
        loading.set()
        widget.shutdown()


def test_export_html_writes_the_web_edition_into_the_chosen_folder(
    qtbot: QtBot, panel: ReportPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(site)))
    with qtbot.waitSignal(panel.exported, timeout=BUILD_TIMEOUT) as exported:
        qtbot.mouseClick(panel.export_html_button, Qt.MouseButton.LeftButton)
    page = site / "index.html"
    assert exported.args[0] == page
    assert '<html lang="en-GB">' in page.read_text(encoding="utf-8")
    assert "Saved the web edition" in panel.status.text() and panel.export_html_button.isEnabled()

    asked: list[str] = []

    def keep(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    page.write_text("an older site", encoding="utf-8")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(keep))
    assert not panel.export_html_to(site)
    assert "already exists" in asked[0] and page.read_text(encoding="utf-8") == "an older site"
