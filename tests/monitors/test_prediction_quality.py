"""Prediction quality pinned to scikit-learn on seeded data; late labels; slices; CTR."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from monitors.prediction_quality import PredictionQualitySpec, evaluate

RNG = np.random.default_rng(11)
N = 2000


def classification_frame() -> pd.DataFrame:
    y = RNG.integers(0, 2, N)
    score = np.clip(y * 0.6 + RNG.normal(0.2, 0.25, N), 0, 1)
    version = np.where(np.arange(N) < N // 2, "v1", "v2")
    score = np.where(version == "v2", RNG.random(N), score)  # v2 predicts noise
    return pd.DataFrame(
        {
            "score": score,
            "label": y.astype(float),
            "model_version": version,
            "plan": RNG.choice(["basic", "pro"], N),
        }
    )


SPEC = PredictionQualitySpec(
    metric="accuracy",
    kind="binary_classification",
    prediction="score",
    label="label",
    slices=("plan",),
)


def test_classification_metrics_equal_scikit_learn() -> None:
    frame = classification_frame()
    result = evaluate(frame, SPEC)
    y, score = frame["label"].to_numpy(), frame["score"].to_numpy()
    predicted = (score >= 0.5).astype(float)
    assert result.slis["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted), abs=1e-12)
    assert result.slis["precision"] == pytest.approx(skm.precision_score(y, predicted), abs=1e-12)
    assert result.slis["recall"] == pytest.approx(skm.recall_score(y, predicted), abs=1e-12)
    assert result.slis["f1"] == pytest.approx(skm.f1_score(y, predicted), abs=1e-12)
    assert result.slis["roc_auc"] == pytest.approx(skm.roc_auc_score(y, score), abs=1e-12)
    assert result.slis["log_loss"] == pytest.approx(skm.log_loss(y, score), abs=1e-9)
    assert (result.good, result.total) == (skm.accuracy_score(y, predicted, normalize=False), N)


def test_the_bad_model_version_and_the_worst_slice_are_named() -> None:
    result = evaluate(classification_frame(), SPEC)
    by_version = result.details["by_model_version"]
    assert by_version["v2"]["accuracy"] < by_version["v1"]["accuracy"] - 0.2
    assert result.slis["accuracy[model_version=v2]"] == by_version["v2"]["accuracy"]
    worst = result.details["worst_slice"]
    plans = result.details["by_slice"]["plan"]
    assert worst["value"] == min(plans, key=lambda p: plans[p]["accuracy"])


def test_unlabelled_predictions_are_reported_not_counted() -> None:
    frame = classification_frame()
    frame.loc[: N // 4 - 1, "label"] = np.nan
    result = evaluate(frame, SPEC)
    assert result.slis["unlabelled_share"] == pytest.approx(0.25)
    assert result.total == N - N // 4


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda f: f.iloc[:0], "no predictions"),
        (lambda f: f.assign(label=np.nan), "no labelled predictions yet"),
    ],
    ids=["an empty window is no data", "a window without labels is no data"],
)
def test_no_data(change, reason: str) -> None:
    result = evaluate(change(classification_frame()), SPEC)
    assert result.status == "no_data" and reason in result.details["reason"]


def test_nan_and_infinite_predictions_are_left_out_and_counted() -> None:
    frame = classification_frame()
    frame.loc[:9, "score"] = [np.nan, np.inf, -np.inf, *([np.nan] * 7)]
    result = evaluate(frame, SPEC)
    assert result.details["invalid_predictions"] == 10 and result.total == N - 10


def test_a_single_class_has_no_roc_auc() -> None:
    frame = classification_frame().assign(label=1.0)
    assert evaluate(frame, SPEC).slis["roc_auc"] is None


def test_a_missing_label_column_is_named() -> None:
    with pytest.raises(ValueError, match="'label'"):
        evaluate(classification_frame().drop(columns=["label"]), SPEC)


def test_regression_metrics_equal_scikit_learn() -> None:
    y = RNG.normal(100, 20, N)
    p = y + RNG.normal(0, 5, N)
    frame = pd.DataFrame({"pred": p, "y": y, "model_version": "v1"})
    spec = PredictionQualitySpec(
        metric="mae", kind="regression", prediction="pred", label="y", regression_tolerance=5
    )
    result = evaluate(frame, spec)
    assert result.slis["mae"] == pytest.approx(skm.mean_absolute_error(y, p), abs=1e-12)
    assert result.slis["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)), abs=1e-9)
    assert result.slis["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, p), abs=1e-12)
    assert result.slis["r2"] == pytest.approx(skm.r2_score(y, p), abs=1e-12)
    assert result.good == np.sum(np.abs(p - y) <= 5)


def test_ctr_is_clicks_over_impressions_by_version() -> None:
    version = np.where(np.arange(N) < N // 2, "v6", "v7")
    clicks = np.where(version == "v6", RNG.random(N) < 0.2, RNG.random(N) < 0.08).astype(int)
    frame = pd.DataFrame(
        {"clicks": clicks, "impressions": 1, "model_version": version, "device": "mobile"}
    )
    spec = PredictionQualitySpec(
        metric="ctr",
        kind="ctr",
        prediction=None,
        label=None,
        numerator="clicks",
        denominator="impressions",
        slices=("device",),
    )
    result = evaluate(frame, spec)
    assert result.slis["ctr"] == clicks.sum() / N
    assert (result.good, result.total) == (clicks.sum(), N)
    assert result.slis["ctr[model_version=v7]"] < 0.12 < result.slis["ctr[model_version=v6]"]
