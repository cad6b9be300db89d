"""The lead's workspace, driven through real widgets: import, conflicts, scores, findings, report.

Fixtures (a demo team of three, the lead's workspace, the lead's window) are in lead_support.
"""

from __future__ import annotations

import json
from pathlib import Path

from lead_support import MERGE_TIMEOUT, lead_of, merge, merge_team, next_snapshot, settle_scores
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.model.file.package import ScryptParams, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.ui.lead.workspace import LeadWorkspace
from hmip_desktop.ui.main_window import MainWindow
from hmip_desktop.ui.session import InspectionSession

pytestmark = QT_STRICT
#: Cheap key derivation so the package test does not spend seconds in scrypt.
TEST_KDF = ScryptParams(n=2**10, r=8, p=1)


# -- import --------------------------------------------------------------------------------


def test_import_summary_reports_merged_refused_and_resent_files(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    panel = lead.import_panel
    files = [team["helen"], team["david"], team["priya"], team["broken"], team["resent"]]
    with qtbot.waitSignal(panel.merged, timeout=MERGE_TIMEOUT) as blocker:
        assert panel.import_files(files)
        # Running: the button is off and a second start is refused with a message.
        assert not panel.import_button.isEnabled()
        assert panel.progress.isVisibleTo(panel)
        assert not panel.import_files([team["helen"]])
        assert "already running" in panel.progress_text.text()
    summary = blocker.args[0]
    assert panel.import_button.isEnabled()

    model = panel.summary_model
    shown = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert shown == {
        "helen-carter.hmip": "Merged",
        "david-okafor.hmip": "Merged",
        "priya-shah.hmip": "Merged",
        "broken.hmip": "Refused",
        "helen-carter-resent.hmip": "Already imported",
    }
    broken_row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "broken.hmip")
    assert "not an HMIP inspection file" in model.index(broken_row, 8).data()
    added = sum(model.index(r, 3).data() or 0 for r in range(model.rowCount()))
    assert added == 30 == len(InspectionFile.open(team["lead"], read_only=True).list_cases())
    conflicts_column = sum(model.index(r, 7).data() or 0 for r in range(model.rowCount()))
    assert conflicts_column == summary.total("conflicts_raised") >= 1
    text = panel.summary_text.text()
    assert "3 files merged: 30 cases added" in text
    assert "already imported: importing again is harmless, nothing changed" in text
    assert "1 file was refused" in text

    # The team view: each assessor with their cases and a last import time.
    team_rows = {
        panel.team_model.members[r].name: [panel.team_model.index(r, c).data() for c in range(6)]
        for r in range(panel.team_model.rowCount())
    }
    assert set(team_rows) == {"Jane Whitfield", "Helen Carter", "David Okafor", "Priya Shah"}
    helen = team_rows["Helen Carter"]
    assert helen[1] == "Inspector" and helen[2] >= 10 and helen[5] not in ("", "—")
    assert helen[3].endswith(f"of {helen[2]}")
    assert team_rows["Jane Whitfield"][0] == "Jane Whitfield (you)"

    # Importing the same file again is harmless and says so.
    again = merge(qtbot, lead, [team["david"]])
    assert [f.status for f in again.files] == ["unchanged"]
    assert "already imported" in panel.summary_text.text()
    assert "Nothing changed" in model.index(0, 8).data()


def test_encrypted_package_asks_for_the_passphrase(qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]) -> None:
    package = team["helen"].with_suffix(".hmipx")
    write_package(team["helen"], package, "correct horse battery", kdf=TEST_KDF)
    second = team["david"].with_suffix(".hmipx")
    write_package(team["david"], second, "correct horse battery", kdf=TEST_KDF)
    asked: list[str] = []

    def answer(_parent: object, path: Path) -> str | None:
        asked.append(path.name)
        return "correct horse battery" if path == package else None  # the lead cancels the second

    lead.import_panel.ask_passphrase = answer
    summary = merge(qtbot, lead, [package, second])
    assert asked == ["helen-carter.hmipx", "david-okafor.hmipx"]
    statuses = {f.name: (f.status, f.reason) for f in summary.files}
    assert statuses["helen-carter.hmipx"][0] == "merged"
    assert statuses["david-okafor.hmipx"] == ("refused", "not imported: no passphrase given")


