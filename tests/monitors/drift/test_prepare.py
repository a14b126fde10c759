"""Cleaning: NaN and +-inf dropped, windows never modified, columns that cannot be tested reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.drift import DriftSpec, evaluate, fit_reference
from tests.monitors.drift.cases import frames


def test_an_all_missing_column_is_reported_and_left_out_of_the_share() -> None:
    reference, current = frames("large")
    window = current.assign(score=np.nan, count=np.inf)  # inf counts as missing, as in Evidently
    spec = DriftSpec(columns=("num", "score", "count"), method="wasserstein")
    result = evaluate(window, fit_reference(reference, spec))
    assert result.status == "ok"
    for name in ("score", "count"):
        column = result.details["columns"][name]
        assert column["problem"] == "all values missing in the current window"
        assert (column["score"], column["drifted"], column["current_rows"]) == (None, False, 0)
        assert result.slis[f"drift_score[{name}]"] is None
    assert result.details["tested_columns"] == 1
    num_drifted = result.details["columns"]["num"]["drifted"]
    assert result.slis["drift_share"] == (1.0 if num_drifted else 0.0)


def test_an_all_missing_reference_column_is_reported_not_raised() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference.assign(num=np.nan), DriftSpec(columns=("num", "score")))
    result = evaluate(current, fitted)
    assert result.details["columns"]["num"]["problem"] == "all values missing in the reference"
    assert result.details["tested_columns"] == 1


@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi", "jensenshannon"])
def test_infinities_are_dropped_like_missing_values(method: str) -> None:
    reference, current = frames("large")
    spec = DriftSpec(columns=("score",), method=method)
    fitted = fit_reference(reference, spec)
    window = current[["score"]].copy()
    window.loc[window.index[:50], "score"] = np.inf
    window.loc[window.index[50:100], "score"] = -np.inf
    window.loc[window.index[100:150], "score"] = np.nan
    with_bad = evaluate(window, fitted).details["columns"]["score"]
    without = evaluate(window.iloc[150:], fitted).details["columns"]["score"]
    assert with_bad == without
    assert with_bad["current_rows"] == len(window) - 150


def test_text_in_a_numerical_column_is_reported_not_raised() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num", "score")))
    result = evaluate(current.assign(num="n/a"), fitted)
    assert (
        result.details["columns"]["num"]["problem"]
        == "values are not numeric in the current window"
    )
    assert result.details["tested_columns"] == 1


@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "Float64"])
@pytest.mark.parametrize("with_nan", [False, True], ids=["all values", "some missing"])
def test_a_window_is_never_modified(method: str, dtype: str, with_nan: bool) -> None:
    # windows are sorted in place only when dropping NaN made a private copy
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.normal(size=20_000) * 50})
    values = pd.Series(np.round(rng.normal(size=20_000) * 50))
    if with_nan and dtype != "int64":
        values[::7] = np.nan
    window = pd.DataFrame({"x": values.astype(dtype)})
    before = window.copy(deep=True)
    evaluate(window, fit_reference(ref, DriftSpec(columns=("x",), method=method)))
    pd.testing.assert_frame_equal(window, before)
