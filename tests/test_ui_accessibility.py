"""Screen readers: every control that takes the focus has a name, on the case form and on the
lead's tabs; a question row says its question, answer and whether it applies, and says so again
(with an event) when that changes; messages about keys that did nothing are announced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lead_support import lead_of, merge_team
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent, QAccessibleInterface
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT, add_case, click_option, form_of, literal_ampersands, markdown_marks, row

from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT

#: Views whose items are reached through the view itself (rows, cells), not walked one by one.
ITEM_VIEWS = {QAccessible.Role.Table, QAccessible.Role.Tree, QAccessible.Role.List}


def unnamed_focusable(root: QWidget) -> list[str]:
    """Every visible control under `root` that can take the focus but has no name a screen reader
    could say (empty, or only a symbol such as "◀" or "?")."""
    found: list[str] = []

    def walk(interface: QAccessibleInterface, path: str) -> None:
        state = interface.state()
        name = interface.text(QAccessible.Text.Name)
        if state.focusable and not state.invisible and not re.search(r"\w", name):
            widget = interface.object()
            label = f"{type(widget).__name__}#{widget.objectName()}" if widget is not None else "?"
            found.append(f"{path} ({interface.role().name}) {label} name={name!r}")
        if interface.role() in ITEM_VIEWS:
            return
        for index in range(interface.childCount()):
            child = interface.child(index)
            if child is not None:
                walk(child, f"{path}/{child.role().name}")

    interface = QAccessible.queryAccessibleInterface(root)
    assert interface is not None
    walk(interface, type(root).__name__)
    return found


def every_tab(qtbot: QtBot, tabs: QTabWidget) -> Iterator[str]:
    """Show each page of a tab widget in turn."""
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda index=index: tabs.widget(index).isVisible())
        yield tabs.tabText(index)


def inner_tabs(qtbot: QtBot, page: QWidget) -> Iterator[str]:
    """Each page of each tab widget shown inside `page` (the dashboard's tables, the findings' editors)."""
    for tabs in page.findChildren(QTabWidget):
        if tabs.isVisible():
            yield from every_tab(qtbot, tabs)
    if isinstance(page, QTabWidget):
        yield from every_tab(qtbot, page)


@pytest.fixture
def announcements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the app announces to screen readers: (kind, text or widget name)."""
    heard: list[tuple[str, str]] = []
    original = QAccessible.updateAccessibility

    def listen(event: QAccessibleEvent) -> None:
        if isinstance(event, QAccessibleAnnouncementEvent):
            heard.append(("announce", event.message()))
        original(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(listen))
    return heard


# -- the assessor's side ---------------------------------------------------------------------------


def test_every_focusable_control_of_the_case_list_and_form_is_named(qtbot: QtBot, opened: MainWindow) -> None:
    assert opened.workspace is not None
    assert unnamed_focusable(opened) == [] and literal_ampersands(opened) == []  # the empty case list
    add_case(opened, "KT-0001")
    opened.show_inapplicable_action.trigger()  # greyed rows too
    form = form_of(opened)
    for section in form.section_pages:
        form._show_page(section)
        assert unnamed_focusable(opened) == [], section
    opened.workspace.show_case_list()
    assert unnamed_focusable(opened) == []
    names = {
        QAccessible.queryAccessibleInterface(w).text(QAccessible.Text.Name)
        for w in (opened.workspace.cases.table, opened.workspace.cases.search, form.navigator)
    }
    assert names == {"Cases", "Find a case by reference", "Form parts"}


def test_the_failed_check_banner_shows_no_markup_as_typed(qtbot: QtBot, opened: MainWindow) -> None:
    """It named the command to run in Markdown's backticks, shown as typed."""
    assert opened.session is not None
    path = opened.session.path
    opened._verifying = path
    opened._verified((path, f"{path.name} failed verification: the audit log's chain is broken at entry 3"))
    assert opened.verification_banner.isVisible()
    assert "hmip verify" in opened.verification_banner.text()
    assert markdown_marks(opened) == [] and literal_ampersands(opened) == []


