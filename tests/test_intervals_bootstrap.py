"""The linearised intervals against the case-resampling bootstrap they replaced (issues 14 and 16).

Until the linearisation, criteria and outcomes had a seeded case-resampling bootstrap (1,000 resamples of
whole cases, percentile interval). It is kept here, as it was shipped, as the reference: it needs no
formula, and the first test below ties it to the engine itself (each resample scored by `score_cases`).
Both estimate the same thing -- how much a figure moves when other cases are drawn from the same
work -- so on bases of 30 cases or more their widths must agree within 20 %; the remaining gap is the
bootstrap's own Monte-Carlo wobble, the n/(n - 1) factor, and the skew the symmetric interval ignores.
"""

from __future__ import annotations

import math
import random
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_intervals import random_cases

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.scoring.engine import score_cases
from hmip_desktop.scoring.inputs import CaseInput
from hmip_desktop.scoring.intervals import Interval, contain, linearised_intervals

RESAMPLES = 1000
SEED = 20_140_113
LOWER, UPPER = 0.025, 0.975
WORD = "I" if array("I").itemsize == 4 else "L"


# -- the reference: the bootstrap as shipped before the linearisation ----------------------------------


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated between neighbours (Hyndman and Fan's type 7)."""
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


class CasePacker:
    """Each case's (applicable, above) counts per question, packed into one integer (fields 2*slot, 2*slot + 1)."""

    def __init__(self, slots: int, cases: int) -> None:
        self.width = 1 if cases < 2**8 else 2 if cases < 2**16 else 4
        self.typecode = {1: "B", 2: "H", 4: "I"}[self.width]
        if array(self.typecode).itemsize != self.width:  # pragma: no cover - exotic platforms
            self.typecode = "L" if array("L").itemsize == self.width else "Q"
        self.size = 2 * slots * self.width

    def pack(self, fields: Iterable[int]) -> int:
        data = bytearray(self.size)
        for index in fields:
            data[index * self.width] = 1
        return int.from_bytes(data, "little")

    def unpack(self, total: int) -> array[int]:
        counts = array(self.typecode)
        counts.frombytes(total.to_bytes(self.size, "little"))
        if sys.byteorder == "big":  # pragma: no cover
            counts.byteswap()
        return counts


def draw_indices(rng: random.Random, n: int) -> list[int]:
    """n case positions drawn uniformly with replacement (32 random bits each, scaled by multiplying)."""
    words = array(WORD)
    words.frombytes(rng.randbytes(4 * n))
    return [(word * n) >> 32 for word in words]


def bootstrap_intervals(
    fields: Sequence[Sequence[int]],
    slots: int,
    groups: Mapping[str, Sequence[int]],
    scores: Mapping[str, Fraction | None],
    resamples: int = RESAMPLES,
) -> dict[str, Interval | None]:
    """Percentile intervals of means of question shares over resamples of whole cases (seeded)."""
    packer = CasePacker(slots, len(fields))
    packed = [packer.pack(f) for f in fields]
    keys = [key for key in groups if scores.get(key) is not None]
    found: dict[str, Interval | None] = dict.fromkeys(groups)
    if not packed or not keys:
        return found
    rng = random.Random(SEED)
    samples: dict[str, list[float]] = {key: [] for key in keys}
    for _ in range(resamples):
        counts = packer.unpack(sum(packed[i] for i in draw_indices(rng, len(packed))))
        shares = [above / applicable if applicable else None for applicable, above in zip(counts[0::2], counts[1::2])]
        for key in keys:
            values = [share for slot in groups[key] if (share := shares[slot]) is not None]
            if values:
                samples[key].append(sum(values) / len(values))
    for key in keys:
        values = sorted(samples[key])
        score = scores[key]
        assert score is not None
        if values:
            found[key] = contain(percentile(values, LOWER), percentile(values, UPPER), score)
    return found


# -- inputs in the shared form: per case, 2*slot where a question counts, 2*slot + 1 where above ----------


def case_fields(instrument: Instrument, cases: Sequence[CaseInput]) -> list[list[int]]:
    """Each case's fields, read off scoring the case alone (the engine decides what counts)."""
    slot_of = {q.id: slot for slot, q in enumerate(instrument.scored_questions)}
    fields = []
    for case in sorted(cases, key=lambda c: c.case_ref):
        alone = score_cases(instrument, [case]).questions
        fields.append(
            [2 * slot_of[qid] for qid, q in alone.items() if q.applicable]
            + [2 * slot_of[qid] + 1 for qid, q in alone.items() if q.above_line]
        )
    return fields


def figures(
    fields: Sequence[Sequence[int]], slots: int, groups: Mapping[str, Sequence[int]]
) -> tuple[list[tuple[int, int]], dict[str, list[int]], dict[str, Fraction | None]]:
    """Each slot's (N, A), the groups with only questions that count somewhere, and the exact figures."""
    totals = [[0, 0] for _ in range(slots)]
    for case in fields:
        for field in case:
            totals[field // 2][field % 2] += 1
    counted = {key: [s for s in members if totals[s][0]] for key, members in groups.items()}
    scores: dict[str, Fraction | None] = {}
    for key, members in counted.items():
        shares = [Fraction(totals[s][1], totals[s][0]) for s in members]
        scores[key] = sum(shares, Fraction(0)) / len(shares) if shares else None
    return [(n, a) for n, a in totals], counted, scores


def width(interval: Interval | None) -> float:
    assert interval is not None
    return interval[1] - interval[0]


# -- the reference is the engine's method -----------------------------------------------------------------


def test_the_reference_bootstrap_is_the_engine_scoring_resampled_cases(mini_instrument: Instrument) -> None:
    """Each resample of the reference, scored by score_cases, gives the same percentiles."""
    cases = sorted(random_cases(mini_instrument, 40, seed=5), key=lambda c: c.case_ref)
    slots = len(mini_instrument.scored_questions)
    result = score_cases(mini_instrument, cases)
    slot_of = {q.id: slot for slot, q in enumerate(mini_instrument.scored_questions)}
    groups = {key: [slot_of[qid] for qid in o.questions] for key, o in result.outcomes.items()}
    scores = {key: o.score for key, o in result.outcomes.items()}
    found = bootstrap_intervals(case_fields(mini_instrument, cases), slots, groups, scores, resamples=60)
    rng = random.Random(SEED)
    resampled = [score_cases(mini_instrument, [cases[i] for i in draw_indices(rng, len(cases))]) for _ in range(60)]
    for key, outcome in result.outcomes.items():
        values = sorted(float(r.outcomes[key].score) for r in resampled if r.outcomes[key].score is not None)
        assert outcome.score is not None
        expected = contain(percentile(values, LOWER), percentile(values, UPPER), outcome.score)
        assert found[key] == pytest.approx(expected, abs=1e-12), key  # a float mean against a Fraction's


# -- the two agree -------------------------------------------------------------------------------------------


@st.composite
def correlated_inspections(draw: st.DrawFn) -> tuple[list[list[int]], int, dict[str, list[int]]]:
    """30-150 cases of 2-15 questions; each case leans better or worse as a whole (answers go together)."""
    slots = draw(st.integers(2, 15))
    cases = draw(st.integers(30, 150))
    rng = random.Random(draw(st.integers(0, 2**32)))
    counts_in = [rng.uniform(0.5, 1.0) for _ in range(slots)]
    level = [rng.uniform(0.25, 0.75) for _ in range(slots)]
    spread = draw(st.floats(0.0, 0.25))
    fields = []
    for _ in range(cases):
        lean = rng.uniform(-spread, spread)
        counted = [slot for slot in range(slots) if rng.random() < counts_in[slot]]
        fields.append([2 * s for s in counted] + [2 * s + 1 for s in counted if rng.random() < level[s] + lean])
    groups = {"all": list(range(slots))}
    for n in range(draw(st.integers(0, 4))):
        members = sorted(set(draw(st.lists(st.integers(0, slots - 1), min_size=2, max_size=slots))))
        if len(members) > 1:
            groups[f"g{n}"] = members
    return fields, slots, groups


@settings(max_examples=60, deadline=None)
@given(correlated_inspections())
def test_the_linearised_widths_are_within_a_fifth_of_the_bootstraps(
    inspection: tuple[list[list[int]], int, dict[str, list[int]]],
) -> None:
    fields, slots, groups = inspection
    totals, counted, scores = figures(fields, slots, groups)
    linearised = linearised_intervals(fields, totals, counted, scores)
    reference = bootstrap_intervals(fields, slots, counted, scores)
    for key, score in scores.items():
        if score is None or len(counted[key]) < 2:
            continue
        lo, hi = linearised[key]  # type: ignore[misc]
        assert 0 <= lo <= score <= hi <= 1
        assert width(linearised[key]) == pytest.approx(width(reference[key]), rel=0.2), key


def test_on_the_demo_the_two_agree(tmp_path: Path) -> None:
    """The demo inspection (86 cases, its cases leaning together): every outcome and the criteria with a
    base of 30 cases or more within 10 % of the bootstrap's width; the centres within a point."""
    from hmip_desktop.model.demo import generate_demo
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.scoring.load import inputs_from_file

    lead = generate_demo(tmp_path / "demo")[-1]
    with InspectionFile.open(lead, read_only=True) as inspection:
        instrument = inspection.instrument
        cases = [c for c in inputs_from_file(inspection) if c.complete and not c.held_out]
    result = score_cases(instrument, cases)
    slot_of = {q.id: slot for slot, q in enumerate(instrument.scored_questions)}
    fields = case_fields(instrument, cases)
    groups = {f"o:{key}": [slot_of[qid] for qid in o.questions] for key, o in result.outcomes.items()}
    groups.update({f"c:{code}": [slot_of[qid] for qid in c.questions] for code, c in result.criteria.items()})
    figures_now = {f"o:{key}": o for key, o in result.outcomes.items()}
    figures_now.update({f"c:{code}": c for code, c in result.criteria.items()})
    reference = bootstrap_intervals(fields, len(slot_of), groups, {k: f.score for k, f in figures_now.items()})
    compared = 0
    for key, figure in figures_now.items():
        base = sum(1 for case in fields if any(field // 2 in set(groups[key]) for field in case))
        if figure.score is None or base < 30 or len(groups[key]) < 2:
            continue
        compared += 1
        assert width(figure.interval) == pytest.approx(width(reference[key]), rel=0.1), key
        centre = sum(figure.interval) / 2  # type: ignore[arg-type]
        assert centre == pytest.approx(sum(reference[key]) / 2, abs=0.01), key  # type: ignore[arg-type]
    assert compared >= 5 + 10  # the five outcomes and most criteria
