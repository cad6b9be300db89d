"""The lead's Agreement view and Plan moderation…, driven through their widgets on a merged demo inspection."""

from __future__ import annotations

import csv
import math
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, literal_ampersands, markdown_marks

from hmip_desktop.model.demo import QUALITY_LEAD, generate_demo
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.agreement import AgreementResult, agreement_of_file
from hmip_desktop.scoring.engine import percent
from hmip_desktop.ui.lead.agreement_panel import NO_DOUBLE_MARKING, QUESTION_COLUMN, AgreementPanel
from hmip_desktop.ui.lead.moderation_dialog import ModerationDialog
from hmip_desktop.ui.session import InspectionSession

pytestmark = QT_STRICT
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def merged_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A merged demo: 40 cases, four assessors, the quality lead's second marking of four of them."""
    return generate_demo(tmp_path_factory.mktemp("demo") / "kent", cases=40, assessors=4, seed=5)[-1]


@pytest.fixture
def panel(qtbot: QtBot, merged_demo: Path, tmp_path: Path) -> Iterator[AgreementPanel]:
    shutil.copyfile(merged_demo, tmp_path / "lead.hmip")
    session = InspectionSession.open(tmp_path / "lead.hmip")
    view = AgreementPanel(session)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.result is not None, timeout=TIMEOUT)
    yield view
    session.close()


def test_the_view_shows_hmip_agreement_lowest_first(panel: AgreementPanel, qtmodeltester: ModelTester) -> None:
    with InspectionFile.open(panel.session.path, read_only=True) as lead:
        expected = agreement_of_file(lead)
    assert isinstance(panel.result, AgreementResult)
    assert panel.result.to_json() == expected.to_json()
    assert expected.agreement is not None and f"{percent(expected.agreement)}%" in panel.status.text()
    assert f"{expected.cases}</b> double-marked cases" in panel.status.text()
    for model in (panel.assessors, panel.questions, panel.question_order, panel.pairs):
        qtmodeltester.check(model)
    # Every assessor paired with the quality lead (the demo's moderation sample), besides the pair-read case.
    names = [panel.assessors.index(row, 0).data() for row in range(panel.assessors.rowCount())]
    assert len([name for name in names if QUALITY_LEAD[0] in name]) == 4
    # The questions view sorts lowest agreement first.
    shown = [
        panel.question_order.index(row, 2).data(Qt.ItemDataRole.UserRole + 3)
        for row in range(panel.question_order.rowCount())
    ]
    assert shown == sorted(shown) and shown[0] < 1
    assert panel.question_order.rowCount() == sum(1 for q in expected.questions.values() if q.values.pairs)


def test_a_question_lists_the_pairs_behind_it_and_opens_a_case(qtbot: QtBot, panel: AgreementPanel) -> None:
    panel.questions_view.selectRow(0)
    source = panel.questions.rows[panel.question_order.mapToSource(panel.question_order.index(0, 0)).row()]
    assert panel.pairs.rowCount() == source.values.pairs
    assert panel.pairs.rows[0].agree is False  # differences first
    assert f"{len(source.disagreements)} of {source.values.pairs} pairs differ" in panel.pairs_title.text()
    first = panel.pairs.rows[0]
    assert panel.pairs.index(0, 3).data().endswith("line)") or "not counted" in panel.pairs.index(0, 3).data()
    with qtbot.waitSignal(panel.open_case_requested) as opened:
        panel.pairs_view.doubleClicked.emit(panel.pairs.index(0, 0))
    assert opened.args == [first.case_ref, first.question_id]


def test_every_header_is_whole_at_the_workspace_size(qtbot: QtBot, panel: AgreementPanel) -> None:
    """A column is never narrower than its header ("Same side of the line", "First's answer" were cut at
    both ends), with a question's pairs shown, at the size the panel has in a 1280 x 800 window."""
    panel.resize(1260, 700)
    panel.show()

    def cut(view: QTableView) -> list[str]:
        header = view.horizontalHeader()
        return [
            view.model().headerData(column, Qt.Orientation.Horizontal)
            for column in range(header.count())
            if not header.isSectionHidden(column) and header.sectionSize(column) < header.sectionSizeHint(column)
        ]

    panel.questions_view.selectRow(0)
    qtbot.waitUntil(lambda: panel.pairs.rowCount() > 0)
    assert panel.pairs_view.isColumnHidden(QUESTION_COLUMN)  # one question's answers: named in the title
    assert (cut(panel.assessors_view), cut(panel.questions_view), cut(panel.pairs_view)) == ([], [], [])
    # A question is named in words first (its id first left room for nothing else: "factor.thinking.progres…").
    first = panel.questions.rows[panel.question_order.mapToSource(panel.question_order.index(0, 0)).row()]
    label = panel.session.instrument.question(first.question_id).chart_label
    shown = panel.question_order.index(0, 0).data()
    assert shown.startswith(label) and shown.endswith(f"({first.question_id})")
    panel.assessors_view.selectRow(0)  # a pair of assessors' answers, to every question
    assert not panel.pairs_view.isColumnHidden(QUESTION_COLUMN)


