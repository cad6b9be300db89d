"""The app's item models, tested without views, and the form layout they show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.model.file.records import ROLES
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument, default_instrument
from hmip_desktop.ui.case_list_model import (
    CASE,
    COLUMNS,
    PROGRESS,
    ROSH,
    STATUS,
    CaseFilterModel,
    CaseListModel,
)
from hmip_desktop.ui.form.layout import ILLUSTRATION_KEY, form_layout, group_counts
from hmip_desktop.ui.form.navigator_model import COUNT, KEY_ROLE, TITLE, NavigatorModel
from hmip_desktop.ui.recent_files import MAX_RECENT, RecentFiles, RecentFilesModel
from hmip_desktop.ui.roles import ROLE_LABELS
from hmip_desktop.ui.session import InspectionSession

pytestmark = QT_STRICT


@pytest.fixture
def session(mini_file: InspectionFile) -> InspectionSession:
    opened = InspectionSession.open(mini_file.path)
    yield opened
    opened.close()


def test_case_list_model_passes_the_model_tester(qtmodeltester: ModelTester, session: InspectionSession) -> None:
    for ref in ("KT-0003", "KT-0001", "KT-0002"):
        session.add_case(ref)
    model = CaseListModel(session)
    qtmodeltester.check(model)
    proxy = CaseFilterModel(model)
    proxy.sort(PROGRESS, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_case_rows_show_status_progress_and_case_details(session: InspectionSession) -> None:
    case = session.add_case("KT-0001")
    session.set_answer(case.uuid, "cd.rosh", "high")
    session.set_answer(case.uuid, "cd.report", "written")
    model = CaseListModel(session)
    shown = [model.index(0, column).data() for column in range(len(COLUMNS))]
    assert shown[CASE] == "KT-0001"
    assert shown[STATUS] == "In progress"
    # Progress counts finished parts of the form (case details still lacks cd.gender).
    assert shown[PROGRESS] == "0 of 9 parts"
    assert "2 answers" in model.index(0, PROGRESS).data(Qt.ItemDataRole.ToolTipRole)
    session.set_answer(case.uuid, "cd.gender", "male")
    session.set_answer(case.uuid, "p.plan", "sufficient")
    model.refresh_case(case.uuid)
    # Case details and 2.1 are finished; 1.1 is not (its two questions are open now).
    assert model.index(0, PROGRESS).data() == "2 of 9 parts"
    assert shown[ROSH] == "High"
    assert shown[3] == ""  # the mini instrument has no principal offence question


def test_an_answer_changes_only_its_own_row(qtbot: QtBot, session: InspectionSession) -> None:
    first = session.add_case("KT-0001")
    session.add_case("KT-0002")
    model = CaseListModel(session)
    with qtbot.waitSignal(model.dataChanged) as changed:
        session.set_answer(first.uuid, "cd.rosh", "low")
    top_left, bottom_right, roles = changed.args
    assert top_left.row() == bottom_right.row() == model.row_of(first.uuid)
    assert top_left.column() >= STATUS and bottom_right.column() <= len(COLUMNS) - 1
    assert Qt.ItemDataRole.DisplayRole in roles
    assert model.index(model.row_of(first.uuid), ROSH).data() == "Low"


def test_a_new_case_is_inserted_not_reset(qtbot: QtBot, session: InspectionSession) -> None:
    session.add_case("KT-0001")
    model = CaseListModel(session)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        session.add_case("KT-0002")
    assert inserted.args[1:] == [1, 1]
    assert resets == []
    assert model.rowCount() == 2


def test_search_by_reference_and_sort_by_progress(session: InspectionSession) -> None:
    done = session.add_case("KT-0010")
    session.add_case("KT-0002")
    session.add_case("LN-0005")
    for question_id, value in (("cd.gender", "male"), ("cd.rosh", "low"), ("cd.report", "none")):
        session.set_answer(done.uuid, question_id, value)
    proxy = CaseFilterModel(CaseListModel(session))
    proxy.sort(PROGRESS, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, CASE).data() == "KT-0010"
    proxy.sort(CASE, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, CASE).data() for r in range(proxy.rowCount())] == ["KT-0002", "KT-0010", "LN-0005"]
    proxy.setFilterFixedString("kt-00")
    assert [proxy.index(r, CASE).data() for r in range(proxy.rowCount())] == ["KT-0002", "KT-0010"]
    assert proxy.proxy_row_of(done.uuid) == 1


def test_navigator_model_passes_the_model_tester(qtmodeltester: ModelTester, mini_instrument: Instrument) -> None:
    layout = form_layout(mini_instrument)
    model = NavigatorModel(layout)
    model.set_counts(group_counts(layout, {"cd.gender", "cd.rosh", "cd.report", "p.plan"}, {"cd.gender": "male"}))
    qtmodeltester.check(model)


def test_navigator_shows_answered_of_relevant_per_criterion(qtbot: QtBot, mini_instrument: Instrument) -> None:
    layout = form_layout(mini_instrument)
    model = NavigatorModel(layout)
    relevant = {"cd.gender", "cd.rosh", "cd.report", "s.quality", "p.plan"}
    model.set_counts(group_counts(layout, relevant, {"cd.gender": "male", "s.quality": "yes"}))
    section = model.index_of("assessment-planning")
    report_group = model.index_of("assessment-planning/0")
    assert report_group.parent() == section
    assert model.index(report_group.row(), COUNT, section).data() == "1/1"
    assert model.index(section.row(), COUNT).data() == "1/2"
    assert model.index(model.index_of("outcomes/0").row(), COUNT, model.index_of("outcomes")).data() == "–"
    # Only the rows whose counts change are signalled.
    touched: list[str] = []
    model.dataChanged.connect(lambda top_left, _bottom_right, _roles: touched.append(top_left.data(KEY_ROLE)))
    model.set_counts(group_counts(layout, relevant, {"cd.gender": "male", "s.quality": "yes", "cd.rosh": "low"}))
    assert touched == ["case-details"]
    # Case details is one group of the same name: no child row, the group maps to the section.
    assert model.rowCount(model.index_of("case-details")) == 0
    assert model.index_of("case-details/0") == model.index_of("case-details")
    assert model.count("case-details/0") == (2, 3)
    assert model.index_of(ILLUSTRATION_KEY).data() == "Practice illustration"
    assert model.index_of(ILLUSTRATION_KEY).siblingAtColumn(COUNT).data() == ""
    assert model.index(0, TITLE).data() == "Case Details"


def test_recent_files_model_passes_the_model_tester(qtmodeltester: ModelTester, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    recent = RecentFiles(settings)
    (tmp_path / "a.hmip").write_bytes(b"")
    recent.remember(tmp_path / "gone.hmip")
    recent.remember(tmp_path / "a.hmip")
    model = RecentFilesModel(recent)
    qtmodeltester.check(model)
    assert model.index(0).data().startswith("a.hmip")
    assert model.index(1).data().endswith("(not found)")


def test_recent_files_are_paths_only_most_recent_first_and_capped(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    recent = RecentFiles(settings)
    for n in range(MAX_RECENT + 3):
        recent.remember(tmp_path / f"f{n}.hmip")
    recent.remember(tmp_path / "f5.hmip")
    again = RecentFiles(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)).paths()
    assert len(again) == MAX_RECENT
    assert again[0].name == "f5.hmip" and again[1].name == f"f{MAX_RECENT + 2}.hmip"
    assert len({p.name for p in again}) == MAX_RECENT


def test_form_layout_keeps_the_tool_order_and_every_question_once() -> None:
    instrument = default_instrument()
    layout = form_layout(instrument)
    assert [s.key for s in layout.sections] == [s.key for s in instrument.sections]
    assert sorted(layout.order) == sorted(q.id for q in instrument.questions)
    for section in layout.sections:
        assert list(section.question_ids) == [q.id for q in instrument.questions_in_section(section.key)]
    # A gate inside a criterion stays in that criterion's group.
    codes = [g.code for g in layout.section("assessment-planning").groups]
    assert len(codes) == len(set(codes)) and None not in codes
    assert layout.group_of["rmp.required"].code == "4.1"
    assert layout.section("case-details").groups[0].title == "Case details"


def test_role_labels_cover_the_store_roles() -> None:
    assert tuple(ROLE_LABELS) == ROLES
