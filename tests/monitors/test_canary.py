"""Canary statistics (monitors/canary.py) on seeded data, pinned to scipy, scikit-learn and
numpy computed directly on the same rows."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_absolute_error, roc_auc_score

from monitors import canary
from monitors import prediction_quality as pq
from monitors.canary import CanarySpec

T0 = datetime(2026, 11, 1, tzinfo=UTC)
BINARY = dict(kind="binary_classification", prediction="score", label="y")


def interleaved(
    rows: int,
    accuracy: dict[str, float],
    seed: int,
    share: float = 0.5,
    first: str = "v1",
) -> pd.DataFrame:
    """A window of ``rows`` predictions a second apart, the versions interleaved at random
    (``share`` of them the second version) after the first 2.5% of rows, all ``first``'s; each
    right with its version's ``accuracy``."""
    rng = np.random.default_rng(seed)
    names = list(accuracy)
    version = np.where(rng.random(rows) < share, names[1], names[0])
    version[: rows // 40] = first
    y = rng.random(rows) < 0.3
    rate = np.array([accuracy[v] for v in version])
    right = rng.random(rows) < rate
    predicted = np.where(right, y, ~y)
    score = np.where(predicted, rng.uniform(0.5, 1.0, rows), rng.uniform(0.0, 0.5, rows))
    return pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=rows, freq="1s", tz="UTC"),
            "model_version": version,
            "score": score,
            "y": y.astype(int),
        }
    )


def spec(**changes: object) -> CanarySpec:
    return CanarySpec(**{"metric": "accuracy", "timestamp": "ts", **BINARY, **changes})  # type: ignore[arg-type]


# --- the z tests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x_b", "n_b", "x_c", "n_c", "higher_is_better", "tolerance"),
    [
        pytest.param(900, 1000, 850, 1000, True, 0.0, id="accuracy, pooled standard error"),
        pytest.param(900, 1000, 880, 1200, True, 0.01, id="accuracy, a tolerance, Wald error"),
        pytest.param(30, 2000, 52, 1800, False, 0.0, id="error rate: higher is worse"),
        pytest.param(30, 2000, 52, 1800, False, 0.005, id="error rate with a tolerance"),
        pytest.param(850, 1000, 900, 1000, True, 0.0, id="a better candidate: p near 1"),
    ],
)
def test_the_two_proportion_p_value_is_the_normal_tail_of_the_z_on_the_same_counts(
    x_b: int, n_b: int, x_c: int, n_c: int, higher_is_better: bool, tolerance: float
) -> None:
    p_b, p_c = x_b / n_b, x_c / n_c
    worse_by = p_b - p_c if higher_is_better else p_c - p_b
    if tolerance == 0:
        pooled = (x_b + x_c) / (n_b + n_c)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n_b + 1 / n_c))
    else:
        se = np.sqrt(p_b * (1 - p_b) / n_b + p_c * (1 - p_c) / n_c)
    yates = 0.5 * (1 / n_b + 1 / n_c)  # the continuity correction
    expected = stats.norm.sf((worse_by - tolerance - yates) / se)
    test = canary.two_proportion_z(
        x_b, n_b, x_c, n_c, higher_is_better=higher_is_better, tolerance=tolerance
    )
    assert test.p_value == pytest.approx(expected, abs=1e-12, rel=1e-12)
    assert test.worse_by == pytest.approx(worse_by, abs=1e-15)
    if tolerance == 0 and worse_by > 0:
        # the same as scipy's Yates-corrected chi-square on the 2x2 table, halved (one side)
        table = [[x_b, n_b - x_b], [x_c, n_c - x_c]]
        chi2 = stats.chi2_contingency(table, correction=True)
        assert test.p_value == pytest.approx(chi2.pvalue / 2, rel=1e-9)


