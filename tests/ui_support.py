"""Fixtures and helpers shared by the app's tests (tests/test_ui_*.py).

Each test gets its own settings file, its own inspection file and its own
window; nothing is shared between tests. Qt warnings fail the tests that use
`QT_STRICT` (the offscreen platform's note about size hints is not ours).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.ui.form.case_form import CaseForm
from hmip_desktop.ui.form.question_row import QuestionRow
from hmip_desktop.ui.main_window import MainWindow

QT_STRICT = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)"),
]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


@pytest.fixture
def opened(window: MainWindow, mini_file: InspectionFile) -> MainWindow:
    """The window with the mini-test file open (no cases yet)."""
    assert window.open_file(mini_file.path)
    return window


def form_of(window: MainWindow) -> CaseForm:
    assert window.workspace is not None
    return window.workspace.form


def add_case(window: MainWindow, case_ref: str) -> str:
    assert window.workspace is not None
    case_uuid = window.workspace.cases.add_case(case_ref)
    assert case_uuid is not None
    return case_uuid


def row(window: MainWindow, question_id: str) -> QuestionRow:
    return form_of(window).row(question_id)


def focused_question(window: MainWindow) -> str | None:
    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, QuestionRow):
        widget = widget.parentWidget()
    return widget.question_id if isinstance(widget, QuestionRow) else None


def click_option(qtbot: QtBot, window: MainWindow, question_id: str, index: int) -> None:
    question_row = row(window, question_id)
    form_of(window).focus_question(question_id)
    button = question_row.group.button(index)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


#: The mini-test instrument's questions that apply to a fresh case, in form order.
FRESH_RELEVANT = [
    "cd.gender",
    "cd.rosh",
    "cd.report",
    "f.acc.identified",
    "p.plan",
    "r.rmp",
    "v.victims",
    "l.oversight",
]


def answer_fresh_case(qtbot: QtBot, window: MainWindow) -> None:
    """Click an answer to every question of a fresh mini-test case (the factor "not linked"), so it can be completed."""
    for question_id in FRESH_RELEVANT:
        click_option(qtbot, window, question_id, 0 if question_id != "f.acc.identified" else 2)


def press(qtbot: QtBot, key: Qt.Key, widget: QWidget | None = None) -> None:
    target = widget or QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key)


def stored_values(path: Path, case_ref: str) -> dict[str, str]:
    """What the file holds, read through a separate connection (what a crash would leave)."""
    with InspectionFile.open(path, read_only=True) as inspection:
        case = inspection.get_case(case_ref)
        return inspection.values_for(case.uuid)


def stored_notes(path: Path, case_ref: str) -> dict[str, str]:
    with InspectionFile.open(path, read_only=True) as inspection:
        case = inspection.get_case(case_ref)
        return {qid: a.note for qid, a in inspection.answers_for(case.uuid).items() if a.note}


def shown_whole(label: QLabel) -> bool:
    """Every line of a (word-wrapped) label's text is on screen: it is given the height its text needs
    at its width, inside its window."""
    window = label.window()
    inside = window.rect().contains(QRect(label.mapTo(window, QPoint(0, 0)), label.size()))
    return label.isVisible() and inside and label.height() >= label.heightForWidth(label.width())


def literal_ampersands(root: QWidget) -> list[str]:
    """The visible labels under `root` that show a "&" meant to underline a shortcut key: a label with
    no buddy shows it as typed, and its key reaches nothing."""
    return [
        label.text()
        for label in root.findChildren(QLabel)
        if label.isVisible()
        and label.buddy() is None
        and "<" not in label.text()  # rich text writes "&" as &amp;
        and "&" in label.text().replace("&&", "")
    ]


def markdown_marks(root: QWidget) -> list[str]:
    """The visible labels under `root` that show Markdown's backticks around a command: a label is
    plain or rich text, and shows them as typed."""
    return [label.text() for label in root.findChildren(QLabel) if label.isVisible() and "`" in label.text()]
