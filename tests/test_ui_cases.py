"""The case list page: adding a case, finding one by reference, sorting, moving to the form."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case, focused_question, form_of, shown_whole

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui.case_list_model import PROGRESS
from hmip_desktop.ui.errors import ExceptionReporter
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


def test_add_a_case_from_the_keyboard(qtbot: QtBot, opened: MainWindow) -> None:
    qtbot.keyClick(opened, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert opened.workspace is not None
    dialog = opened.workspace.cases.add_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.ref, "KT 0105 J.Smith")  # kept as typed, refused with the rule: never squeezed
    assert dialog.ref.text() == "KT 0105 J.Smith"
    assert dialog.error.isVisible() and dialog.error.text().startswith("“KT 0105 J.Smith” has a space.")
    assert "Never a name" in dialog.error.text()
    qtbot.waitUntil(lambda: shown_whole(dialog.error))  # the dialog grows to show the whole rule
    qtbot.keyClick(dialog.ref, Qt.Key.Key_Return)  # OK refuses it: the dialog stays, nothing is added
    assert dialog.isVisible() and opened.workspace.cases.model.rowCount() == 0
    dialog.ref.selectAll()
    qtbot.keyClicks(dialog.ref, "KT-0042")
    assert not dialog.error.isVisible()
    qtbot.keyClick(dialog.ref, Qt.Key.Key_Return)
    with InspectionFile.open(opened.session.path, read_only=True) as inspection:
        assert [c.case_ref for c in inspection.list_cases()] == ["KT-0042"]
    assert opened.workspace.currentWidget() is opened.workspace.form_page
    assert focused_question(opened) == "cd.gender"
    assert opened.saved_label.text().startswith("Saved ")


def test_a_duplicate_case_is_refused_with_a_message(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    assert opened.workspace is not None
    dialog = opened.workspace.cases.ask_new_case()
    dialog.ref.setText("KT-0001")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    box = opened.findChild(QMessageBox, "userError")
    assert box is not None and "already exists" in box.text()
    assert opened.workspace.cases.model.rowCount() == 1


def test_find_a_case_by_reference_and_open_it(qtbot: QtBot, opened: MainWindow) -> None:
    for ref in ("KT-0001", "KT-0002", "LN-0107"):
        add_case(opened, ref)
    assert opened.workspace is not None
    panel = opened.workspace.cases
    opened.workspace.show_case_list()
    qtbot.keyClick(opened, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "ln-01")
    assert panel.proxy.rowCount() == 1
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    form = form_of(opened)
    assert form.state is not None and form.state.case.case_ref == "LN-0107"
    assert opened.workspace.showing_form()


def test_sorting_by_progress_from_the_header(qtbot: QtBot, opened: MainWindow) -> None:
    add_case(opened, "KT-0001")
    busy = add_case(opened, "KT-0002")
    form = form_of(opened)
    assert form.case_uuid == busy
    form.choose_answer("cd.gender", "male")
    form.choose_answer("cd.rosh", "low")
    assert opened.workspace is not None
    panel = opened.workspace.cases
    opened.workspace.show_case_list()
    header = panel.table.horizontalHeader()
    position = header.sectionViewportPosition(PROGRESS) + header.sectionSize(PROGRESS) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(position, header.height() // 2))
    first_ascending = panel.proxy.index(0, 0).data()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(position, header.height() // 2))
    first_descending = panel.proxy.index(0, 0).data()
    assert (first_ascending, first_descending) == ("KT-0001", "KT-0002")
    assert "1 complete" not in panel.summary.text() and panel.summary.text().startswith("2 cases")


def test_previous_and_next_case_follow_the_list_order(qtbot: QtBot, opened: MainWindow) -> None:
    for ref in ("KT-0003", "KT-0001", "KT-0002"):
        add_case(opened, ref)
    assert opened.workspace is not None
    first = opened.workspace.cases.neighbour(None, 1)
    assert first is not None
    opened.workspace.open_case(first)
    form = form_of(opened)
    refs = []
    for _ in range(3):
        assert form.state is not None
        refs.append(form.state.case.case_ref)
        qtbot.mouseClick(form.next_button, Qt.MouseButton.LeftButton)
    assert refs == ["KT-0001", "KT-0002", "KT-0003"]
    qtbot.mouseClick(form.previous_button, Qt.MouseButton.LeftButton)
    assert form.state is not None and form.state.case.case_ref == "KT-0002"


def test_a_damaged_answer_closes_the_file_with_one_message_not_one_each_time_its_row_is_drawn(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile
) -> None:
    """The list works out a case's progress when its row is first shown, and every answer is checked
    to read just after the file is on screen: a value that is not UTF-8 is one plain message then, and
    the file is closed again (not a message each time a row is drawn, with the file left open)."""
    mini_file.set_answer("KT-0001", "cd.gender", "female", create_case=True)
    mini_file.set_answer("KT-0002", "cd.gender", "male", create_case=True)
    path = mini_file.path
    mini_file.close()
    conn = sqlite3.connect(path)  # a flipped bit in one answer, as another program would leave it
    conn.execute("UPDATE answers SET value = CAST(X'66FF6D616C65' AS TEXT) WHERE value = 'female'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    reporter = ExceptionReporter(lambda: window)
    reporter.install()
    try:
        assert window.open_file(path)
        qtbot.waitUntil(lambda: any(box.isVisible() for box in window.findChildren(QMessageBox, "userError")))
        messages = [box.text() for box in window.findChildren(QMessageBox, "userError")]
        assert len(messages) == 1 and "not valid UTF-8" in messages[0] and "answers" in messages[0]
        assert window.session is None and window.pages.currentWidget() is window.start_page
        assert reporter.dialog is None
    finally:
        reporter.uninstall()
    assert path.read_bytes() == before


def test_opening_reads_the_answers_of_the_rows_shown_not_every_answer(
    qtbot: QtBot, window: MainWindow, mini_file: InspectionFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case's answers are read when its row is first shown, every answer is checked (one joined read)
    once the list is on screen, and a sort on a column worked out from them reads the rest in one query."""
    for number in range(1, 81):
        mini_file.set_answer(f"KT-{number:04d}", "cd.gender", "female", create_case=True)
    reads: list[str] = []
    for name in ("all_values", "values_for", "check_values"):
        real = getattr(InspectionFile, name)
        monkeypatch.setattr(
            InspectionFile, name, lambda self, *args, _real=real, _name=name: reads.append(_name) or _real(self, *args)
        )
    assert window.open_file(mini_file.path)
    assert window.workspace is not None
    table = window.workspace.cases.table
    qtbot.waitUntil(lambda: "values_for" in reads)  # painted
    qtbot.waitUntil(lambda: "check_values" in reads)  # then checked
    assert reads.count("check_values") == 1 and "all_values" not in reads
    assert reads.count("values_for") < 40  # the rows on screen, of 80
    reads.clear()
    table.sortByColumn(PROGRESS, Qt.SortOrder.AscendingOrder)
    assert reads.count("all_values") == 1 and reads.count("values_for") == 0
