"""Two-proportion Z-test on "is not the smallest value" (Evidently's ``z_stattest.py``).

Categorical columns only (``auto`` picks it for columns with at most two values). Drift when
p < the threshold, 0.05 by default.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitors.drift.categories import ValueCounts, aligned, fit_counts
from monitors.drift.prepare import WindowColumn
from monitors.drift.registry import CATEGORICAL, P_BELOW, Score, method


@method("z", CATEGORICAL, 0.05, P_BELOW, fit=fit_counts)
def test(ref: ValueCounts, window: WindowColumn) -> Score:
    current = window.counts
    keys, ref_counts, cur_counts = aligned(ref, current)
    n1, n2 = ref.rows, int(current.sum())
    ref_seen, cur_seen = ref_counts > 0, cur_counts > 0
    if ref_seen.sum() == 1 and cur_seen.sum() == 1 and (ref_seen == cur_seen).all():
        return Score(1.0, 0.0)  # one and the same value on both sides
    try:
        first = keys.get_loc(sorted(keys)[0])
    except TypeError:  # values of mixed types (Evidently would fail to sort them)
        first = keys.get_loc(sorted(keys, key=str)[0])
    p1 = float(n1 - ref_counts[first]) / n1
    p2 = float(n2 - cur_counts[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    # proportions_diff_z_stat_ind: z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2))
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    # proportions_diff_z_test, two-sided: 2 * (1 - Phi(|z|))
    p_value = 2 * (1 - stats.norm.cdf(np.abs(z)))
    return Score(float(p_value), float(z))
