"""The bootstrap's faster loop gives the very same intervals as the plain one (issue 16).

`bootstrap_intervals` takes each resample's means with itemgetter and C sums when every question
counts in the resample, and packs 8-bit fields for up to 255 cases. Both are only faster ways to the
same floats: `reference_intervals` below is the loop as first written, and the intervals must be
equal, not close.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from hmip_desktop.scoring import intervals
from hmip_desktop.scoring.intervals import (
    LOWER,
    SEED,
    UPPER,
    CasePacker,
    Interval,
    _contain,
    bootstrap_intervals,
    draw_indices,
    percentile,
)


def reference_intervals(
    packed: Sequence[int],
    packer: CasePacker,
    groups: Mapping[str, Sequence[int]],
    scores: Mapping[str, Fraction | None],
    resamples: int,
) -> dict[str, Interval | None]:
    keys = [key for key in groups if scores.get(key) is not None]
    if not packed or not keys:
        return dict.fromkeys(groups)
    rng = random.Random(SEED)
    samples: dict[str, list[float]] = {key: [] for key in keys}
    for _ in range(resamples):
        counts = packer.unpack(sum(packed[i] for i in draw_indices(rng, len(packed))))
        shares = [above / applicable if applicable else None for applicable, above in zip(counts[0::2], counts[1::2])]
        for key in keys:
            values = [share for slot in groups[key] if (share := shares[slot]) is not None]
            if values:
                samples[key].append(sum(values) / len(values))
    found: dict[str, Interval | None] = dict.fromkeys(groups)
    for key in keys:
        values = sorted(samples[key])
        score = scores[key]
        assert score is not None
        if values:
            found[key] = _contain(percentile(values, LOWER), percentile(values, UPPER), score)
    return found


@st.composite
def bootstrap_inputs(draw: st.DrawFn) -> tuple[list[list[int]], int, dict[str, list[int]]]:
    slots = draw(st.integers(1, 12))
    cases = draw(st.integers(1, 40))
    # Rare questions (counted in few cases) make resamples where they count in none.
    rarity = [draw(st.floats(0.02, 1.0)) for _ in range(slots)]
    rng = random.Random(draw(st.integers(0, 2**32)))
    fields = []
    for _ in range(cases):
        counted = [slot for slot in range(slots) if rng.random() < rarity[slot]]
        fields.append([2 * slot for slot in counted] + [2 * slot + 1 for slot in counted if rng.random() < 0.6])
    groups = {
        f"g{n}": sorted(set(draw(st.lists(st.integers(0, slots - 1), min_size=1, max_size=slots))))
        for n in range(draw(st.integers(1, 6)))
    }
    return fields, slots, groups


@settings(max_examples=80, deadline=None)
@given(bootstrap_inputs())
def test_the_fast_loop_gives_the_same_intervals(case: tuple[list[list[int]], int, dict[str, list[int]]]) -> None:
    fields, slots, groups = case
    packer = CasePacker(slots, len(fields))
    packed = [packer.pack(f) for f in fields]
    totals = packer.unpack(sum(packed))
    shares = [a / n if n else None for n, a in zip(totals[0::2], totals[1::2])]
    scores: dict[str, Fraction | None] = {}
    for key, members in groups.items():
        counted = [Fraction(totals[2 * s + 1], totals[2 * s]) for s in members if totals[2 * s]]
        scores[key] = sum(counted, Fraction(0)) / len(counted) if counted else None
    assert any(share is not None for share in shares) or all(score is None for score in scores.values())
    assert bootstrap_intervals(packed, packer, groups, scores, resamples=40) == reference_intervals(
        packed, packer, groups, scores, 40
    )


def test_fields_are_as_wide_as_the_case_count_needs() -> None:
    assert (CasePacker(3, 255).width, CasePacker(3, 256).width, CasePacker(3, 2**16).width) == (1, 2, 4)
    # 255 cases that all count and are all above the line: every field of the total is 255, none spills.
    packer = CasePacker(3, 255)
    total = packer.unpack(sum([packer.pack(range(6))] * 255))
    assert list(total) == [255] * 6


def test_the_default_number_of_resamples_is_used_when_none_is_given() -> None:
    packer = CasePacker(1, 3)
    packed = [packer.pack([0, 1]), packer.pack([0]), packer.pack([0, 1])]
    scores: dict[str, Fraction | None] = {"g": Fraction(2, 3)}
    assert bootstrap_intervals(packed, packer, {"g": [0]}, scores) == reference_intervals(
        packed, packer, {"g": [0]}, scores, intervals.RESAMPLES
    )
