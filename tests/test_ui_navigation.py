"""Moving about as an assessor does, with keys and clicks: question by question, among a question's
options, between cases after a search; keys that cannot do anything say why; progress only grows;
the layout follows the text size and is remembered."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from ui_support import (
    QT_STRICT,
    add_case,
    answer_fresh_case,
    click_option,
    focused_question,
    form_of,
    press,
    row,
    stored_values,
)

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, default_instrument
from hmip_desktop.ui.case_list_model import CASE, PROGRESS, STATUS
from hmip_desktop.ui.form.layout import finished_groups, layout_of
from hmip_desktop.ui.form.question_row import QuestionRow
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def key(qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifiers)


# -- question by question -----------------------------------------------------------------------


def test_down_and_up_walk_every_question_and_enter_finds_the_next_unanswered(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    for question_id, option in (("cd.gender", 0), ("cd.rosh", 1), ("cd.report", 1)):
        click_option(qtbot, opened, question_id, option)
    form_of(opened).focus_question("cd.gender")
    # A half-done case can be walked to correct answers: Down stops on answered questions too.
    press(qtbot, Qt.Key.Key_Down)
    assert focused_question(opened) == "cd.rosh"
    press(qtbot, Qt.Key.Key_Down)
    assert focused_question(opened) == "cd.report"
    press(qtbot, Qt.Key.Key_Down)
    assert focused_question(opened) == "s.quality"  # opened by the written report
    press(qtbot, Qt.Key.Key_Up)
    press(qtbot, Qt.Key.Key_Up)
    assert focused_question(opened) == "cd.rosh"
    press(qtbot, Qt.Key.Key_3)  # correct it where it is
    assert stored_values(opened.session.path, "KT-0001")["cd.rosh"] == "high"
    # Enter, and Ctrl+Down from the menu, still go to the next question without an answer.
    press(qtbot, Qt.Key.Key_Return)
    assert focused_question(opened) == "s.quality"
    form_of(opened).focus_question("cd.gender")
    key(qtbot, Qt.Key.Key_Down, CTRL)
    assert focused_question(opened) == "s.quality"
    # At either end the form stays put and says so.
    form_of(opened).focus_question("cd.gender")
    press(qtbot, Qt.Key.Key_Up)
    assert focused_question(opened) == "cd.gender" and status(opened) == "This is the first question of the case"
    form_of(opened).focus_question("l.oversight")
    press(qtbot, Qt.Key.Key_Down)
    assert focused_question(opened) == "l.oversight"
    assert status(opened).startswith("This is the last question of the case")


def test_left_right_and_space_work_the_options_like_a_radio_group(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    path = opened.session.path
    assert focused_question(opened) == "cd.gender"
    form_of(opened).focus_question("cd.rosh")
    rosh = row(opened, "cd.rosh")
    # No answer yet: the arrows move the mark without choosing; Space chooses the marked option.
    press(qtbot, Qt.Key.Key_Right)
    assert rosh.marked_option == 1 and rosh.value() is None
    assert "cd.rosh" not in stored_values(path, "KT-0001")
    press(qtbot, Qt.Key.Key_Space)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "medium"
    # With an answer, the choice follows the arrows (wrapping round), written as it goes.
    press(qtbot, Qt.Key.Key_Right)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "high"
    press(qtbot, Qt.Key.Key_Right)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "low" and rosh.value() == "low"
    press(qtbot, Qt.Key.Key_Left)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "high"
    # The run of arrows is one undo step, back to the answer Space gave.
    key(qtbot, Qt.Key.Key_Z, CTRL)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "medium"
    key(qtbot, Qt.Key.Key_Z, CTRL)
    assert "cd.rosh" not in stored_values(path, "KT-0001")


# -- saying why nothing happened ------------------------------------------------------------------


def test_keys_that_cannot_do_anything_say_why(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    path = opened.session.path
    press(qtbot, Qt.Key.Key_9)  # cd.gender has two options
    assert stored_values(path, "KT-0001") == {}
    assert status(opened) == "“Gender” has 2 options: press 1 to 2"
    press(qtbot, Qt.Key.Key_Delete)
    assert status(opened) == "This question has no answer to clear"
    press(qtbot, Qt.Key.Key_A)
    assert status(opened).startswith("Choose with 1 to 2, Left/Right and Space")
    key(qtbot, Qt.Key.Key_Z, CTRL)
    assert status(opened) == "Nothing to undo in case KT-0001"
    # Questions that do not apply, shown greyed: the reason.
    opened.show_inapplicable_action.trigger()
    form_of(opened).focus_question("s.quality")
    press(qtbot, Qt.Key.Key_1)
    assert status(opened).startswith("This question does not apply to this case: it applies when")
    # A complete case: typing an answer or a note is refused with the way out.
    form = form_of(opened)
    answer_fresh_case(qtbot, opened)
    key(qtbot, Qt.Key.Key_Return, CTRL_SHIFT)
    assert form.state is not None and form.state.case.is_complete
    form.focus_question("cd.rosh")
    press(qtbot, Qt.Key.Key_2)
    assert stored_values(path, "KT-0001")["cd.rosh"] == "low"
    assert status(opened) == "Case KT-0001 is complete: reopen it (Ctrl+Shift+R) to change it"
    opened.statusBar().clearMessage()
    press(qtbot, Qt.Key.Key_X)  # typing as if in a note: the same reason
    assert status(opened) == "Case KT-0001 is complete: reopen it (Ctrl+Shift+R) to change it"
    key(qtbot, Qt.Key.Key_Return, CTRL_SHIFT)
    assert status(opened) == "Case KT-0001 is already complete"


def test_reopen_has_a_shortcut(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    form = form_of(opened)
    answer_fresh_case(qtbot, opened)
    assert form.mark_complete()
    with qtbot.waitSignal(opened.session.case_changed):
        key(qtbot, Qt.Key.Key_R, CTRL_SHIFT)
    assert form.state is not None and not form.state.case.is_complete
    assert status(opened) == "Case KT-0001 reopened"
    key(qtbot, Qt.Key.Key_R, CTRL_SHIFT)
    assert status(opened) == "Case KT-0001 is not complete: there is nothing to reopen"


# -- between cases -----------------------------------------------------------------------------


def test_next_case_after_a_search_walks_the_whole_sample_and_says_the_search_went(
    qtbot: QtBot, opened: MainWindow
) -> None:
    for ref in ("KT-0001", "KT-0002", "LN-0107", "LN-0108", "KT-0003"):
        add_case(opened, ref)
    assert opened.workspace is not None
    panel = opened.workspace.cases
    opened.workspace.show_case_list()
    key(qtbot, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(panel.search, "ln-0107")
    # The filter is plain to see, with a way out.
    assert panel.summary.text().startswith("1 of 5 cases shown (search “ln-0107”)")
    assert panel.show_all_button.isVisible()
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    form = form_of(opened)
    assert form.state is not None and form.state.case.case_ref == "LN-0107"
    key(qtbot, Qt.Key.Key_PageDown, ALT)
    assert form.state.case.case_ref == "LN-0108"
    assert status(opened) == "Search “ln-0107” cleared to show case LN-0108"
    assert panel.search.text() == "" and panel.proxy.rowCount() == 5
    key(qtbot, Qt.Key.Key_PageDown, ALT)
    assert status(opened) == "This is the last case in the list"
    for expected in ("LN-0107", "KT-0003", "KT-0002", "KT-0001"):
        qtbot.mouseClick(form.previous_button, Qt.MouseButton.LeftButton)
        assert form.state is not None and form.state.case.case_ref == expected


def test_show_all_and_escape_clear_the_search(qtbot: QtBot, opened: MainWindow) -> None:
    for ref in ("KT-0001", "KT-0002", "LN-0107"):
        add_case(opened, ref)
    assert opened.workspace is not None
    panel = opened.workspace.cases
    opened.workspace.show_case_list()
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "zz")
    assert panel.proxy.rowCount() == 0
    assert panel.table.empty_note.isVisible()
    assert panel.table.empty_note.text().startswith("No case reference contains “zz”.")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert status(opened) == "No case reference contains “zz”"
    qtbot.mouseClick(panel.show_all_button, Qt.MouseButton.LeftButton)
    assert panel.proxy.rowCount() == 3 and not panel.show_all_button.isVisible()
    assert not panel.table.empty_note.isVisible()
    qtbot.keyClicks(panel.search, "kt")
    assert panel.summary.text().startswith("2 of 3 cases shown")
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and panel.summary.text().startswith("3 cases")


def test_an_empty_case_list_says_how_to_add_or_import_cases(qtbot: QtBot, opened: MainWindow) -> None:
    assert opened.workspace is not None
    table = opened.workspace.cases.table
    assert table.empty_note.isVisible()
    text = table.empty_note.text()
    assert "Add case… (Ctrl+Shift+N)" in text and "Import case sample… (Ctrl+I)" in text
    assert table.accessibleDescription() == text
    # The note sits inside the table's empty area, not over the header or outside the window.
    assert table.viewport().rect().contains(table.empty_note.geometry())
    add_case(opened, "KT-0001")
    assert not table.empty_note.isVisible()


# -- progress ----------------------------------------------------------------------------------


def full_instrument_file(tmp_path: Path) -> Path:
    """An empty inspection file of the full instrument (Helen Carter's)."""
    path = tmp_path / "helen.hmip"
    InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Helen Carter", instrument=default_instrument()
    ).close()
    return path


