"""The case form: answering by mouse and keyboard, notes, undo, relevance, completing a case."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import (
    FRESH_RELEVANT,
    QT_STRICT,
    add_case,
    answer_fresh_case,
    click_option,
    focused_question,
    form_of,
    press,
    row,
    stored_notes,
    stored_values,
)

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import default_instrument
from hmip_desktop.ui.form.layout import ILLUSTRATION_KEY
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


def test_an_answer_clicked_is_in_the_file_at_once(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    with qtbot.waitSignal(opened.session.saved):
        click_option(qtbot, opened, "cd.gender", 1)
    assert stored_values(opened.session.path, "KT-0001") == {"cd.gender": "female"}
    assert opened.saved_label.text().startswith("Saved ")
    assert row(opened, "cd.gender").value() == "female"


def test_digits_answer_and_enter_moves_to_the_next_unanswered_question(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    assert focused_question(opened) == "cd.gender"  # a new case opens on its first question
    press(qtbot, Qt.Key.Key_2)
    press(qtbot, Qt.Key.Key_Return)
    assert focused_question(opened) == "cd.rosh"
    press(qtbot, Qt.Key.Key_3)
    press(qtbot, Qt.Key.Key_Down)
    assert focused_question(opened) == "cd.report"
    press(qtbot, Qt.Key.Key_9)  # no ninth option: nothing happens
    assert row(opened, "cd.report").value() is None
    assert stored_values(opened.session.path, "KT-0001") == {"cd.gender": "female", "cd.rosh": "high"}
    press(qtbot, Qt.Key.Key_Up)
    assert focused_question(opened) == "cd.rosh"
    press(qtbot, Qt.Key.Key_Delete)
    assert stored_values(opened.session.path, "KT-0001") == {"cd.gender": "female"}
    assert form.current_question == "cd.rosh"


def test_the_whole_form_can_be_completed_without_the_mouse(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    add_case(opened, "KT-0002")
    assert opened.workspace is not None
    opened.workspace.show_case_list()
    table = opened.workspace.cases.table
    press(qtbot, Qt.Key.Key_Up, table)
    press(qtbot, Qt.Key.Key_Return, table)
    assert form_of(opened).state is not None and form_of(opened).state.case.case_ref == "KT-0001"
    answered = 0
    while focused_question(opened) is not None and answered < 30:
        press(qtbot, Qt.Key.Key_1)
        press(qtbot, Qt.Key.Key_Return)
        answered += 1
        if not form_of(opened).gaps_now():
            break
    assert form_of(opened).gaps_now() == []
    press(qtbot, Qt.Key.Key_Return)  # nothing left: says so and stays put
    with qtbot.waitSignal(opened.session.case_changed):
        qtbot.keyClick(
            QApplication.focusWidget(),
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        assert inspection.get_case("KT-0001").is_complete
    # Alt+Page Down goes on to the next case, on its first question.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.AltModifier)
    assert form_of(opened).state is not None and form_of(opened).state.case.case_ref == "KT-0002"
    assert focused_question(opened) == "cd.gender"


def test_a_note_is_saved_after_a_pause_in_typing(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "Taken from the OASys summary")
    assert stored_notes(opened.session.path, "KT-0001") == {}  # still typing
    qtbot.waitUntil(
        lambda: stored_notes(opened.session.path, "KT-0001") == {"cd.gender": "Taken from the OASys summary"}
    )


def test_leaving_a_note_saves_it_without_waiting(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    note = row(opened, "cd.rosh").note
    note.setFocus()
    qtbot.keyClicks(note, "RoSH from the pre-sentence report")
    press(qtbot, Qt.Key.Key_Escape, note)  # back to the question
    assert focused_question(opened) == "cd.rosh"
    assert stored_notes(opened.session.path, "KT-0001") == {"cd.rosh": "RoSH from the pre-sentence report"}
    assert "1" not in note.toPlainText()
    press(qtbot, Qt.Key.Key_1)  # the digit answers the question, it is not typed into the note
    assert stored_values(opened.session.path, "KT-0001") == {"cd.rosh": "low"}


def test_closing_the_window_writes_the_note_being_typed(qtbot: QtBot, opened: MainWindow) -> None:
    path = opened.session.path
    add_case(opened, "KT-0001")
    note = row(opened, "p.plan").note
    note.setFocus()
    qtbot.keyClicks(note, "Plan agreed with the person")
    opened.close()
    assert stored_notes(path, "KT-0001") == {"p.plan": "Plan agreed with the person"}


def test_undo_and_redo_answers_across_the_case(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    path = opened.session.path
    click_option(qtbot, opened, "cd.gender", 0)
    click_option(qtbot, opened, "p.plan", 1)  # another section
    click_option(qtbot, opened, "cd.gender", 1)
    assert stored_values(path, "KT-0001") == {"cd.gender": "female", "p.plan": "insufficient"}
    focus = QApplication.focusWidget()
    qtbot.keyClick(focus, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_values(path, "KT-0001") == {"cd.gender": "male", "p.plan": "insufficient"}
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_values(path, "KT-0001") == {"cd.gender": "male"}
    assert focused_question(opened) == "p.plan"  # undo shows what it changed
    assert row(opened, "p.plan").value() is None
    qtbot.keyClick(
        QApplication.focusWidget(),
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stored_values(path, "KT-0001") == {"cd.gender": "male", "p.plan": "insufficient"}
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert stored_values(path, "KT-0001") == {"cd.gender": "female", "p.plan": "insufficient"}
    assert row(opened, "cd.gender").value() == "female"
    assert not opened.undo.group.canRedo()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert opened.statusBar().currentMessage() == "Nothing to redo in case KT-0001"


def test_undo_of_an_answer_while_a_note_waits_to_be_saved_keeps_the_note(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "Seen in OASys")
    press(qtbot, Qt.Key.Key_Escape, note)  # back on the question, before the pause has passed
    opened.undo_action.trigger()  # Edit ▸ Undo on the question: the answer
    assert stored_values(opened.session.path, "KT-0001") == {}
    assert stored_notes(opened.session.path, "KT-0001") == {"cd.gender": "Seen in OASys"}
    assert row(opened, "cd.gender").note.toPlainText() == "Seen in OASys"


def test_each_case_has_its_own_undo_history(qtbot: QtBot, opened: MainWindow) -> None:
    first = add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    add_case(opened, "KT-0002")
    assert not opened.undo.group.canUndo()
    opened.undo_action.trigger()
    assert opened.statusBar().currentMessage() == "Nothing to undo in case KT-0002"
    assert opened.workspace is not None
    opened.workspace.open_case(first)
    assert opened.undo.group.canUndo()
    assert opened.undo_action.text() == "&Undo answer “Gender”"
    opened.undo_action.trigger()
    assert stored_values(opened.session.path, "KT-0001") == {}


def shown(window: MainWindow, question_id: str) -> bool:
    """Whether the question is on its page (bound to the case now on screen)."""
    return not row(window, question_id).isHidden()


def test_a_gate_answer_shows_and_hides_the_questions_behind_it(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    assert not shown(opened, "s.quality") and not shown(opened, "s.proposal")
    click_option(qtbot, opened, "cd.report", 1)  # written
    assert shown(opened, "s.quality") and not shown(opened, "s.proposal")
    click_option(qtbot, opened, "s.quality", 0)  # yes
    assert shown(opened, "s.proposal")
    assert form.progress_label.text() == "2 answered · 0 of 9 parts finished"
    click_option(qtbot, opened, "cd.report", 0)  # none: the report questions no longer apply
    # The stale answer is kept, marked and not counted; the unanswered one goes away.
    quality = row(opened, "s.quality")
    assert shown(opened, "s.quality") and quality.binding is not None and quality.binding.stale
    assert "no longer applies" in quality.status.text()
    assert not shown(opened, "s.proposal")
    assert stored_values(opened.session.path, "KT-0001")["s.quality"] == "yes"
    assert form.progress_label.text() == "1 answered · 1 of 9 parts finished"  # 1.1: nothing applies now
    # Delete clears the stale answer.
    form.focus_question("s.quality")
    assert focused_question(opened) == "s.quality"
    press(qtbot, Qt.Key.Key_Delete)
    assert "s.quality" not in stored_values(opened.session.path, "KT-0001")
    assert not shown(opened, "s.quality")


def test_questions_that_do_not_apply_can_be_shown_greyed_with_the_reason(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    assert not shown(opened, "s.quality")
    opened.show_inapplicable_action.trigger()
    quality = row(opened, "s.quality")
    assert shown(opened, "s.quality") and not quality.options.isEnabled()
    assert (
        quality.status.text()
        == "Does not apply to this case: it applies when “Report for sentencing” is “Written” or “Oral”."
    )
    form_of(opened).focus_question("s.quality")
    press(qtbot, Qt.Key.Key_1)
    assert stored_values(opened.session.path, "KT-0001") == {}
    assert opened.settings.value("form/showInapplicable", type=bool) is True


def test_mark_complete_lists_the_gaps_and_goes_to_the_first(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    for question_id in FRESH_RELEVANT[:3]:
        click_option(qtbot, opened, question_id, 0)
    click_option(qtbot, opened, "v.victims", 0)
    qtbot.mouseClick(form.complete_button, Qt.MouseButton.LeftButton)
    assert form.gaps.isVisible()
    assert form.gaps.question_ids() == ["f.acc.identified", "p.plan", "r.rmp", "l.oversight"]
    assert focused_question(opened) == "f.acc.identified"
    assert "4 questions" in form.gaps.summary.text()
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        assert not inspection.get_case("KT-0001").is_complete
    # Answering a gap takes it off the list; choosing a line goes there.
    press(qtbot, Qt.Key.Key_3)  # not relevant: no factor questions follow
    assert form.gaps.question_ids() == ["p.plan", "r.rmp", "l.oversight"]
    form.gaps.list.itemClicked.emit(form.gaps.list.item(1))
    assert focused_question(opened) == "r.rmp"


def test_mark_complete_then_reopen(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    answer_fresh_case(qtbot, opened)
    assert form.mark_complete()
    assert not form.gaps.isVisible()
    assert form.status_label.text() == "Complete · read-only"
    assert form.reopen_button.isVisible() and not form.complete_button.isVisible()
    form.focus_question("cd.gender")
    press(qtbot, Qt.Key.Key_2)  # read-only: nothing changes, and the status bar says why
    assert stored_values(opened.session.path, "KT-0001")["cd.gender"] == "male"
    assert opened.statusBar().currentMessage() == "Case KT-0001 is complete: reopen it (Ctrl+Shift+R) to change it"
    assert not opened.undo.group.canUndo()
    qtbot.mouseClick(form.reopen_button, Qt.MouseButton.LeftButton)
    assert form.complete_button.isVisible()
    form.focus_question("cd.gender")
    press(qtbot, Qt.Key.Key_2)
    assert stored_values(opened.session.path, "KT-0001")["cd.gender"] == "female"
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        assert not inspection.get_case("KT-0001").is_complete


def test_practice_illustration_flag_and_narrative(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    index = form.navigator_model.index_of(ILLUSTRATION_KEY)
    form.navigator.activated.emit(index)
    page = form.illustration
    assert form.pages.currentWidget() is page
    assert page.flag.hasFocus()
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    assert page.narrative.hasFocus()
    qtbot.keyClicks(page.narrative, "Thorough risk work with the police")
    page.narrative.clearFocus()
    form.flush()
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        case = inspection.get_case("KT-0001")
    assert case.illustration and case.illustration_text == "Thorough risk work with the police"
    assert opened.workspace is not None
    assert opened.workspace.cases.model.rows()[0].illustration


def test_everything_is_there_after_reopening_the_file(qtbot: QtBot, opened: MainWindow, settings: object) -> None:
    path = opened.session.path
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 1)
    click_option(qtbot, opened, "cd.report", 2)
    click_option(qtbot, opened, "s.quality", 1)
    note = row(opened, "s.quality").note
    note.setFocus()
    qtbot.keyClicks(note, "Report too brief")
    opened.close_file()
    assert opened.session is None and opened.pages.currentWidget() is opened.start_page
    assert opened.open_file(path)
    assert opened.workspace is not None
    opened.workspace.open_case(opened.workspace.cases.model.rows()[0].uuid)
    assert row(opened, "cd.gender").value() == "female"
    assert row(opened, "cd.report").value() == "oral"
    assert row(opened, "s.quality").value() == "no"
    assert row(opened, "s.quality").note.toPlainText() == "Report too brief"
    assert form_of(opened).progress_label.text() == "3 answered · 1 of 9 parts finished"


def test_switching_cases_rebinds_the_same_widgets(qtbot: QtBot, opened: MainWindow) -> None:
    first = add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    widget = row(opened, "cd.gender")
    second = add_case(opened, "KT-0002")
    assert row(opened, "cd.gender") is widget
    assert widget.value() is None
    form_of(opened).set_case(first)
    assert row(opened, "cd.gender") is widget and widget.value() == "male"
    form_of(opened).set_case(second)
    assert widget.value() is None


def test_navigator_counts_and_next_criterion(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    click_option(qtbot, opened, "cd.gender", 0)
    assert form.navigator_model.count("case-details/0") == (1, 3)
    assert form.navigator_model.count("assessment-planning") == (0, 4)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert focused_question(opened) == "f.acc.identified"  # 1.1 has nothing that applies yet
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert focused_question(opened) == "p.plan"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    assert focused_question(opened) == "f.acc.identified"
    group = form.navigator_model.index_of("practitioner-interview/0")
    form.navigator.clicked.emit(group)
    assert focused_question(opened) == "l.oversight"


def test_a_refused_write_shows_a_plain_message_and_keeps_the_old_answer(
    qtbot: QtBot, opened: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hmip_desktop.model.errors import StorageError

    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise StorageError("ann.hmip: the disk is full; free some space and try again. Nothing was changed.")

    monkeypatch.setattr(opened.session.inspection, "set_answer", disk_full)
    click_option(qtbot, opened, "cd.gender", 1)
    box = opened.findChild(QMessageBox, "userError")
    assert box is not None and "disk is full" in box.text()
    assert row(opened, "cd.gender").value() == "male"
    box.close()


def test_the_real_instrument(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    instrument = default_instrument()
    path = tmp_path / "helen.hmip"
    InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Helen Carter", instrument=instrument
    ).close()
    assert window.open_file(path)
    first = add_case(window, "KT-0001")
    form = form_of(window)
    assert focused_question(window) == instrument.questions[0].id
    press(qtbot, Qt.Key.Key_1)
    press(qtbot, Qt.Key.Key_F1)
    assert row(window, instrument.questions[0].id).guidance_visible
    press(qtbot, Qt.Key.Key_Return)
    assert focused_question(window) == instrument.questions[1].id
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    current = focused_question(window)
    assert current is not None and instrument.question(current).section == "assessment-planning"
    # Every section builds, and switching cases keeps the rows.
    for section in form.section_pages:
        form._show_page(section)
    rows_before = {qid: row(window, qid) for qid in form.form_layout.order}
    assert len(rows_before) == len(instrument.questions)
    second = add_case(window, "KT-0002")
    form.set_case(first)
    form.set_case(second)
    assert all(row(window, qid) is widget for qid, widget in rows_before.items())
    assert stored_values(window.session.path, "KT-0001") == {
        instrument.questions[0].id: instrument.questions[0].options[0].value
    }
