"""Population stability index (Evidently's ``psi.py``): a distance, numerical or categorical.

PSI = sum over values or bins of (ref - cur) * ln(ref / cur), over the shares of
``monitors.drift.binning``, after empty bins are given a small share (``feel_zeroes=True``).
Drift when PSI >= the threshold, 0.1 by default.
"""

from __future__ import annotations

import numpy as np

from monitors.drift.binning import Binned, fit_frequencies, frequencies
from monitors.drift.categories import ValueCounts
from monitors.drift.prepare import WindowColumn
from monitors.drift.registry import BOTH, DISTANCE, Score, method


@method("psi", BOTH, 0.1, DISTANCE, fit=fit_frequencies)
def test(ref: ValueCounts | Binned, window: WindowColumn) -> Score:
    ref_p, cur_p = frequencies(ref, window)
    ref_p, cur_p = _fill_zeroes(ref_p), _fill_zeroes(cur_p)
    return Score(float(np.sum((ref_p - cur_p) * np.log(ref_p / cur_p))))


def _fill_zeroes(percents: np.ndarray) -> np.ndarray:
    # utils.get_binned_data: empty bins get min(non-zero) / 1e6 when that min <= 1e-4, else 1e-4
    smallest = percents[percents != 0].min()
    return np.where(percents == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001, percents)
