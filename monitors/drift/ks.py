"""Two-sample Kolmogorov-Smirnov test (Evidently's ``ks_stattest.py``): numerical columns.

The p-value is ``scipy.stats.ks_2samp(reference, window)``'s (``method="auto"``): scipy's own
exact computation when max(n1, n2) <= 10,000, else the asymptotic ``kstwo.sf(D, round(n1 n2 /
(n1 + n2)))``, whose Smirnov series branch is summed vectorised (``monitors.drift.smirnov``).
Drift when p <= the threshold, 0.05 by default.

A window costs its one sort. D is bounded block by block from the counts at the reference's
block edges, and only the few blocks that can hold the maximum are evaluated exactly, at the
same points and with the same arithmetic as ``ks_2samp``, so D is the same float.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from monitors.drift.prepare import ReferenceColumn, WindowColumn, frozen, ranges
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


def fit(reference: ReferenceColumn) -> KSReference:
    values = reference.sorted
    assert values is not None
    rows = values.size
    block_edges = values[::KS_BLOCK]
    block_edges = block_edges[np.concatenate(([True], block_edges[1:] != block_edges[:-1]))]
    run_ends = None
    if reference.distinct < rows:
        run_ends = frozen(np.append(np.flatnonzero(values[1:] != values[:-1]), rows - 1))
    return KSReference(
        values=values,
        block_edges=frozen(block_edges),
        block_below=frozen(np.searchsorted(values, block_edges, side="left")),
        run_ends=run_ends,
    )


@method("ks", NUMERICAL, 0.05, P_AT_OR_BELOW, fit=fit)
def test(ref: KSReference, window: WindowColumn) -> Score:
    current = window.sorted
    n1, n2 = ref.values.size, current.size
    if max(n1, n2) <= KS_EXACT_MAX_N:  # small: the exact distribution, by scipy itself
        result = stats.ks_2samp(ref.values, current)
        return Score(float(result.pvalue), float(result.statistic))
    d = _ks_statistic(ref, current)
    # ks_2samp, mode "asymp": kstwo.sf(d, round(m*n/(m+n))), clipped to [0, 1]
    m, n = sorted([float(n1), float(n2)], reverse=True)
    p_value = float(np.clip(kstwo_sf(d, float(np.round(m * n / (m + n)))), 0, 1))
    return Score(p_value, d)


def _ks_statistic(ref: KSReference, cur: np.ndarray) -> float:
    """ks_2samp's two-sided D for the reference and a sorted window, the same float.

    ks_2samp evaluates cdf1 - cdf2 = #ref <= x / n1 - #cur <= x / n2 at every data point x.
    Between two reference block edges (every KS_BLOCK-th reference value) the counts lie between
    their values at the edges, which bounds |cdf1 - cdf2| there from above; just below an edge
    it equals its value at the data point before it, a bound from below for D. Only the blocks
    whose upper bound reaches that lower bound can hold D, and only their points are evaluated
    exactly (the last of each run of equal values: where ks_2samp's counts are). When the two
    samples are so alike that most blocks qualify, the samples are merged whole instead.
    """
    values = ref.values
    n1, n2 = values.size, cur.size
    ref_below = np.concatenate(([0], ref.block_below, [n1]))  # #ref < edge, -inf and +inf added
    cur_below = np.concatenate(([0], np.searchsorted(cur, ref.block_edges, side="left"), [n2]))
    lower = float(np.abs(ref_below / n1 - cur_below / n2).max())
    upper = np.maximum(
        ref_below[1:] / n1 - cur_below[:-1] / n2, cur_below[1:] / n2 - ref_below[:-1] / n1
    )
    blocks = np.flatnonzero(upper >= lower - 1e-12)
    cur_ends = None
    if n2 > 1 and bool((cur[1:] == cur[:-1]).any()):
        cur_ends = np.append(np.flatnonzero(cur[1:] != cur[:-1]), n2 - 1)
    ref_spans = _end_spans(ref.run_ends, ref_below[blocks], ref_below[blocks + 1])
    cur_spans = _end_spans(cur_ends, cur_below[blocks], cur_below[blocks + 1])
    if sum(int((stop - start).sum()) for start, stop in (ref_spans, cur_spans)) > (n1 + n2) // 4:
        return _ks_statistic_merged(values, cur)
    ref_pick = _pick(ref.run_ends, *ref_spans)
    cur_pick = _pick(cur_ends, *cur_spans)
    count_ref = np.concatenate((ref_pick + 1, np.searchsorted(values, cur[cur_pick], "right")))
    count_cur = np.concatenate((np.searchsorted(cur, values[ref_pick], "right"), cur_pick + 1))
    return _d_from_counts(count_ref / n1 - count_cur / n2)


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
