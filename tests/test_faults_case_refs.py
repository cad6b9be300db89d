"""Case references from every way in except the merge: one rule (`check_case_ref`), and references that
differ only in letter case are one case (`case_ref_key`), never two."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.errors import CaseError, ImportRejected
from hmip_desktop.model.file.rules import CASE_REF_PATTERN, case_ref_key, check_case_ref
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.file.verify import verify_file
from hmip_desktop.model.imports.csv_import import import_answers, import_cases

REF_CHARS = st.sampled_from("AaBbKkTtZz0189-_./")


@given(st.text(REF_CHARS, min_size=1, max_size=12), st.text(REF_CHARS, min_size=1, max_size=12))
def test_the_key_is_sqlite_s_nocase(a: str, b: str) -> None:
    conn = sqlite3.connect(":memory:")
    same_in_sqlite = conn.execute("SELECT ? = ? COLLATE NOCASE", (a, b)).fetchone()[0] == 1
    conn.close()
    assert (case_ref_key(a) == case_ref_key(b)) == same_in_sqlite == (a.lower() == b.lower())


@pytest.mark.parametrize(
    "ref", ["KT-0001\nJohn Smith 01/02/1980", "John Smith", "=HYPERLINK(1)", "KT\t0001", "", "-KT", "K" * 41]
)
def test_refs_that_are_not_references_are_refused(ref: str) -> None:
    with pytest.raises(CaseError, match="is not a valid case reference"):
        check_case_ref(ref)


def test_a_trailing_line_break_no_longer_matches_the_pattern() -> None:
    # `$` matched before a final "\n": any caller matching without stripping let a line break through.
    assert CASE_REF_PATTERN.match("KT-0001\n") is None
    assert CASE_REF_PATTERN.match("KT-0001") is not None


def test_the_same_reference_in_another_letter_case_is_the_same_case(mini_file: InspectionFile) -> None:
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    mini_file.set_answer("kt-001", "cd.rosh", "high", create_case=True)
    mini_file.set_answer(" Kt-001 ", "cd.report", "none", create_case=True)
    [case] = mini_file.list_cases()
    assert case.case_ref == "KT-001"  # the first spelling is kept
    assert mini_file.values_for(case.uuid) == {"cd.gender": "female", "cd.rosh": "high", "cd.report": "none"}
    with pytest.raises(
        CaseError, match=r"case kt-001 already exists as KT-001 \(references differ only in letter case\)"
    ):
        mini_file.add_case("kt-001")
    assert mini_file.get_case("kT-001").uuid == case.uuid


def test_the_cli_answers_into_the_existing_case(mini_file: InspectionFile, capsys: pytest.CaptureFixture[str]) -> None:
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    path = mini_file.path
    mini_file.close()
    assert main(["answer", str(path), "kt-001", "cd.rosh", "high"]) == 0
    assert main(["cases", "list", str(path)]) == 0
    listing = capsys.readouterr().out
    assert "KT-001" in listing and "kt-001" not in listing.split("saved", 1)[-1].split("\n", 1)[-1]
    before = path.read_bytes()
    for bad in ("KT-001\nJohn Smith", "John Smith", "=cmd|' /C calc'!A0"):
        assert main(["answer", str(path), bad, "cd.rosh", "high"]) == EXIT_BAD_INPUT
        assert "is not a valid case reference" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_csv_rows_in_either_letter_case_are_one_case(mini_file: InspectionFile, tmp_path: Path) -> None:
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    answers = tmp_path / "a.csv"
    answers.write_text("case_ref,question_id,value\nkt-001,cd.rosh,high\nKT-002,cd.rosh,low\nkt-002,cd.gender,male\n")
    plan, _changed = import_answers(mini_file, answers)
    assert plan.new_cases == ["KT-002"]
    assert [c.case_ref for c in mini_file.list_cases()] == ["KT-001", "KT-002"]
    assert mini_file.values_for(mini_file.get_case("KT-002").uuid) == {"cd.rosh": "low", "cd.gender": "male"}


def test_a_sample_listing_a_case_twice_in_two_letter_cases_is_refused(
    mini_file: InspectionFile, tmp_path: Path
) -> None:
    sample = tmp_path / "s.csv"
    sample.write_text("case_ref,cd.gender\nKT-010,male\nkt-010,male\n")
    before = mini_file.path.read_bytes()
    with pytest.raises(ImportRejected) as refused:
        import_cases(mini_file, sample)
    assert refused.value.details == ["line 3: case KT-010 appears again (first on line 2)"]
    assert mini_file.path.read_bytes() == before


def test_a_file_made_before_the_rule_holding_both_spellings(mini_file: InspectionFile) -> None:
    """Both cases stay readable by their exact reference; `verify` names them; no third spelling is added."""
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    path = mini_file.path
    mini_file.close()
    conn = sqlite3.connect(path)  # as an older HMIP Desktop could have written it
    conn.execute(
        "INSERT INTO cases (uuid, case_ref, status, created_by, created_at, updated_at) "
        "SELECT 'second', 'kt-001', 'draft', created_by, created_at, updated_at FROM cases"
    )
    conn.commit()
    conn.close()
    with InspectionFile.open(path) as inspection:
        assert inspection.get_case("kt-001").uuid == "second"
        assert inspection.get_case("KT-001").uuid != "second"
        with pytest.raises(CaseError, match="differ only in letter case, so 'Kt-001' is ambiguous"):
            inspection.get_case("Kt-001")
        with pytest.raises(CaseError, match="differ only in letter case"):
            inspection.add_case("kT-001")  # a third spelling is refused, not added
    problems = next(c for c in verify_file(path).checks if c.name == "case references").problems
    assert problems == ("KT-001 and kt-001 differ only in letter case: they are the same case twice",)


def test_demo_refs_pass_the_rule(tmp_path: Path) -> None:
    from hmip_desktop.model.demo import generate_demo

    paths = generate_demo(tmp_path / "demo", cases=12, assessors=2, seed=5)
    for path in paths:
        result = verify_file(path)
        assert result.ok, result.problems
