"""Two-sample Kolmogorov-Smirnov test (Evidently's ``ks_stattest.py``): numerical columns.

The p-value is ``scipy.stats.ks_2samp(reference, window)``'s (``method="auto"``): scipy's own
exact computation when max(n1, n2) <= 10,000, else the asymptotic ``kstwo.sf(D, round(n1 n2 /
(n1 + n2)))``, whose Smirnov series branch is summed vectorised (``monitors.drift.smirnov``).
Drift when p <= the threshold, 0.05 by default.

A window is not sorted: each value is placed in its block between the reference's block edges,
D is bounded block by block from the counts at the edges, and only the few blocks that can hold
the maximum are sorted and evaluated exactly, at the same points and with the same arithmetic as
``ks_2samp``, so D is the same float. A window held by an engine computes D there
(``monitors.drift.queried``); the p-value then comes from D and the two sizes, the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from monitors.bucketing import Buckets
from monitors.drift.prepare import ReferenceColumn, WindowColumn, frozen, ranges
from monitors.drift.queried import QueriedColumn
from monitors.drift.registry import NUMERICAL, P_AT_OR_BELOW, Score, method
from monitors.drift.smirnov import kstwo_sf

# scipy.stats.ks_2samp(method="auto"): the exact p-value when max(n1, n2) <= 10,000
KS_EXACT_MAX_N = 10_000
KS_BLOCK = 32  # reference values per block when bounding the KS statistic (see _ks_statistic)


@dataclass(frozen=True, eq=False)
class KSReference:
    values: np.ndarray  # sorted finite values
    block_edges: np.ndarray  # distinct values among every KS_BLOCK-th value
    block_below: np.ndarray  # how many reference values lie below each edge
    run_ends: np.ndarray | None  # last index of each run of equal values; None: no ties
    buckets: Buckets  # the edges, ready to place a window's values between them
    constant: np.ndarray  # per block (0 below the first edge): the reference's CDF is flat in it


def fit(reference: ReferenceColumn) -> KSReference:
    values = reference.sorted
    assert values is not None
    rows = values.size
    block_edges = values[::KS_BLOCK]
    block_edges = block_edges[np.concatenate(([True], block_edges[1:] != block_edges[:-1]))]
    run_ends = None
    if reference.distinct < rows:
        run_ends = frozen(np.append(np.flatnonzero(values[1:] != values[:-1]), rows - 1))
    below = np.searchsorted(values, block_edges, side="left")
    # block k >= 1 is [edge k-1, edge k): flat when every reference value in it is its edge
    at_most = np.searchsorted(values, block_edges, side="right")
    constant = np.concatenate(([True], at_most == np.append(below[1:], rows)))
    return KSReference(
        values=values,
        block_edges=frozen(block_edges),
        block_below=frozen(below),
        run_ends=run_ends,
        buckets=Buckets(block_edges),
        constant=frozen(constant),
    )


@method("ks", NUMERICAL, 0.05, P_AT_OR_BELOW, fit=fit)
def test(ref: KSReference, window: WindowColumn) -> Score:
    n1, n2 = ref.values.size, window.rows
    if max(n1, n2) <= KS_EXACT_MAX_N:  # small: the exact distribution, by scipy itself
        # (a window in an engine hands over its few values: queried.FETCH_MAX_ROWS)
        result = stats.ks_2samp(ref.values, window.sorted)
        return Score(float(result.pvalue), float(result.statistic))
    if isinstance(window, QueriedColumn):  # D computed where the window is
        d = window.distances(ref.values).ks
    else:
        d = _ks_statistic(ref, window)
    return Score(asymptotic_p_value(d, n1, n2), d)


def asymptotic_p_value(d: float, n1: int, n2: int) -> float:
    """ks_2samp's two-sided p-value in mode "asymp", from D and the two sizes alone."""
    # kstwo.sf(d, round(m*n/(m+n))), clipped to [0, 1]
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.clip(kstwo_sf(d, float(np.round(m * n / (m + n)))), 0, 1))