def test_files_dropped_on_the_workspace_are_imported(qtbot: QtBot, window: MainWindow, team: dict[str, Path]) -> None:
    assert window.open_file(team["lead"])
    assert window.workspace is not None and window.workspace.drops is not None
    lead = lead_of(window)
    titles = [window.workspace.tabText(i) for i in range(window.workspace.count())]
    assert titles == [
        "Cases",
        "Case form",
        "Team files",
        "Conflicts",
        "Scores",
        "Agreement",
        "Findings",
        "Area",
        "Report",
    ]
    assert window.workspace.acceptDrops()

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(team["helen"])), QUrl.fromLocalFile(str(team["priya"]))])
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    # Qt delivers a real drop only inside a drag session, so hand the event to the workspace as Qt would.
    drop.ignore()
    with qtbot.waitSignal(lead.import_panel.merged, timeout=MERGE_TIMEOUT):
        window.workspace.dropEvent(drop)
    assert drop.isAccepted()
    assert window.workspace.currentWidget() is lead.import_tab
    assert len(lead.import_panel.last_summary.merged) == 2
    # The case list heard about the import.
    qtbot.waitUntil(lambda: window.workspace.cases.table.model().rowCount() > 0)

    # A figure's case opens in the case form, where the lead can amend it.
    first_ref = lead.session.inspection.list_cases()[0]
    lead.dashboard.open_case_requested.emit(first_ref.case_ref, "cd.gender")
    assert window.workspace.showing_form()
    assert window.workspace.form.case_uuid == first_ref.uuid

    # Text typed in the findings editor is saved when the file closes, before the pause ends.
    findings = lead.findings.narrative
    findings.select_field(ff.FOREWORD)
    findings.editor.setPlainText("Written just before closing.")
    assert window.close_file()
    with InspectionFile.open(team["lead"], read_only=True) as inspection:
        assert inspection.finding(ff.FOREWORD) == "Written just before closing."

    # An assessor's file shows no lead tabs and takes no drops.
    assert window.open_file(team["david"])
    assert window.workspace.lead is None and window.workspace.drops is None
    titles = [window.workspace.tabText(i) for i in range(window.workspace.count())]
    assert titles == ["Cases", "Case form"]
    assert not window.workspace.acceptDrops()


def test_a_lead_file_open_elsewhere_is_shown_but_not_changed(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, team)
    # `lead` holds the edit lock, so a second window gets the file read-only.
    second = InspectionSession.open(team["lead"])
    assert second.read_only
    viewer = LeadWorkspace(second)
    try:
        for widget, _title in viewer.tabs():
            qtbot.addWidget(widget)
        assert not viewer.import_panel.import_button.isEnabled()
        assert not viewer.import_panel.import_files([team["helen"]])
        assert "read-only" in viewer.import_panel.progress_text.text()
        assert viewer.conflicts.open_count >= 1
        detail = viewer.conflicts.detail
        buttons = detail.findChildren(QPushButton, "chooseSide")
        assert buttons and not any(button.isEnabled() for button in buttons)
        assert not detail.controls.isEnabled() and not detail.confirm_button.isEnabled()
        viewer.conflicts.lists.setCurrentIndex(1)  # History: nothing to reopen yet, and not from here
        assert not viewer.conflicts.detail.reopen_controls.isEnabled()
        assert viewer.findings.narrative.editor.isReadOnly()
    finally:
        viewer.shutdown()
        second.close()


# -- conflicts and scores --------------------------------------------------------------------