def test_without_a_tolerance_the_z_test_agrees_with_fishers_exact_test_loosely() -> None:
    test = canary.two_proportion_z(900, 1000, 870, 1000)
    # rows: baseline, candidate; columns: right, wrong. "greater": the baseline's odds are higher
    _, exact = stats.fisher_exact([[900, 100], [870, 130]], alternative="greater")
    assert test.p_value == pytest.approx(exact, abs=0.01)


def test_mcnemars_z_is_the_normal_tail_of_the_discordant_pairs() -> None:
    b, c, n = 180, 120, 5000
    plain = canary.mcnemar_z(b, c, n)
    # Edwards' continuity correction: |b - c| - 1
    assert plain.p_value == pytest.approx(stats.norm.sf((b - c - 1) / np.sqrt(b + c)), abs=1e-12)
    assert plain.worse_by == pytest.approx((b - c) / n)
    # the exact McNemar test: b among the b + c discordant pairs, Binomial(b + c, 1/2)
    exact = stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue
    assert plain.p_value == pytest.approx(exact, abs=0.002)
    shifted = canary.mcnemar_z(b, c, n, tolerance=0.005)
    wald = ((b - c) - n * 0.005 - 1) / np.sqrt(b + c - (b - c) ** 2 / n)
    assert shifted.p_value == pytest.approx(stats.norm.sf(wald), abs=1e-12)


# --- a window of two versions ---------------------------------------------------------------


def test_a_candidate_five_points_less_accurate_is_worse() -> None:
    frame = interleaved(20_000, {"v1": 0.90, "v2": 0.85}, seed=1)
    result = canary.evaluate(frame, spec())
    v1, v2 = frame[frame.model_version == "v1"], frame[frame.model_version == "v2"]
    direct = accuracy_score(v2.y, v2.score >= 0.5) - accuracy_score(v1.y, v1.score >= 0.5)
    assert result.status == "ok"
    assert result.slis["canary_worse"] == 1.0
    assert result.slis["canary_p_value"] < 0.01
    assert result.slis["canary_delta"] == pytest.approx(direct, abs=1e-12)
    assert result.slis["canary_delta"] == pytest.approx(-0.05, abs=0.012)
    assert result.slis["candidate_share"] == pytest.approx(len(v2) / len(frame))
    details = result.details
    assert (details["baseline"], details["candidate"], details["test"]) == (
        "v1",
        "v2",
        "two-proportion z",
    )
    assert details["versions"] == {"v1": len(v1), "v2": len(v2)}
    assert (details["baseline_rows"], details["candidate_rows"]) == (len(v1), len(v2))
    assert details["paired"] is False


def test_the_values_are_prediction_qualitys_per_version() -> None:
    frame = interleaved(6_000, {"v1": 0.90, "v2": 0.85}, seed=2)
    quality = pq.evaluate(frame, pq.PredictionQualitySpec(metric="accuracy", **BINARY))
    result = canary.evaluate(frame, spec())
    by_version = quality.details["by_model_version"]
    assert result.slis["baseline_value"] == by_version["v1"]["accuracy"]
    assert result.slis["candidate_value"] == by_version["v2"]["accuracy"]


def test_equal_versions_say_worse_in_at_most_alpha_of_200_windows_9_observed() -> None:
    """Seeds 0..199, 4,000 rows each, 50/50 (even seeds) or 90/10 (odd seeds), both versions
    0.88 accurate: 9 of the 200 windows (4.5%) say "worse" at alpha 0.05. Without the
    continuity correction it was 11 (5.5%); with it, 4,000 more windows (seeds 3000..6999)
    gave 4.6%, and 20,000 binomial draws of the counts 4.5% at 2000/2000 and 3600/400: the test
    stays at or below its level."""
    p_values = np.array(
        [
            canary.evaluate(
                interleaved(4_000, {"v1": 0.88, "v2": 0.88}, seed, 0.5 if seed % 2 == 0 else 0.1),
                spec(min_rows=100),
            ).slis["canary_p_value"]
            for seed in range(200)
        ]
    )
    false = int(np.sum(p_values < 0.05))
    assert false / len(p_values) <= 0.05
    assert false > 0  # a test that never says "worse" would pass the line above too


