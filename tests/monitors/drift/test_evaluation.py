"""evaluate: every score and flag equals Evidently 0.7 ValueDrift's, and bad data gives answers."""

from __future__ import annotations

import math
import os
import threading

import numpy as np
import pandas as pd
import pytest

import monitors.drift as drift
import monitors.drift.fit as drift_fit
from monitors.drift import DriftSpec, evaluate, fit_reference
from monitors.evidently_adapter import value_drift, value_drifts
from tests.monitors.drift.cases import (
    CASES,
    CATEGORICAL,
    COLUMNS_BY_METHOD,
    evidently,
    frames,
    ours,
)


@pytest.mark.parametrize(("size", "method", "column"), CASES)
def test_score_and_flag_equal_evidentlys_value_drift(size: str, method: str, column: str) -> None:
    theirs = evidently(size, method)[column]
    mine = ours(size, method)[column]
    assert mine["method"] == theirs.method  # auto picks what Evidently picks
    assert mine["threshold"] == theirs.threshold
    assert mine["score"] == pytest.approx(theirs.score, abs=1e-9, rel=0)
    assert mine["drifted"] is theirs.drifted
    assert mine["categorical"] is (column in CATEGORICAL)
    if mine["method"] in drift.P_VALUE_METHODS:
        assert mine["p_value"] == mine["score"]
    else:
        assert mine["p_value"] is None


def test_an_empty_window_is_no_data() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num",)))
    result = evaluate(current.iloc[:0], fitted)
    assert result.status == "no_data"
    assert result.slis == {}


def test_a_window_with_no_values_in_any_column_is_no_data() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num", "cat"), categorical=("cat",)))
    result = evaluate(current.assign(num=np.nan, cat=None), fitted)
    assert result.status == "no_data"
    assert result.details["columns"]["cat"]["problem"] == "all values missing in the current window"


@pytest.mark.parametrize(
    ("method", "same", "moved"),
    [
        ("ks", 1.0, 0.0),
        ("wasserstein", 0.0, 1000.0),  # |4 - 5| / 0.001: a zero std is normed by 0.001
        ("psi", 0.0, None),
        ("jensenshannon", 0.0, math.sqrt(math.log(2))),
    ],
    ids=["ks", "wasserstein", "psi", "jensenshannon"],
)
def test_a_constant_column_gives_explicit_values(
    method: str, same: float, moved: float | None
) -> None:
    reference = pd.DataFrame({"x": np.full(2000, 4.0)})
    fitted = fit_reference(reference, DriftSpec(columns=("x",), method=method))
    unchanged = evaluate(pd.DataFrame({"x": np.full(20_000, 4.0)}), fitted)
    changed = evaluate(pd.DataFrame({"x": np.full(20_000, 5.0)}), fitted)
    assert unchanged.details["columns"]["x"]["score"] == pytest.approx(same, abs=1e-12)
    assert unchanged.details["columns"]["x"]["drifted"] is False
    assert changed.details["columns"]["x"]["drifted"] is True
    if moved is not None:
        assert changed.details["columns"]["x"]["score"] == pytest.approx(moved, rel=1e-12)
    theirs = value_drift(reference, pd.DataFrame({"x": np.full(20_000, 5.0)}), "x", method, False)
    assert changed.details["columns"]["x"]["score"] == pytest.approx(theirs[0], abs=1e-9)


@pytest.mark.parametrize(
    ("method", "score"), [("chisquare", 0.0), ("psi", None), ("jensenshannon", None)]
)
def test_categories_never_seen_in_the_reference_count_as_drift(
    method: str, score: float | None
) -> None:
    reference = pd.DataFrame({"c": ["a", "b"] * 500})
    window = pd.DataFrame({"c": ["a", "b", "c", "d"] * 250})
    spec = DriftSpec(columns=("c",), method=method, categorical=("c",))
    column = evaluate(window, fit_reference(reference, spec)).details["columns"]["c"]
    assert column["drifted"] is True
    assert math.isfinite(column["score"])
    if score is not None:
        assert column["score"] == score
    assert column["score"] == pytest.approx(
        value_drift(reference, window, "c", method, True)[0], abs=1e-9
    )


@pytest.mark.parametrize(("method", "threshold"), [("wasserstein", 0.02), ("ks", 1e-6)])
def test_a_threshold_in_the_spec_is_used_as_evidently_uses_it(
    method: str, threshold: float
) -> None:
    reference, current = frames("large")
    columns = ("num", "score", "count")
    spec = DriftSpec(columns=columns, method=method, threshold=threshold)
    mine = evaluate(current, fit_reference(reference, spec)).details["columns"]
    theirs = value_drifts(reference, current, columns, method, threshold=threshold)
    for name in columns:
        assert mine[name]["threshold"] == theirs[name].threshold == threshold
        assert mine[name]["drifted"] is theirs[name].drifted


def test_the_prediction_column_is_tested_like_a_feature() -> None:
    reference, current = frames("small")
    spec = DriftSpec(columns=("num", "score"), method="ks")
    result = evaluate(current, fit_reference(reference, spec))
    assert result.slis["drift_score[score]"] == result.details["columns"]["score"]["score"]
    assert result.details["columns"]["score"]["score"] == pytest.approx(
        evidently("small", "ks")["score"].score, abs=1e-9
    )


