"""Settling conflicts the way a lead does: choose, write why, confirm; undo; reopen from History; open the case.

Driven through the real widgets with clicks and keys. Fixtures (the demo team with three
double-marked cases, the lead's workspace and window) are in lead_support.
"""

from __future__ import annotations

from pathlib import Path

from lead_support import LAPTOP_SIZES, lead_of, merge_team, settle_scores
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QTabWidget
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, focused_question

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.conflicts import Conflict, list_conflicts
from hmip_desktop.ui.lead.conflicts_panel import ConflictsPanel
from hmip_desktop.ui.lead.workspace import LeadWorkspace
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


def stored(path: Path) -> dict[int, Conflict]:
    with InspectionFile.open(path, read_only=True) as inspection:
        return {c.id: c for c in list_conflicts(inspection, include_resolved=True)}


def click_row(qtbot: QtBot, view: QTableView, row: int) -> None:
    index = view.model().index(row, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def click_tab(qtbot: QtBot, tabs: QTabWidget, index: int) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())


def shown_panel(qtbot: QtBot, lead: LeadWorkspace) -> ConflictsPanel:
    lead.conflicts_tab.resize(*LAPTOP_SIZES[0])
    lead.conflicts_tab.show()
    qtbot.waitExposed(lead.conflicts_tab)
    return lead.conflicts


