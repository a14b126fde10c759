"""Jensen-Shannon distance (Evidently's ``jensenshannon.py``): numerical or categorical.

``scipy.spatial.distance.jensenshannon(ref, cur)`` (natural log) over the shares of
``monitors.drift.binning``. Drift when the distance >= the threshold, 0.1 by default.
"""

from __future__ import annotations

from scipy.spatial import distance

from monitors.drift.binning import Binned, fit_frequencies, frequencies
from monitors.drift.categories import ValueCounts
from monitors.drift.prepare import WindowColumn
from monitors.drift.registry import BOTH, DISTANCE, Score, method


@method("jensenshannon", BOTH, 0.1, DISTANCE, fit=fit_frequencies)
def test(ref: ValueCounts | Binned, window: WindowColumn) -> Score:
    ref_p, cur_p = frequencies(ref, window)
    return Score(float(distance.jensenshannon(ref_p, cur_p)))
