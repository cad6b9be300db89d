"""Exports (CSV, workbook, formula neutralisation, no paths) and the aggregate of inspections."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from audit_support import verify_audit_chain
from merge_support import FULL_CASE, add_case, new_file, team_file
from openpyxl import load_workbook
from scoring_combine import combine_results

from hmip_desktop.exports.tables import export_tables, neutralise, write_csv, write_xlsx
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.aggregate import build_aggregate, case_inspection_ids, is_aggregate
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.scoring.by_inspection import scores_by_inspection
from hmip_desktop.scoring.load import score_file

DANGEROUS = ['=HYPERLINK("http://x","y")', "+44 1234", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_triggers_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Male", "a = b", "", 3, 0.5, None, "'=already"])
def test_other_cells_are_left_alone(value: str | int | float | None) -> None:
    assert neutralise(value) == value


@pytest.fixture
def master(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    team = tmp_path / "team"
    team.mkdir()
    with new_file(team, "ann.hmip", "Ann Smith", mini_instrument) as ann:
        add_case(ann, "KT-001", FULL_CASE, complete=True, notes={"p.plan": DANGEROUS[0], "r.rmp": "-3 points"})
        add_case(ann, "KT-002", {**FULL_CASE, "cd.gender": "female"}, complete=True)
        ann.set_illustration("KT-002", True, "=cmd|' /C calc'!A0")
    bob = team_file(
        team, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": None, "KT-003": {**FULL_CASE, "p.plan": "not-done"}}
    )
    with new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [team / "ann.hmip", bob])
    lead = InspectionFile.open(tmp_path / "lead.hmip")
    yield lead
    lead.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_export_has_labels_provenance_scores_and_no_formulas(master: InspectionFile, tmp_path: Path) -> None:
    out = tmp_path / "export"
    written = write_csv(export_tables(master), out)
    # KT-001 is double-marked (Ann and Bob), so the agreement tables come too (tests/test_agreement.py).
    assert [p.name for p in written] == [
        "cases.csv",
        "answers.csv",
        "scores.csv",
        "factors.csv",
        "agreement_overall.csv",
        "agreement_assessors.csv",
        "agreement_questions.csv",
        "agreement_pairs.csv",
        "questions.csv",
    ]

    cases = {row["case_ref"]: row for row in read_csv(out / "cases.csv")}
    assert cases["KT-002"]["cd.gender"] == "Female"  # labels, not codes
    assert cases["KT-003"]["p.plan"] == "Not done"
    assert cases["KT-002"]["illustration_text"] == "'=cmd|' /C calc'!A0"
    assert cases["KT-001"]["inspection"] == "KENT-2014"

    answers = {(r["case_ref"], r["question_id"]): r for r in read_csv(out / "answers.csv")}
    plan = answers[("KT-001", "p.plan")]
    assert plan["value"] == "sufficient" and plan["label"] == "Sufficient"
    assert plan["note"] == "'" + DANGEROUS[0]
    assert answers[("KT-001", "r.rmp")]["note"] == "'-3 points"
    assert plan["credited"].startswith("Ann Smith (ann.hmip rev ") and "Bob Jones (bob.hmip rev " in plan["credited"]

    result = score_file(master)
    scores = {(r["level"], r["key"]): r for r in read_csv(out / "scores.csv")}
    for key, outcome in result.outcomes.items():
        expected = "" if outcome.percent is None else str(outcome.percent)
        assert scores[("outcome", key)]["percent"] == expected
    assert scores[("question", "p.plan")]["applicable"] == str(result.questions["p.plan"].applicable)

    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        assert str(tmp_path) not in text and "/tmp" not in text  # file names only, never paths
        for row in csv.reader(text.splitlines()):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_workbook_holds_only_text_and_numbers(master: InspectionFile, tmp_path: Path) -> None:
    path = write_xlsx(export_tables(master), tmp_path / "export.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "cases",
        "answers",
        "scores",
        "factors",
        "agreement_overall",
        "agreement_assessors",
        "agreement_questions",
        "agreement_pairs",
        "questions",
    ]
    found_note = False
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value == "'" + DANGEROUS[0]:
                    found_note = True
    assert found_note
    header = [c.value for c in workbook["cases"][1]]
    row = {header[i]: c.value for i, c in enumerate(workbook["cases"][3])}
    assert (row["case_ref"], row["cd.gender"]) == ("KT-002", "Female")


def test_workbook_name_must_end_in_xlsx(master: InspectionFile, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"must end in \.xlsx"):
        write_xlsx(export_tables(master), tmp_path / "export.csv")


# -- aggregate ----------------------------------------------------------------------------------------


def inspection_lead(
    folder: Path, instrument: Instrument, inspection: str, cases: dict[str, dict[str, str] | None]
) -> Path:
    """A merged lead file of one inspection (one assessor's file merged)."""
    folder.mkdir()
    team = team_file(folder, "team.hmip", "Ann Smith", instrument, cases, inspection=inspection)
    with new_file(
        folder, "lead.hmip", f"Lead {inspection[:4].title()}", instrument, role="lead", inspection=inspection
    ) as lead:
        merge_files(lead, [team])
    return folder / "lead.hmip"


@pytest.fixture
def inspections(tmp_path: Path, mini_instrument: Instrument) -> list[Path]:
    kent = inspection_lead(
        tmp_path / "kent", mini_instrument, "KENT-2014", {"KT-001": None, "KT-002": {**FULL_CASE, "p.plan": "not-done"}}
    )
    # The same case reference in another inspection is another case.
    surrey = inspection_lead(
        tmp_path / "surrey",
        mini_instrument,
        "SURREY-2014",
        {"KT-001": {**FULL_CASE, "cd.gender": "female", "r.rmp": "yes"}},
    )
    return [kent, surrey]


def test_aggregate_keeps_each_case_in_its_inspection(inspections: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "national.hmip"
    summary = build_aggregate(out, inspections, aggregate_id="NATIONAL-2014")
    assert [m.inspection_id for m in summary.members] == ["KENT-2014", "SURREY-2014"]
    with InspectionFile.open(out, read_only=True) as aggregate:
        assert is_aggregate(aggregate) and aggregate.owner.role == "lead"
        refs = {c.case_ref: c.uuid for c in aggregate.list_cases()}
        assert set(refs) == {"KENT-2014/KT-001", "KENT-2014/KT-002", "SURREY-2014/KT-001"}
        inspection_of = case_inspection_ids(aggregate)
        assert inspection_of[refs["SURREY-2014/KT-001"]] == "SURREY-2014"
        assert verify_audit_chain(aggregate) is None

        separate = []
        for path in inspections:
            with InspectionFile.open(path, read_only=True) as lead:
                separate.append(score_file(lead, by=["cd.gender"]))
        per_inspection = scores_by_inspection(aggregate, by=["cd.gender"])
        assert list(per_inspection) == ["KENT-2014", "SURREY-2014"]
        assert [r.to_json() for r in per_inspection.values()] == [r.to_json() for r in separate]
        together = score_file(aggregate, by=["cd.gender"])
        combined = combine_results(aggregate.instrument, separate).to_json()
        # Intervals of criteria and outcomes need each case's answers: combining counts leaves them out.
        expected = together.to_json()
        for kind in ("criteria", "outcomes"):
            assert all(figure["interval"] is None for figure in combined[kind].values())
            for figure in expected[kind].values():
                figure["interval"] = None
        assert expected == combined
        assert together.cases_scored == 3

        tables = {t.name: t for t in export_tables(aggregate)}
        assert [row[0] for row in tables["scores_by_inspection"].rows] == ["KENT-2014", "SURREY-2014"]


def aggregate_content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """What an aggregate holds, without the times and ids of its own making."""
    with InspectionFile.open(path, read_only=True) as aggregate:
        conn = aggregate.conn
        return {
            "cases": conn.execute(
                "SELECT uuid, case_ref, status, illustration, illustration_text, inspection_id FROM cases ORDER BY uuid"
            ).fetchall(),
            "answers": conn.execute("SELECT * FROM answers ORDER BY case_uuid, question_id").fetchall(),
            "conflicts": conn.execute("SELECT case_ref, question_id, sides FROM conflicts ORDER BY id").fetchall(),
            "audit": conn.execute("SELECT action, case_ref, new_value, detail FROM audit ORDER BY seq").fetchall(),
            "imports": conn.execute(
                "SELECT file_name, sha256, cases_added, warning FROM imports ORDER BY id"
            ).fetchall(),
        }


def test_workers_aggregate_exactly_what_reading_here_does(
    inspections: list[Path], tmp_path: Path, mini_instrument: Instrument
) -> None:
    # A refusal before the first member (an assessor's file), members, a repeat and another refusal after.
    assessor_file = inspections[0].parent / "team.hmip"
    files = [assessor_file, *inspections, inspections[0], assessor_file]
    serial = build_aggregate(tmp_path / "serial.hmip", files, readers=0)
    pooled = build_aggregate(tmp_path / "pooled.hmip", files, readers=2)
    assert pooled.to_json() | {"file": ""} == serial.to_json() | {"file": ""}
    assert [name for name, _reason in serial.refused] == ["team.hmip", "lead.hmip", "team.hmip"]
    assert aggregate_content(tmp_path / "pooled.hmip") == aggregate_content(tmp_path / "serial.hmip")
    with InspectionFile.open(tmp_path / "pooled.hmip", read_only=True) as aggregate:
        assert verify_audit_chain(aggregate) is None


def test_aggregate_carries_open_conflicts(tmp_path: Path, mini_instrument: Instrument) -> None:
    folder = tmp_path / "kent"
    folder.mkdir()
    ann = team_file(folder, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None})
    bob = team_file(folder, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    with new_file(folder, "lead.hmip", "Lee Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [ann, bob])
    build_aggregate(tmp_path / "all.hmip", [folder / "lead.hmip"])
    with InspectionFile.open(tmp_path / "all.hmip", read_only=True) as aggregate:
        [conflict] = list_conflicts(aggregate)
        assert conflict.case_ref == "KENT-2014/KT-001"
        assert score_file(aggregate).cases_held_out == 1


def test_aggregate_refuses_what_does_not_belong(
    inspections: list[Path], tmp_path: Path, mini_instrument: Instrument
) -> None:
    assessor_file = inspections[0].parent / "team.hmip"
    summary = build_aggregate(tmp_path / "out.hmip", [*inspections, inspections[0], assessor_file])
    assert [name for name, _reason in summary.refused] == ["lead.hmip", "team.hmip"]
    reasons = [reason for _name, reason in summary.refused]
    assert "inspection KENT-2014, which lead.hmip already brought in" in reasons[0]
    assert "aggregate the leads' merged files" in reasons[1]
    with pytest.raises(UserError, match="already exists"):
        build_aggregate(tmp_path / "out.hmip", inspections)
    before = (tmp_path / "out.hmip").read_bytes()
    with pytest.raises(UserError, match="no inspection could be aggregated"):
        build_aggregate(tmp_path / "out.hmip", [assessor_file], overwrite=True)
    assert (tmp_path / "out.hmip").read_bytes() == before  # a failed rebuild leaves the old aggregate
    assert not list(tmp_path.glob("*.building*"))


def test_merge_into_an_aggregate_is_refused(inspections: list[Path], tmp_path: Path) -> None:
    build_aggregate(tmp_path / "all.hmip", inspections)
    with (
        InspectionFile.open(tmp_path / "all.hmip") as aggregate,
        pytest.raises(UserError, match="aggregate of inspections"),
    ):
        merge_files(aggregate, [inspections[0].parent / "team.hmip"])