def test_a_candidate_with_too_little_traffic_gets_no_verdict() -> None:
    frame = interleaved(4_000, {"v1": 0.9, "v2": 0.5}, seed=3, share=0.0)
    frame.loc[frame.index[-100:], "model_version"] = "v2"
    result = canary.evaluate(frame, spec(min_rows=500))
    assert result.status == "no_data"
    assert result.details["reason"] == (
        "too little traffic to compare: baseline 'v1' has 3900 labelled rows with a valid "
        "prediction, candidate 'v2' 100, fewer than min_rows (500) on one side"
    )
    assert result.details["versions"] == {"v1": 3900, "v2": 100}


def test_one_version_only_gets_no_verdict() -> None:
    frame = interleaved(2_000, {"v1": 0.9, "v2": 0.9}, seed=4, share=0.0)
    result = canary.evaluate(frame, spec())
    assert result.status == "no_data"
    assert result.details["reason"] == (
        "only one model version in the window (v1: 2000 rows): nothing to compare"
    )


def test_a_named_version_absent_from_the_window_gets_no_verdict() -> None:
    frame = interleaved(2_000, {"v1": 0.9, "v2": 0.9}, seed=5)
    result = canary.evaluate(frame, spec(candidate="v3"))
    assert result.status == "no_data"
    assert result.details["reason"].startswith("candidate version 'v3' has no rows in the window")
    result = canary.evaluate(frame, spec(baseline="v0"))
    assert result.details["reason"].startswith("baseline version 'v0' has no rows in the window")


def test_rows_without_a_version_are_left_out() -> None:
    frame = interleaved(3_000, {"v1": 0.9, "v2": 0.9}, seed=6)
    frame.loc[frame.index[:500], "model_version"] = None
    result = canary.evaluate(frame, spec(min_rows=100))
    assert sum(result.details["versions"].values()) == 2_500 == result.details["rows"]
    assert result.details["missing_version_rows"] == 500


def test_a_one_point_worse_candidate_is_worse_without_a_tolerance_but_not_with_two_points() -> None:
    rows = 60_000  # per version: exactly 90% and 89% right
    rng = np.random.default_rng(7)
    right = np.concatenate([rng.permutation(np.arange(rows) < 0.90 * rows)] * 1)
    right_c = rng.permutation(np.arange(rows) < 0.89 * rows)
    y = rng.random(2 * rows) < 0.4
    correct = np.concatenate([right, right_c])
    score = np.where(correct == y, 0.8, 0.2)  # predicted positive exactly when right == y
    frame = pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=2 * rows, freq="1s", tz="UTC"),
            "model_version": ["v1"] * rows + ["v2"] * rows,
            "score": score,
            "y": y.astype(int),
        }
    )
    strict = canary.evaluate(frame, spec(tolerance=0.0))
    assert strict.slis["canary_delta"] == pytest.approx(-0.01, abs=1e-12)
    assert strict.slis["canary_worse"] == 1.0
    lenient = canary.evaluate(frame, spec(tolerance=0.02))
    assert lenient.slis["canary_worse"] == 0.0
    assert lenient.slis["canary_p_value"] > 0.99


