"""Scoring speed: a national aggregate (3,000 cases) and one inspection (86 cases). Every scoring includes
the criteria's and outcomes' 95% intervals (Taylor linearisation, one more pass over the cases); the
"with 95% intervals" rows keep their names so that they compare with the bootstrap they replaced, and
the intervals' own share is timed apart on the inputs the engine hands them."""

from __future__ import annotations

import random
import statistics
import time

from hmip_desktop.model.instrument.definition import Instrument, default_instrument
from hmip_desktop.model.instrument.relevance import effective_values, rule_holds
from hmip_desktop.model.moderation import MarkedCase
from hmip_desktop.scoring import engine
from hmip_desktop.scoring.agreement import agreement_result
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput


def random_case(instrument: Instrument, rng: random.Random, index: int) -> CaseInput:
    """A complete case with a random valid answer to every question that applies to it."""
    values: dict[str, str] = {}
    for question in instrument.questions:
        if question.relevant_if is not None and not rule_holds(question.relevant_if, values):
            continue
        values[question.id] = rng.choice(question.options).value
    return CaseInput(uuid=f"case-{index}", case_ref=f"C{index:05d}", complete=True, values=values)


def second_marked(instrument: Instrument, cases: list[CaseInput], rng: random.Random) -> list[MarkedCase]:
    """Every tenth case marked again by a second assessor who sees about one answer in eight differently."""
    marked = []
    for n, case in enumerate(cases):
        marks: dict[str, dict[str, str]] = {"First Marker": dict(case.values)}
        if n % 10 == 0:
            again = {
                qid: value if rng.random() > 0.125 else rng.choice(instrument.by_id[qid].options).value
                for qid, value in case.values.items()
            }
            marks["Second Marker"] = effective_values(instrument, again)
        marked.append(MarkedCase(case_ref=case.case_ref, marks=marks))
    return marked


def median_seconds(action: object, repeats: int) -> float:
    assert callable(action)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def intervals_alone(instrument: Instrument, cases: list[CaseInput], repeats: int) -> float:
    """The time of the interval pass alone: its inputs caught from one scoring, then timed on their own."""
    caught: list[tuple[tuple[object, ...], dict[str, object]]] = []
    real = engine.linearised_intervals

    def catch(*args: object, **kwargs: object) -> object:
        caught.append((args, kwargs))
        return real(*args, **kwargs)

    engine.linearised_intervals = catch
    try:
        score_cases(instrument, cases)
    finally:
        engine.linearised_intervals = real
    ((args, kwargs),) = caught
    return median_seconds(lambda: real(*args, **kwargs), repeats)


def run() -> list[tuple[str, float, str]]:
    instrument = default_instrument()
    rng = random.Random(2014)
    national = [random_case(instrument, rng, i) for i in range(3000)]
    inspection = national[:86]
    score_cases(instrument, inspection)  # compile the instrument once, as the app does
    marked = second_marked(instrument, national, random.Random(14))
    return [
        (
            f"score 3,000 cases ({len(instrument.scored_questions)} scored questions)",
            median_seconds(lambda: score_cases(instrument, national), 7),
            "well under 1 s",
        ),
        (
            "score 3,000 cases by cd.gender and cd.rosh",
            median_seconds(lambda: score_cases(instrument, national, by=("cd.gender", "cd.rosh")), 7),
            "well under 1 s",
        ),
        ("score 86 cases (one inspection)", median_seconds(lambda: score_cases(instrument, inspection), 31), "< 50 ms"),
        (
            "score 86 cases by cd.gender and cd.rosh",
            median_seconds(lambda: score_cases(instrument, inspection, by=("cd.gender", "cd.rosh")), 31),
            "< 50 ms",
        ),
        (
            "score 86 cases with 95% intervals (the dashboard's scoring)",
            median_seconds(lambda: score_cases(instrument, inspection), 31),
            "-",
        ),
        (
            "score 1,080 cases with 95% intervals (hmip score's scoring)",
            median_seconds(lambda: score_cases(instrument, national[:1080]), 7),
            "-",
        ),
        (
            "score 3,000 cases with 95% intervals",
            median_seconds(lambda: score_cases(instrument, national), 7),
            "< 2 s",
        ),
        ("the 95% intervals alone, 86 cases", intervals_alone(instrument, inspection, 31), "-"),
        ("the 95% intervals alone, 1,080 cases", intervals_alone(instrument, national[:1080], 7), "-"),
        ("the 95% intervals alone, 3,000 cases", intervals_alone(instrument, national, 7), "-"),
        (
            "agreement tables: 3,000 cases, 300 double-marked (~48,000 answer pairs)",
            median_seconds(lambda: agreement_result(instrument, marked), 5),
            "< 1 s",
        ),
    ]


if __name__ == "__main__":
    for name, seconds, target in run():
        print(f"{name}: {seconds * 1000:.1f} ms (target {target})")