def test_tabs_are_built_when_first_shown_and_the_badge_counts_before(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    titles: list[tuple[object, str]] = []
    lead.title_changed.connect(lambda widget, title: titles.append((widget, title)))
    merge_team(qtbot, lead, team)
    # Only the import panel exists; the others read the file when they are first shown.
    assert lead.import_tab.built is not None
    assert [tab.built for tab in (lead.conflicts_tab, lead.dashboard_tab, lead.findings_tab, lead.report_tab)] == [
        None
    ] * 4
    stored = len(list_conflicts(InspectionFile.open(team["lead"], read_only=True)))
    assert stored >= 1 and titles[-1] == (lead.conflicts_tab, f"Conflicts ({stored})")

    lead.conflicts_tab.show()
    qtbot.waitExposed(lead.conflicts_tab)
    panel = lead.conflicts_tab.built
    assert panel is not None and panel.isVisible() and panel.open_count == stored


def test_resolving_a_conflict_in_the_ui_changes_the_dashboard(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    titles: list[str] = []
    lead.title_changed.connect(lambda _widget, title: titles.append(title))
    merge_team(qtbot, lead, team)
    before = settle_scores(qtbot, lead)
    assert before.result.cases_held_out == 1
    panel = lead.conflicts
    assert panel.open_count >= 1
    assert titles[-1] == f"Conflicts ({panel.open_count})"

    conflict = panel.detail.conflict
    assert conflict is not None and panel.detail.heading.text().count(conflict.case_ref) == 1
    cards = panel.detail.cards
    assert len(cards) == len(conflict.sides) == 2
    assert {card.side.assessor for card in cards} == {side.assessor for side in conflict.sides}
    # Choosing writes nothing: the decision waits for its note and the confirmation.
    qtbot.mouseClick(cards[0].button, Qt.MouseButton.LeftButton)
    assert cards[0].button.isChecked() and panel.open_count >= 1
    assert list_conflicts(InspectionFile.open(team["lead"], read_only=True))[0].is_open
    qtbot.keyClicks(panel.detail.note, "Checked the case record with both assessors")
    with qtbot.waitSignal(lead.dashboard.refreshed, timeout=MERGE_TIMEOUT) as blocker:
        qtbot.mouseClick(panel.detail.confirm_button, Qt.MouseButton.LeftButton)
    after = blocker.args[0]
    after = settle_scores(qtbot, lead) if after.result.cases_held_out else after

    assert after.result.cases_held_out == 0
    assert after.result.cases_scored + after.result.cases_incomplete == before.result.cases_scored + 1 + (
        before.result.cases_incomplete
    )
    assert "held out" not in lead.dashboard.status.text()
    assert panel.open_count == 0 and titles[-1] == "Conflicts"
    # The decision stays visible in the history, with the lead's note.
    assert panel.history_model.rowCount() == 1
    assert panel.history_model.index(0, 5).data() == "Checked the case record with both assessors"
    stored = list_conflicts(InspectionFile.open(team["lead"], read_only=True), include_resolved=True)
    assert [c.resolution_value for c in stored] == [conflict.sides[0].value]


def test_another_value_resolves_with_the_leads_own_answer(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, team)
    detail = lead.conflicts.detail
    conflict = detail.conflict
    assert conflict is not None
    detail.other_value.setFocus()
    qtbot.keyClick(detail.other_value, Qt.Key.Key_End)  # the last option, chosen by keyboard
    chosen = detail.other_value.itemData(detail.other_value.count() - 1)
    assert detail.choice is not None and detail.choice.value == chosen and detail.choice.take is None
    assert not any(card.button.isChecked() for card in detail.cards)
    assert detail.other_value.currentText() in detail.confirm_button.text()
    qtbot.mouseClick(detail.confirm_button, Qt.MouseButton.LeftButton)
    with InspectionFile.open(team["lead"], read_only=True) as inspection:
        case = inspection.get_case(conflict.case_ref)
        assert inspection.values_for(case.uuid)[conflict.question_id] == chosen
        assert any(e.action == "conflict-resolve" for e in inspection.audit_entries())


def test_dashboard_figures_lead_to_the_cases_behind_them(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, team)
    snapshot = settle_scores(qtbot, lead)
    dashboard = lead.dashboard
    lead.dashboard_tab.resize(1280, 800)
    lead.dashboard_tab.show()
    qtbot.waitExposed(lead.dashboard_tab)
    # The five outcome scores, as the summary table shows them.
    outcomes = dashboard.outcomes
    for row, outcome in enumerate(snapshot.result.outcomes.values()):
        assert outcomes.index(row, 1).data() == (f"{outcome.percent}%" if outcome.percent is not None else "–")

    # Clicking an outcome lists only its questions.
    view = dashboard.outcomes_view
    first = outcomes.index(0, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(first).center())
    key = dashboard.instrument.outcomes[0].key
    expected = sum(1 for q in dashboard.instrument.scored_questions if key in q.outcomes)
    assert dashboard.question_scope.rowCount() == expected
    assert "Outcome 1" in dashboard.scope_label.text()

    # Choosing a question lists its cases: n above the line, N - n below.
    questions = dashboard.questions_view
    proxy_index = dashboard.question_scope.index(0, 0)
    question_id = dashboard.questions.questions[dashboard.question_scope.mapToSource(proxy_index).row()].id
    questions.setCurrentIndex(proxy_index)
    score = snapshot.result.questions[question_id]
    rows = dashboard.cases_behind.model.rows
    assert sum(r.counted_as == "Above the line" for r in rows) == score.above_line
    assert sum(r.counted_as == "Below the line" for r in rows) == score.below_line
    assert f"{score.n_of_N} cases above the line" in dashboard.cases_behind.title.text()

    # ... and any of them opens.
    table = dashboard.cases_behind.table
    cell = table.visualRect(table.model().index(0, 0)).center()
    with qtbot.waitSignal(dashboard.open_case_requested) as opened:
        # A real double-click: press and release first (the view checks the pressed cell).
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert opened.args == [rows[0].case_ref, question_id]

    # Breakdowns: gender first; choosing RoSH shows its groups; a group lists its cases.
    def groups() -> list[str]:
        return [dashboard.breakdown.index(r, 0).data() for r in range(dashboard.breakdown.rowCount())]

    assert dashboard.breakdown_choice.currentData() == "cd.gender"
    assert groups()[:2] == ["Male", "Female"]
    rosh = dashboard.breakdown_choice.findData("cd.rosh")
    with qtbot.waitSignal(dashboard.refreshed, timeout=MERGE_TIMEOUT):
        dashboard.breakdown_choice.setCurrentIndex(rosh)
    labels = [o.label for o in dashboard.instrument.question("cd.rosh").options]
    assert groups()[:3] == labels[:3]
    dashboard.breakdown_view.setCurrentIndex(dashboard.breakdown.index(1, 2))
    assert len(dashboard.cases_behind.model.rows) == dashboard.breakdown.index(1, 1).data() > 0

    # Factors: each row has its identified "n of N".
    factors = dashboard.factors
    assert factors.rowCount() == len(dashboard.instrument.factors)
    assert " of " in factors.index(0, 1).data()


def test_dashboard_follows_an_amended_answer(qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]) -> None:
    merge_team(qtbot, lead, team)
    snapshot = settle_scores(qtbot, lead)
    session = lead.session
    # The lead amends a judgement on a complete case: reopen, change, complete again (all audited).
    question = next(
        q
        for q in session.instrument.scored_questions
        if snapshot.result.questions[q.id].applicable and q.relevant_if is None
    )
    case_input = next(c for c in snapshot.inputs if c.complete and not c.held_out and question.id in c.values)
    option = question.option(case_input.values[question.id])
    assert option is not None
    flipped = next(o for o in question.options if o.above_line is (not option.above_line))
    session.reopen_case(case_input.uuid)
    session.set_answer(case_input.uuid, question.id, flipped.value)
    after = next_snapshot(qtbot, lead, lambda: session.complete_case(case_input.uuid))
    after = settle_scores(qtbot, lead)
    change = 1 if flipped.above_line else -1
    assert after.result.questions[question.id].above_line == snapshot.result.questions[question.id].above_line + change
    shown = lead.dashboard.questions.index(lead.dashboard.questions.row_of[question.id], 2).data()
    assert shown == after.result.questions[question.id].n_of_N


# -- findings ------------------------------------------------------------------------------------


def test_a_finding_is_autosaved_audited_and_persisted(qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]) -> None:
    editor = lead.findings.narrative
    editor.select_field(ff.summary_field("sentencing"))
    assert "Summary of Outcome 1" in editor.title.text()
    editor.editor.setFocus()
    qtbot.keyClicks(editor.editor, "Most court reports were of good quality.")
    with qtbot.waitSignal(editor.saved, timeout=5_000) as saved:
        pass
    assert saved.args == ["summary.sentencing"]
    assert editor.status.text().startswith("Saved ")
    row = editor.model.row_of("summary.sentencing")
    assert editor.model.index(row, 1).data() == 7  # words, shown in the list

    # Switching field saves at once (no waiting for the pause).
    editor.select_field(ff.RECOMMENDATIONS)
    qtbot.keyClicks(editor.editor, "1. Check with children's services in every case.")
    editor.select_field(ff.TEAM)
    assert editor.fill_team.isVisibleTo(editor)
    qtbot.mouseClick(editor.fill_team, Qt.MouseButton.LeftButton)

    with InspectionFile.open(team["lead"], read_only=True) as inspection:
        assert inspection.finding("summary.sentencing") == "Most court reports were of good quality."
        assert inspection.finding(ff.RECOMMENDATIONS) == "1. Check with children's services in every case."
        assert inspection.finding(ff.TEAM).startswith("Lead inspector: Jane Whitfield")
        details = [e.detail for e in inspection.audit_entries() if e.action == "finding"]
        assert any(d.startswith("summary.sentencing:") for d in details)


