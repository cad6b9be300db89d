"""The lead's Area tab, driven with keys and clicks: figures typed in are saved once valid, never half-checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot
from test_area import KENT_CSV

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report import area
from hmip_desktop.ui.lead.area_panel import AreaPanel
from hmip_desktop.ui.session import InspectionSession

SAVE_TIMEOUT = 5_000


@pytest.fixture
def lead_path(tmp_path: Path) -> Path:
    path = tmp_path / "lead.hmip"
    InspectionFile.create(
        path, inspection_id="GWY-2014", area="Gwynedd", assessor="Jane Whitfield", role="lead"
    ).close()
    return path


@pytest.fixture
def panel(qtbot: QtBot, lead_path: Path) -> Iterator[AreaPanel]:
    session = InspectionSession.open(lead_path)
    widget = AreaPanel(session)
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    session.close()


def stored(path: Path) -> str:
    with InspectionFile.open(path, read_only=True) as inspection:
        return inspection.finding(area.FIELD)


def type_line(qtbot: QtBot, panel: AreaPanel, cells: list[str]) -> None:
    """Add a figure and type its cells, Tab from one to the next, as a lead would."""
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    for n, text in enumerate(cells):
        editor = QApplication.focusWidget()
        assert editor is not None and editor is not panel.table, "a cell editor has the focus"
        if text.isascii():
            qtbot.keyClicks(editor, text)
        else:  # QTest types ASCII only; a Welsh name arrives as an input method would send it
            editor.insert(text)  # type: ignore[attr-defined]
        # A press only: the key closes this editor (and opens the next), so no release can reach it.
        qtbot.keyPress(editor, Qt.Key.Key_Tab if n < len(cells) - 1 else Qt.Key.Key_Return)


def test_the_model_behaves(qtmodeltester: object, panel: AreaPanel) -> None:
    panel.model.set_lines(area.to_lines(area.from_lines([area.FlatLine("T", "a", "b", "1", "Census")])))
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]


def test_a_typed_figure_is_saved_once_it_is_valid(qtbot: QtBot, panel: AreaPanel, lead_path: Path) -> None:
    assert "No figures yet" in panel.status.text()
    with qtbot.waitSignal(panel.saved, timeout=SAVE_TIMEOUT):
        type_line(qtbot, panel, ["Poblogaeth", "Ynys Môn", "Population", "69,700", "Census 2011"])
    data = area.parse_area_json(stored(lead_path))
    assert data is not None and data.tables[0].rows[0].values == ("69,700",)
    assert data.sources() == ["Census 2011"]
    assert "Saved: 1 table, 1 figure, 1 source." in panel.status.text()


def test_a_bad_value_is_named_and_nothing_is_saved(qtbot: QtBot, panel: AreaPanel, lead_path: Path) -> None:
    type_line(qtbot, panel, ["Poblogaeth", "Gwynedd", "Population", "lots"])
    qtbot.waitUntil(lambda: "Not saved" in panel.status.text(), timeout=SAVE_TIMEOUT)
    assert "line 1: &#x27;lots&#x27; is not a number" in panel.status.text()
    assert stored(lead_path) == ""
    assert panel.flush() is False, "closing the file asks before dropping figures that cannot be saved"
    index = panel.model.index(0, 3)
    panel.table.setCurrentIndex(index)
    panel.table.edit(index)
    editor = QApplication.focusWidget()
    assert editor is not None
    editor.selectAll()  # type: ignore[attr-defined]
    with qtbot.waitSignal(panel.saved, timeout=SAVE_TIMEOUT):
        qtbot.keyClicks(editor, "121,900")
        qtbot.keyPress(editor, Qt.Key.Key_Return)
    assert area.parse_area_json(stored(lead_path)) is not None and panel.flush() is True


def test_import_replaces_the_figures_and_export_writes_them_back(
    qtbot: QtBot, panel: AreaPanel, lead_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "kent.csv"
    source.write_text(KENT_CSV, encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    with qtbot.waitSignal(panel.saved, timeout=SAVE_TIMEOUT):
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 10
    assert "Saved: 2 tables, 10 figures, 3 sources." in panel.status.text()
    out = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert area.read_area_csv(out) == area.read_area_csv(source) == area.parse_area_json(stored(lead_path))

    before = stored(lead_path)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    # Ashford's unemployment figure is gone, so that row of its table is incomplete: refused and named.
    qtbot.waitUntil(lambda: "Not saved" in panel.status.text(), timeout=SAVE_TIMEOUT)
    assert "no value for" in panel.status.text() and "Unemployment" in panel.status.text()
    assert stored(lead_path) == before


def test_a_read_only_file_shows_the_figures_without_editing(qtbot: QtBot, lead_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "kent.csv"
    source.write_text(KENT_CSV, encoding="utf-8")
    with InspectionFile.open(lead_path) as inspection:
        inspection.set_finding(area.FIELD, area.read_area_csv(source).to_json())
    session = InspectionSession.open(lead_path, read_only=True)
    widget = AreaPanel(session)
    qtbot.addWidget(widget)
    try:
        assert widget.model.rowCount() == 10
        assert not widget.add_button.isEnabled() and not widget.import_button.isEnabled()
        assert not widget.model.flags(widget.model.index(0, 3)) & Qt.ItemFlag.ItemIsEditable
        assert widget.export_button.isEnabled()
    finally:
        session.close()
