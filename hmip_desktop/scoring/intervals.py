"""How precise the scores are: 95 % intervals for questions, criteria and outcomes.

A published figure rests on about 80 cases, so "63 %" could as well have been
55 % or 70 % with another sample of the same work. Two methods, both pure
Python (no numeric library), both deterministic:

- **A question** is a share of cases (n above the line of N that count), so its
  interval is the Wilson score interval, which stays inside 0..1 and behaves
  for small N and for shares near 0 or 1 (unlike the textbook p ± 1.96·SE).
- **A criterion or an outcome** is a mean of question shares, S = (1/Q) Σ_q A_q/N_q,
  over questions answered on the same cases by the same assessor: the answers
  within a case are correlated, so the case, not the answer, is the unit of
  variation. Its variance is the Taylor-linearised (cluster-robust) variance
  of a mean of ratio estimators with the case as cluster: case i contributes
  z_i = (1/Q) Σ_q (a_iq − p_q·n_iq)/N_q (a_iq = 1 when the case is above the
  line on q, n_iq = 1 when q counts in it, p_q = A_q/N_q), and
  Var(S) ≈ n/(n − 1) · Σ_i z_i², n = the cases in the figure's base (those
  where at least one of its questions counts). The interval is
  S ± 1.96·√Var, kept inside 0..1. This estimates what the case-resampling
  bootstrap estimated (the spread of S over resamples of whole cases) in one
  pass over the cases, with no random numbers (docs/moderation.md).
- **Where the variance says nothing** -- a figure with fewer than two cases in
  its base, or whose cases all contribute z_i = 0 (every case above the line
  on every question, say) -- the figure gets the Wilson interval of S as a
  share of its n cases, as if each case were a single yes-or-no judgement
  (the most the answers within a case could go together), rather than the
  false certainty of [S, S]. A figure of a single question is that question,
  so it gets the question's own Wilson interval (not the symmetric one).

Cost: one extra pass over each scored case's event codes (the engine's walk
keeps them), a few additions per answer; no resampling.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from operator import itemgetter, mul

#: The normal quantile for a two-sided 95 % interval (NormalDist().inv_cdf(0.975)).
Z95 = 1.959963984540054

#: A half-width at or below this is rounding noise on a variance that is exactly 0 (every z_i = 0).
NO_SPREAD = 1e-9

Interval = tuple[float, float]


def wilson_bounds(share: float, total: int, z: float = Z95) -> Interval:
    """The Wilson score interval's ends for a share observed over `total` (> 0) trials, unclipped."""
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (share + z2 / (2 * total)) / denominator
    half = z * math.sqrt(max(share * (1 - share), 0.0) / total + z2 / (4 * total * total)) / denominator
    return centre - half, centre + half


def wilson_interval(successes: int, total: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval of successes/total (None when total is 0)."""
    if total <= 0:
        return None
    if not 0 <= successes <= total:
        raise ValueError(f"{successes} successes of {total}")
    return contain(*wilson_bounds(successes / total, total, z), Fraction(successes, total))


def contain(lo: float, hi: float, score: Fraction) -> Interval:
    """Inside 0..1 and around the score, exactly: lo <= score <= hi holds for the Fraction as for its float.

    (Clips a symmetric interval that runs past 0 or 1, and guards against rounding.)
    """
    point = float(score)
    lo, hi = max(0.0, min(lo, point)), min(1.0, max(hi, point))
    if Fraction(lo) > score:
        lo = math.nextafter(lo, 0.0)
    if Fraction(hi) < score:
        hi = math.nextafter(hi, 1.0)
    return lo, hi


def linearised_intervals(
    cases: Iterable[Sequence[int]],
    totals: Sequence[tuple[int, int]],
    groups: Mapping[str, Sequence[int]],
    scores: Mapping[str, Fraction | None],
    *,
    stride: int = 2,
    applicable: int = 0,
    above: int = 1,
) -> dict[str, Interval | None]:
    """95 % intervals for means of question shares, with the case as the unit of variance.

    `cases` holds each scored case's event codes: code stride*slot + `applicable`
    where question `slot` counts in the case, and also stride*slot + `above`
    where the work was above the line (any other code is ignored, so answers
    that do not count change nothing). `totals` are each slot's (N, A) over
    all the cases; `groups` names, per figure, the slots whose shares it
    averages (each with N > 0, as in the engine's figures); `scores` are the
    figures themselves. The result does not depend on the order of the cases:
    each case's z_i is computed within the case, and the squares are summed
    exactly (math.fsum).
    """
    keys = [key for key in groups if scores.get(key) is not None and groups[key]]
    found: dict[str, Interval | None] = dict.fromkeys(groups)
    if not keys:
        return found
    # Slots that sit in the same figures form a block: a case's contribution is summed per block
    # (one addition per answer), and a figure's z_i is the sum over its blocks.
    membership: dict[int, list[int]] = {}
    for index, key in enumerate(keys):
        for slot in groups[key]:
            membership.setdefault(slot, []).append(index)
    block_of_signature: dict[tuple[int, ...], int] = {}
    slot_block: dict[int, int] = {}
    for slot in sorted(membership):
        slot_block[slot] = block_of_signature.setdefault(tuple(membership[slot]), len(block_of_signature))
    spare = len(block_of_signature)  # where every code outside the figures goes, with weight 0
    size = stride * len(totals)
    block_of = [spare] * size
    weight = [0.0] * size
    for slot, block in slot_block.items():
        count, above_count = totals[slot]
        if count <= 0:
            raise ValueError(f"slot {slot} is in a figure but counts in no case")
        share = above_count / count
        block_of[stride * slot + applicable] = block_of[stride * slot + above] = block
        weight[stride * slot + applicable] = -share / count
        weight[stride * slot + above] = 1 / count
    # Per case: the sum of its contributions in each block, and a 1 for each block it counts in. A plain
    # loop over the codes (~200 a case, about 10 ns each) beats every C-level regrouping tried (groupby
    # runs, prefix sums): their per-item overhead is larger than the loop's.
    block_sums: list[list[float]] = []
    block_hits: list[list[int]] = []
    for events in cases:
        sums = [0.0] * (spare + 1)
        hits = [0] * (spare + 1)
        for code in events:
            block = block_of[code]
            sums[block] += weight[code]
            hits[block] = 1
        block_sums.append(sums)
        block_hits.append(hits)
    for key in keys:
        score = scores[key]
        assert score is not None
        slots = groups[key]
        if len(slots) == 1:
            count, above_count = totals[slots[0]]
            found[key] = wilson_interval(above_count, count)
            continue
        blocks = sorted({slot_block[slot] for slot in slots})
        # Each case's Q·z_i, the sum over the figure's blocks (a fixed order, so the same floats every time).
        if len(blocks) == 1:
            column = list(map(itemgetter(blocks[0]), block_sums))
        else:
            column = list(map(sum, map(itemgetter(*blocks), block_sums)))
        # The base: cases where one of the figure's questions counts (the others have z_i = 0).
        if len(blocks) == 1:
            n = sum(map(itemgetter(blocks[0]), block_hits))
        else:
            n = sum(map(any, map(itemgetter(*blocks), block_hits)))
        squares = math.fsum(map(mul, column, column)) / (len(slots) * len(slots))
        half = Z95 * math.sqrt(n / (n - 1) * squares) if n >= 2 else 0.0
        if half > NO_SPREAD:
            found[key] = contain(float(score) - half, float(score) + half, score)
        elif n >= 1:
            found[key] = contain(*wilson_bounds(float(score), n), score)
    return found
