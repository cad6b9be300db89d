"""The lead workspace's models, without widgets: qtmodeltester on each, and what they show."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.team import team_status
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import ConflictSide, list_conflicts, raise_conflict, resolve_conflict
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.merge.summary import FileResult, MergeSummary
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.ui.lead.bars import FIGURE_ROLE
from hmip_desktop.ui.lead.cases_behind import ABOVE, BELOW, CasesBehindModel, rows_behind
from hmip_desktop.ui.lead.conflicts_model import ConflictsModel, format_when
from hmip_desktop.ui.lead.dashboard_models import (
    BreakdownModel,
    CriteriaModel,
    FactorsModel,
    Figure,
    OutcomesModel,
    QuestionScopeProxy,
    QuestionsModel,
)
from hmip_desktop.ui.lead.findings_models import (
    FindingsFieldsModel,
    IllustrationsModel,
    editor_fields,
    illustration_rows,
    illustrations_json,
)
from hmip_desktop.ui.lead.import_model import ImportSummaryModel, summary_sentence
from hmip_desktop.ui.lead.team_model import TeamModel


def case(ref: str, values: dict[str, str], *, complete: bool = True) -> CaseInput:
    return CaseInput(uuid=f"u-{ref}", case_ref=ref, complete=complete, values=values)


@pytest.fixture
def cases() -> list[CaseInput]:
    return [
        case("A", {"cd.gender": "female", "cd.report": "written", "s.quality": "yes", "p.plan": "sufficient"}),
        case("B", {"cd.gender": "male", "cd.report": "oral", "s.quality": "no", "p.plan": "not-done"}),
        case("C", {"cd.gender": "male", "f.acc.identified": "yes", "f.acc.progress": "good"}),
        case("D", {"cd.gender": "male", "p.plan": "insufficient"}, complete=False),
    ]


def test_dashboard_models_pass_the_model_tester(
    qtmodeltester: ModelTester, mini_instrument: Instrument, cases: list[CaseInput]
) -> None:
    result = score_cases(mini_instrument, cases, by=("cd.gender",))
    outcomes, criteria = OutcomesModel(mini_instrument), CriteriaModel(mini_instrument)
    questions, factors = QuestionsModel(mini_instrument), FactorsModel(mini_instrument)
    breakdown = BreakdownModel(mini_instrument)
    scope = QuestionScopeProxy()
    scope.setSourceModel(questions)
    for model in (outcomes, criteria, questions, factors):
        qtmodeltester.check(model)
        model.set_result(result)
        qtmodeltester.check(model)
    breakdown.set_result(result, "cd.gender")
    qtmodeltester.check(breakdown)
    scope.set_scope(frozenset({"s.quality", "p.plan"}))
    qtmodeltester.check(scope)
    assert scope.rowCount() == 2

    assert outcomes.index(0, 1).data() == "50%"  # s.quality 1 of 2 is the only sentencing figure
    row = questions.row_of["s.quality"]
    assert questions.index(row, 2).data() == "1 of 2"
    label = mini_instrument.question("s.quality").chart_label
    assert questions.index(row, 0).data(FIGURE_ROLE) == Figure("question", "s.quality", label)
    assert [breakdown.index(r, 0).data() for r in range(breakdown.rowCount())] == ["Male", "Female"]
    assert breakdown.index(1, 1).data() == 1  # one woman among the complete cases
    assert breakdown.index(1, 1).data(Qt.ItemDataRole.ToolTipRole).startswith("Fewer than")
    assert factors.index(0, 1).data() == "1 of 1"


def test_new_results_change_values_not_rows(mini_instrument: Instrument, cases: list[CaseInput]) -> None:
    questions = QuestionsModel(mini_instrument)
    resets: list[bool] = []
    changes: list[bool] = []
    questions.modelReset.connect(lambda: resets.append(True))
    questions.dataChanged.connect(lambda *_: changes.append(True))
    questions.set_result(score_cases(mini_instrument, cases))
    questions.set_result(score_cases(mini_instrument, cases[:1]))
    assert not resets and len(changes) == 2


def test_cases_behind_rows_and_model(
    qtmodeltester: ModelTester, mini_instrument: Instrument, cases: list[CaseInput]
) -> None:
    rows = rows_behind(mini_instrument, cases, Figure("question", "p.plan", "Plan"), include_incomplete=False)
    plan = mini_instrument.question("p.plan")
    assert [(r.case_ref, r.answer, r.counted_as) for r in rows] == [
        ("B", plan.label_for("not-done"), BELOW),
        ("A", plan.label_for("sufficient"), ABOVE),
    ]
    with_drafts = rows_behind(mini_instrument, cases, Figure("question", "p.plan", "Plan"), include_incomplete=True)
    assert {r.case_ref for r in with_drafts} == {"A", "B", "D"}
    group = rows_behind(
        mini_instrument,
        cases,
        Figure("group", "cd.gender", "Male", within=("cd.gender", "male")),
        include_incomplete=False,
    )
    assert [r.case_ref for r in group] == ["B", "C"]
    model = CasesBehindModel()
    qtmodeltester.check(model)
    model.set_rows(rows)
    qtmodeltester.check(model)


def test_conflict_models(qtmodeltester: ModelTester, mini_file: InspectionFile) -> None:
    mini_file.set_answer("K1", "p.plan", "sufficient", create_case=True)
    case = mini_file.get_case("K1")
    sides = [
        ConflictSide("sufficient", "seen in the plan", "Ann Smith", "ann.hmip", 1, "2014-01-14T10:00:00+00:00", "f1"),
        ConflictSide("insufficient", "", "Bob Jones", "bob.hmip", 2, "2014-01-15T11:30:00+00:00", "f2"),
    ]
    with mini_file.transaction():
        raise_conflict(mini_file, case.uuid, "K1", "p.plan", sides)
    mini_file.set_answer("K2", "r.rmp", "yes", create_case=True)
    rmp_sides = [replace(sides[0], value="yes"), replace(sides[1], value="no")]
    with mini_file.transaction():
        raise_conflict(mini_file, mini_file.get_case("K2").uuid, "K2", "r.rmp", rmp_sides)
    resolve_conflict(mini_file, "K2", "r.rmp", take="Bob Jones", note="agreed")

    everything = list_conflicts(mini_file, include_resolved=True)
    open_model = ConflictsModel(mini_file.instrument, resolved=False)
    history = ConflictsModel(mini_file.instrument, resolved=True)
    qtmodeltester.check(open_model)
    open_model.set_conflicts(everything)
    history.set_conflicts(everything)
    qtmodeltester.check(open_model)
    qtmodeltester.check(history)
    assert open_model.rowCount() == 1 and history.rowCount() == 1
    plan = mini_file.instrument.question("p.plan")
    assert open_model.index(0, 2).data() == (
        f"{plan.label_for('sufficient')} (Ann Smith) / {plan.label_for('insufficient')} (Bob Jones)"
    )
    assert history.index(0, 3).data() == "Ann Smith"  # the lead's file's owner resolved it
    assert history.index(0, 5).data() == "agreed"
    assert format_when("not a time") == "not a time" and format_when(None) == ""


def test_import_summary_model_and_sentence(qtmodeltester: ModelTester) -> None:
    summary = MergeSummary(
        files=[
            FileResult("ann.hmip", "merged", assessor="Ann", cases_added=10, cases_updated=2, conflicts_raised=1),
            FileResult(
                "ann-again.hmip",
                "unchanged",
                reason="already merged (identical to import #1); nothing to do",
                assessor="Ann",
                cases_unchanged=12,
            ),
            FileResult("junk.hmip", "refused", reason="junk.hmip is not an HMIP inspection file"),
            FileResult("kent.hmip", "refused", reason="kent.hmip is a lead's merged file; use `hmip aggregate`"),
        ]
    )
    model = ImportSummaryModel()
    qtmodeltester.check(model)
    model.set_summary(summary)
    qtmodeltester.check(model)
    assert [model.index(r, 2).data() for r in range(4)] == ["Merged", "Already imported", "Refused", "Refused"]
    # A command the core names in backticks (Markdown, for the command line) is quoted, not shown with them.
    assert model.index(3, 8).data() == "kent.hmip is a lead's merged file; use “hmip aggregate”"
    assert model.index(2, 3).data() == ""  # no counts for a refused file
    assert model.index(1, 8).data() == "Nothing changed: already merged (identical to import #1)"
    assert summary_sentence(summary) == (
        "1 file merged: 10 cases added, 2 updated, 0 unchanged; 1 conflict raised. "
        "1 file was already imported: importing again is harmless, nothing changed. "
        "2 files were refused (see the reason)."
    )
    assert summary_sentence(MergeSummary(files=[])) == "No files were imported."


def test_team_status_and_model(qtmodeltester: ModelTester, tmp_path: Path, mini_instrument: Instrument) -> None:
    ann = InspectionFile.create(
        tmp_path / "ann.hmip", inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    )
    ann.set_answer("K1", "cd.gender", "male", create_case=True)
    ann.set_answer("K2", "cd.gender", "female", create_case=True)
    ann.close()
    lead = InspectionFile.create(
        tmp_path / "lead.hmip",
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Lee Lead",
        role="lead",
        instrument=mini_instrument,
    )
    merge_files(lead, [tmp_path / "ann.hmip"])
    status = {member.name: member for member in team_status(lead)}
    assert status["Ann Smith"].cases == 2 and status["Ann Smith"].complete == 0
    assert status["Ann Smith"].imports == 1 and status["Ann Smith"].last_import
    assert status["Lee Lead"].is_owner and status["Lee Lead"].last_import is None
    model = TeamModel()
    qtmodeltester.check(model)
    model.reload(lead)
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Lee Lead (you)", "Ann Smith"]
    assert model.index(1, 3).data() == "0 of 2"
    lead.close()


def test_findings_models(qtmodeltester: ModelTester, mini_file: InspectionFile) -> None:
    instrument = mini_file.instrument
    names = [f.name for f in editor_fields(instrument)]
    report_fields = {f.name for f in ff.findings_fields(instrument)}
    assert set(names) == report_fields - {ff.ILLUSTRATIONS} and len(names) == len(set(names))
    assert names[:2] == [ff.FOREWORD, ff.FOREWORD_SIGNATORY]
    model = FindingsFieldsModel(instrument, {ff.FOREWORD: "Two words"})
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == 2
    assert model.index(model.row_of(ff.RECOMMENDATIONS), 1).data() == "needed"
    model.set_text(ff.RECOMMENDATIONS, "1. One thing")
    assert model.index(model.row_of(ff.RECOMMENDATIONS), 1).data() == 3

    mini_file.set_answer("K1", "cd.gender", "male", create_case=True)
    mini_file.set_answer("K2", "cd.gender", "male", create_case=True)
    mini_file.set_illustration("K1", True, "Good joint work with the police.")
    mini_file.set_illustration("K2", True, "A thorough plan.")
    chosen = json.dumps({"K2": {"chapter": "public", "title": "Plans", "text": ""}})
    rows = illustration_rows(instrument, mini_file.list_cases(), chosen)
    assert [(r.case_ref, r.included, r.chapter) for r in rows] == [("K2", True, "public"), ("K1", False, "sentencing")]
    illustrations = IllustrationsModel(instrument)
    qtmodeltester.check(illustrations)
    illustrations.set_rows(rows)
    qtmodeltester.check(illustrations)
    assert illustrations.setData(illustrations.index(1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    text = illustrations_json(illustrations.rows)
    ff.check_text(instrument, ff.ILLUSTRATIONS, text)
    assert [c.case_ref for c in ff.parse_illustrations(instrument, text)] == ["K2", "K1"]
    assert illustrations_json([]) == ""


def test_the_drop_target_takes_the_files_the_merge_takes() -> None:
    """The suffixes are written out in ui.lead.drops so the cipher loads only for an import."""
    from hmip_desktop.model.file.package import PACKAGE_SUFFIX
    from hmip_desktop.model.file.store import FILE_SUFFIX
    from hmip_desktop.ui.lead.drops import TEAM_FILE_SUFFIXES, is_team_file

    assert TEAM_FILE_SUFFIXES == (FILE_SUFFIX, PACKAGE_SUFFIX)
    assert is_team_file(Path("ann.HMIPX")) and not is_team_file(Path("ann.csv"))
