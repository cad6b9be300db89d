"""How precise the scores are: Wilson intervals for questions, a case-resampling bootstrap for the rest."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmip_desktop.cli.main import main
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.instrument.relevance import rule_holds
from hmip_desktop.scoring import intervals
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.intervals import draw_indices, percentile, wilson_interval
from hmip_desktop.scoring.result import interval_percent


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


def test_percentiles_interpolate_like_type_7() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert percentile(values, 0.0) == 1.0 and percentile(values, 1.0) == 5.0
    assert percentile(values, 0.5) == 3.0 and percentile(values, 0.1) == pytest.approx(1.4)


def test_draws_cover_every_case_evenly() -> None:
    rng = random.Random(1)
    seen = [0] * 7
    for _ in range(2000):
        for index in draw_indices(rng, 7):
            seen[index] += 1
    assert all(abs(count / 2000 - 1) < 0.05 for count in seen)


# -- the bootstrap ------------------------------------------------------------------------------


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


def test_the_bootstrap_is_the_engine_scoring_resampled_cases(
    mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packed fast path equals scoring each resample with score_cases (the same draws)."""
    monkeypatch.setattr(intervals, "RESAMPLES", 60)
    cases = random_cases(mini_instrument, 40, seed=5)
    result = score_cases(mini_instrument, cases, intervals=True)
    rng = random.Random(intervals.SEED)
    ordered = sorted(cases, key=lambda c: c.case_ref)
    resampled = [score_cases(mini_instrument, [ordered[i] for i in draw_indices(rng, len(ordered))]) for _ in range(60)]
    for key, outcome in result.outcomes.items():
        values = sorted(float(r.outcomes[key].score) for r in resampled if r.outcomes[key].score is not None)
        assert outcome.score is not None and outcome.interval is not None
        expected = (percentile(values, 0.025), percentile(values, 0.975))
        lo, hi = min(expected[0], float(outcome.score)), max(expected[1], float(outcome.score))
        assert outcome.interval == pytest.approx((lo, hi), abs=1e-12), key
    for code, criterion in result.criteria.items():
        values = sorted(float(r.criteria[code].score) for r in resampled if r.criteria[code].score is not None)
        if criterion.score is None:
            assert criterion.interval is None
            continue
        assert criterion.interval is not None
        assert criterion.interval[0] == pytest.approx(min(percentile(values, 0.025), float(criterion.score)), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 10_000))
def test_intervals_hold_the_score_and_do_not_depend_on_order(count: int, seed: int) -> None:
    from hmip_desktop.model.instrument.definition import available_instruments

    instrument = next(i for i in available_instruments() if i.id == "mini-test")
    intervals.RESAMPLES, saved = 50, intervals.RESAMPLES
    try:
        cases = random_cases(instrument, count, seed)
        result = score_cases(instrument, cases, intervals=True)
        shuffled = list(cases)
        random.Random(seed).shuffle(shuffled)
        again = score_cases(instrument, shuffled, intervals=True)
    finally:
        intervals.RESAMPLES = saved
    for figures, others in ((result.outcomes, again.outcomes), (result.criteria, again.criteria)):
        for key, figure in figures.items():
            assert figure.interval == others[key].interval  # same cases, same interval, in any order
            if figure.score is None:
                assert figure.interval is None
                continue
            assert figure.interval is not None
            lo, hi = figure.interval
            assert 0 <= lo <= figure.score <= hi <= 1
            bounds = interval_percent(figure.interval)
            assert bounds is not None and bounds[0] <= (figure.percent or 0) <= bounds[1]


def test_more_cases_narrower_intervals_and_correlation_widens_them(mini_instrument: Instrument) -> None:
    few = score_cases(mini_instrument, random_cases(mini_instrument, 20, seed=1), intervals=True)
    many = score_cases(mini_instrument, random_cases(mini_instrument, 400, seed=1), intervals=True)

    def width(result: object, key: str) -> float:
        interval = result.outcomes[key].interval  # type: ignore[attr-defined]
        return float(interval[1] - interval[0])

    assert width(many, "reoffending") < width(few, "reoffending") / 2
    # Cases whose answers all lean the same way: a wider interval than independent answers give.
    rng = random.Random(3)
    correlated = [random_case(mini_instrument, rng, n, rng.choice((-0.45, 0.45))) for n in range(200)]
    independent = [random_case(mini_instrument, rng, n, 0.0) for n in range(200)]
    assert width(score_cases(mini_instrument, correlated, intervals=True), "reoffending") > width(
        score_cases(mini_instrument, independent, intervals=True), "reoffending"
    )


def test_without_intervals_nothing_is_resampled(mini_instrument: Instrument) -> None:
    result = score_cases(mini_instrument, random_cases(mini_instrument, 10, seed=2))
    assert all(o.interval is None for o in result.outcomes.values())
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


def test_the_reports_scoring_appendix_states_the_outcome_ranges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
