"""Drift: every score and flag equals Evidently 0.7 ValueDrift's, and bad data gives answers."""

from __future__ import annotations

import ast
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import monitors.drift as drift
import monitors.drift.fit as drift_fit
from monitors.drift import DriftSpec, evaluate, fit_reference
from monitors.drift.binning import sturges_edges
from monitors.drift.smirnov import kstwo_sf
from monitors.evidently_adapter import EvidentlyDrift, drift_report_html, value_drift, value_drifts

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


def test_auto_resolves_as_evidently_documents() -> None:
    small = {c: v["method"] for c, v in ours("small", "auto").items()}
    large = {c: v["method"] for c, v in ours("large", "auto").items()}
    assert small == {
        "num": "ks",
        "count": "ks",
        "score": "ks",
        "few": "chisquare",
        "pair": "chisquare",  # two values in the reference, three with the window
        "constant": "z",
        "opens": "ks",
        "cat": "chisquare",
        "flag": "z",
    }
    assert large == {
        "num": "wasserstein",
        "count": "wasserstein",
        "score": "wasserstein",
        "few": "jensenshannon",
        "pair": "jensenshannon",
        "constant": "jensenshannon",
        "opens": "wasserstein",
        "cat": "jensenshannon",
        "flag": "jensenshannon",
    }


@pytest.mark.parametrize(
    ("values", "categorical", "expected"),
    [
        (np.arange(30, dtype="float64"), False, ("num", "ks")),
        (np.tile(np.arange(10), 3), False, ("cat", "chisquare")),  # ints with <= 10 values
        (np.arange(30), False, ("num", "ks")),  # ints with more
        # two values: Z-test, unless the window brings a third (then chi-square)
        (np.array(["x", "y"] * 15, dtype=object), False, ("cat", "auto")),
        (np.arange(30, dtype="float64"), True, ("cat", "chisquare")),  # forced categorical
    ],
    ids=[
        "floats are numerical",
        "integers with at most ten values are categorical",
        "integers with more values are numerical",
        "strings are categorical",
        "a column listed in categorical is categorical",
    ],
)
def test_column_types_are_inferred_as_evidently_infers_them(
    values: np.ndarray, categorical: bool, expected: tuple[str, str]
) -> None:
    reference = pd.DataFrame({"x": values})
    spec = DriftSpec(columns=("x",), categorical=("x",) if categorical else ())
    column = fit_reference(reference, spec).column("x")
    assert ("cat" if column.categorical else "num", column.method) == expected


def test_an_empty_window_is_no_data() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num",)))
    result = evaluate(current.iloc[:0], fitted)
    assert result.status == "no_data"
    assert result.slis == {}


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


def test_a_window_with_no_values_in_any_column_is_no_data() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num", "cat"), categorical=("cat",)))
    result = evaluate(current.assign(num=np.nan, cat=None), fitted)
    assert result.status == "no_data"
    assert result.details["columns"]["cat"]["problem"] == "all values missing in the current window"


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


def test_text_in_a_numerical_column_is_reported_not_raised() -> None:
    reference, current = frames("small")
    fitted = fit_reference(reference, DriftSpec(columns=("num", "score")))
    result = evaluate(current.assign(num="n/a"), fitted)
    assert (
        result.details["columns"]["num"]["problem"]
        == "values are not numeric in the current window"
    )
    assert result.details["tested_columns"] == 1


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


def test_the_version_follows_the_reference_content_and_the_spec() -> None:
    reference, _ = frames("small")
    spec = DriftSpec(columns=("num", "cat"), categorical=("cat",))
    assert fit_reference(reference, spec).version == fit_reference(reference.copy(), spec).version
    moved = reference.assign(num=reference["num"] + 1)
    assert fit_reference(moved, spec).version != fit_reference(reference, spec).version
    other = DriftSpec(columns=("num", "cat"), categorical=("cat",), method="psi")
    assert fit_reference(reference, other).version != fit_reference(reference, spec).version


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


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (DriftSpec(columns=("cat",), method="ks", categorical=("cat",)), "numerical columns only"),
        (DriftSpec(columns=("num",), method="chisquare"), "categorical columns only"),
        (DriftSpec(columns=("nope",)), "column 'nope' not in the reference"),
    ],
    ids=[
        "ks on a categorical column",
        "chi-square on a numerical column",
        "a column the reference lacks",
    ],
)
def test_a_spec_that_cannot_apply_fails_at_fit(spec: DriftSpec, message: str) -> None:
    reference, _ = frames("small")
    with pytest.raises(ValueError, match=message):
        fit_reference(reference, spec)


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        DriftSpec(columns=("x",), method="kolmogorov")


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


def test_the_drift_modules_import_no_evidently_and_no_cockpit() -> None:
    modules = sorted(Path(drift.__file__).parent.glob("*.py"))
    assert len(modules) > 1  # the package and its modules, each read
    for module in modules:
        tree = ast.parse(module.read_text())
        imported = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        third_party = imported - {"__future__", "collections", "dataclasses", "hashlib", "math"}
        third_party -= {"typing"}
        assert third_party <= {"numpy", "pandas", "scipy", "monitors"}, module.name


def test_the_html_report_names_the_columns_and_respects_the_size_cap() -> None:
    reference, current = (f.rename(columns={"num": "tenure_days"}) for f in frames("small"))
    html = drift_report_html(
        reference, current, ["tenure_days", "cat"], categorical=["cat"], max_rows=200, seed=1
    )
    assert html is not None
    assert "<html" in html.lower()
    assert "tenure_days" in html
    assert drift_report_html(reference, current, ["tenure_days"], max_bytes=1000) is None


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
