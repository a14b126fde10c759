"""Wasserstein: the block-wise distance equals scipy's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from monitors.drift import DriftSpec, evaluate, fit_reference


@pytest.mark.parametrize("rows", [(1, 1), (3, 7), (1000, 999), (2048, 4096), (5000, 3)])
def test_wasserstein_on_the_probability_axis_equals_scipy(rows: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(rows))
    ref = np.round(rng.normal(size=rows[0]), 1)  # rounded: many ties
    cur = np.round(rng.normal(0.3, 1.5, size=rows[1]), 1)
    assert_wasserstein_equals_scipy(ref, cur)


def assert_wasserstein_equals_scipy(ref: np.ndarray, cur: np.ndarray) -> None:
    fitted = fit_reference(
        pd.DataFrame({"x": ref}), DriftSpec(columns=("x",), method="wasserstein")
    )
    column = evaluate(pd.DataFrame({"x": cur}), fitted).details["columns"]["x"]
    expected = stats.wasserstein_distance(ref, cur)
    assert column["statistic"] == pytest.approx(expected, rel=1e-11, abs=1e-15)
    assert column["score"] == pytest.approx(expected / max(np.std(ref), 0.001), rel=1e-11)


_rng = np.random.default_rng(99)
_same = _rng.normal(size=50_000)


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        (_same, _same.copy()),
        (_same, _rng.normal(size=40_000)),
        (_same[:700], _rng.normal(0.1, 1, 60_000)),
        (1e12 + _rng.normal(size=30_000), 1e12 + _rng.normal(0.01, 1, 31_000)),
        (9.9 + _rng.normal(size=30_000), 9.9 + _rng.normal(0.01, 1, 29_000)),
        (_rng.standard_cauchy(20_000) * 1e3, _rng.standard_cauchy(25_000) * 1e3),
        (_rng.integers(0, 4, 30_000).astype(float), _rng.integers(0, 5, 20_000).astype(float)),
        (np.full(5000, 2.5), np.full(3000, 2.5)),
        (_rng.normal(size=33), _rng.normal(5, 1, size=20_000)),
    ],
    ids=[
        "a window equal to the reference: every block interleaves",
        "two samples of one distribution: crossings everywhere",
        "a window far larger than the reference",
        "values far from zero (the prefix sums are centred)",
        "values ten deviations from zero (summed as they are)",
        "heavy tails",
        "few integer values, one unseen",
        "one and the same constant",
        "disjoint samples: no block needs its segments",
    ],
)
def test_wasserstein_by_blocks_equals_scipy(ref: np.ndarray, cur: np.ndarray) -> None:
    assert_wasserstein_equals_scipy(ref, cur)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
    st.integers(0, 3),
)
def test_wasserstein_equals_scipy_on_any_samples(
    ref: list[float], cur: list[float], digits: int
) -> None:
    # rounded to a few digits: ties, and blocks of equal values on both sides
    assert_wasserstein_equals_scipy(
        np.round(np.array(ref), digits), np.round(np.array(cur), digits)
    )
