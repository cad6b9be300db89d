"""Undo in evidence notes: a word at a time, the same from Ctrl+Z and Edit ▸ Undo, never silently
emptying a saved note; and the text history on its own, as a property."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case, click_option, form_of, row, stored_notes, stored_values

from hmip_desktop.ui.form.text_history import UndoableTextEdit
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def saved_note(window: MainWindow, question_id: str) -> str:
    return stored_notes(window.session.path, "KT-0001").get(question_id, "")


def test_ctrl_z_in_a_note_undoes_the_last_word_not_the_note(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "Seen in the OASys summary")
    qtbot.waitUntil(lambda: saved_note(opened, "cd.gender") == "Seen in the OASys summary")
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    assert note.toPlainText() == "Seen in the OASys"
    qtbot.waitUntil(lambda: saved_note(opened, "cd.gender") == "Seen in the OASys")
    # Edit ▸ Undo does the same thing while the note has the focus (not an answer elsewhere).
    assert opened.undo_action.text() == "&Undo typing"
    opened.undo_action.trigger()
    assert note.toPlainText() == "Seen in the"
    assert stored_values(opened.session.path, "KT-0001") == {"cd.gender": "male"}
    # Redo, by either key, brings the words back.
    qtbot.keyClick(note, Qt.Key.Key_Y, CTRL)
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL_SHIFT)
    assert note.toPlainText() == "Seen in the OASys summary"
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL_SHIFT)
    assert opened.statusBar().currentMessage() == "Nothing to redo in this note"
    note.clearFocus()
    assert saved_note(opened, "cd.gender") == "Seen in the OASys summary"


def test_undo_stops_at_the_saved_note_and_says_so(qtbot: QtBot, opened: MainWindow) -> None:
    first = add_case(opened, "KT-0001")
    note = row(opened, "p.plan").note
    note.setFocus()
    qtbot.keyClicks(note, "Plan agreed")
    note.clearFocus()  # saved on leaving
    add_case(opened, "KT-0002")
    assert opened.workspace is not None
    opened.workspace.open_case(first)  # the note as stored: its history starts here
    note = row(opened, "p.plan").note
    assert note.toPlainText() == "Plan agreed"
    note.setFocus()
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    assert note.toPlainText() == "Plan agreed"
    assert opened.statusBar().currentMessage() == "Nothing to undo in this note"
    qtbot.keyClick(note, Qt.Key.Key_End)
    qtbot.keyClicks(note, " with the person")
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    assert note.toPlainText() == "Plan agreed"  # never further back than the saved text
    note.clearFocus()
    assert saved_note(opened, "p.plan") == "Plan agreed"


def test_undo_that_empties_a_saved_note_says_so_and_redo_restores_it(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    note = row(opened, "cd.rosh").note
    note.setFocus()
    qtbot.keyClicks(note, "RoSH")
    qtbot.waitUntil(lambda: saved_note(opened, "cd.rosh") == "RoSH")
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL)
    assert note.toPlainText() == ""
    assert opened.statusBar().currentMessage() == "Undo emptied the note; Redo (Ctrl+Shift+Z) brings the text back"
    qtbot.keyClick(note, Qt.Key.Key_Z, CTRL_SHIFT)
    assert note.toPlainText() == "RoSH"
    note.clearFocus()
    assert saved_note(opened, "cd.rosh") == "RoSH"


def test_undo_on_the_question_still_undoes_answers(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 1)
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "From the record")
    qtbot.keyClick(note, Qt.Key.Key_Escape)  # back to the question
    assert opened.undo_action.text() == "&Undo answer “Gender”"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, CTRL)
    assert stored_values(opened.session.path, "KT-0001") == {}
    assert note.toPlainText() == "From the record"
    assert saved_note(opened, "cd.gender") == "From the record"


def test_a_complete_case_refuses_typing_in_a_note_and_says_why(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    click_option(qtbot, opened, "cd.gender", 0)
    note = row(opened, "cd.gender").note
    note.setFocus()
    qtbot.keyClicks(note, "Seen")
    note.clearFocus()
    form = form_of(opened)
    for question_id in ("cd.rosh", "cd.report", "f.acc.identified", "p.plan", "r.rmp", "v.victims", "l.oversight"):
        click_option(qtbot, opened, question_id, 0 if question_id != "f.acc.identified" else 2)
    assert form.mark_complete()
    form.focus_question("cd.gender")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert note.hasFocus() and note.isReadOnly()
    qtbot.keyClicks(note, "x")
    assert note.toPlainText() == "Seen"
    assert opened.statusBar().currentMessage() == "Case KT-0001 is complete: reopen it (Ctrl+Shift+R) to change it"


# -- the history on its own ----------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefgh", min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(WORDS, max_size=3), typed=st.lists(WORDS, min_size=1, max_size=8))
def test_each_undo_takes_back_one_typed_word(qtbot: QtBot, start: list[str], typed: list[str]) -> None:
    field = UndoableTextEdit()
    qtbot.addWidget(field)
    original = " ".join(start)
    field.set_text(original)
    cursor = field.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    field.setTextCursor(cursor)
    prefix = " " if original else ""
    states = [original]
    for index, word in enumerate(typed):
        qtbot.keyClicks(field, (prefix if index == 0 else " ") + word)
        states.append(field.toPlainText())
    # One undo per word (with the space before it), back to the text the field was given, no further.
    for expected in reversed(states[:-1]):
        field.undo()
        assert field.toPlainText() == expected
    assert not field.history.can_undo()
    field.undo()
    assert field.toPlainText() == original
    while field.history.can_redo():
        field.redo()
    assert field.toPlainText() == states[-1]
