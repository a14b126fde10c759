"""Seeded frames and cached evaluations shared by the drift tests: ours and Evidently's."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from monitors.drift import DriftSpec, evaluate, fit_reference
from monitors.evidently_adapter import EvidentlyDrift, value_drifts

SIZES = {
    # reference rows <= 1000: auto picks KS / chi-square / Z-test, KS p-values are exact
    "small": (600, 800),
    # > 1000 and > 10,000: auto picks Wasserstein / Jensen-Shannon, KS p-values asymptotic
    "large": (12_000, 15_000),
}
CATEGORICAL = ("cat", "flag")


def make_frames(reference_rows: int, current_rows: int, seed: int = 7) -> tuple[pd.DataFrame, ...]:
    """Seeded columns, each window column a little moved; NaN and +-inf in ``num``."""
    rng = np.random.default_rng(seed)

    def frame(n: int, moved: bool) -> pd.DataFrame:
        num = rng.normal(0.15 if moved else 0.0, 1.0, n)
        num[rng.choice(n, 12, replace=False)] = [np.nan] * 6 + [np.inf] * 3 + [-np.inf] * 3
        labels = ["a", "b", "c", "d", "e"] if not moved else ["a", "b", "c", "d", "new"]
        return pd.DataFrame(
            {
                "num": num,
                # int64 with > 20 values: numpy's integer rule for Sturges bins
                "count": rng.poisson(11 if moved else 10, n),
                # a prediction column: a score in (0, 1), like any other column
                "score": rng.beta(2.2 if moved else 2.0, 5.0, n),
                # numerical with <= 5 distinct values: auto treats it like a categorical one
                "few": rng.choice([0.0, 1.0, 2.0, 3.0], n, p=[0.3, 0.3, 0.2, 0.2]),
                # two values in the reference, a third in the window: the window decides auto
                "pair": rng.choice([0.0, 1.0, 2.0] if moved else [0.0, 1.0], n),
                "constant": np.full(n, 4.0),
                # two values in the reference, continuous in the window: auto tests it as numbers
                "opens": rng.normal(0.5, 0.3, n) if moved else rng.choice([0.0, 1.0], n),
                # strings with a category the reference never saw
                "cat": rng.choice(labels, n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
                "flag": rng.choice(["yes", "no"], n, p=[0.45, 0.55] if moved else [0.5, 0.5]),
            }
        )

    return frame(reference_rows, False), frame(current_rows, True)


NUMERICAL_COLUMNS = ("num", "count", "score", "few", "pair", "constant", "opens")
COLUMNS_BY_METHOD = {
    "ks": NUMERICAL_COLUMNS,
    "wasserstein": NUMERICAL_COLUMNS,
    "psi": NUMERICAL_COLUMNS + CATEGORICAL,
    "jensenshannon": NUMERICAL_COLUMNS + CATEGORICAL,
    "chisquare": CATEGORICAL,
    "auto": NUMERICAL_COLUMNS + CATEGORICAL,
}


@cache
def frames(size: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference, current = make_frames(*SIZES[size])
    return reference, current


@cache
def evidently(size: str, method: str) -> dict[str, EvidentlyDrift]:
    reference, current = frames(size)
    return value_drifts(reference, current, COLUMNS_BY_METHOD[method], method, CATEGORICAL)


@cache
def ours(size: str, method: str) -> dict:
    reference, current = frames(size)
    spec = DriftSpec(columns=COLUMNS_BY_METHOD[method], method=method, categorical=CATEGORICAL)
    return evaluate(current, fit_reference(reference, spec)).details["columns"]


CASES = [
    pytest.param(size, method, column, id=f"{method} on {column} with a {size} reference")
    for size in SIZES
    for method, columns in COLUMNS_BY_METHOD.items()
    for column in columns
]
