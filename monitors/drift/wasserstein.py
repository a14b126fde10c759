"""Wasserstein distance, normed (Evidently's ``wasserstein_distance_norm.py``): numerical.

``scipy.stats.wasserstein_distance(reference, window) / max(std(reference), 0.001)``; the
statistic reported is the unnormed distance. Drift when the normed distance >= the threshold,
0.1 by default.

A window is not sorted. The area between the two CDFs is cut into blocks at every W1_BLOCK-th
reference value; where the CDFs cannot cross within a block, its area comes from the counts and
sums of each side (the reference's computed at fit); the blocks where they may cross are cut
again at each of their reference values, and only the segments where they do cross have their
window values sorted (equal to scipy's to ~1e-12 relative; see ``_w1`` and ``_w1_mixed``). A window held by an
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
    offsets) / n. The blocks where the CDFs may cross are integrated segment by segment
    (``_w1_mixed``).
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
    """integral of |F_ref - F_cur| over the blocks ``mixed``, the window sorted only where the
    two CDFs cross.

    The blocks are cut into segments at their ends and at each of their reference values, so
    F_ref is one number on each segment. F_cur rises within a segment from #cur below it to
    that plus the segment's count; when the two ranges do not overlap, the segment's area is
    the difference of the two integrals, F_cur's from the count below and the sum of (segment
    end - value) over the segment's window values. Only the segments where F_cur crosses F_ref
    are summed piece by piece between their window values.
    """
    values = ref.values
    n1, n2 = values.size, window.rows
    ref_counts = ref.below[mixed + 1] - ref.below[mixed]
    ref_part = values[ranges(ref.below[mixed], ref.below[mixed + 1])]
    # each block's start, reference values and end, block after block: already in order
    sizes = ref_counts + 2
    at = np.cumsum(sizes) - sizes
    laid = np.empty(int(sizes.sum()))
    laid[at] = starts[mixed]
    laid[at + sizes - 1] = ends[mixed]
    laid[ranges(at + 1, at + 1 + ref_counts)] = ref_part
    points = laid[np.concatenate(([True], laid[1:] != laid[:-1]))]
    left, right = points[:-1], points[1:]
    if left.size == 0:  # the blocks are one point: no length
        return 0.0
    # a segment belongs to a mixed block when it starts inside one and ends by its end
    home = np.maximum(np.searchsorted(starts[mixed], left, side="right") - 1, 0)
    inside = (left >= starts[mixed][home]) & (right <= ends[mixed][home])
    # F_ref on each segment: #ref <= its start (the earlier mixed blocks' values counted out)
    ref_offset = np.cumsum(ref_counts) - ref_counts
    ref_le = (
        np.searchsorted(ref_part, left, side="right") - ref_offset[home] + ref.below[mixed][home]
    )
    # the window's values in these blocks, each in its segment (the last end is closed)
    cur = window.sorted_in(ref.buckets, mixed)  # sorted, so the searches below run in order
    segment = np.minimum(np.searchsorted(points, cur, side="right") - 1, left.size - 1)
    count = np.bincount(segment, minlength=left.size)
    offsets = np.bincount(segment, weights=cur - left[segment], minlength=left.size)
    before = np.cumsum(count) - count  # the window's values in earlier segments
    # each block's first segment (a block of no length, at the last point, has none)
    first = np.minimum(np.searchsorted(points, starts[mixed]), left.size - 1)
    cur_lt = cur_below[mixed][home] + before - before[first][home]
    # n1 n2 (F_ref - F_cur) at the segment's end, an exact integer; F_ref <= F_cur throughout
    # when it is <= 0 at the start, F_cur <= F_ref throughout when it is >= 0 at the end
    at_end = ref_le * n2 - (cur_lt + count) * n1
    ref_under = inside & (ref_le * n2 <= cur_lt * n1)
    cur_under = inside & ~ref_under & (at_end >= 0)
    # integral of F_ref - F_cur over the segment: from its end, F_cur's steps added back
    signed = (at_end * (right - left) + n1 * offsets) / (n1 * n2)
    total = float(signed[cur_under].sum()) - float(signed[ref_under].sum())
    crossing = inside & ~ref_under & ~cur_under
    if crossing.any():
        total += _w1_crossing(cur, segment, crossing, left, right, ref_le, cur_lt, n1, n2)
    return total


def _w1_crossing(
    cur: np.ndarray,
    segment: np.ndarray,
    crossing: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    ref_le: np.ndarray,
    cur_lt: np.ndarray,
    n1: int,
    n2: int,
) -> float:
    """integral of |F_ref - F_cur| over the segments ``crossing``, piece by piece between
    their window values (``cur``, sorted; F_cur steps up by 1 / n2 at each)."""
    picked = crossing[segment]
    ys, segs = cur[picked], segment[picked]  # sorted, segment after segment
    heads = np.flatnonzero(np.concatenate(([True], segs[1:] != segs[:-1])))
    rank = np.arange(ys.size) - np.repeat(heads, np.diff(np.append(heads, ys.size)))
    following = np.append(ys[1:], 0.0)
    last = np.append(segs[1:] != segs[:-1], True)
    following[last] = right[segs[last]]
    # n1 n2 |F_ref - F_cur| from each value to the next, and from the segment's start to its
    # first value (F_cur there is #cur below the segment)
    gap = np.abs(ref_le[segs] * n2 - (cur_lt[segs] + rank + 1) * n1)
    area = float(np.dot(gap, following - ys))
    first = segs[heads]
    gap = np.abs(ref_le[first] * n2 - cur_lt[first] * n1)
    area += float(np.dot(gap, ys[heads] - left[first]))
    return area / (n1 * n2)
