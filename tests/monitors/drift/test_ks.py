"""Kolmogorov-Smirnov: D and the p-value equal scipy's, in the exact and asymptotic ranges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from monitors.drift import DriftSpec, evaluate, fit_reference
from monitors.drift.smirnov import kstwo_sf


@pytest.mark.parametrize(
    ("rows", "digits"),
    [((11_000, 12_001), 0), ((20_000, 10_500), 2), ((15_000, 15_000), None), ((30_000, 0), 1)],
    ids=[
        "integers",
        "values rounded to two digits",
        "continuous values",
        "a window equal to the reference",
    ],
)
def test_ks_on_large_samples_equals_scipy(rows: tuple[int, int], digits: int | None) -> None:
    rng = np.random.default_rng(rows[0])
    ref = rng.normal(0.0, 10.0, rows[0])
    cur = rng.normal(0.5, 10.0, rows[1]) if rows[1] else ref.copy()
    if digits is not None:
        ref, cur = np.round(ref, digits), np.round(cur, digits)
    fitted = fit_reference(pd.DataFrame({"x": ref}), DriftSpec(columns=("x",), method="ks"))
    column = evaluate(pd.DataFrame({"x": cur}), fitted).details["columns"]["x"]
    expected = stats.ks_2samp(ref, cur)
    assert column["statistic"] == expected.statistic
    assert column["score"] == pytest.approx(expected.pvalue, abs=1e-12, rel=1e-9)


def _kstwo_cases() -> list:
    rng = np.random.default_rng(8)
    cases = [(0.3, 100.0), (0.02, 50.0), (0.6, 1000.0), (0.001, 500.0), (0.9999, 5000.0)]
    for n in (141.0, 1013.0, 5000.0, 20_000.0, 99_999.0, 250_000.0):
        for nd2 in (0.5, 2.1999, 2.2, 3.0, 10.0, 60.0, 369.9, 370.0, 500.0):
            cases.append((math.sqrt(nd2 / n), n))
    cases += [(math.sqrt(rng.uniform(2.2, 370) / n), n) for n in rng.integers(141, 300_000, 12)]
    return [pytest.param(d, float(n), id=f"n={n:.0f}, n*d^2={n * d * d:.4g}") for d, n in cases]


@pytest.mark.parametrize(("d", "n"), _kstwo_cases())
def test_the_ks_p_value_equals_scipys_kstwo_in_every_branch(d: float, n: float) -> None:
    expected = float(stats.kstwo.sf(d, n))
    assert kstwo_sf(d, n) == pytest.approx(expected, rel=1e-8, abs=1e-13)


def test_a_moderately_drifted_large_window_has_scipys_ks_p_value() -> None:
    # n1 n2 / (n1 + n2) ~ 14,000 and D ~ 0.02: the Smirnov branch, summed vectorised
    rng = np.random.default_rng(21)
    ref, cur = rng.normal(0, 1, 30_000), rng.normal(0.05, 1, 26_000)
    fitted = fit_reference(pd.DataFrame({"x": ref}), DriftSpec(columns=("x",), method="ks"))
    column = evaluate(pd.DataFrame({"x": cur}), fitted).details["columns"]["x"]
    expected = stats.ks_2samp(ref, cur)
    n = round(30_000 * 26_000 / 56_000)
    assert 2.2 <= n * expected.statistic**2 < 370  # the branch this test is about
    assert column["statistic"] == expected.statistic
    assert column["score"] == pytest.approx(expected.pvalue, rel=1e-8, abs=1e-13)


def _tied(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.poisson(10, 40_000).astype(float), rng.poisson(10.3, 25_000).astype(float)


@pytest.mark.parametrize(
    "make",
    [
        _tied,
        lambda s: (_tied(s)[0], _tied(s)[1] + 0.5),  # window values between the reference's
        lambda s: (_tied(s)[0], _tied(s)[1] - 0.5),  # ... the window's CDF ahead
        lambda s: (_tied(s)[0], np.concatenate((_tied(s)[1], [-5.0] * 300, [99.0] * 40))),
        lambda s: (_tied(s)[0], _tied(s)[0][::-1].copy()),  # the same values
        lambda s: (np.concatenate((_tied(s)[0], np.linspace(30, 40, 20_000))), _tied(s)[1]),
        lambda s: (np.full(20_000, 3.0), _tied(s)[1]),  # one value in the reference
    ],
    ids=[
        "ties on both sides",
        "window values inside the reference's flat blocks",
        "window values inside the flat blocks, the window's CDF ahead",
        "window values below and above every reference value",
        "a window equal to the reference",
        "ties and continuous values in one reference",
        "a constant reference",
    ],
)
def test_ks_on_tied_values_is_scipys_d_without_sorting_the_flat_blocks(make) -> None:  # noqa: ANN001
    for seed in (1, 2, 3):
        ref, cur = make(seed)
        fitted = fit_reference(pd.DataFrame({"x": ref}), DriftSpec(columns=("x",), method="ks"))
        column = evaluate(pd.DataFrame({"x": cur}), fitted).details["columns"]["x"]
        expected = stats.ks_2samp(ref, cur)
        assert column["statistic"] == expected.statistic, seed
        assert column["score"] == pytest.approx(expected.pvalue, abs=1e-12, rel=1e-9)