def test_a_pair_of_assessors_lists_their_answers(panel: AgreementPanel) -> None:
    panel.assessors_view.selectRow(1)
    chosen = panel.assessors.rows[1]
    assert panel.pairs.rowCount() == chosen.pairs
    assert {(p.first, p.second) for p in panel.pairs.rows} == {(chosen.first, chosen.second)}
    differ = sum(1 for p in panel.pairs.rows if not p.agree)
    assert f"{differ} of {chosen.pairs} answers differ" in panel.pairs_title.text()


def test_a_lead_file_without_double_marking_says_what_to_do(
    qtbot: QtBot, tmp_path: Path, mini_instrument: Instrument
) -> None:
    InspectionFile.create(
        tmp_path / "lead.hmip",
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Jo Lead",
        role="lead",
        instrument=mini_instrument,
    ).close()
    session = InspectionSession.open(tmp_path / "lead.hmip")
    view = AgreementPanel(session)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.result is not None, timeout=TIMEOUT)
    assert view.status.text() == NO_DOUBLE_MARKING
    assert view.questions.rowCount() == view.assessors.rowCount() == 0
    session.close()


# -- Plan moderation… -----------------------------------------------------------------------------------


def open_dialog(qtbot: QtBot, panel: AgreementPanel) -> ModerationDialog:
    qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, ModerationDialog)
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=TIMEOUT)
    return dialog


def test_the_moderation_dialog_underlines_its_keys(qtbot: QtBot, panel: AgreementPanel) -> None:
    """Alt+S and Alt+F reach the seed and the folder (their labels showed "&Seed:", "&Folder…" as typed)."""
    dialog = open_dialog(qtbot, panel)
    qtbot.waitExposed(dialog)
    assert literal_ampersands(dialog) == [] and markdown_marks(dialog) == []
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.folder


def test_plan_moderation_draws_the_sample_and_writes_blind_files(
    qtbot: QtBot, panel: AgreementPanel, tmp_path: Path, qtmodeltester: ModelTester
) -> None:
    dialog = open_dialog(qtbot, panel)
    assert dialog.data is not None and dialog.plan is not None
    eligible = len(dialog.data.eligible)
    assert dialog.plan.chosen == math.ceil(eligible / 10) == dialog.preview.rowCount()
    qtmodeltester.check(dialog.markers)
    qtmodeltester.check(dialog.preview)
    # The team from the import ledger is ticked: nobody second-marks their own case.
    assert set(dialog.markers.chosen()) == set(dialog.data.team)
    assert all(a.first != a.second for a in dialog.plan.assignments)

    dialog.share.setValue(25)
    assert dialog.plan.chosen == math.ceil(eligible / 4)
    same_seed = dialog.plan.assignments
    dialog.share.setValue(24)
    dialog.share.setValue(25)
    assert dialog.plan.assignments == same_seed  # the same seed draws the same sample

    # Only a quality lead, added by name.
    for name in list(dialog.markers.chosen()):
        dialog.markers.setData(
            dialog.markers.index(dialog.markers.rows.index(name), 0),
            Qt.CheckState.Unchecked.value,
            Qt.ItemDataRole.CheckStateRole,
        )
    assert dialog.plan is None and not dialog.write_button.isEnabled()
    assert "Tick at least one second marker" in dialog.summary.text()
    qtbot.keyClicks(dialog.new_marker, "Lee Quality")
    qtbot.keyClick(dialog.new_marker, Qt.Key.Key_Return)
    assert dialog.plan is not None and {a.second for a in dialog.plan.assignments} == {"Lee Quality"}

    dialog.folder.setText(str(tmp_path / "moderation"))
    with qtbot.waitSignal(dialog.written) as written:
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    plan = written.args[0]
    target = tmp_path / "moderation" / "moderation-lee-quality.csv"
    assert plan.files == {"Lee Quality": target}
    assert not panel.plan_note.isHidden() and "moderation-lee-quality.csv" in panel.plan_note.text()
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[0] for row in rows[1:]] == plan.cases_for("Lee Quality")
    assert all(column == "case_ref" or column.startswith("cd.") for column in rows[0])