# --- which versions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "first_seen", "expected"),
    [
        pytest.param(
            {"v1": 900, "v2": 100}, {"v1": 0, "v2": 5}, ("v1", "v2"), id="newest is seen last"
        ),
        pytest.param(
            {"v1": 100, "v2": 900}, {"v1": 5, "v2": 0}, ("v2", "v1"), id="whatever its name"
        ),
        pytest.param(
            {"v1": 900, "v2": 100},
            {"v1": 0, "v2": 0},
            ("v1", "v2"),
            id="a tie goes to the smaller share",
        ),
        pytest.param(
            {"v9": 500, "v10": 500},
            {"v9": 0, "v10": 0},
            ("v9", "v10"),
            id="then to the greater in natural order",
        ),
        pytest.param(
            {"v1": 300, "v2": 600, "v3": 100},
            {"v1": 0, "v2": 0, "v3": 9},
            ("v2", "v3"),
            id="previous is the other version with the most rows",
        ),
        pytest.param(
            {"v2": 400, "v10": 400, "v11": 200},
            {"v2": 0, "v10": 0, "v11": 9},
            ("v10", "v11"),
            id="a tie of rows goes to the greater version",
        ),
    ],
)
def test_versions_are_chosen_by_first_row_share_and_natural_order(
    rows: dict[str, int], first_seen: dict[str, int], expected: tuple[str, str]
) -> None:
    assert canary.choose(rows, first_seen, "previous", "newest") == expected


def test_named_versions_are_taken_and_newest_skips_a_named_baseline() -> None:
    rows, seen = {"v1": 10, "v2": 10, "v3": 10}, {"v1": 0, "v2": 1, "v3": 2}
    assert canary.choose(rows, seen, "v3", "newest") == ("v3", "v2")
    assert canary.choose(rows, seen, "previous", "v1") == ("v3", "v1")
    assert canary.choose(rows, seen, "v4", "v1") == (None, "v1")


def test_natural_order_reads_numbers_as_numbers() -> None:
    versions = ["v10", "v2", "v9", "v1.10", "v1.9", "V3"]
    assert sorted(versions, key=canary.natural_key) == ["v1.9", "v1.10", "v2", "V3", "v9", "v10"]


# --- kernels: the same values as the reference functions, on any subset -------------------


@pytest.fixture(scope="module")
def pooled() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 600
    y = rng.random(n) < 0.4
    score = np.round(np.clip(y * 0.2 + rng.random(n) * 0.8, 0, 1), 2)  # ties on purpose
    label = rng.normal(100, 15, n)
    return {"y": y, "score": score, "label": label, "pred": label + rng.normal(0, 5, n)}


