"""The scoring method, rule by rule, on hand-computed cases of the mini-test instrument.

mini-test: context cd.gender / cd.rosh / cd.report; s.quality (1.1, sentencing,
only when a report was written or oral), s.proposal (1.1, only for written
reports with a quality answer), f.acc.identified (3.1), p.plan (2.1),
r.rmp (4.1, public), v.victims (5.1, victims AND public), f.acc.interventions
(3.2) and f.acc.progress (3.3) only when accommodation was identified,
l.oversight (2.4, counts towards no outcome).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from hmip_desktop.cli.main import main
from hmip_desktop.model.errors import InstrumentError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.engine import mean, percent, score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.load import inputs_from_file, score_file
from hmip_desktop.scoring.result import NOT_RECORDED

_counter = iter(range(1, 1_000_000))


def case(values: dict[str, str], *, complete: bool = True, held_out: bool = False) -> CaseInput:
    n = next(_counter)
    return CaseInput(uuid=f"u{n}", case_ref=f"C{n}", complete=complete, held_out=held_out, values=values)


# -- exact arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 8), 63),  # 62.5 rounds half up
        (Fraction(23, 40), 58),  # 57.5
        (Fraction(29, 200), 15),  # 14.5; float(0.145) * 100 == 14.499999... would give 14
        (Fraction(1, 8), 13),  # 12.5; round() would give 12 (bankers' rounding)
        (Fraction(2, 3), 67),
        (Fraction(1, 3), 33),
        (Fraction(0), 0),
        (Fraction(1), 100),
    ],
)
def test_percent_rounds_half_up_from_the_exact_value(value: Fraction, expected: int) -> None:
    assert percent(value) == expected


def test_mean_is_exact_and_empty_is_none() -> None:
    assert mean([Fraction(1, 2), Fraction(3, 4)]) == Fraction(5, 8)
    assert mean([Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]) == Fraction(1, 3)
    assert mean([]) is None


# -- a question's score --------------------------------------------------------------------


def test_not_applicable_answers_are_left_out_of_the_question(mini_instrument: Instrument) -> None:
    result = score_cases(
        mini_instrument,
        [
            case({"cd.report": "written", "s.quality": "yes"}),
            case({"cd.report": "oral", "s.quality": "no"}),
            case({"cd.report": "written", "s.quality": "na"}),
            case({"cd.report": "none"}),
        ],
    )
    quality = result.questions["s.quality"]
    assert (quality.applicable, quality.above_line, quality.not_counted) == (2, 1, 1)
    assert quality.score == Fraction(1, 2) and quality.percent == 50
    assert quality.n_of_N == "1 of 2"
    assert quality.below_line == 1


def test_a_below_line_option_other_than_no_counts_against(mini_instrument: Instrument) -> None:
    result = score_cases(
        mini_instrument,
        [case({"p.plan": "sufficient"}), case({"p.plan": "insufficient"}), case({"p.plan": "not-done"})],
    )
    assert result.questions["p.plan"].score == Fraction(1, 3)
    assert result.questions["p.plan"].percent == 33


def test_unanswered_relevant_questions_do_not_count(mini_instrument: Instrument) -> None:
    result = score_cases(
        mini_instrument,
        [
            case({"cd.report": "written", "s.quality": "yes"}, complete=False),
            case({"cd.report": "written"}, complete=False),  # relevant, not yet answered
        ],
        include_incomplete=True,
    )
    quality = result.questions["s.quality"]
    assert (quality.applicable, quality.above_line, quality.unanswered) == (1, 1, 1)
    assert quality.score == 1


def test_stale_answers_are_never_scored(mini_instrument: Instrument) -> None:
    # The report was first recorded as written, then corrected to none: the
    # quality and proposal answers stay in the case but no longer apply.
    stale = case({"cd.report": "none", "s.quality": "no", "s.proposal": "no"})
    # An oral report: quality applies, the proposal (written only) is stale.
    oral = case({"cd.report": "oral", "s.quality": "yes", "s.proposal": "no"})
    result = score_cases(mini_instrument, [stale, oral])
    assert result.questions["s.quality"].n_of_N == "1 of 1"
    assert result.questions["s.proposal"].applicable == 0
    assert result.questions["s.proposal"].score is None


def test_stale_gate_makes_the_questions_behind_it_stale(mini_instrument: Instrument) -> None:
    # s.proposal needs s.quality answered; s.quality is itself stale here.
    result = score_cases(mini_instrument, [case({"cd.report": "none", "s.quality": "yes", "s.proposal": "yes"})])
    assert result.questions["s.proposal"].applicable == 0


def test_an_answer_outside_the_options_is_not_counted(mini_instrument: Instrument) -> None:
    result = score_cases(mini_instrument, [case({"p.plan": "sufficient"}), case({"p.plan": "bogus"})])
    plan = result.questions["p.plan"]
    assert (plan.applicable, plan.not_counted, plan.score) == (1, 1, 1)


# -- criteria and outcomes --------------------------------------------------------------------


def test_a_question_that_counts_towards_two_outcomes_is_in_both_means(mini_instrument: Instrument) -> None:
    cases = [
        case({"r.rmp": "yes", "v.victims": "yes"}),
        case({"r.rmp": "yes", "v.victims": "no"}),
        case({"r.rmp": "no", "v.victims": "no"}),
        case({"r.rmp": "yes", "v.victims": "no"}),
    ]
    result = score_cases(mini_instrument, cases)
    # r.rmp 3/4, v.victims 1/4
    assert result.outcomes["victims"].score == Fraction(1, 4)
    assert result.outcomes["victims"].questions == ("v.victims",)
    assert result.outcomes["public"].score == Fraction(1, 2)  # mean(3/4, 1/4)
    assert result.outcomes["public"].questions == ("r.rmp", "v.victims")
    assert result.criteria["4.1"].score == Fraction(3, 4)
    assert result.criteria["5.1"].score == Fraction(1, 4)


def test_a_question_without_applicable_cases_is_left_out_of_every_average(mini_instrument: Instrument) -> None:
    cases = [
        case({"cd.report": "oral", "s.quality": "yes", "l.oversight": "na"}),
        case({"cd.report": "oral", "s.quality": "no", "l.oversight": "na"}),
        case({"cd.report": "oral", "s.quality": "yes"}),
    ]
    result = score_cases(mini_instrument, cases)
    # s.proposal never applies (no written report): no score, not a zero in the mean.
    assert result.questions["s.proposal"].score is None
    assert result.questions["s.proposal"].percent is None
    assert result.criteria["1.1"].score == Fraction(2, 3)
    assert result.criteria["1.1"].questions == ("s.quality",)
    assert result.outcomes["sentencing"].score == Fraction(2, 3)
    assert result.outcomes["sentencing"].percent == 67
    # l.oversight: only not-counted answers -> criterion 2.4 has no score.
    assert result.questions["l.oversight"].score is None
    assert result.criteria["2.4"].score is None and result.criteria["2.4"].questions == ()
    assert result.outcomes["victims"].score is None and result.outcomes["victims"].percent is None


def test_question_outcomes_decide_membership_not_the_criterion(mini_instrument: Instrument) -> None:
    # l.oversight sits in criterion 2.4 (outcome "sentence") but counts towards no outcome.
    result = score_cases(mini_instrument, [case({"p.plan": "sufficient", "l.oversight": "no"})])
    assert result.criteria["2.4"].score == 0
    assert result.outcomes["sentence"].questions == ("p.plan",)
    assert result.outcomes["sentence"].score == 1


def test_criterion_mean_rounds_half_up_from_the_exact_mean(mini_instrument: Instrument) -> None:
    # s.quality 1/2, s.proposal 3/4 -> criterion 1.1 = 5/8 = 62.5 % -> 63
    cases = [
        case({"cd.report": "written", "s.quality": "yes", "s.proposal": "yes"}),
        case({"cd.report": "written", "s.quality": "no", "s.proposal": "yes"}),
        case({"cd.report": "written", "s.quality": "yes", "s.proposal": "yes"}),
        case({"cd.report": "written", "s.quality": "no", "s.proposal": "no"}),
    ]
    result = score_cases(mini_instrument, cases)
    assert result.criteria["1.1"].score == Fraction(5, 8)
    assert result.criteria["1.1"].percent == 63
    assert result.outcomes["sentencing"].percent == 63


def test_twenty_three_of_forty_shows_as_58(mini_instrument: Instrument) -> None:
    cases = [case({"p.plan": "sufficient"}) for _ in range(23)] + [case({"p.plan": "insufficient"}) for _ in range(17)]
    result = score_cases(mini_instrument, cases)
    assert result.questions["p.plan"].score == Fraction(23, 40)
    assert result.questions["p.plan"].percent == 58
    assert result.outcomes["sentence"].percent == 58


# -- which cases count ---------------------------------------------------------------------------


def test_only_complete_cases_count_unless_asked(mini_instrument: Instrument) -> None:
    cases = [case({"p.plan": "sufficient"}), case({"p.plan": "insufficient"}, complete=False)]
    default = score_cases(mini_instrument, cases)
    assert (default.cases_scored, default.cases_incomplete) == (1, 1)
    assert default.questions["p.plan"].score == 1
    included = score_cases(mini_instrument, cases, include_incomplete=True)
    assert (included.cases_scored, included.cases_incomplete, included.include_incomplete) == (2, 0, True)
    assert included.questions["p.plan"].score == Fraction(1, 2)


def test_cases_with_an_open_conflict_are_held_out_and_counted(mini_instrument: Instrument) -> None:
    cases = [
        case({"p.plan": "sufficient"}),
        case({"p.plan": "insufficient"}, held_out=True),
        case({"p.plan": "insufficient"}, held_out=True, complete=False),
    ]
    result = score_cases(mini_instrument, cases, include_incomplete=True, unresolved_conflicts=3)
    assert (result.cases_scored, result.cases_held_out, result.unresolved_conflicts) == (1, 2, 3)
    assert result.questions["p.plan"].score == 1
    assert score_cases(mini_instrument, cases).unresolved_conflicts == 2  # at least one per held-out case


def test_no_cases_gives_no_scores(mini_instrument: Instrument) -> None:
    result = score_cases(mini_instrument, [])
    assert result.cases_scored == 0
    assert all(q.score is None for q in result.questions.values())
    assert all(o.score is None for o in result.outcomes.values())


# -- breakdowns ----------------------------------------------------------------------------------


def test_breakdown_by_a_context_question(mini_instrument: Instrument) -> None:
    men = [case({"cd.gender": "male", "p.plan": "sufficient"}) for _ in range(4)]
    men.append(case({"cd.gender": "male", "p.plan": "insufficient"}))
    women = [case({"cd.gender": "female", "p.plan": "sufficient"}), case({"cd.gender": "female", "p.plan": "not-done"})]
    unknown = [case({"p.plan": "insufficient"})]
    result = score_cases(mini_instrument, men + women + unknown, by=["cd.gender"])
    breakdown = result.breakdowns["cd.gender"]
    assert [g.value for g in breakdown.groups] == ["male", "female", NOT_RECORDED]
    male, female, missing = breakdown.groups
    assert (male.cases, male.too_small, male.outcomes["sentence"].percent) == (5, False, 80)
    assert (female.cases, female.too_small, female.outcomes["sentence"].percent) == (2, True, 50)
    assert female.questions["p.plan"].n_of_N == "1 of 2"
    assert (missing.cases, missing.outcomes["sentence"].score) == (1, 0)
    # the whole is unaffected by the breakdown
    assert result.questions["p.plan"].n_of_N == "5 of 8"


def test_breakdown_lists_options_without_cases(mini_instrument: Instrument) -> None:
    result = score_cases(mini_instrument, [case({"cd.rosh": "low", "p.plan": "sufficient"})], by=["cd.rosh"])
    groups = {g.value: g for g in result.breakdowns["cd.rosh"].groups}
    assert list(groups) == ["low", "medium", "high"]
    assert groups["high"].cases == 0 and groups["high"].too_small
    assert groups["high"].outcomes["sentence"].score is None


@pytest.mark.parametrize("question_id", ["cd.nonsense", "p.plan"])
def test_breakdown_by_an_unknown_or_scored_question_is_refused(mini_instrument: Instrument, question_id: str) -> None:
    with pytest.raises(InstrumentError, match=question_id):
        score_cases(mini_instrument, [], by=[question_id])


# -- the factor table ----------------------------------------------------------------------------


def test_factor_table(mini_instrument: Instrument) -> None:
    cases = [
        case({"f.acc.identified": "yes", "f.acc.interventions": "yes", "f.acc.progress": "good"}),
        case({"f.acc.identified": "yes", "f.acc.interventions": "no", "f.acc.progress": "too-early"}),
        case({"f.acc.identified": "yes", "f.acc.interventions": "yes", "f.acc.progress": "insufficient"}),
        case({"f.acc.identified": "missed", "f.acc.interventions": "yes"}),  # stale: never identified
        case({"f.acc.identified": "not-relevant"}),
    ]
    (row,) = score_cases(mini_instrument, cases).factors
    assert (row.factor, row.label) == ("accommodation", "Accommodation")
    assert (row.identified, row.identified_of) == (3, 4)
    assert (row.interventions_sufficient, row.interventions_above, row.interventions_applicable) == (67, 2, 3)
    # "Too early to judge" stays in the table's base (the factor is linked): 1 of 3, not 1 of 2.
    assert (row.progress_sufficient, row.progress_above, row.progress_applicable) == (33, 1, 3)
    assert row.interventions_question == "f.acc.interventions"


def test_factor_table_without_cases_has_no_percentages(mini_instrument: Instrument) -> None:
    (row,) = score_cases(mini_instrument, []).factors
    assert (row.identified, row.interventions_sufficient, row.progress_sufficient) == (0, None, None)


# -- the JSON contract ---------------------------------------------------------------------------


def test_json_contract(mini_instrument: Instrument) -> None:
    cases = [case({"cd.gender": "male", "p.plan": "sufficient", "v.victims": "yes"})]
    data = score_cases(mini_instrument, cases, by=["cd.gender"]).to_json()
    json.dumps(data)  # serialisable as it is
    assert {"cases_scored", "unresolved_conflicts", "questions", "criteria", "outcomes", "by", "factors"} <= set(data)
    assert {"applicable", "above_line", "score"} <= set(data["questions"]["p.plan"])
    assert data["questions"]["p.plan"]["score"] == 1.0
    assert data["questions"]["s.quality"]["score"] is None
    assert "cd.gender" not in data["questions"]  # context questions have no score
    assert {"score", "questions"} <= set(data["criteria"]["2.1"])
    assert data["outcomes"]["public"] == {
        "number": 4,
        "title": "Protecting the public",
        "score": 1.0,
        "percent": 100,
        "fraction": "1/1",
        "interval": [pytest.approx(0.206549, abs=1e-6), 1.0],  # one question: its Wilson interval of 1 of 1
        "questions": ["v.victims"],
    }
    male = data["by"]["cd.gender"]["male"]
    assert male["cases"] == 1 and male["too_small"] is True
    assert {"score", "percent"} <= set(male["outcomes"]["sentence"])
    assert {"factor", "identified", "interventions_sufficient", "progress_sufficient"} <= set(data["factors"][0])
    assert "by" not in score_cases(mini_instrument, cases).to_json()


def test_json_gives_the_exact_fraction(mini_instrument: Instrument) -> None:
    cases = [case({"p.plan": "sufficient"}) for _ in range(23)] + [case({"p.plan": "insufficient"}) for _ in range(17)]
    question = score_cases(mini_instrument, cases).to_json()["questions"]["p.plan"]
    # The Wilson 95 % interval of 23/40 (statsmodels' proportion_confint(23, 40, method="wilson")).
    assert question.pop("interval") == pytest.approx([0.421951, 0.714906], abs=1e-6)
    assert question == {
        "applicable": 40,
        "above_line": 23,
        "score": 0.575,
        "percent": 58,
        "fraction": "23/40",
        "not_counted": 0,
        "unanswered": 0,
    }


# -- a file, end to end --------------------------------------------------------------------------


def answer_all(inspection: InspectionFile, case_ref: str, values: dict[str, str], *, complete: bool = True) -> None:
    for question_id, value in values.items():
        inspection.set_answer(case_ref, question_id, value, create_case=True)
    if complete:
        inspection.complete_case(case_ref)


def full_case(**changes: str) -> dict[str, str]:
    values = {
        "cd.gender": "male",
        "cd.rosh": "low",
        "cd.report": "none",
        "f.acc.identified": "not-relevant",
        "p.plan": "sufficient",
        "r.rmp": "yes",
        "v.victims": "na",
        "l.oversight": "yes",
    }
    values.update({key.replace("__", "."): value for key, value in changes.items()})
    return values


def open_conflict(inspection: InspectionFile, case_ref: str, question_id: str) -> None:
    # Stands in for the merge engine, which raises conflicts in the lead's file.
    uuid = inspection.get_case(case_ref).uuid
    with inspection.transaction() as conn:
        conn.execute(
            "INSERT INTO conflicts (case_uuid, case_ref, question_id, sides, raised_at) VALUES (?, ?, ?, '[]', ?)",
            (uuid, case_ref, question_id, "2014-01-01T00:00:00Z"),
        )


@pytest.fixture
def scored_file(mini_file: InspectionFile) -> Path:
    answer_all(mini_file, "C1", full_case())
    answer_all(mini_file, "C2", full_case(p__plan="insufficient"))
    answer_all(mini_file, "C3", full_case(cd__gender="female", p__plan="not-done"))
    answer_all(mini_file, "C4", full_case(p__plan="insufficient"), complete=False)
    answer_all(mini_file, "C5", full_case(p__plan="insufficient"))
    # C6: quality recorded for a written report, then the report corrected to none.
    answer_all(mini_file, "C6", {"cd.report": "written", "s.quality": "no"}, complete=False)
    answer_all(mini_file, "C6", full_case(cd__report="none"))
    open_conflict(mini_file, "C5", "p.plan")
    open_conflict(mini_file, "C5", "r.rmp")
    return mini_file.path


def test_score_file_reads_cases_through_the_store(scored_file: Path) -> None:
    with InspectionFile.open(scored_file, read_only=True) as inspection:
        inputs = {c.case_ref: c for c in inputs_from_file(inspection)}
        result = score_file(inspection)
    assert set(inputs) == {"C1", "C2", "C3", "C4", "C5", "C6"}
    assert inputs["C5"].held_out and not inputs["C1"].held_out
    assert not inputs["C4"].complete
    assert inputs["C6"].values["s.quality"] == "no"  # the stale answer is kept in the file ...
    assert result.questions["s.quality"].applicable == 0  # ... and never scored
    assert (result.cases_scored, result.cases_held_out, result.unresolved_conflicts, result.cases_incomplete) == (
        4,
        1,
        2,
        1,
    )
    assert result.questions["p.plan"].n_of_N == "2 of 4"  # C1, C6 sufficient; C2, C3 not


def test_cli_score_json(scored_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(scored_file), "--json", "--by", "cd.gender", "--include-incomplete"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cases_scored"] == 5
    assert data["unresolved_conflicts"] == 2
    assert data["questions"]["p.plan"]["above_line"] == 2
    assert data["questions"]["p.plan"]["applicable"] == 5
    assert data["outcomes"]["sentence"]["percent"] == 40
    assert data["by"]["cd.gender"]["male"]["cases"] == 4
    assert data["by"]["cd.gender"]["female"]["outcomes"]["sentence"]["percent"] == 0


def test_cli_score_table(scored_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(scored_file), "--by", "cd.gender", "--by", "cd.rosh"]) == 0
    out = capsys.readouterr().out
    assert "4 cases scored" in out
    assert "1 held out by 2 unresolved conflicts" in out
    assert "1 incomplete case left out" in out
    assert "2. Delivering the sentence" in out and "50%" in out
    assert "1.1 Reports" in out
    assert "By Gender (cd.gender)" in out and "By RoSH at start (cd.rosh)" in out
    assert "too small to compare" in out
    assert "Offending-related factors" in out and "Accommodation" in out


@pytest.mark.parametrize("question_id", ["cd.nonsense", "p.plan"])
def test_cli_score_bad_breakdown_exits_3(
    scored_file: Path, capsys: pytest.CaptureFixture[str], question_id: str
) -> None:
    assert main(["score", str(scored_file), "--by", question_id]) == 3
    assert question_id in capsys.readouterr().err
