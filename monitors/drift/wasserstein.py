"""Wasserstein distance, normed (Evidently's ``wasserstein_distance_norm.py``): numerical.

``scipy.stats.wasserstein_distance(reference, window) / max(std(reference), 0.001)``; the
statistic reported is the unnormed distance. Drift when the normed distance >= the threshold,
0.1 by default.

A window costs its one sort. The area between the two quantile functions is cut into blocks of
W1_BLOCK values; where the functions cannot cross within a block, its area comes from prefix
sums (the reference's computed at fit), and only the blocks where they may cross are summed
segment by segment (equal to scipy's to ~1e-12 relative; see ``_w1``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitors.drift.prepare import ReferenceColumn, WindowColumn, frozen, ranges
from monitors.drift.registry import DISTANCE, NUMERICAL, Score, method

W1_BLOCK = 32  # values of the larger sample per block when bounding Wasserstein areas (see _w1)
W1_CENTER_RATIO = 10.0  # centre the sums when |median| > this many standard deviations


@dataclass(frozen=True, eq=False)
class WassersteinReference:
    values: np.ndarray  # sorted finite values
    std_norm: float  # wasserstein_distance_norm: max(std, 0.001)
    center: float  # what the sums are centred on: 0, or the median
    block_prefix: np.ndarray  # sums of values - center below every W1_BLOCK-th value
    block_first: np.ndarray  # the first and last value of each W1_BLOCK block
    block_last: np.ndarray


def fit(reference: ReferenceColumn) -> WassersteinReference:
    values = reference.sorted
    assert values is not None and reference.finite is not None
    std = float(np.std(pd.Series(reference.finite)))
    # Sums of raw values lose about eps * |median| / std of the normed distance per block; far
    # from zero (timestamps, prices in cents) the values are centred on the median first.
    median = float(values[values.size // 2])
    center = median if abs(median) > W1_CENTER_RATIO * std else 0.0
    edges = _w1_edges(values.size)
    return WassersteinReference(
        values=values,
        # wasserstein_distance_norm.py: norm = max(float(np.std(reference_data)), 0.001)
        std_norm=max(std, 0.001),
        center=center,
        block_prefix=frozen(_prefix_at(values, center, edges)),
        block_first=frozen(values[edges[:-1]]),
        block_last=frozen(values[edges[1:] - 1]),
    )


@method("wasserstein", NUMERICAL, 0.1, DISTANCE, fit=fit)
def test(ref: WassersteinReference, window: WindowColumn) -> Score:
    cur = window.sorted
    if ref.values.size >= cur.size:  # the reference's block sums were kept at fit
        blocks = (ref.block_prefix, ref.block_first, ref.block_last)
        distance_w1 = _w1(ref.values, blocks, cur, ref.center)
    else:
        distance_w1 = _w1(cur, None, ref.values, ref.center)
    return Score(distance_w1 / ref.std_norm, distance_w1)  # wasserstein_distance_norm.py


def _w1_edges(n: int) -> np.ndarray:
    """Block boundaries for ``_w1``: every W1_BLOCK-th index of the larger sample, and its end."""
    return np.append(np.arange(0, n, W1_BLOCK, dtype=np.int64), n)


def _w1(
    p: np.ndarray, p_blocks: tuple[np.ndarray | None, ...] | None, q: np.ndarray, center: float
) -> float:
    """W1 of two sorted samples, ``p`` the larger: the area between their quantile functions.

    W1 = integral of |F_p - F_q| dx (what scipy sums along the values) = integral over [0, 1)
    of |Q_p(t) - Q_q(t)| dt, with Q_p(t) = p[floor(t n)] and Q_q(t) = q[floor(t m)].

    The t-axis is cut into blocks of W1_BLOCK values of ``p``. In a block where the smallest
    value of one sample is at least the largest of the other, the sign of Q_p - Q_q is fixed and
    the block's area is a difference of the two samples' integrals, read off their prefix sums
    (``p_blocks``, when known: p's sums at the block boundaries and each block's first and last
    value). Only the blocks where the quantile functions may cross are summed segment by
    segment on the merged breakpoints {i/n} U {j/m}. Two samples of one distribution cross
    about sqrt(n) times, so a window costs a sort, one pass of sums and a few thousand segments
    (the whole merge when they interleave everywhere, never more).
    """
    n, m = p.size, q.size
    # block boundaries in p's indices; on the integer scale t * n * m they are e * m
    edges = _w1_edges(n)
    if p_blocks is None:
        p_blocks = (_prefix_at(p, center, edges), p[edges[:-1]], p[edges[1:] - 1])
    p_at_edges, p_first, p_last = p_blocks
    scaled = edges * m
    q_at = scaled // n  # q's index at each boundary: floor(e m / n)
    q_rem = (scaled - q_at * n) / n  # the fraction of q's value interval before the boundary
    # H(e) = integral_0^t (Q_p - Q_q), t = e / n: p's prefix sum minus q's (with the partial value)
    partial = q_rem * (q[np.minimum(q_at, m - 1)] - center)
    area = p_at_edges / n - (_prefix_at(q, center, q_at) + partial) / m
    q_lo = q_at[:-1]  # q's values met in block k: indices q_lo[k] ..= q_hi[k]
    q_hi = (scaled[1:] - 1) // n
    above = p_first >= q[q_hi]  # Q_p >= Q_q throughout the block
    below = p_last <= q[q_lo]  # Q_p <= Q_q throughout
    steps = np.diff(area)
    total = float(steps[above].sum()) - float(steps[below & ~above].sum())
    mixed = np.flatnonzero(~(above | below))
    if mixed.size:
        total += _w1_segments(p, q, edges[mixed], edges[mixed + 1], q_lo[mixed], q_hi[mixed])
    return max(total, 0.0)


def _w1_segments(
    p: np.ndarray,
    q: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    q_lo: np.ndarray,
    q_hi: np.ndarray,
) -> float:
    """The area |Q_p - Q_q| over p-index blocks [starts[k], stops[k]), segment by segment.

    On the integer scale s = t * n * m, p's value i starts at i m and q's value j at j n; a
    segment starting at s sees p[s // m] and q[s // n].
    """
    n, m = p.size, q.size
    block_start, block_stop = starts * m, stops * m
    points = np.concatenate(
        (
            ranges(starts, stops) * m,  # p's breakpoints (the block starts among them)
            ranges(q_lo + 1, q_hi + 1) * n,  # q's breakpoints strictly inside the blocks
            block_stop,
        )
    )
    points = _sorted_distinct(points)
    left, lengths = points[:-1], np.diff(points)
    block = np.searchsorted(block_start, left, side="right") - 1
    inside = left < block_stop[block]  # not the gap between two blocks that do not touch
    left, lengths = left[inside], lengths[inside]
    gaps = np.abs(p[left // m] - q[left // n])
    return float(np.dot(gaps, lengths)) / n / m


def _prefix_at(values: np.ndarray, center: float, index: np.ndarray) -> np.ndarray:
    """Sums of ``values - center`` below each of ``index`` (sorted positions in [0, size],
    repeats allowed), without the whole cumsum.

    A full prefix sum is a sequential pass over every value; the sums between the positions
    asked for are one ``add.reduceat``, accumulated over the few positions.
    With a non-zero ``center`` the values are centred first: summing raw values far from zero
    (timestamps, say) would lose the differences the areas are made of.
    """
    if center:
        values = np.subtract(values, center)
    size = values.size
    new = np.empty(index.size, dtype=bool)
    new[:1] = True
    np.not_equal(index[1:], index[:-1], out=new[1:])
    distinct = index[new]
    inner = distinct[(distinct > 0) & (distinct < size)]
    at = np.cumsum(np.add.reduceat(values, np.concatenate(([0], inner))))  # at inner..., size
    table = np.concatenate(
        (
            [0.0] if distinct[0] == 0 else [],
            at[: inner.size],
            at[-1:] if distinct[-1] == size else [],
        )
    )
    return table[np.cumsum(new) - 1]


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """np.unique for a few integers, by a sort (numpy 2's hash-based unique is slower here)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values