@pytest.mark.parametrize("metric", ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"])
def test_a_binary_kernel_equals_prediction_qualitys_metric_on_random_subsets(
    pooled: dict[str, np.ndarray], metric: str
) -> None:
    y, score = pooled["y"], pooled["score"]
    sides = canary._binary_sides(metric, y, score, 0.5, (300, 300))
    masks = np.random.default_rng(0).random((20, len(y))) < 0.5
    inside, outside = sides.kernel(masks)
    assert inside == pytest.approx(
        [pq._binary_metrics(y[m], score[m], 0.5)[0][metric] for m in masks], rel=1e-12, abs=1e-12
    )
    assert outside == pytest.approx(
        [pq._binary_metrics(y[~m], score[~m], 0.5)[0][metric] for m in masks], rel=1e-12, abs=1e-12
    )


@pytest.mark.parametrize("metric", ["mae", "rmse", "mape", "r2"])
def test_a_regression_kernel_equals_prediction_qualitys_metric_on_random_subsets(
    pooled: dict[str, np.ndarray], metric: str
) -> None:
    y, p = pooled["label"], pooled["pred"]
    sides = canary._regression_sides(metric, y, p, (300, 300))
    masks = np.random.default_rng(1).random((20, len(y))) < 0.5
    inside, outside = sides.kernel(masks)
    assert inside == pytest.approx(
        [pq._regression_metrics(y[m], p[m], None)[0][metric] for m in masks], rel=1e-9, abs=1e-12
    )
    assert outside == pytest.approx(
        [pq._regression_metrics(y[~m], p[~m], None)[0][metric] for m in masks], rel=1e-9, abs=1e-12
    )


def test_the_auc_kernel_equals_scikit_learn(pooled: dict[str, np.ndarray]) -> None:
    y, score = pooled["y"], pooled["score"]
    masks = np.random.default_rng(2).random((10, len(y))) < 0.3
    inside, outside = canary.auc_kernel(y, score)(masks)
    assert inside == pytest.approx([roc_auc_score(y[m], score[m]) for m in masks], abs=1e-12)
    assert outside == pytest.approx([roc_auc_score(y[~m], score[~m]) for m in masks], abs=1e-12)
    distinct = score + np.arange(len(score)) * 1e-9  # no ties: the groups are the rows
    inside, _ = canary.auc_kernel(y, distinct)(masks)
    assert inside == pytest.approx([roc_auc_score(y[m], distinct[m]) for m in masks], abs=1e-12)


def test_the_quantile_kernel_equals_numpy_percentile(pooled: dict[str, np.ndarray]) -> None:
    values = np.round(pooled["label"])  # ties
    masks = np.random.default_rng(3).random((30, len(values))) < 0.2
    masks[0] = False
    masks[0, 5] = True  # one row
    inside, outside = canary.quantile_kernel(values)(masks)
    assert inside == pytest.approx([np.percentile(values[m], 95) for m in masks], abs=1e-12)
    assert outside == pytest.approx([np.percentile(values[~m], 95) for m in masks], abs=1e-12)


# --- resampled metrics ----------------------------------------------------------------------


def auc_window(rows: int, seed: int, separation: dict[str, float]) -> pd.DataFrame:
    """Scores ``separation`` apart between the classes (0: a coin), per version."""
    rng = np.random.default_rng(seed)
    version = np.where(rng.random(rows) < 0.5, "v2", "v1")
    version[: rows // 40] = "v1"  # the canary starts a little later
    y = rng.random(rows) < 0.4
    shift = np.array([separation[v] for v in version])
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, rows) + shift * y)))
    return pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=rows, freq="1s", tz="UTC"),
            "model_version": version,
            "score": score,
            "y": y.astype(int),
        }
    )


def test_roc_auc_is_a_seeded_permutation_test_with_scikit_learns_aucs() -> None:
    frame = auc_window(3_000, 8, {"v1": 1.2, "v2": 0.7})
    result = canary.evaluate(frame, spec(metric="roc_auc", seed=3))
    again = canary.evaluate(frame, spec(metric="roc_auc", seed=3))
    v1, v2 = frame[frame.model_version == "v1"], frame[frame.model_version == "v2"]
    assert result.slis["baseline_value"] == pytest.approx(roc_auc_score(v1.y, v1.score), abs=1e-12)
    assert result.slis["candidate_value"] == pytest.approx(roc_auc_score(v2.y, v2.score), abs=1e-12)
    assert result.details["test"] == "permutation"
    assert result.slis["canary_p_value"] == again.slis["canary_p_value"]
    assert result.slis["canary_p_value"] == 1 / 1001  # no permutation as extreme
    assert result.slis["canary_worse"] == 1.0
    assert (result.details["resamples"], result.details["seed"]) == (1000, 3)