def test_a_note_stays_with_the_conflict_it_was_typed_for(
    qtbot: QtBot, lead: LeadWorkspace, double_marked: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, double_marked)
    panel = shown_panel(qtbot, lead)
    detail = panel.detail
    assert panel.open_count >= 4
    first = detail.conflict
    assert first is not None and not detail.confirm_button.isEnabled()

    # A note typed on the first conflict before anything is chosen...
    qtbot.mouseClick(detail.note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(detail.note, "The case record shows the review happened")
    # ... then the lead looks at the second one: its note box is its own, and empty.
    click_row(qtbot, panel.open_view, 1)
    second = detail.conflict
    assert second is not None and second.id != first.id and detail.note.text() == ""
    third_before = panel.open_model.conflict(2)

    # Choose → note → confirm (Enter in the note confirms once an answer is chosen).
    card = detail.cards[1]
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    assert card.button.isChecked() and detail.confirm_button.isEnabled()
    assert card.label in detail.confirm_button.text().replace("&", "")
    assert stored(double_marked["lead"])[second.id].is_open  # choosing wrote nothing
    qtbot.mouseClick(detail.note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(detail.note, "Agreed at the moderation meeting")
    qtbot.keyClick(detail.note, Qt.Key.Key_Return)

    after = stored(double_marked["lead"])
    assert not after[second.id].is_open
    assert after[second.id].resolution_note == "Agreed at the moderation meeting"
    assert after[second.id].resolution_value == card.side.value
    assert after[first.id].is_open and after[first.id].resolution_note == ""
    # The panel moved on to the next open conflict, with an empty note box and nothing chosen.
    assert detail.conflict is not None and detail.conflict.id == third_before.id
    assert detail.note.text() == "" and detail.choice is None

    # Back on the first conflict, its note is waiting for it; nothing is chosen yet.
    click_row(qtbot, panel.open_view, panel.open_model.row_of(first.id) or 0)
    assert detail.conflict is not None and detail.conflict.id == first.id
    assert detail.note.text() == "The case record shows the review happened"
    assert not detail.confirm_button.isEnabled()
    qtbot.mouseClick(detail.cards[0].button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(detail.confirm_button, Qt.MouseButton.LeftButton)
    assert stored(double_marked["lead"])[first.id].resolution_note == "The case record shows the review happened"
    assert panel.history_model.rowCount() == 2


def test_resolve_then_undo_puts_the_conflict_back_as_it_was(
    qtbot: QtBot, lead: LeadWorkspace, double_marked: dict[str, Path]
) -> None:
    titles: list[str] = []
    lead.title_changed.connect(lambda _page, title: titles.append(title))
    merge_team(qtbot, lead, double_marked)
    panel = shown_panel(qtbot, lead)
    detail = panel.detail
    before = settle_scores(qtbot, lead)
    count = panel.open_count
    conflict = detail.conflict
    assert conflict is not None and not panel.feedback_row.isVisible()

    qtbot.mouseClick(detail.cards[1].button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(detail.note, "Second reader's evidence is stronger")
    with qtbot.waitSignal(lead.dashboard.refreshed, timeout=60_000):
        qtbot.mouseClick(detail.confirm_button, Qt.MouseButton.LeftButton)
    assert panel.feedback_row.isVisible() and conflict.case_ref in panel.feedback.text()
    assert titles[-1] == f"Conflicts ({count - 1})"
    assert settle_scores(qtbot, lead).result.cases_held_out < before.result.cases_held_out

    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert not panel.feedback_row.isVisible()
    assert stored(double_marked["lead"])[conflict.id].is_open
    assert titles[-1] == f"Conflicts ({count})" and panel.open_count == count
    # Shown again, with the choice and the note the lead had made.
    assert panel.lists.currentIndex() == 0 and detail.conflict is not None and detail.conflict.id == conflict.id
    assert detail.cards[1].button.isChecked() and not detail.cards[0].button.isChecked()
    assert detail.note.text() == "Second reader's evidence is stronger"
    assert settle_scores(qtbot, lead).result.cases_held_out == before.result.cases_held_out
    with InspectionFile.open(double_marked["lead"], read_only=True) as inspection:
        [entry] = [e for e in inspection.audit_entries() if e.action == "conflict-reopen"]
    assert entry.case_ref == conflict.case_ref and entry.detail.endswith("undone straight after resolving")


def test_a_resolved_conflict_is_reopened_from_history(
    qtbot: QtBot, lead: LeadWorkspace, double_marked: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, double_marked)
    panel = shown_panel(qtbot, lead)
    detail = panel.detail
    conflict = detail.conflict
    assert conflict is not None
    qtbot.mouseClick(detail.cards[0].button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(detail.confirm_button, Qt.MouseButton.LeftButton)
    open_after_resolving = panel.open_count

    click_tab(qtbot, panel.lists, 1)
    assert panel.history_model.rowCount() == 1
    assert detail.conflict is not None and detail.conflict.id == conflict.id and not detail.conflict.is_open
    assert "Resolved:" in detail.decision.text() and detail.reopen_controls.isVisible()
    assert not detail.controls.isVisible()
    qtbot.mouseClick(detail.reopen_note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(detail.reopen_note, "The assessor sent new evidence")
    with qtbot.waitSignal(panel.reopened) as reopened:
        qtbot.mouseClick(detail.reopen_button, Qt.MouseButton.LeftButton)
    assert reopened.args == [conflict.id]

    # Back in the Open list, shown, ready for a new decision; History no longer lists it.
    assert panel.lists.currentIndex() == 0 and panel.open_count == open_after_resolving + 1
    assert panel.history_model.rowCount() == 0
    assert detail.conflict is not None and detail.conflict.id == conflict.id and detail.controls.isVisible()
    with InspectionFile.open(double_marked["lead"], read_only=True) as inspection:
        [entry] = [e for e in inspection.audit_entries() if e.action == "conflict-reopen"]
        assert inspection.case_by_uuid(conflict.case_uuid).uuid in {c.case_uuid for c in list_conflicts(inspection)}
    assert entry.question_id == conflict.question_id and entry.detail.endswith(": The assessor sent new evidence")


def test_open_case_from_a_conflict_lands_on_its_question(
    qtbot: QtBot, lead_window: MainWindow, double_marked: dict[str, Path]
) -> None:
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    merge_team(qtbot, lead, double_marked)
    click_tab(qtbot, workspace, workspace.indexOf(lead.conflicts_tab))
    panel = lead.conflicts
    # A conflict further down the list, whose question is not the form's first.
    click_row(qtbot, panel.open_view, panel.open_count - 1)
    conflict = panel.detail.conflict
    assert conflict is not None

    qtbot.mouseClick(panel.detail.open_case, Qt.MouseButton.LeftButton)
    form = workspace.form
    assert workspace.showing_form()
    assert form.case_uuid == conflict.case_uuid
    assert form.current_question == conflict.question_id
    row = form.row(conflict.question_id)
    assert row.is_current and focused_question(lead_window) == conflict.question_id
    assert conflict.question_id != form.form_layout.order[0]
    # In view: the page scrolled to it.
    page = form.section_pages[form.form_layout.section_of[conflict.question_id]]
    top_left = row.mapTo(page.viewport(), row.rect().topLeft())
    assert page.viewport().rect().contains(top_left)


def test_open_case_from_a_dashboard_figure_lands_on_its_question(
    qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path]
) -> None:
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    merge_team(qtbot, lead, team)
    with qtbot.waitSignal(lead.dashboard_tab.panel.refreshed, timeout=60_000):
        click_tab(qtbot, workspace, workspace.indexOf(lead.dashboard_tab))
    dashboard = lead.dashboard
    # A question late in the instrument: its cases, then the first of them, double-clicked.
    questions = dashboard.questions_view
    last_row = dashboard.question_scope.rowCount() - 1
    questions.scrollTo(dashboard.question_scope.index(last_row, 0))
    click_row(qtbot, questions, last_row)
    figure_question = dashboard.questions.questions[
        dashboard.question_scope.mapToSource(dashboard.question_scope.index(last_row, 0)).row()
    ].id
    table = dashboard.cases_behind.table
    assert table.model().rowCount() > 0
    case_ref = dashboard.cases_behind.model.rows[0].case_ref
    cell = table.visualRect(table.model().index(0, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)

    form = workspace.form
    assert workspace.showing_form()
    case = lead.session.inspection.find_case(case_ref)
    assert case is not None and form.case_uuid == case.uuid
    assert form.current_question == figure_question and form.row(figure_question).is_current
    assert focused_question(lead_window) == figure_question


def test_a_question_that_does_not_apply_says_why_and_shows_when_asked(
    qtbot: QtBot, lead_window: MainWindow, team: dict[str, Path]
) -> None:
    workspace = lead_window.workspace
    assert workspace is not None
    lead = lead_of(lead_window)
    merge_team(qtbot, lead, team)
    # A case with a question that does not apply to it (its gate answered the other way).
    for case in lead.session.inspection.list_cases():
        workspace.open_case(case.uuid)
        state = workspace.form.state
        assert state is not None
        hidden = [q.id for q in lead.session.instrument.questions if q.id not in state.relevant]
        if hidden:
            break
    else:
        raise AssertionError("the demo has no case with a question that does not apply")
    messages: list[str] = []
    workspace.message.connect(messages.append)
    assert not lead_window.show_inapplicable_action.isChecked()  # a fresh window hides them
    assert not workspace.open_case_at_ref(case.case_ref, hidden[0])
    assert workspace.showing_form() and workspace.form.case_uuid == case.uuid
    assert "does not apply" in messages[-1] and case.case_ref in messages[-1] and hidden[0] in messages[-1]

    # With questions that do not apply shown, it lands there.
    qtbot.keyClick(lead_window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert lead_window.show_inapplicable_action.isChecked()
    assert workspace.open_case_at_ref(case.case_ref, hidden[0])
    assert workspace.form.current_question == hidden[0] and workspace.form.row(hidden[0]).is_current

    assert not workspace.open_case_at_ref("KT-9999", hidden[0])
    assert "KT-9999" in messages[-1]


def test_after_resolving_the_feedback_names_the_question_and_history_shows_who_and_when_whole(
    qtbot: QtBot, lead: LeadWorkspace, double_marked: dict[str, Path]
) -> None:
    merge_team(qtbot, lead, double_marked)
    panel = shown_panel(qtbot, lead)
    detail = panel.detail
    conflict = detail.conflict
    assert conflict is not None
    qtbot.mouseClick(detail.cards[0].button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(detail.note, "Checked the contact log with both assessors: the gap is real")
    with qtbot.waitSignal(lead.dashboard.refreshed, timeout=60_000):
        qtbot.mouseClick(detail.confirm_button, Qt.MouseButton.LeftButton)
    # The question as the lists name it, not its id.
    label = lead.session.instrument.question(conflict.question_id).chart_label
    assert label in panel.feedback.text() and conflict.question_id not in panel.feedback.text()

    click_tab(qtbot, panel.lists, 1)
    view = panel.history_view
    qtbot.waitUntil(view.isVisible)
    model = view.model()
    metrics = view.fontMetrics()
    for column in (2, 3, 4):  # Decision, Resolved by, When
        text = str(model.index(0, column).data())
        assert text
        assert view.columnWidth(column) > metrics.horizontalAdvance(text), text
