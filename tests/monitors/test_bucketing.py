"""The bucketing without a sort equals numpy's binary search, for every float."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from monitors.bucketing import Buckets

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


def expected(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.searchsorted(edges, values, side="right") - 1


@settings(max_examples=300, deadline=None)
@given(
    edges=arrays(np.float64, st.integers(1, 60), elements=finite),
    values=arrays(np.float64, st.integers(0, 300), elements=floats),
    cells=st.integers(1, 16),
)
def test_equals_searchsorted(edges: np.ndarray, values: np.ndarray, cells: int) -> None:
    edges = np.sort(edges)
    assert np.array_equal(Buckets(edges, cells).index(values), expected(edges, values))


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).normal(size=100_000),
        np.random.default_rng(2).lognormal(0, 3, size=100_000),  # heavy tail
        np.repeat(np.arange(10.0), 1000),  # values exactly on edges
        np.array([np.nan, np.inf, -np.inf, 0.0, -0.0]),
    ],
    ids=["normal", "heavy tailed", "on the edges", "nan, infinities, signed zero"],
)
def test_reference_quantile_edges(values: np.ndarray) -> None:
    reference = np.sort(np.random.default_rng(0).normal(size=50_000))
    edges = reference[::32]
    assert np.array_equal(Buckets(edges).index(values), expected(edges, values))
    repeated = np.repeat(np.arange(10.0), 3)  # ties among the edges
    assert np.array_equal(Buckets(repeated).index(values), expected(repeated, values))


def test_counts_has_a_bucket_below_the_first_edge() -> None:
    counts = Buckets(np.array([0.0, 1.0, 2.0])).counts(np.array([-5.0, 0.0, 0.5, 1.0, 2.0, 9.0]))
    assert counts.tolist() == [1, 2, 1, 2]


def test_edges_must_be_sorted_and_finite() -> None:
    with pytest.raises(ValueError, match="sorted"):
        Buckets(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="finite"):
        Buckets(np.array([0.0, np.inf]))


def _near(edges: np.ndarray) -> np.ndarray:
    """The edges and the floats just around them, where a cell's rounding would show."""
    around = [edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)]
    around.append(np.nextafter(around[1], -np.inf))
    around.append(np.nextafter(around[2], np.inf))
    return np.concatenate(around)


@pytest.mark.parametrize(
    "reference",
    [
        np.random.default_rng(3).lognormal(0, 1.2, size=200_000),  # the sub-cells' case
        np.random.default_rng(4).standard_cauchy(size=200_000),  # both tails, across zero
        1e9 + np.random.default_rng(5).normal(0, 1e-3, size=200_000),  # far from zero, narrow
        np.concatenate([np.zeros(1000), -np.zeros(1000), np.geomspace(1e-300, 1e300, 5000)]),
        np.random.default_rng(6).poisson(10, size=200_000).astype(float),  # ties
    ],
    ids=["lognormal", "cauchy", "narrow far from zero", "signed zeros and every scale", "ties"],
)
def test_skewed_and_narrow_references_equal_searchsorted(reference: np.ndarray) -> None:
    reference = np.sort(reference)
    edges = reference[::32]
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [_near(edges), rng.permutation(reference), [np.nan, np.inf, -np.inf, -0.0, 0.0]]
    )
    assert np.array_equal(Buckets(edges).index(values), expected(edges, values))
    distinct = np.unique(edges)
    assert np.array_equal(Buckets(distinct).index(values), expected(distinct, values))


@settings(max_examples=200, deadline=None)
@given(
    scale=st.floats(1e-300, 1e300),
    shift=st.floats(-1e300, 1e300),
    size=st.integers(2, 3000),
    seed=st.integers(0, 2**32 - 1),
)
def test_heavy_tailed_edges_at_any_scale_equal_searchsorted(
    scale: float, shift: float, size: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore"):
        reference = shift + scale * rng.standard_cauchy(size)
    reference = np.sort(reference[np.isfinite(reference)])
    if reference.size == 0:
        return
    edges = reference[:: max(1, size // 200)]
    values = np.concatenate([_near(edges), reference, rng.permutation(reference)[:100]])
    assert np.array_equal(Buckets(edges).index(values), expected(edges, values))


def test_values_in_the_tails_left_out_of_the_tables_equal_searchsorted() -> None:
    """The tables leave the outermost edges out (TAIL_EDGES): values below, above, between
    those edges, on them, NaN and infinities are binary-searched and land where searchsorted
    puts them."""
    rng = np.random.default_rng(5)
    edges = np.unique(np.quantile(rng.lognormal(0, 2, 200_000), np.linspace(0, 1, 20_000)))
    buckets = Buckets(edges)
    assert buckets.lo > edges[0]  # the lower tail is outside the tables
    tails = np.concatenate([edges[:150], edges[-150:], np.nextafter(edges[-150:], np.inf)])
    values = np.concatenate(
        [
            rng.lognormal(0, 3, 100_000),
            tails,
            [np.nan, np.inf, -np.inf, -0.0, 0.0, edges[0] - 1, edges[-1] + 1],
        ]
    )
    expected = np.searchsorted(edges, values, side="right") - 1
    np.testing.assert_array_equal(buckets.index(values), expected)