def test_one_fit_serves_every_window_without_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference, current = frames("large")
    reference = reference.copy()
    spec = DriftSpec(columns=COLUMNS_BY_METHOD["auto"], categorical=CATEGORICAL)
    fitted = fit_reference(reference, spec)
    first = evaluate(current, fitted)

    def refit(*_: object) -> None:
        raise AssertionError("evaluate fitted the reference again")

    monkeypatch.setattr(drift, "fit_reference", refit)
    monkeypatch.setattr(drift_fit, "fit_reference", refit)
    monkeypatch.setattr(drift_fit, "fit_column", refit)
    monkeypatch.setattr(drift_fit, "ReferenceColumn", refit)  # what every method's fit reads
    reference.loc[:, "num"] = 1e9  # evaluate must not look at the reference frame
    reference.loc[:, "cat"] = "zzz"
    second = evaluate(current, fitted)
    assert second == first
    assert first.details["reference_version"] == fitted.version


def test_drift_share_counts_drifted_columns_over_tested_columns() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    reference = pd.DataFrame({k: rng.normal(size=n) for k in "abcd"})
    current = pd.DataFrame(
        {
            "a": rng.normal(2.0, 1.0, n),  # far
            "b": rng.normal(0.5, 1.0, n),  # nearer
            "c": rng.normal(size=n),
            "d": rng.normal(size=n),
        }
    )
    result = evaluate(current, fit_reference(reference, DriftSpec(columns=tuple("abcd"))))
    assert result.slis["drift_share"] == 0.5
    assert result.slis["drifted_columns"] == 2
    assert result.details["top_drifted"] == ["a", "b"]
    assert result.details["dataset_drift"] is True  # 0.5 >= drift_share 0.5, as Evidently
    assert (result.good, result.total) == (None, None)


def test_a_column_missing_from_the_window_is_an_error_that_names_it() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num", "score")))
    with pytest.raises(ValueError, match="column 'score' not in the current window"):
        evaluate(current.drop(columns="score"), fitted)


@pytest.mark.parametrize("method", ["auto", "ks", "wasserstein", "psi", "jensenshannon"])
def test_columns_tested_on_every_core_give_what_one_thread_gives(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threads share the fitted reference and the window; each column's outcome is its own."""
    import monitors.drift.evaluation as evaluation

    reference, current = frames("large")
    columns = COLUMNS_BY_METHOD[method]
    fitted = fit_reference(reference, DriftSpec(tuple(columns), method, categorical=CATEGORICAL))
    monkeypatch.setattr(evaluation, "PARALLEL_MIN_ROWS", 10**12)
    serial = evaluate(current, fitted)
    monkeypatch.setattr(evaluation, "PARALLEL_MIN_ROWS", 1)
    started = threading.active_count()
    seen: set[str] = set()
    test_column = evaluation._evaluate_column

    def spy(held: object, ref: object) -> object:
        seen.add(threading.current_thread().name)
        return test_column(held, ref)

    monkeypatch.setattr(evaluation, "_evaluate_column", spy)
    parallel = evaluate(current, fitted)
    assert (os.cpu_count() or 1) < 2 or any(name.startswith("drift") for name in seen)
    assert parallel.details == serial.details and parallel.slis == serial.slis
    assert threading.active_count() == started  # the pool is gone with the call


def _awkward(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    """Ties, signed zeros, NaN and infinities, a constant column, all as nullable Float64."""
    ties = np.round(rng.normal(shift, 1, n), 1)
    zeros = rng.choice([0.0, -0.0, 1.0, -1.0], n)
    zeros[: n // 10] = np.where(rng.random(n // 10) < 0.5, np.inf, -np.inf)
    frame = pd.DataFrame(
        {
            "ties": ties,
            "zeros": zeros,
            "spread": rng.lognormal(shift, 2, n),
            "constant": np.full(n, 2.5),
        }
    ).astype("Float64")
    frame.loc[rng.random(n) < 0.05, "ties"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "spread"] = np.nan
    return frame


@pytest.mark.parametrize("method", ["ks", "wasserstein"])
def test_the_sort_free_paths_equal_scipy_on_ties_zeros_nan_infinities_and_constants(
    method: str,
) -> None:
    from scipy import stats

    rng = np.random.default_rng(11)
    reference, current = _awkward(rng, 30_000, 0.0), _awkward(rng, 25_000, 0.2)
    fitted = fit_reference(reference, DriftSpec(tuple(reference.columns), method))
    details = evaluate(current, fitted).details["columns"]
    for name in reference.columns:
        ref = reference[name].to_numpy(dtype=float, na_value=np.nan)
        cur = current[name].to_numpy(dtype=float, na_value=np.nan)
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]  # as Evidently drops them
        if method == "ks":
            assert details[name]["statistic"] == stats.ks_2samp(ref, cur).statistic, name
        else:
            expected = stats.wasserstein_distance(ref, cur)
            assert details[name]["statistic"] == pytest.approx(expected, rel=1e-11, abs=1e-15)
        assert details[name]["current_rows"] == cur.size, name