def _ks_statistic(ref: KSReference, window: WindowColumn) -> float:
    """ks_2samp's two-sided D for the reference and a window, the same float, without sorting
    the window.

    ks_2samp evaluates cdf1 - cdf2 = #ref <= x / n1 - #cur <= x / n2 at every data point x.
    Between two reference block edges (every KS_BLOCK-th reference value) the counts lie between
    their values at the edges, which bounds |cdf1 - cdf2| there from above; just below an edge
    it equals its value at the data point before it, a bound from below for D. The window's
    counts at the edges come from placing each value in its block (one pass, no sort); only
    the blocks whose upper bound reaches that lower bound can hold D, and only their points are
    evaluated exactly (the last of each run of equal values: where ks_2samp's counts are), with
    just those blocks' window values sorted. When the two samples are so alike that most blocks
    qualify, the samples are merged whole instead.
    """
    values = ref.values
    n1, n2 = values.size, window.rows
    block = window.blocks(ref.buckets)
    counts = np.bincount(block, minlength=ref.block_edges.size + 1)
    ref_below = np.concatenate(([0], ref.block_below, [n1]))  # #ref < edge, -inf and +inf added
    cur_below = np.concatenate(([0], np.cumsum(counts)))
    exact = _flat_blocks(ref, window, block, counts, ref_below, cur_below)
    lower = float(np.abs(ref_below / n1 - cur_below / n2).max())
    if exact.size:
        lower = max(lower, float(np.abs(exact).max()))
    upper = np.maximum(
        ref_below[1:] / n1 - cur_below[:-1] / n2, cur_below[1:] / n2 - ref_below[:-1] / n1
    )
    blocks = np.flatnonzero((upper >= lower - 1e-12) & ~ref.constant)
    ref_spans = _end_spans(ref.run_ends, ref_below[blocks], ref_below[blocks + 1])
    sizes = counts[blocks]
    if int((ref_spans[1] - ref_spans[0]).sum()) + int(sizes.sum()) > (n1 + n2) // 4:
        return _ks_statistic_merged(values, window.sorted)
    if blocks.size == 0:  # D lies where the reference is flat
        return _d_from_counts(exact)
    cur = window.sorted_in(ref.buckets, blocks)  # the chosen blocks' values, block after block
    starts = np.cumsum(sizes) - sizes  # where each chosen block begins in `cur`
    shift = cur_below[blocks] - starts  # local position in `cur` + shift = rank in the window
    cur_pick = np.flatnonzero(np.append(cur[1:] != cur[:-1], True))  # last of each run
    cur_rank = cur_pick + np.repeat(shift, sizes)[cur_pick]
    ref_pick = _pick(ref.run_ends, *ref_spans)
    per_block = ref_spans[1] - ref_spans[0]
    at_ref = np.searchsorted(cur, values[ref_pick], "right") + np.repeat(shift, per_block)
    count_ref = np.concatenate((ref_pick + 1, np.searchsorted(values, cur[cur_pick], "right")))
    count_cur = np.concatenate((at_ref, cur_rank + 1))
    return _d_from_counts(np.concatenate((count_ref / n1 - count_cur / n2, exact)))


def _flat_blocks(
    ref: KSReference,
    window: WindowColumn,
    block: np.ndarray,
    counts: np.ndarray,
    ref_below: np.ndarray,
    cur_below: np.ndarray,
) -> np.ndarray:
    """cdf1 - cdf2 at the points of the blocks where the reference's CDF is flat, exactly,
    without sorting them: below the first edge (no reference value) and wherever the reference
    holds a single value (ties). There cdf1 is one number, so cdf1 - cdf2 falls from the
    block's edge (a reference value: #cur equal to it counted here) to the block's last window
    value (#cur <= it is every window value of the block): the largest and the smallest lie at
    those two points, all that ks_2samp's maximum and minimum can take from the block."""
    n1, n2 = ref.values.size, window.rows
    below_first = -cur_below[1:2] / n2 if counts[0] else np.empty(0)  # cdf1 is 0 there
    flat = np.flatnonzero(ref.constant[1:]) + 1  # blocks with an edge, flat
    if flat.size == 0:
        return below_first
    edges = ref.block_edges
    # window values equal to their block's edge, counted in the flat blocks
    on_edge = np.zeros(block.size, dtype=bool)
    inside = block >= 1
    on_edge[inside] = window.values[inside] == edges[block[inside] - 1]
    equal = np.bincount(block[on_edge], minlength=edges.size + 1)
    cdf1 = ref_below[flat + 1] / n1  # every reference value of the block is <= its edge
    at_edge = cdf1 - (cur_below[flat] + equal[flat]) / n2
    beyond = flat[counts[flat] > equal[flat]]  # blocks with window values past their edge
    at_last = ref_below[beyond + 1] / n1 - cur_below[beyond + 1] / n2
    return np.concatenate((at_edge, at_last, below_first))


def _end_spans(
    ends: np.ndarray | None, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where the run ends (``ends``; None: every index) within [starts[k], stops[k]) lie."""
    if ends is None:
        return starts, stops
    return np.searchsorted(ends, starts), np.searchsorted(ends, stops)


def _pick(ends: np.ndarray | None, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    index = ranges(starts, stops)
    return index if ends is None else ends[index]


def _ks_statistic_merged(ref: np.ndarray, cur: np.ndarray) -> float:
    """D from the whole merged sample: a stable argsort of two sorted runs is a merge."""
    n1 = ref.size
    both = np.concatenate((ref, cur))
    order = np.argsort(both, kind="stable")
    merged = both[order]
    count_cur = np.cumsum(order >= n1)
    del order, both
    ends = np.empty(merged.size, dtype=bool)
    np.not_equal(merged[1:], merged[:-1], out=ends[:-1])
    ends[-1] = True
    del merged
    count_cur = count_cur[ends]
    count_ref = np.flatnonzero(ends) + 1 - count_cur
    return _d_from_counts(count_ref / n1 - count_cur / cur.size)


def _d_from_counts(cddiffs: np.ndarray) -> float:
    # ks_2samp: minS = clip(-min(cddiffs), 0, 1); maxS = max(cddiffs); d = larger of the two
    min_s = min(max(-float(cddiffs.min()), 0.0), 1.0)
    max_s = float(cddiffs.max())
    return min_s if min_s > max_s else max_s
