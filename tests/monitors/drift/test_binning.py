"""Sturges edges and counts between them equal numpy's."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.drift.binning import sturges_edges


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(0).normal(size=5000),
        np.random.default_rng(1).integers(-50, 50, 3001),
        np.random.default_rng(2).integers(0, 25, 100_000),  # a width below 1: widened to 1
        np.linspace(0, 1, 33),
    ],
    ids=["floats", "integers", "many integers in a narrow range", "values on the edges"],
)
def test_sturges_bins_and_counts_equal_numpys(data: np.ndarray) -> None:
    integer = data.dtype.kind == "i"
    edges = sturges_edges(data.min(), data.max(), data.size, integer)
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(data, bins="sturges"))
    counts = np.histogram(data.astype("float64"), bins=edges.size - 1, range=(edges[0], edges[-1]))[
        0
    ]
    np.testing.assert_array_equal(counts, np.histogram(data, bins=edges)[0])