def test_an_existing_file_is_refused_with_a_message(qtbot: QtBot, panel: AgreementPanel, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, panel)
    assert dialog.plan is not None
    folder = tmp_path / "moderation"
    folder.mkdir()
    taken = folder / f"moderation-{dialog.plan.second_markers[0].lower().replace(' ', '-')}.csv"
    taken.write_text("someone's own notes")
    dialog.folder.setText(str(folder))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.findChild(QMessageBox, "userError") is not None, timeout=TIMEOUT)
    box = panel.findChild(QMessageBox, "userError")
    assert "already holds" in box.text()
    assert taken.read_text() == "someone's own notes" and dialog.isVisible()
    assert dialog.writing is None and dialog.write_button.isEnabled() and dialog.share.isEnabled()
    box.close()
    dialog.reject()


def test_the_files_are_written_off_the_gui_thread_and_the_dialog_waits_for_them(
    qtbot: QtBot, panel: AgreementPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmip_desktop.ui.lead import moderation_dialog

    dialog = open_dialog(qtbot, panel)
    writing = threading.Event()
    release = threading.Event()
    threads: list[threading.Thread] = []
    real_write = moderation_dialog.write_plan_files

    def slow_write(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        writing.set()
        assert release.wait(TIMEOUT / 1000)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(moderation_dialog, "write_plan_files", slow_write)
    dialog.folder.setText(str(tmp_path / "moderation"))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(writing.is_set, timeout=TIMEOUT)
        # The window still answers while the files are written, and nothing can change or close the dialog.
        assert threads and threads[0] is not threading.main_thread()
        assert not dialog.write_button.isEnabled() and not dialog.folder.isEnabled()
        assert "Writing the files" in dialog.summary.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible()
    finally:
        with qtbot.waitSignal(dialog.written, timeout=TIMEOUT) as written:
            release.set()
    plan = written.args[0]
    assert all(path.exists() for path in plan.files.values()) and plan.files
    assert "written to" in panel.plan_note.text()
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_bug_while_writing_reaches_the_bug_report_and_the_dialog_stays_usable(
    qtbot: QtBot, panel: AgreementPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmip_desktop.ui.lead import moderation_dialog

    dialog = open_dialog(qtbot, panel)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug while writing")

    monkeypatch.setattr(moderation_dialog, "write_plan_files", broken)
    raised: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, error, trace: raised.append(error))
    dialog.folder.setText(str(tmp_path / "moderation"))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(raised), timeout=TIMEOUT)
    assert isinstance(raised[0], ZeroDivisionError)
    assert dialog.isVisible() and dialog.write_button.isEnabled() and dialog.writing is None
    dialog.reject()


# -- intervals on the dashboard's bars ------------------------------------------------------------------


def test_the_dashboard_bars_carry_their_intervals(qtbot: QtBot, merged_demo: Path, tmp_path: Path) -> None:
    from hmip_desktop.ui.lead.bars import INTERVAL_ROLE, PERCENT_ROLE
    from hmip_desktop.ui.lead.dashboard import DashboardPanel

    shutil.copyfile(merged_demo, tmp_path / "lead.hmip")
    session = InspectionSession.open(tmp_path / "lead.hmip")
    dashboard = DashboardPanel(session)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.refreshed, timeout=TIMEOUT) as blocker:
        pass
    result = blocker.args[0].result
    for row, outcome in enumerate(result.outcomes.values()):
        index = dashboard.outcomes.index(row, 1)
        assert outcome.interval is not None and index.data(INTERVAL_ROLE) == outcome.interval
        lo, hi = outcome.interval
        assert lo * 100 <= index.data(PERCENT_ROLE) + 0.5 and index.data(PERCENT_ROLE) - 0.5 <= hi * 100
        assert "95% interval" in index.data(Qt.ItemDataRole.ToolTipRole)
    question = next(q for q in result.questions.values() if q.applicable)
    row = dashboard.questions.row_of[question.question_id]
    assert dashboard.questions.index(row, 3).data(INTERVAL_ROLE) == question.interval
    dashboard.resize(1200, 700)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    assert not dashboard.grab().isNull()  # the whiskers paint
    dashboard.shutdown()
    session.close()
