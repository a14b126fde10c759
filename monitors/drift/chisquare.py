"""Pearson's chi-square test on value counts (Evidently's ``chisquare_stattest.py``).

Categorical columns only (``auto`` also picks it for numerical columns with few values). The
expected counts are the reference's scaled to the window's size; a value the reference never
saw has an expected count of 0 and gives a p-value of 0. Drift when p < the threshold, 0.05 by
default.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitors.drift.categories import ValueCounts, aligned, fit_counts
from monitors.drift.prepare import WindowColumn
from monitors.drift.registry import CATEGORICAL, P_BELOW, Score, method


@method("chisquare", CATEGORICAL, 0.05, P_BELOW, fit=fit_counts)
def test(ref: ValueCounts, window: WindowColumn) -> Score:
    current = window.counts
    _keys, ref_counts, cur_counts = aligned(ref, current)
    # chisquare_stattest.py: f_exp = reference counts * len(current) / len(reference)
    k_norm = int(current.sum()) / ref.rows
    with np.errstate(divide="ignore", invalid="ignore"):  # unseen category: f_exp 0, p 0
        result = stats.chisquare(cur_counts, ref_counts * k_norm)
    return Score(float(result.pvalue), float(result.statistic))