def test_the_permutation_p_value_is_close_to_scipys_permutation_test() -> None:
    """A small difference (p in the middle): scipy's own resampling of the same statistic."""
    frame = auc_window(1_200, 9, {"v1": 1.0, "v2": 0.85})
    base = frame[frame.model_version == "v1"]
    cand = frame[frame.model_version == "v2"]
    y = np.concatenate([base.y, cand.y]).astype(bool)
    score = np.concatenate([base.score, cand.score])

    def auc(rows: np.ndarray) -> np.ndarray:  # (sum of positive ranks - n+(n+ + 1)/2) / n+ n-
        positive = y[rows]
        n_pos = positive.sum(axis=-1)
        ranks = stats.rankdata(score[rows], axis=-1)
        u = (ranks * positive).sum(axis=-1) - n_pos * (n_pos + 1) / 2
        return u / (n_pos * (rows.shape[-1] - n_pos))

    def worse_by(b: np.ndarray, c: np.ndarray, axis: int = -1) -> np.ndarray:  # rows' positions
        return auc(b) - auc(c)

    ours = canary.evaluate(frame, spec(metric="roc_auc", resamples=2000, min_rows=100))
    theirs = stats.permutation_test(
        (np.arange(len(base)), np.arange(len(base), len(y))),
        worse_by,
        permutation_type="independent",
        vectorized=True,
        n_resamples=2000,
        alternative="greater",
        random_state=0,
    )
    assert ours.details["worse_by"] == pytest.approx(theirs.statistic, abs=1e-12)
    assert 0.01 < theirs.pvalue < 0.5  # a case in the middle, where the two can be compared
    # 0.0285 and 0.0250 here: two Monte Carlo estimates of one p, each within about 0.004
    assert ours.slis["canary_p_value"] == pytest.approx(theirs.pvalue, abs=0.012)


def test_a_roc_auc_candidate_as_good_as_the_baseline_is_not_worse() -> None:
    frame = auc_window(3_000, 10, {"v1": 1.0, "v2": 1.0})
    result = canary.evaluate(frame, spec(metric="roc_auc"))
    assert result.slis["canary_worse"] == 0.0


@pytest.mark.parametrize("metric", ["f1", "log_loss"])
def test_other_classification_metrics_are_resampled_with_prediction_qualitys_values(
    metric: str,
) -> None:
    frame = interleaved(4_000, {"v1": 0.92, "v2": 0.80}, seed=12)
    result = canary.evaluate(frame, spec(metric=metric, resamples=300))
    v1, v2 = frame[frame.model_version == "v1"], frame[frame.model_version == "v2"]
    reference = {
        "f1": lambda d: f1_score(d.y, d.score >= 0.5),
        "log_loss": lambda d: log_loss(d.y, d.score, labels=[0, 1]),
    }[metric]
    assert result.slis["baseline_value"] == pytest.approx(reference(v1), abs=1e-12)
    assert result.slis["canary_delta"] == pytest.approx(reference(v2) - reference(v1), abs=1e-12)
    assert (result.details["test"], result.slis["canary_worse"]) == ("permutation", 1.0)


def test_a_regression_candidate_with_larger_errors_is_worse_on_mae() -> None:
    rng = np.random.default_rng(13)
    rows = 4_000
    version = np.where(rng.random(rows) < 0.5, "v2", "v1")
    label = rng.normal(50, 10, rows)
    noise = np.where(version == "v2", 6.0, 5.0)
    frame = pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=rows, freq="1s", tz="UTC"),
            "model_version": version,
            "pred": label + rng.normal(0, 1, rows) * noise,
            "y": label,
        }
    )
    regression = dict(kind="regression", prediction="pred", label="y")
    result = canary.evaluate(frame, spec(metric="mae", resamples=300, **regression))
    v1, v2 = frame[frame.model_version == "v1"], frame[frame.model_version == "v2"]
    direct = mean_absolute_error(v2.y, v2.pred) - mean_absolute_error(v1.y, v1.pred)
    assert result.slis["canary_delta"] == pytest.approx(direct, abs=1e-12)
    assert result.slis["canary_delta"] > 0 and result.slis["canary_worse"] == 1.0  # higher is worse
    better = canary.evaluate(
        frame, spec(metric="mae", resamples=300, baseline="v2", candidate="v1", **regression)
    )
    assert better.slis["canary_worse"] == 0.0


# --- metrics from the log -------------------------------------------------------------------


def log_window(rows: int, seed: int, slower: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    version = np.where(rng.random(rows) < 0.3, "v2", "v1")
    version[0] = "v1"
    latency = rng.lognormal(4.5, 0.4, rows) * np.where(version == "v2", slower, 1.0)
    return pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=rows, freq="1s", tz="UTC"),
            "model_version": version,
            "latency_ms": latency,
            "failed": rng.random(rows) < np.where(version == "v2", 0.03, 0.02),
            "clicks": rng.binomial(3, np.where(version == "v2", 0.10, 0.12)),
            "impressions": np.full(rows, 3),
        }
    )


