"""How precise the scores are: Wilson intervals for questions, Taylor linearisation for criteria and outcomes.

The linearisation is checked against the bootstrap it replaced in tests/test_intervals_bootstrap.py.
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmip_desktop.cli.main import main
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.instrument.relevance import rule_holds
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.intervals import Z95, linearised_intervals, wilson_bounds, wilson_interval
from hmip_desktop.scoring.result import ScoringResult, interval_percent


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_equals_statsmodels(counts: tuple[int, int]) -> None:
    from statsmodels.stats.proportion import proportion_confint

    successes, total = counts
    found = wilson_interval(successes, total)
    if total == 0:
        assert found is None
        return
    assert found is not None
    # method="wilson" must be asked for: statsmodels' default is the normal approximation.
    lo, hi = proportion_confint(successes, total, alpha=0.05, method="wilson")
    assert found == pytest.approx((lo, hi), abs=1e-12)
    assert 0 <= found[0] <= successes / total <= found[1] <= 1


def test_wilson_at_the_edges() -> None:
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert wilson_interval(1, 1)[1] == 1.0  # type: ignore[index]
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


# -- random inspections -----------------------------------------------------------------------------------


def random_case(instrument: Instrument, rng: random.Random, n: int, lean: float) -> CaseInput:
    """A complete case; `lean` makes all of its judgements better or worse together."""
    values: dict[str, str] = {}
    for question in instrument.questions:
        if question.relevant_if is not None and not rule_holds(question.relevant_if, values):
            continue
        options = list(question.options)
        if question.is_scored and rng.random() < 0.5 + lean:
            options = [o for o in options if o.above_line] or options
        values[question.id] = rng.choice(options).value
    return CaseInput(uuid=f"u{n}", case_ref=f"C{n:04d}", complete=True, values=values)


def random_cases(instrument: Instrument, count: int, seed: int) -> list[CaseInput]:
    rng = random.Random(seed)
    return [random_case(instrument, rng, n, rng.uniform(-0.4, 0.4)) for n in range(count)]


def intervals_of(result: ScoringResult) -> dict[str, tuple[float, float] | None]:
    found = {f"o:{key}": o.interval for key, o in result.outcomes.items()}
    found.update({f"c:{code}": c.interval for code, c in result.criteria.items()})
    return found


# -- worked by hand ----------------------------------------------------------------------------------------


def test_a_small_inspection_worked_by_hand(mini_instrument: Instrument) -> None:
    """Outcome 4 ("public") is the mean of r.rmp and v.victims. Four cases:

    case  r.rmp  v.victims   (a - p·n)/N for r.rmp (p = 1/2, N = 4), for v.victims (p = 2/3, N = 3)   z_i
    A     yes    yes          +1/8   +1/9                                                                  +17/144
    B     no     yes          -1/8   +1/9                                                                   -1/144
    C     no     n/a          -1/8    -                                                                     -9/144
    D     yes    no           +1/8   -2/9                                                                   -7/144

    S = (1/2 + 2/3)/2 = 7/12; Σ z_i² = 420/144²; Var = 4/3 · 420/20736 = 35/1296, so the half-width is
    1.96 · √35/36 (0.322): 26-91 %. A fifth case where neither question counts is outside the base.
    """
    answers = [("yes", "yes"), ("no", "yes"), ("no", "na"), ("yes", "no")]
    cases = [
        CaseInput(uuid=f"u{n}", case_ref=f"C{n}", complete=True, values={"r.rmp": rmp, "v.victims": victims})
        for n, (rmp, victims) in enumerate(answers)
    ]
    result = score_cases(mini_instrument, cases)
    public = result.outcomes["public"]
    assert public.score == Fraction(7, 12) and public.questions == ("r.rmp", "v.victims")
    half = Z95 * math.sqrt(35) / 36
    assert public.interval == pytest.approx((7 / 12 - half, 7 / 12 + half), abs=1e-12)
    assert interval_percent(public.interval) == (26, 91)
    # A figure of one question is that question: its Wilson interval.
    assert result.criteria["4.1"].interval == wilson_interval(2, 4)
    assert result.outcomes["victims"].interval == wilson_interval(2, 3)
    # Nothing counts towards outcome 1 (no report): no score, no interval.
    assert result.outcomes["sentencing"].interval is None
    # A case with only answers that do not count for outcome 4 changes nothing.
    extra = CaseInput(uuid="u9", case_ref="C9", complete=True, values={"r.rmp": "na", "v.victims": "na"})
    assert score_cases(mini_instrument, [*cases, extra]).outcomes["public"].interval == public.interval


def test_the_generic_form_with_the_same_numbers() -> None:
    """linearised_intervals on fields 2*slot (counts) and 2*slot + 1 (above), as in the hand example."""
    fields = [[0, 1, 2, 3], [0, 2, 3], [0], [0, 1, 2]]
    found = linearised_intervals(fields, [(4, 2), (3, 2)], {"both": [0, 1]}, {"both": Fraction(7, 12)})
    half = Z95 * math.sqrt(35) / 36
    assert found["both"] == pytest.approx((7 / 12 - half, 7 / 12 + half), abs=1e-12)


def test_where_the_variance_says_nothing_the_figure_gets_wilsons_interval_over_its_cases() -> None:
    # Every case above the line on both questions: z_i = 0 for all, so Var = 0; not [1, 1] but Wilson's 10 of 10.
    fields = [[0, 1, 2, 3]] * 10
    found = linearised_intervals(fields, [(10, 10), (10, 10)], {"f": [0, 1]}, {"f": Fraction(1)})
    assert found["f"] == wilson_interval(10, 10)
    # One case in the base (the other case counts for neither question): Wilson of the score over 1 case.
    found = linearised_intervals([[0, 1, 2], [4]], [(1, 1), (1, 0), (1, 0)], {"f": [0, 1]}, {"f": Fraction(1, 2)})
    lo, hi = wilson_bounds(0.5, 1)
    assert found["f"] == pytest.approx((lo, hi), abs=1e-15) and 0 < lo < 0.5 < hi < 1
    # Two cases that cancel exactly (above on one question each): Var = 0 again, Wilson of 1/2 over 2 cases.
    found = linearised_intervals([[0, 1, 2], [0, 2, 3]], [(2, 1), (2, 1)], {"f": [0, 1]}, {"f": Fraction(1, 2)})
    assert found["f"] == pytest.approx(wilson_bounds(0.5, 2), abs=1e-15)


def test_a_symmetric_interval_is_clipped_at_the_ends() -> None:
    # 29 cases above on both questions, one below on both: S = 29/30, the half-width runs past 1.
    fields = [[0, 1, 2, 3]] * 29 + [[0, 2]]
    found = linearised_intervals(fields, [(30, 29), (30, 29)], {"f": [0, 1]}, {"f": Fraction(29, 30)})
    # z_i = 1/900 for the 29, -29/900 for the one; Var = 30/29 · 870/900² = 1/900, so S ± 1.96/30.
    assert found["f"] == (pytest.approx(29 / 30 - Z95 / 30, abs=1e-12), 1.0)


# -- properties --------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 10_000))
def test_intervals_hold_the_score_and_do_not_depend_on_order(count: int, seed: int) -> None:
    from hmip_desktop.model.instrument.definition import available_instruments

    instrument = next(i for i in available_instruments() if i.id == "mini-test")
    cases = random_cases(instrument, count, seed)
    result = score_cases(instrument, cases)
    shuffled = list(cases)
    random.Random(seed).shuffle(shuffled)
    again = score_cases(instrument, shuffled)
    assert intervals_of(again) == intervals_of(result)  # same cases, same interval, in any order: equal, not close
    for figure in [*result.outcomes.values(), *result.criteria.values()]:
        if figure.score is None:
            assert figure.interval is None
            continue
        assert figure.interval is not None
        lo, hi = figure.interval
        assert 0 <= lo <= figure.score <= hi <= 1
        bounds = interval_percent(figure.interval)
        assert bounds is not None and bounds[0] <= (figure.percent or 0) <= bounds[1]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 10_000), st.integers(1, 10))
def test_answers_that_do_not_count_change_no_interval(count: int, seed: int, extra: int) -> None:
    """More "n/a" answers, whether on the cases scored or as cases where nothing counts, leave every figure
    and interval exactly as it was (such a case is outside every figure's base)."""
    from hmip_desktop.model.instrument.definition import available_instruments

    instrument = next(i for i in available_instruments() if i.id == "mini-test")
    cases = random_cases(instrument, count, seed)
    rng = random.Random(seed)
    # Leave some "does not count" answers out of the first scoring ...
    not_counted = {q.id: o.value for q in instrument.scored_questions for o in q.options if o.above_line is None}
    blank = [
        CaseInput(
            uuid=c.uuid,
            case_ref=c.case_ref,
            complete=True,
            values={
                qid: value
                for qid, value in c.values.items()
                if not (value == not_counted.get(qid) and rng.random() < 0.7)
            },
        )
        for c in cases
    ]
    # ... and cases where every scored question that can be is answered "does not count".
    nothing = [CaseInput(uuid=f"x{n}", case_ref=f"X{n}", complete=True, values=dict(not_counted)) for n in range(extra)]
    without = score_cases(instrument, blank, include_incomplete=True)
    with_more = score_cases(instrument, [*cases, *nothing], include_incomplete=True)
    counts = {qid: (q.applicable, q.above_line) for qid, q in without.questions.items()}
    assert {qid: (q.applicable, q.above_line) for qid, q in with_more.questions.items()} == counts
    assert intervals_of(with_more) == intervals_of(without)


def test_more_cases_narrower_intervals_and_correlation_widens_them(mini_instrument: Instrument) -> None:
    few = score_cases(mini_instrument, random_cases(mini_instrument, 20, seed=1))
    many = score_cases(mini_instrument, random_cases(mini_instrument, 400, seed=1))

    def width(result: ScoringResult, key: str) -> float:
        interval = result.outcomes[key].interval
        assert interval is not None
        return interval[1] - interval[0]

    assert width(many, "reoffending") < width(few, "reoffending") / 2

    # Outcome 4 over 100 cases, each question 50 % above the line. Answers that go together (a case above
    # or below on both) double the variance of answers that do not (each combination in 25 cases): the
    # interval is √2 times as wide, where treating answers as independent would make them equal.
    def public(pairs: list[tuple[str, str]]) -> ScoringResult:
        return score_cases(
            mini_instrument,
            [
                CaseInput(uuid=f"u{n}", case_ref=f"C{n:03d}", complete=True, values={"r.rmp": a, "v.victims": b})
                for n, (a, b) in enumerate(pairs)
            ],
        )

    together = public([("yes", "yes")] * 50 + [("no", "no")] * 50)
    apart = public([("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")] * 25)
    assert width(together, "public") == pytest.approx(math.sqrt(2) * width(apart, "public"), rel=1e-9)
    assert width(together, "public") == pytest.approx(2 * Z95 * math.sqrt(100 / 99 * 100 * 0.005**2), rel=1e-9)


def test_every_scored_figure_has_an_interval_without_being_asked(mini_instrument: Instrument) -> None:
    result = score_cases(mini_instrument, random_cases(mini_instrument, 10, seed=2))
    assert all(o.interval is not None for o in result.outcomes.values() if o.score is not None)
    assert all(c.interval is not None for c in result.criteria.values() if c.score is not None)
    assert all(q.interval is not None for q in result.questions.values() if q.applicable)


# -- the command ----------------------------------------------------------------------------------


def test_hmip_score_json_gives_every_figure_an_interval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hmip_desktop.model.demo import generate_demo

    lead = generate_demo(tmp_path / "demo", cases=40, assessors=4, seed=2)[-1]
    assert main(["score", str(lead), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["score", str(lead), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data  # same file, same intervals
    for question in data["questions"].values():
        if question["applicable"]:
            lo, hi = question["interval"]
            assert 0 <= lo <= question["score"] <= hi <= 1
            assert (lo, hi) == pytest.approx(wilson_interval(question["above_line"], question["applicable"]))
        else:
            assert question["interval"] is None
    for figure in [*data["criteria"].values(), *data["outcomes"].values()]:
        if figure["score"] is None:
            assert figure["interval"] is None
        else:
            lo, hi = figure["interval"]
            assert 0 <= lo <= figure["score"] <= hi <= 1 and hi - lo < 0.5
    assert main(["score", str(lead)]) == 0
    assert "95% interval" in capsys.readouterr().out


def test_the_reports_scoring_appendix_states_the_outcome_ranges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    from hmip_desktop.model.demo import generate_demo

    lead = generate_demo(tmp_path / "demo", cases=40, assessors=4, seed=2)[-1]
    assert main(["score", str(lead), "--json"]) == 0
    outcomes = json.loads(capsys.readouterr().out)["outcomes"]
    assert main(["report", str(lead), "--out", str(tmp_path / "report.pdf")]) == 0
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(tmp_path / "report.pdf").pages)
    assert "How precise the figures are" in text
    for figures in outcomes.values():
        bounds = interval_percent((figures["interval"][0], figures["interval"][1]))
        assert bounds is not None
        assert f"Outcome {figures['number']}, {figures['percent']}% (between {bounds[0]}% and {bounds[1]}%)" in text