def test_the_dialogs_name_their_fields(qtbot: QtBot, opened: MainWindow) -> None:
    assert opened.workspace is not None
    add_dialog = opened.workspace.cases.ask_new_case()
    qtbot.waitExposed(add_dialog)
    assert unnamed_focusable(add_dialog) == [] and literal_ampersands(add_dialog) == []
    ref = QAccessible.queryAccessibleInterface(add_dialog.ref)
    assert ref.text(QAccessible.Text.Name).startswith("Case reference")
    qtbot.keyClicks(add_dialog.ref, "KT 01")
    assert ref.text(QAccessible.Text.Description).startswith("“KT 01” has a space.")  # the rule, said
    add_dialog.reject()
    new_file = opened.ask_new_file()
    qtbot.waitExposed(new_file)
    assert unnamed_focusable(new_file) == [] and literal_ampersands(new_file) == []
    new_file.reject()


def test_a_question_row_says_question_answer_and_applicability_and_announces_changes(
    qtbot: QtBot, opened: MainWindow, announcements: list[tuple[str, str]]
) -> None:
    add_case(opened, "KT-0001")
    gender = row(opened, "cd.gender")
    interface = QAccessible.queryAccessibleInterface(gender)
    assert interface.text(QAccessible.Text.Name) == gender.question.text
    assert interface.text(QAccessible.Text.Description).startswith("No answer yet. Options 1 Male, 2 Female.")
    # The option buttons are in the tree, named by their labels (the row is their one focus stop).
    options = [QAccessible.queryAccessibleInterface(gender.group.button(i)) for i in range(2)]
    assert [o.text(QAccessible.Text.Name) for o in options] == ["Male", "Female"]
    assert gender.hasFocus()
    qtbot.keyClick(gender, Qt.Key.Key_2)
    assert interface.text(QAccessible.Text.Description).startswith("Answer: Female.")
    assert ("announce", "Female chosen") in announcements
    assert options[1].state().checked
    # A gate opens a question: its row now says it applies; the one it closes says why not.
    opened.show_inapplicable_action.trigger()
    quality = row(opened, "s.quality")
    quality_interface = QAccessible.queryAccessibleInterface(quality)
    assert quality_interface.text(QAccessible.Text.Description).startswith(
        "Does not apply to this case: it applies when"
    )
    click_option(qtbot, opened, "cd.report", 1)
    assert row(opened, "s.quality") is quality  # (its page shown again, as the user would)
    assert quality_interface.text(QAccessible.Text.Description).startswith("No answer yet.")
    click_option(qtbot, opened, "s.quality", 0)
    click_option(qtbot, opened, "cd.report", 0)
    assert row(opened, "s.quality") is quality
    assert quality_interface.text(QAccessible.Text.Description).startswith("Answer kept but not counted: Yes.")


def test_messages_about_keys_that_did_nothing_are_announced(
    qtbot: QtBot, opened: MainWindow, announcements: list[tuple[str, str]]
) -> None:
    add_case(opened, "KT-0001")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_7)
    assert ("announce", "“Gender” has 2 options: press 1 to 2") in announcements


# -- the lead's tabs ---------------------------------------------------------------------------


def test_every_focusable_control_of_the_lead_tabs_is_named(
    qtbot: QtBot, lead_window: MainWindow, double_marked: dict[str, Path]
) -> None:
    lead = lead_of(lead_window)
    workspace = lead_window.workspace
    assert workspace is not None
    workspace.setCurrentWidget(lead.import_tab)
    merge_team(qtbot, lead, double_marked)
    problems: dict[str, list[str]] = {}
    visited: list[str] = []
    for title in every_tab(qtbot, workspace):
        if workspace.currentWidget() is lead.conflicts_tab:
            assert lead.conflicts.open_view.model().rowCount() > 0
            lead.conflicts.open_view.selectRow(0)  # a conflict's two sides and their buttons
        visited.append(title)
        problems[title] = unnamed_focusable(lead_window) + literal_ampersands(lead_window) + markdown_marks(lead_window)
        for inner in inner_tabs(qtbot, workspace.currentWidget()):  # walked while each is shown
            visited.append(f"{title} / {inner}")
            problems[f"{title} / {inner}"] = (
                unnamed_focusable(lead_window) + literal_ampersands(lead_window) + markdown_marks(lead_window)
            )
    problems = {where: found for where, found in problems.items() if found}
    assert {v.split(" / ")[0] for v in visited} >= {"Cases", "Case form", "Team files", "Scores", "Findings", "Report"}
    assert len(visited) > 12  # the dashboard's and the findings' own tabs were walked too
    assert problems == {}