def test_a_slower_candidate_is_worse_on_latency_p95_by_numpys_percentiles() -> None:
    frame = log_window(5_000, 14, slower=1.3)
    frame.loc[frame.index[1:50], "latency_ms"] = np.nan  # requests without a latency are left out
    result = canary.evaluate(frame, CanarySpec(metric="latency_p95", timestamp="ts", resamples=500))
    known = frame.dropna(subset=["latency_ms"])
    p95 = {v: np.percentile(g.latency_ms, 95) for v, g in known.groupby("model_version")}
    assert result.slis["canary_delta"] == pytest.approx(p95["v2"] - p95["v1"], abs=1e-9)
    assert result.slis["canary_delta"] > 0
    assert result.slis["canary_worse"] == 1.0
    assert result.details["higher_is_worse"] is True
    faster = canary.evaluate(
        log_window(5_000, 14, slower=0.8), CanarySpec(metric="latency_p95", timestamp="ts")
    )
    assert faster.slis["canary_worse"] == 0.0 and faster.slis["canary_p_value"] > 0.5


def test_error_rate_and_ctr_are_two_proportion_tests_on_the_logs_counts() -> None:
    frame = log_window(40_000, 15, slower=1.0)
    v1, v2 = frame[frame.model_version == "v1"], frame[frame.model_version == "v2"]
    errors = canary.evaluate(
        frame, CanarySpec(metric="error_rate", timestamp="ts", error_column="failed")
    )
    expected = canary.two_proportion_z(
        v1.failed.sum(), len(v1), v2.failed.sum(), len(v2), higher_is_better=False
    )
    assert errors.slis["canary_delta"] == pytest.approx(v2.failed.mean() - v1.failed.mean())
    assert errors.slis["canary_p_value"] == pytest.approx(expected.p_value, abs=1e-15)
    assert errors.slis["canary_worse"] == 1.0
    ctr = canary.evaluate(
        frame,
        CanarySpec(metric="ctr", timestamp="ts", numerator="clicks", denominator="impressions"),
    )
    rate = {v: g.clicks.sum() / g.impressions.sum() for v, g in frame.groupby("model_version")}
    assert ctr.slis["canary_delta"] == pytest.approx(rate["v2"] - rate["v1"], abs=1e-15)
    assert (ctr.details["test"], ctr.slis["canary_worse"]) == ("two-proportion z", 1.0)


# --- a shadow: the same rows --------------------------------------------------------------


