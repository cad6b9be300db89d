"""Agreement between assessors: the formulas against references, the tables, the file and the command."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, new_file, team_file

from hmip_desktop.cli.main import main
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.moderation import MarkedCase
from hmip_desktop.scoring.agreement import (
    agreement_of_file,
    agreement_result,
    cohens_kappa,
    gwet_ac1,
    observed_agreement,
)

CATEGORIES = ("a", "b", "c", "d")
pairs_strategy = st.lists(st.tuples(st.sampled_from(CATEGORIES), st.sampled_from(CATEGORIES)), max_size=60)


def table_pairs(rows: list[list[int]], labels: list[str]) -> list[tuple[str, str]]:
    """Rating pairs from a contingency table (rows: rater 1, columns: rater 2)."""
    return [(labels[i], labels[j]) for i, row in enumerate(rows) for j, count in enumerate(row) for _ in range(count)]


# -- the formulas ----------------------------------------------------------------------------


def test_gwet_ac1_matches_gwets_published_worked_example() -> None:
    """Gwet, K. L. (2014), Handbook of Inter-Rater Reliability, 4th ed., Advanced Analytics: the
    `cont3x3abstractors` table (100 pregnancies classified by two abstractors as ectopic, abnormal
    intrauterine or normal intrauterine), as printed with the author's R package irrCAC
    (README, `gwet.ac1.table`, `kappa2.table`, `pa2.table`): AC1 0.8493305, kappa 0.7964094, 0.89 agreement."""
    pairs = table_pairs([[13, 0, 0], [0, 20, 7], [0, 4, 56]], ["ectopic", "aiu", "niu"])
    assert observed_agreement(pairs) == Fraction(89, 100)
    assert float(gwet_ac1(pairs, 3)) == pytest.approx(0.8493305, abs=5e-8)
    assert float(cohens_kappa(pairs)) == pytest.approx(0.7964094, abs=5e-8)


@settings(max_examples=300, deadline=None)
@given(pairs_strategy)
def test_cohens_kappa_equals_statsmodels(pairs: list[tuple[str, str]]) -> None:
    from statsmodels.stats.inter_rater import cohens_kappa as reference

    kappa = cohens_kappa(pairs)
    first = {a for a, _b in pairs}
    second = {b for _a, b in pairs}
    if not pairs or (len(first) == 1 and first == second):
        assert kappa is None  # no pairs, or both raters always used one and the same category
        return
    index = {label: n for n, label in enumerate(CATEGORIES)}
    table = [[0] * len(CATEGORIES) for _ in CATEGORIES]
    for a, b in pairs:
        table[index[a]][index[b]] += 1
    assert kappa is not None
    assert float(kappa) == pytest.approx(reference(table, return_results=False), abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(pairs_strategy)
def test_the_coefficients_are_bounded_and_symmetric(pairs: list[tuple[str, str]]) -> None:
    swapped = [(b, a) for a, b in pairs]
    agreement, kappa, ac1 = observed_agreement(pairs), cohens_kappa(pairs), gwet_ac1(pairs, len(CATEGORIES))
    assert (observed_agreement(swapped), cohens_kappa(swapped), gwet_ac1(swapped, len(CATEGORIES))) == (
        agreement,
        kappa,
        ac1,
    )
    if not pairs:
        assert agreement is kappa is ac1 is None
        return
    assert agreement is not None and ac1 is not None
    assert 0 <= agreement <= 1
    assert -1 <= ac1 <= 1
    assert kappa is None or -1 <= kappa <= 1
    if agreement == 1:
        assert ac1 == 1 and kappa in (1, None)


def test_kappa_collapses_where_ac1_does_not() -> None:
    """The paradox AC1 answers: 18 of 20 pairs both 'yes', two split; kappa is below zero, AC1 is high."""
    pairs = [("yes", "yes")] * 18 + [("yes", "no"), ("no", "yes")]
    assert observed_agreement(pairs) == Fraction(9, 10)
    kappa, ac1 = cohens_kappa(pairs), gwet_ac1(pairs, 2)
    assert kappa is not None and ac1 is not None
    assert kappa < 0 < Fraction(88, 100) < ac1


def test_no_pairs_and_one_category() -> None:
    assert observed_agreement([]) is cohens_kappa([]) is gwet_ac1([], 3) is None
    same = [("yes", "yes")] * 5
    assert cohens_kappa(same) is None  # pe = 1: the denominator is 0
    assert gwet_ac1(same, 2) == 1
    # Three values seen where two were expected: Q becomes 3, never an error.
    # po = 1/2; pe = (1·3 + 1·3 + 2·2) / (4² · 2) = 5/16; AC1 = (1/2 − 5/16) / (11/16) = 3/11.
    assert gwet_ac1([("a", "b"), ("c", "c")], 2) == Fraction(3, 11)


# -- the tables ---------------------------------------------------------------------------------


def marked(ref: str, **marks: dict[str, str]) -> MarkedCase:
    return MarkedCase(case_ref=ref, marks={name.replace("_", " "): values for name, values in marks.items()})


def test_tables_from_double_marked_cases(mini_instrument: Instrument) -> None:
    # Two judgements differ, each across the line; a case detail differs too.
    other = dict(FULL_CASE, **{"p.plan": "not-done", "r.rmp": "na", "cd.rosh": "high"})
    cases = [
        marked("KT-1", Zoe_Ward=dict(FULL_CASE), Ann_Smith=other),
        marked("KT-2", Ann_Smith=dict(FULL_CASE), Bob_Jones=dict(FULL_CASE)),
        marked("KT-3", Ann_Smith=dict(FULL_CASE)),  # single-marked: no pairs
    ]
    result = agreement_result(mini_instrument, cases)
    assert result.cases == 2 and result.case_refs == ("KT-1", "KT-2")
    # Case details are facts from the sample: never pairs, even where they differ (cd.rosh).
    assert not any(qid.startswith("cd.") for qid in result.questions)
    plan = result.questions["p.plan"]
    assert (plan.values.pairs, plan.values.agreement) == (2, Fraction(1, 2))
    assert plan.pairs[0].first == "Ann Smith" and plan.pairs[0].second == "Zoe Ward"
    assert (plan.pairs[0].first_value, plan.pairs[0].second_value) == ("not-done", "sufficient")
    assert plan.line is not None and plan.line.agreement == Fraction(1, 2)
    rmp = result.questions["r.rmp"]
    assert rmp.line is not None and rmp.line.pairs == 2 and rmp.line.agreement == Fraction(1, 2)
    answered = len([q for q in mini_instrument.questions if q.section != "case-details" and q.id in FULL_CASE])
    assert result.pairs == 2 * answered
    assert result.agreement == Fraction(2 * answered - 2, 2 * answered)
    assert [(p.first, p.second, p.cases, p.pairs) for p in result.assessor_pairs] == [
        ("Ann Smith", "Bob Jones", 1, answered),
        ("Ann Smith", "Zoe Ward", 1, answered),
    ]
    assert result.assessor_pairs[0].agreement == 1
    assert result.lowest_first()[0].question_id in {"p.plan", "r.rmp"}
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) == {"questions", "overall", "assessor_pairs"}
    assert set(data["questions"]["p.plan"]) == {"pairs", "agreement", "kappa", "ac1", "line"}
    assert set(data["questions"]["p.plan"]["line"]) == {"pairs", "agreement", "kappa", "ac1"}
    assert data["overall"] == {
        "cases": 2,
        "pairs": 2 * answered,
        "agreement": pytest.approx((2 * answered - 2) / (2 * answered)),
        "line_agreement": pytest.approx(float(result.line_agreement)),
    }
    assert data["assessor_pairs"][1]["assessors"] == ["Ann Smith", "Zoe Ward"]


def test_a_question_nobody_pairs_on_has_no_figures(mini_instrument: Instrument) -> None:
    result = agreement_result(mini_instrument, [marked("KT-1", Ann=dict(FULL_CASE))])
    assert result.cases == result.pairs == 0 and result.assessor_pairs == ()
    assert result.agreement is None and result.line_agreement is None
    figures = result.to_json()["questions"]["p.plan"]
    assert figures == {
        "pairs": 0,
        "agreement": None,
        "kappa": None,
        "ac1": None,
        "line": {"pairs": 0, "agreement": None, "kappa": None, "ac1": None},
    }


def test_three_assessors_on_one_case_make_three_pairs(mini_instrument: Instrument) -> None:
    case = marked("KT-1", Cy=dict(FULL_CASE), Ann=dict(FULL_CASE), Bo=dict(FULL_CASE))
    result = agreement_result(mini_instrument, [case])
    assert [(p.first, p.second) for p in result.assessor_pairs] == [("Ann", "Bo"), ("Ann", "Cy"), ("Bo", "Cy")]
    assert result.questions["p.plan"].values.pairs == 3 and result.cases == 1


# -- from the lead's file -------------------------------------------------------------------------


@pytest.fixture
def lead_with_double_marking(tmp_path: Path, mini_instrument: Instrument) -> Path:
    """KT-1 marked by Ann and Bob (two judgements differ; Bob's own gate makes s.proposal stale), KT-2 by Ann."""
    bob_says = dict(FULL_CASE, **{"p.plan": "insufficient", "s.quality": "na", "s.proposal": "yes"})
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-1": None, "KT-2": None})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {"KT-1": FULL_CASE})
    with new_file(tmp_path, "bob-late.hmip", "Bob Jones", mini_instrument) as late:
        # Bob's stale s.proposal: written while s.quality was "yes", then s.quality changed to "na".
        for qid, value in FULL_CASE.items():
            late.set_answer("KT-1", qid, value, create_case=True)
        for qid, value in bob_says.items():
            if qid != "s.proposal":
                late.set_answer("KT-1", qid, value)
        late.complete_case("KT-1")
    with new_file(tmp_path, "lead.hmip", "Jo Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [ann, bob, tmp_path / "bob-late.hmip"])
    return tmp_path / "lead.hmip"


def test_the_file_gives_each_assessors_own_answers_as_last_merged(lead_with_double_marking: Path) -> None:
    with InspectionFile.open(lead_with_double_marking, read_only=True) as lead:
        result = agreement_of_file(lead)
    assert result.cases == 1 and result.case_refs == ("KT-1",)
    # Bob's later file counts (not his first); his stale s.proposal is no judgement, so no pair.
    assert result.questions["s.proposal"].values.pairs == 0
    assert [(p.first_value, p.second_value) for p in result.questions["s.quality"].pairs] == [("yes", "na")]
    assert [(p.first_value, p.second_value) for p in result.questions["p.plan"].pairs] == [
        ("sufficient", "insufficient")
    ]
    assert result.questions["p.plan"].line is not None and result.questions["p.plan"].line.agreement == 0
    assert [(p.first, p.second) for p in result.assessor_pairs] == [("Ann Smith", "Bob Jones")]


def test_hmip_agreement_json_and_table(lead_with_double_marking: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", str(lead_with_double_marking), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["cases"] == 1
    assert data["assessor_pairs"] == [
        {
            "assessors": ["Ann Smith", "Bob Jones"],
            "cases": 1,
            "pairs": data["overall"]["pairs"],
            "agreement": data["overall"]["agreement"],
            "line_agreement": data["overall"]["line_agreement"],
        }
    ]
    assert data["questions"]["p.plan"]["agreement"] == 0.0
    assert main(["agreement", str(lead_with_double_marking)]) == 0
    text = capsys.readouterr().out
    assert "1 double-marked case" in text and "Ann Smith / Bob Jones" in text
    assert text.index("p.plan") < text.index("r.rmp")  # lowest agreement first


def test_agreement_needs_the_leads_merged_file(
    tmp_path: Path, mini_instrument: Instrument, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-1": None})
    assert main(["agreement", str(ann)]) == 3
    assert "ann.hmip is Ann Smith's own inspector file" in capsys.readouterr().err
    with new_file(tmp_path, "lead.hmip", "Jo Lead", mini_instrument, role="lead"):
        pass
    assert main(["agreement", str(tmp_path / "lead.hmip")]) == 0
    assert "No case was marked by two assessors" in capsys.readouterr().out


def test_the_demo_agrees_like_trained_assessors(tmp_path: Path) -> None:
    """The demo's second marking lands in the 85-90 % band (docs/moderation.md), with every assessor paired."""
    from hmip_desktop.model.demo import QUALITY_LEAD, generate_demo

    lead_path = generate_demo(tmp_path / "demo", cases=86, seed=3)[-1]
    with InspectionFile.open(lead_path, read_only=True) as lead:
        result = agreement_of_file(lead)
    assert result.agreement is not None and 0.85 <= result.agreement <= 0.90
    assert result.cases >= 9 and result.pairs > 1000
    moderated = [p for p in result.assessor_pairs if QUALITY_LEAD[0] in (p.first, p.second)]
    assert len(moderated) == 8 and all(p.agreement is not None and p.agreement < 1 for p in moderated)
    lowest = result.lowest_first()
    assert lowest[0].values.agreement is not None and lowest[0].values.agreement < Fraction(2, 3)
    # The same answer is the same side of the line, so a question's line agreement is never lower.
    assert all((q.line.agreement or 0) >= (q.values.agreement or 0) for q in lowest if q.line is not None)


def test_the_exports_carry_the_same_tables(lead_with_double_marking: Path, tmp_path: Path) -> None:
    import csv

    from hmip_desktop.exports.tables import export_tables, write_csv

    with InspectionFile.open(lead_with_double_marking, read_only=True) as lead:
        result = agreement_of_file(lead)
        written = write_csv(export_tables(lead), tmp_path / "export")

    def rows(name: str) -> list[dict[str, str]]:
        path = next(p for p in written if p.name == f"{name}.csv")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    (overall,) = rows("agreement_overall")
    assert (int(overall["cases"]), int(overall["pairs"])) == (result.cases, result.pairs)
    assert float(overall["agreement"]) == pytest.approx(float(result.agreement or 0), abs=1e-6)
    assert [(r["first"], r["second"], r["pairs"]) for r in rows("agreement_assessors")] == [
        ("Ann Smith", "Bob Jones", str(result.pairs))
    ]
    questions = {r["question_id"]: r for r in rows("agreement_questions")}
    assert list(questions) == list(result.questions)
    assert questions["p.plan"]["agreement"] == "0.0" and questions["p.plan"]["line_agreement"] == "0.0"
    pairs = rows("agreement_pairs")
    assert len(pairs) == result.pairs
    assert {(r["question_id"], r["first_value"], r["second_value"]) for r in pairs if not r["same"]} == {
        ("s.quality", "yes", "na"),
        ("p.plan", "sufficient", "insufficient"),
    }
    scores = {(r["level"], r["key"]): r for r in rows("scores")}
    low, high = (
        float(scores[("outcome", "sentence")]["interval_low"]),
        float(scores[("outcome", "sentence")]["interval_high"]),
    )
    assert low <= float(scores[("outcome", "sentence")]["score"]) <= high