def shown_window(qtbot: QtBot, settings: QSettings, width: int, height: int) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    return window


def progress_numbers(window: MainWindow) -> tuple[int, int]:
    """(answers, parts finished) from the header's text."""
    words = form_of(window).progress_label.text().split()
    return int(words[0]), int(words[3])


def test_progress_never_drops_while_a_real_case_is_answered_by_keys(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """The issue's "5 of 98, then 22 of 119": with gates opening questions all the way, the two
    numbers the header shows only grow, and end at every part finished."""
    instrument = default_instrument()
    path = full_instrument_file(tmp_path)
    assert window.open_file(path)
    add_case(window, "KT-0001")
    form = form_of(window)
    seen = [progress_numbers(window)]
    relevant_counts = []
    for _ in range(len(instrument.questions)):
        if focused_question(window) is None or not form.gaps_now():
            break
        press(qtbot, Qt.Key.Key_1)  # the first option opens the most follow-up questions
        press(qtbot, Qt.Key.Key_Return)
        seen.append(progress_numbers(window))
        assert form.state is not None
        relevant_counts.append(len(form.state.relevant))
    assert form.gaps_now() == []
    assert all(a <= b for a, b in pairwise(seen))  # neither number ever drops
    assert seen[-1][1] == len(form.form_layout.groups)
    assert max(relevant_counts) > min(relevant_counts)  # while "questions that apply" did grow


@pytest.fixture(scope="module")
def real_instrument() -> Instrument:
    return default_instrument()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_answering_a_question_never_unfinishes_a_part(real_instrument: Instrument, data: st.DataObject) -> None:
    """Any order, any options: a new answer never lowers the parts finished or the answers counted."""
    layout = layout_of(real_instrument)
    values: dict[str, str] = {}
    relevant = relevance.relevant_question_ids(real_instrument, values)
    finished = finished_groups(layout, relevant, values)
    answered = 0
    for _ in range(data.draw(st.integers(1, 80), label="answers")):
        open_questions = sorted(q for q in relevant if q not in values)
        if not open_questions:
            break
        question_id = data.draw(st.sampled_from(open_questions), label="question")
        options = [o.value for o in real_instrument.question(question_id).options]
        values[question_id] = data.draw(st.sampled_from(options), label="value")
        relevant = relevance.relevant_question_ids(real_instrument, values)
        now_finished = finished_groups(layout, relevant, values)
        now_answered = len(relevant.intersection(values))
        assert finished <= now_finished
        assert now_answered == answered + 1
        finished, answered = now_finished, now_answered
    if not [q for q in relevant if q not in values]:
        assert finished == {group.key for group in layout.groups}


def test_case_list_progress_and_sorting_follow_parts_finished(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    busy = add_case(opened, "KT-0002")
    assert form_of(opened).case_uuid == busy
    for question_id in ("cd.gender", "cd.rosh", "cd.report"):
        click_option(qtbot, opened, question_id, 0)
    assert opened.workspace is not None
    panel = opened.workspace.cases
    model = panel.model
    assert model.index(model.row_of(busy), PROGRESS).data() == "2 of 9 parts"  # case details and 1.1 (none apply)
    opened.workspace.show_case_list()
    header = panel.table.horizontalHeader()
    position = QPoint(
        header.sectionViewportPosition(PROGRESS) + header.sectionSize(PROGRESS) // 2, header.height() // 2
    )
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert panel.proxy.index(0, CASE).data() == "KT-0002"


# -- layout ----------------------------------------------------------------------------------------


@pytest.fixture
def big_text(qapp: QApplication) -> float:
    """The application font at 150 %, as a user with larger text has it; restored afterwards."""
    original = QFont(qapp.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 1.5)
    qapp.setFont(bigger)
    yield 1.5
    qapp.setFont(original)


def test_at_150_percent_text_the_navigator_and_case_list_fit_their_text(
    qtbot: QtBot, big_text: float, settings: QSettings, tmp_path: Path
) -> None:
    path = full_instrument_file(tmp_path)
    window = shown_window(qtbot, settings, 1280, 800)
    assert window.open_file(path)
    assert window.workspace is not None
    panel = window.workspace.cases
    add_case(window, "KT-0001")
    window.workspace.show_case_list()
    table = panel.table
    metrics = table.fontMetrics()
    for column, text in ((STATUS, "Ready to complete"), (PROGRESS, "20 of 20 parts"), (CASE, "KT-0001  ★")):
        assert table.columnWidth(column) > metrics.horizontalAdvance(text), text
    assert table.verticalHeader().defaultSectionSize() >= metrics.height()
    form = form_of(window)
    window.workspace.show_form()
    qtbot.waitUntil(lambda: form.navigator.width() > 0)
    navigator = form.navigator
    criterion = navigator.model().index(0, 0, navigator.model().index(1, 0))
    assert criterion.data() == "1.1 Assessment and planning to inform sentencing"
    text_space = navigator.visualRect(criterion).width()
    assert text_space >= navigator.fontMetrics().horizontalAdvance(criterion.data())
    count_width = navigator.columnWidth(1)
    assert count_width > navigator.fontMetrics().horizontalAdvance("48/48")
    window.close()


def test_splitter_and_columns_are_remembered(qtbot: QtBot, opened: MainWindow, settings: QSettings) -> None:
    path = opened.session.path
    add_case(opened, "KT-0001")
    form = form_of(opened)
    qtbot.waitUntil(lambda: form.splitter.sizes()[0] > 0)
    form.splitter.setSizes([300, 900])
    wanted = form.splitter.sizes()
    assert opened.workspace is not None
    table = opened.workspace.cases.table
    table.setColumnWidth(STATUS, 222)
    table.sortByColumn(PROGRESS, Qt.SortOrder.DescendingOrder)
    opened.close_file()
    assert opened.open_file(path)
    assert opened.workspace is not None
    table = opened.workspace.cases.table
    assert table.columnWidth(STATUS) == 222
    assert table.horizontalHeader().sortIndicatorSection() == PROGRESS
    opened.workspace.open_case(opened.workspace.cases.model.rows()[0].uuid)
    form = form_of(opened)
    qtbot.waitUntil(lambda: form.splitter.sizes()[0] > 0)
    assert form.splitter.sizes() == wanted
    assert settings.value("form/splitter") is not None


def test_the_new_file_dialog_names_save_in_with_a_working_mnemonic(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.ask_new_file()
    qtbot.waitExposed(dialog)
    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    # Every field's label has its buddy (so "&" marks a mnemonic, never shows), each letter once.
    assert {label.buddy() for label in labels} >= {dialog.inspection_id, dialog.area, dialog.assessor, dialog.path}
    letters = [label.text()[label.text().index("&") + 1].lower() for label in labels]
    assert len(letters) == len(set(letters)), letters
    save_in = next(label for label in labels if label.buddy() is dialog.path)
    assert save_in.text().replace("&", "") == "Save in"
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.inspection_id.setFocus()
    qtbot.keyClick(dialog.inspection_id, Qt.Key.Key_V, ALT)
    assert dialog.path.hasFocus()
    dialog.reject()


def test_in_a_900_by_600_window_every_option_of_the_form_is_on_the_page(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    """The page never scrolls sideways (its scroll bar is off): options that do not fit side by side
    wrap onto more lines, rather than pushing the form off the page's left and right edges."""
    path = full_instrument_file(tmp_path)
    window = shown_window(qtbot, settings, 900, 600)
    assert window.open_file(path)
    window.show_inapplicable_action.trigger()  # every row shown, the greyed ones too
    add_case(window, "KT-0001")
    form = form_of(window)
    assert window.workspace is not None
    window.workspace.show_form()
    wrapped = 0
    for page in form.section_pages.values():
        form.focus_question(page.section.groups[0].question_ids[0])
        qtbot.waitUntil(lambda page=page: page.widget() is not None and page.widget().isVisible())
        QApplication.processEvents()
        viewport = page.viewport()
        assert page.widget().width() <= viewport.width(), page.objectName()
        for question_row in page.widget().findChildren(QuestionRow):
            if not question_row.isVisible():
                continue
            options = question_row.options
            wrapped += options.columns < options.preferred
            for button in options.buttons:
                left = button.mapTo(viewport, QPoint(0, 0)).x()
                assert left >= 0 and left + button.width() <= viewport.width(), button.text()
    assert wrapped  # a narrow window does make some options wrap
    window.close()