def shadowed(rows: int, seed: int, live: float, shadow: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.35

    def scores(accuracy: float) -> np.ndarray:
        right = rng.random(rows) < accuracy
        predicted = np.where(right, y, ~y)
        return np.where(predicted, rng.uniform(0.5, 1.0, rows), rng.uniform(0.0, 0.5, rows))

    return pd.DataFrame(
        {
            "ts": pd.date_range(T0, periods=rows, freq="1s", tz="UTC"),
            "model_version": np.where(rng.random(rows) < 0.1, "v5", "v6"),
            "score": scores(live),
            "score_v7": scores(shadow),
            "y": y.astype(int),
        }
    )


def test_a_shadow_is_compared_on_the_same_rows_with_mcnemars_test() -> None:
    frame = shadowed(8_000, 16, live=0.90, shadow=0.87)
    result = canary.evaluate(frame, spec(shadow="score_v7", shadow_version="v7"))
    rows = frame[frame.model_version == "v6"]  # the majority live version: the baseline
    live_right = (rows.score >= 0.5) == rows.y.astype(bool)
    shadow_right = (rows.score_v7 >= 0.5) == rows.y.astype(bool)
    b, c = int((live_right & ~shadow_right).sum()), int((~live_right & shadow_right).sum())
    assert (result.details["baseline"], result.details["candidate"]) == ("v6", "v7")
    assert result.details["test"] == "McNemar z" and result.details["paired"] is True
    assert result.details["baseline_rows"] == result.details["candidate_rows"] == len(rows)
    assert result.slis["candidate_share"] == 1.0
    assert result.slis["baseline_value"] == pytest.approx(live_right.mean(), abs=1e-15)
    assert result.slis["candidate_value"] == pytest.approx(shadow_right.mean(), abs=1e-15)
    assert result.slis["canary_p_value"] == pytest.approx(  # Edwards' continuity correction
        stats.norm.sf((b - c - 1) / math.sqrt(b + c)), abs=1e-12
    )
    assert result.slis["canary_worse"] == 1.0


def test_a_shadow_as_good_as_the_live_model_is_not_worse() -> None:
    frame = shadowed(8_000, 17, live=0.9, shadow=0.9)
    result = canary.evaluate(frame, spec(shadow="score_v7", shadow_version="v7", baseline="v5"))
    assert result.details["baseline"] == "v5"
    assert result.details["baseline_rows"] == int((frame.model_version == "v5").sum())
    assert result.slis["canary_worse"] == 0.0


def test_a_shadows_roc_auc_is_a_sign_flip_test_on_the_same_rows() -> None:
    frame = shadowed(3_000, 18, live=0.9, shadow=0.84)
    result = canary.evaluate(
        frame, spec(metric="roc_auc", shadow="score_v7", shadow_version="v7", resamples=400)
    )
    rows = frame[frame.model_version == "v6"]
    assert result.details["test"] == "sign-flip permutation"
    assert result.slis["baseline_value"] == pytest.approx(roc_auc_score(rows.y, rows.score))
    assert result.slis["candidate_value"] == pytest.approx(roc_auc_score(rows.y, rows.score_v7))
    assert result.slis["canary_worse"] == 1.0


def test_a_shadow_without_a_version_column_compares_with_the_live_model() -> None:
    frame = shadowed(2_000, 19, live=0.9, shadow=0.9).drop(columns=["model_version"])
    result = canary.evaluate(frame, spec(shadow="score_v7", shadow_version="v7"))
    assert (result.details["baseline"], result.details["baseline_rows"]) == ("live", 2_000)
    assert result.status == "ok"


def test_a_labelled_metric_counts_only_labelled_rows() -> None:
    frame = interleaved(4_000, {"v1": 0.9, "v2": 0.9}, seed=20)
    frame["y"] = frame["y"].astype(float)
    frame.loc[frame.index[::2], "y"] = np.nan
    result = canary.evaluate(frame, spec(min_rows=100))
    assert result.details["baseline_rows"] + result.details["candidate_rows"] == 2_000
    assert sum(result.details["versions"].values()) == 4_000  # labelled or not


def test_versions_both_there_from_the_start_make_the_smaller_share_the_candidate() -> None:
    """v2 logs the very first row, v1 the second: both are there from the start (within the
    first 1% of the window), so the candidate is the version with fewer rows."""
    frame = interleaved(3_000, {"v1": 0.9, "v2": 0.9}, seed=22, share=0.7, first="v2")
    frame.loc[frame.index[:80], "model_version"] = ["v2", "v1"] * 40
    result = canary.evaluate(frame, spec(min_rows=100))
    assert result.details["versions"]["v1"] < result.details["versions"]["v2"]
    assert (result.details["baseline"], result.details["candidate"]) == ("v2", "v1")


def test_first_rows_decide_newest_even_with_a_shuffled_log() -> None:
    frame = interleaved(3_000, {"v1": 0.9, "v2": 0.9}, seed=21, first="v1")
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    result = canary.evaluate(frame, spec(min_rows=100))
    assert (result.details["baseline"], result.details["candidate"]) == ("v1", "v2")