def test_illustrations_are_chosen_per_chapter_and_edited(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, team)
    editor = lead.findings.illustrations
    model = editor.model
    assert model.rowCount() >= 1 and not editor.empty.isVisibleTo(editor)
    case_ref = model.rows[0].case_ref
    assert model.rows[0].assessor_text
    model.setData(model.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    editor.table.selectRow(0)
    editor.chapter.setCurrentIndex(editor.chapter.findData("public"))
    qtbot.keyClicks(editor.title_edit, "Good practice: a home visit")
    editor.text_edit.setPlainText("The offender manager visited at once.")
    with qtbot.waitSignal(editor.saved, timeout=5_000):
        pass
    with InspectionFile.open(team["lead"], read_only=True) as inspection:
        chosen = json.loads(inspection.finding(ff.ILLUSTRATIONS))
    assert chosen == {
        case_ref: {
            "chapter": "public",
            "title": "Good practice: a home visit",
            "text": "The offender manager visited at once.",
        }
    }
    editor.reload()
    assert model.rows[0].included and model.rows[0].chapter == "public"


# -- report --------------------------------------------------------------------------------------


def test_preview_shows_the_report_and_export_saves_it(
    qtbot: QtBot, lead: LeadWorkspace, team: dict[str, Path], tmp_path: Path
) -> None:
    merge_team(qtbot, lead, team)
    report = lead.report
    lead.report_tab.resize(1280, 800)
    lead.report_tab.show()
    qtbot.waitExposed(lead.report_tab)
    with qtbot.waitSignal(report.built, timeout=MERGE_TIMEOUT) as built:
        qtbot.mouseClick(report.preview_button, Qt.MouseButton.LeftButton)
        assert not report.preview_button.isEnabled()
        assert not report.preview()  # a second build cannot start meanwhile
    info = built.args[0]
    assert report.document.pageCount() == info.pages > 0
    assert report.page_count.text() == f"of {info.pages}"
    assert "DRAFT" in report.status.text()
    qtbot.mouseClick(report.next_page, Qt.MouseButton.LeftButton)
    assert report.current_page == 1 and report.page_box.value() == 2
    report.page_box.setValue(info.pages)
    assert report.current_page == info.pages - 1 and not report.next_page.isEnabled()
    report.zoom_by(1.25)
    assert report.view.zoomFactor() > 0

    target = tmp_path / "kent-report.pdf"
    with qtbot.waitSignal(report.exported, timeout=MERGE_TIMEOUT):
        assert report.export_to(target)
    assert target.read_bytes().startswith(b"%PDF")

    # An edit makes the preview stale, and the next export builds afresh.
    lead.findings.narrative.select_field(ff.FOREWORD)
    lead.findings.narrative.editor.setPlainText("This inspection was the third of six.")
    lead.findings.flush()
    assert report.stale and "preview again" in report.status.text()
    fresh = tmp_path / "kent-report-2.pdf"
    with qtbot.waitSignal(report.exported, timeout=MERGE_TIMEOUT):
        assert report.export_to(fresh)
    assert fresh.exists()


# -- the app's start-up path -------------------------------------------------------------------


def test_the_app_shows_the_lead_tabs_for_a_lead_file_on_every_launch(
    qtbot: QtBot, team: dict[str, Path], tmp_path: Path
) -> None:
    """`launch` twice in one process (as tests and a reopened window do) shows the lead's tabs both times."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from hmip_desktop.ui import app as app_module

    for attempt in range(2):
        settings = QSettings(str(tmp_path / f"settings-{attempt}.ini"), QSettings.Format.IniFormat)
        _app, main, reporter = app_module.launch([str(team["lead"])], settings=settings, log_dir=tmp_path / "logs")
        qtbot.addWidget(main)
        try:
            qtbot.waitUntil(lambda main=main: main.session is not None)
            assert main.workspace is not None
            titles = [main.workspace.tabText(i) for i in range(main.workspace.count())]
            assert titles[-7:] == ["Team files", "Conflicts", "Scores", "Agreement", "Findings", "Area", "Report"], (
                attempt
            )
            assert reporter.dialog is None and main.findChild(QMessageBox, "userError") is None
        finally:
            reporter.uninstall()
            main.close()
