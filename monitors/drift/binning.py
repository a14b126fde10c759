"""The frequencies PSI and Jensen-Shannon compare (Evidently's ``utils.get_binned_data``).

Categorical columns, and numerical ones with at most 20 distinct reference values, are counted
per value. Other numerical columns are binned at Sturges edges of reference *and* window
together, so the edges cannot be fixed at fit time: the fit keeps the sorted reference, counted
between each window's edges with two binary searches per edge, and the window's values are
placed in their bins in one pass, unsorted (``WindowColumn.histogram``; an engine counts them
per bin itself, from the same edges: ``monitors.drift.queried``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from monitors.drift.categories import ValueCounts, aligned, fit_counts
from monitors.drift.prepare import ReferenceColumn, WindowColumn

BINNED_MIN_DISTINCT = 20  # utils.get_binned_data: numerical with > 20 reference values is binned


@dataclass(frozen=True, eq=False)
class Binned:
    """A numerical reference binned afresh with each window."""

    values: np.ndarray  # sorted finite values
    rows: int
    integer: bool  # integer dtype: numpy's Sturges bins use a width of at least 1


def fit_frequencies(reference: ReferenceColumn) -> ValueCounts | Binned:
    if reference.categorical or reference.distinct <= BINNED_MIN_DISTINCT:
        return fit_counts(reference)
    assert reference.sorted is not None
    return Binned(reference.sorted, reference.rows, reference.integer)


def frequencies(ref: ValueCounts | Binned, window: WindowColumn) -> tuple[np.ndarray, np.ndarray]:
    """The share of each side's values per value or per bin: reference, window."""
    if isinstance(ref, ValueCounts):
        _keys, ref_counts, cur_counts = aligned(ref, window.counts)
        return ref_counts / ref.rows, cur_counts / window.rows
    # np.histogram(sample, edges): bins [e_i, e_i+1), the last one closed
    edges = binned_edges(ref, window)
    ref_counts = counts_between(ref.values, edges)  # the sorted reference: binary searches
    # the window, unsorted: one pass in process, or counted by the engine that holds it
    cur_counts = window.histogram(edges)
    return ref_counts / ref.rows, cur_counts / window.rows


def binned_edges(ref: Binned, window: WindowColumn) -> np.ndarray:
    """Sturges edges over reference and window together, from the window's finite count, range
    and dtype alone (what an engine returns in one aggregate query)."""
    low, high = window.range
    lo = min(float(ref.values[0]), low)
    hi = max(float(ref.values[-1]), high)
    return sturges_edges(lo, hi, ref.rows + window.rows, window.integer and ref.integer)


def sturges_edges(lo: Any, hi: Any, n: int, integer: bool) -> np.ndarray:
    """numpy.histogram_bin_edges(data, bins="sturges") from the data's min, max and size."""
    # numpy/lib/_histograms_impl.py: _hist_bin_sturges = ptp / (log2(n) + 1); for integer data
    # the width is at least 1; n_bins = ceil(ptp / width); edges = linspace(min, max, n_bins + 1)
    first, last = (int(lo), int(hi)) if integer else (float(lo), float(hi))
    ptp = last - first
    if ptp == 0:  # _get_outer_edges: expand an empty range
        first, last = first - 0.5, last + 0.5
    width = ptp / (np.log2(n) + 1.0)
    if width:
        if integer and width < 1:
            width = 1
        n_bins = int(np.ceil((last - first) / width))
    else:
        n_bins = 1
    return np.linspace(first, last, n_bins + 1, endpoint=True, dtype=np.float64)


def counts_between(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """np.histogram(values, edges)[0] for sorted ``values``: two binary searches per edge."""
    cum = np.append(
        np.searchsorted(values, edges[:-1], side="left"),
        np.searchsorted(values, edges[-1:], side="right"),
    )
    return np.diff(cum)
