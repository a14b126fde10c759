"""Wasserstein distance, normed (Evidently's ``wasserstein_distance_norm.py``): numerical.

``scipy.stats.wasserstein_distance(reference, window) / max(std(reference), 0.001)``; the
statistic reported is the unnormed distance. Drift when the normed distance >= the threshold,
0.1 by default.

A window costs its one sort. The area between the two quantile functions is cut into blocks of
W1_BLOCK values; where the functions cannot cross within a block, its area comes from prefix
sums (the reference's computed at fit), and only the blocks where they may cross are summed
segment by segment (equal to scipy's to ~1e-12 relative; see ``_w1``). A window held by an
engine has its W1 computed there, from both sides' cumulative counts per distinct value
(``monitors.drift.queried``); the norming is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitors.bucketing import Buckets
from monitors.drift.prepare import ReferenceColumn, WindowColumn, frozen, ranges
from monitors.drift.queried import QueriedColumn
from monitors.drift.registry import DISTANCE, NUMERICAL, Score, method

W1_BLOCK = 32  # values of the larger sample per block when bounding Wasserstein areas (see _w1)
W1_CENTER_RATIO = 10.0  # centre the sums when |median| > this many standard deviations


@dataclass(frozen=True, eq=False)
class WassersteinReference:
    values: np.ndarray  # sorted finite values
    std_norm: float  # wasserstein_distance_norm: max(std, 0.001)
    buckets: Buckets  # block edges: every W1_BLOCK-th value, distinct
    below: np.ndarray  # #values < the start of each block: [0, below each edge..., n]
    offsets: np.ndarray  # per block: the sum of (value - block start); block 0 has none


def fit(reference: ReferenceColumn) -> WassersteinReference:
    values = reference.sorted
    assert values is not None and reference.finite is not None
    std = float(np.std(pd.Series(reference.finite)))
    edges = values[::W1_BLOCK]
    edges = edges[np.concatenate(([True], edges[1:] != edges[:-1]))]
    below = np.concatenate(([0], np.searchsorted(values, edges, side="left"), [values.size]))
    starts = np.concatenate(([edges[0]], edges))  # block 0 holds no reference value
    block = np.repeat(np.arange(edges.size + 1), np.diff(below))
    offsets = np.bincount(block, weights=values - starts[block], minlength=edges.size + 1)
    return WassersteinReference(
        values=values,
        # wasserstein_distance_norm.py: norm = max(float(np.std(reference_data)), 0.001)
        std_norm=max(std, 0.001),
        buckets=Buckets(frozen(edges)),
        below=frozen(below),
        offsets=frozen(offsets),
    )


@method("wasserstein", NUMERICAL, 0.1, DISTANCE, fit=fit)
def test(ref: WassersteinReference, window: WindowColumn) -> Score:
    if isinstance(window, QueriedColumn):  # computed where the window is
        distance_w1 = window.distances(ref.values).w1
    else:
        distance_w1 = _w1(ref, window)
    return Score(distance_w1 / ref.std_norm, distance_w1)  # wasserstein_distance_norm.py


def _w1(ref: WassersteinReference, window: WindowColumn) -> float:
    """scipy's W1 = integral of |F_ref - F_cur| dx, block by block, the window unsorted.

    The x-axis is cut at the reference's block edges (every W1_BLOCK-th value): block 0 below
    the first edge, block k in [edge k-1, edge k), the last one up to the largest value of
    either sample. Within a block each CDF lies between its values at the block's two ends; when
    those ranges do not overlap the sign of F_ref - F_cur is fixed there, and the block's area
    is the difference of the two integrals, which the counts and the sums of (value - block
    start) of each side give: integral of F = (#values below the block's end * length - sum of
    offsets) / n. Only the blocks where the CDFs may cross are integrated point by point, on the
    merged values of just those blocks (the window's sorted there alone), as scipy does on all.
    """
    values, edges = ref.values, ref.buckets.edges
    n1, n2 = values.size, window.rows
    block = window.blocks(ref.buckets)
    nblocks = edges.size + 1
    low, high = window.range
    starts = np.concatenate(([min(low, float(edges[0]))], edges))
    ends = np.concatenate((edges, [max(high, float(values[-1]))]))
    counts = np.bincount(block, minlength=nblocks)
    offsets = np.bincount(block, weights=window.values - starts[block], minlength=nblocks)
    ref_below, cur_below = ref.below.astype(np.int64), np.concatenate(([0], np.cumsum(counts)))
    # F_ref <= F_cur throughout a block: F_ref's largest there <= F_cur's smallest (integers)
    ref_under = ref_below[1:] * n2 <= cur_below[:-1] * n1
    cur_under = cur_below[1:] * n1 <= ref_below[:-1] * n2
    lengths = ends - starts
    # integral of F_cur - F_ref over each block (the counts' difference an exact integer)
    diff = (
        lengths * ((cur_below[1:] * n1 - ref_below[1:] * n2) / (n1 * n2))
        - offsets / n2
        + ref.offsets / n1
    )
    total = float(diff[ref_under & ~cur_under].sum()) - float(diff[cur_under].sum())
    mixed = np.flatnonzero(~(ref_under | cur_under))
    if mixed.size:
        total += _w1_mixed(ref, window, mixed, starts, ends, cur_below)
    return max(total, 0.0)


def _w1_mixed(
    ref: WassersteinReference,
    window: WindowColumn,
    mixed: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    cur_below: np.ndarray,
) -> float:
    """integral of |F_ref - F_cur| over the blocks ``mixed``, on their merged points."""
    values = ref.values
    n1, n2 = values.size, window.rows
    cur = window.sorted_in(ref.buckets, mixed)  # these blocks' window values, in order
    sizes = cur_below[mixed + 1] - cur_below[mixed]
    ref_part = values[ranges(ref.below[mixed], ref.below[mixed + 1])]
    points = np.unique(np.concatenate((starts[mixed], ends[mixed], ref_part, cur)))
    left, right = points[:-1], points[1:]
    # a segment belongs to a mixed block when it starts inside one and ends by its end
    home = np.searchsorted(starts[mixed], left, side="right") - 1
    inside = (home >= 0) & (right <= ends[mixed][np.maximum(home, 0)])
    left, right = left[inside], right[inside]
    at_ref = np.searchsorted(values, left, side="right")
    # #cur <= x in block j = cur_below[j] + #(j's values <= x); `cur` holds the earlier mixed
    # blocks' values before j's and the later ones after, all on the right side of x
    base = cur_below[mixed] - (np.cumsum(sizes) - sizes)
    at_cur = np.searchsorted(cur, left, side="right") + base[home[inside]]
    return float(np.dot(np.abs(at_ref / n1 - at_cur / n2), right - left))
