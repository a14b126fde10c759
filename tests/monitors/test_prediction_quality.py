"""Prediction quality pinned to scikit-learn on seeded data; late labels, versions, slices, CTR."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from monitors.prediction_quality import PredictionQualitySpec, evaluate

N = 2000


def classification_frame(seed: int = 11) -> pd.DataFrame:
    """v1 separates the classes; v2 predicts noise. Plan "pro" is scored well by both."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, N)
    version = np.where(np.arange(N) < N // 2, "v1", "v2")
    plan = rng.choice(["basic", "free", "pro"], N)
    score = np.clip(y * 0.6 + rng.normal(0.2, 0.25, N), 0, 1)
    score = np.where(version == "v2", rng.random(N), score)
    score = np.where(plan == "pro", np.clip(y * 0.8 + rng.normal(0.1, 0.1, N), 0, 1), score)
    return pd.DataFrame(
        {"score": score, "label": y.astype(float), "model_version": version, "plan": plan}
    )


SPEC = PredictionQualitySpec(
    metric="accuracy",
    kind="binary_classification",
    prediction="score",
    label="label",
    slices=("plan",),
)


def sklearn_binary(y: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (score >= threshold).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero_division=np.nan warns about undefined values
        return {
            "accuracy": skm.accuracy_score(y, predicted),
            "precision": skm.precision_score(y, predicted, zero_division=np.nan),
            "recall": skm.recall_score(y, predicted, zero_division=np.nan),
            "f1": skm.f1_score(y, predicted, zero_division=np.nan),
            "roc_auc": skm.roc_auc_score(y, score),
            "log_loss": skm.log_loss(y, score),
        }


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.8], ids=lambda t: f"threshold {t}")
@pytest.mark.parametrize("seed", [11, 12], ids=lambda s: f"seed {s}")
def test_binary_metrics_equal_scikit_learn(threshold: float, seed: int) -> None:
    frame = classification_frame(seed)
    result = evaluate(frame, dataclasses.replace(SPEC, threshold=threshold))
    expected = sklearn_binary(frame["label"].to_numpy(), frame["score"].to_numpy(), threshold)
    for name, value in expected.items():
        assert result.slis[name] == pytest.approx(value, abs=1e-12, rel=0), name
    correct = skm.accuracy_score(frame["label"], frame["score"] >= threshold, normalize=False)
    assert (result.good, result.total) == (correct, N)


def test_log_loss_clips_certain_wrong_predictions_like_scikit_learn() -> None:
    frame = classification_frame()
    frame.loc[:9, "score"] = 1 - frame.loc[:9, "label"]  # certain, and wrong
    frame.loc[10:19, "score"] = frame.loc[10:19, "label"]  # certain, and right
    result = evaluate(frame, dataclasses.replace(SPEC, metric="log_loss"))
    expected = skm.log_loss(frame["label"], frame["score"])
    assert result.slis["log_loss"] == pytest.approx(expected, abs=1e-12, rel=0)


def test_roc_auc_counts_tied_scores_half_like_scikit_learn() -> None:
    frame = classification_frame().assign(score=lambda f: f["score"].round(1))
    result = evaluate(frame, dataclasses.replace(SPEC, metric="roc_auc"))
    expected = skm.roc_auc_score(frame["label"], frame["score"])
    assert result.slis["roc_auc"] == pytest.approx(expected, abs=1e-12, rel=0)


@pytest.mark.parametrize(
    ("labels", "positive_label"),
    [
        (lambda y: np.where(y == 1, "yes", "no"), "yes"),
        (lambda y: y == 1, True),
        (lambda y: y.astype(int), 1),
        (lambda y: np.where(y == 1, 0, 1), 0),
    ],
    ids=[
        "text labels with a text positive label",
        "boolean labels",
        "integer labels",
        "zero as the positive label",
    ],
)
def test_the_positive_label_decides_what_a_positive_is(
    labels: Callable[[np.ndarray], np.ndarray], positive_label: object
) -> None:
    frame = classification_frame()
    y = frame["label"].to_numpy()
    relabelled = frame.assign(label=labels(y))
    spec = dataclasses.replace(SPEC, positive_label=positive_label)
    result = evaluate(relabelled, spec)
    positive = (relabelled["label"] == positive_label).to_numpy().astype(int)
    assert result.slis["recall"] == pytest.approx(
        skm.recall_score(positive, frame["score"] >= 0.5), abs=1e-12, rel=0
    )
    assert result.slis["roc_auc"] == pytest.approx(
        skm.roc_auc_score(positive, frame["score"]), abs=1e-12, rel=0
    )


def test_multiclass_metrics_equal_scikit_learn_macro_averages() -> None:
    rng = np.random.default_rng(3)
    y = rng.choice(["cat", "dog", "emu", "fox"], N, p=[0.5, 0.25, 0.05, 0.2])
    predicted = np.where(rng.random(N) < 0.7, y, rng.choice(["cat", "dog", "fox", "owl"], N))
    predicted = np.where(predicted == "emu", "cat", predicted)
    frame = pd.DataFrame({"pred": predicted, "truth": y})
    spec = PredictionQualitySpec(
        metric="f1", kind="multiclass_classification", prediction="pred", label="truth"
    )
    result = evaluate(frame, spec)
    assert result.slis["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted), abs=1e-12)
    with warnings.catch_warnings():
        # "owl" is never a label (recall undefined), "emu" never predicted (precision undefined)
        warnings.simplefilter("ignore")
        for name, fn in [
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        ]:
            expected = fn(y, predicted, average="macro", zero_division=np.nan)
            assert result.slis[name] == pytest.approx(expected, abs=1e-12, rel=0), name
    assert result.slis["roc_auc"] is None and result.slis["log_loss"] is None
    assert result.good == np.sum(y == predicted) and result.total == N


def test_multiclass_integer_classes_match_labels_read_back_as_floats() -> None:
    # The left join turns an integer label column with gaps into floats: 2.0 must equal 2.
    frame = pd.DataFrame({"pred": [0, 1, 2, 2], "truth": [0.0, 1.0, 2.0, np.nan]})
    spec = PredictionQualitySpec(
        metric="accuracy", kind="multiclass_classification", prediction="pred", label="truth"
    )
    assert evaluate(frame, spec).slis["accuracy"] == 1.0


def test_regression_metrics_equal_scikit_learn() -> None:
    rng = np.random.default_rng(7)
    y = rng.normal(100, 20, N)
    p = y + rng.normal(0, 5, N)
    frame = pd.DataFrame({"pred": p, "y": y, "model_version": "v1"})
    spec = PredictionQualitySpec(
        metric="mae", kind="regression", prediction="pred", label="y", regression_tolerance=5
    )
    result = evaluate(frame, spec)
    expected = {
        "mae": skm.mean_absolute_error(y, p),
        "rmse": np.sqrt(skm.mean_squared_error(y, p)),
        "mape": skm.mean_absolute_percentage_error(y, p),
        "r2": skm.r2_score(y, p),
    }
    for name, value in expected.items():
        assert result.slis[name] == pytest.approx(value, abs=1e-12, rel=1e-12), name
    assert (result.good, result.total) == (np.sum(np.abs(p - y) <= 5), N)
    assert result.details["worst_model_version"] is None  # one version: nothing to compare


def test_regression_without_a_tolerance_has_no_events() -> None:
    frame = pd.DataFrame({"pred": [1.0, 2.0, 3.0], "y": [1.0, 2.5, 2.0]})
    spec = PredictionQualitySpec(metric="rmse", kind="regression", prediction="pred", label="y")
    result = evaluate(frame, spec)
    assert result.status == "ok" and result.good is None and result.total is None


def test_regression_mape_floors_zero_labels_like_scikit_learn() -> None:
    y, p = np.array([0.0, 1.0, 2.0, 4.0]), np.array([0.5, 1.0, 1.0, 5.0])
    spec = PredictionQualitySpec(metric="mape", kind="regression", prediction="p", label="y")
    result = evaluate(pd.DataFrame({"p": p, "y": y}), spec)
    assert result.slis["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, p), rel=1e-12)


def test_the_bad_model_version_is_found() -> None:
    result = evaluate(classification_frame(), SPEC)
    by_version = result.details["by_model_version"]
    assert set(by_version) == {"v1", "v2"}
    assert by_version["v2"]["accuracy"] < by_version["v1"]["accuracy"] - 0.15
    assert by_version["v1"]["rows"] + by_version["v2"]["rows"] == N
    assert result.slis["accuracy[model_version=v2]"] == by_version["v2"]["accuracy"]
    assert result.details["worst_model_version"]["value"] == "v2"


def test_each_version_metric_equals_scikit_learn_on_its_rows() -> None:
    frame = classification_frame()
    result = evaluate(frame, dataclasses.replace(SPEC, metric="roc_auc"))
    for version, rows in frame.groupby("model_version"):
        expected = skm.roc_auc_score(rows["label"], rows["score"])
        assert result.details["by_model_version"][version]["roc_auc"] == pytest.approx(
            expected, abs=1e-12, rel=0
        )


@pytest.mark.parametrize(
    ("metric", "worst"),
    [("accuracy", "min"), ("f1", "min"), ("log_loss", "max")],
    ids=[
        "the worst slice has the lowest accuracy",
        "the worst slice has the lowest f1",
        "the worst slice has the highest log loss",
    ],
)
def test_the_worst_slice_is_named(metric: str, worst: str) -> None:
    frame = classification_frame()
    frame.loc[frame["plan"] == "free", "score"] = 1 - frame["score"]  # "free" scored backwards
    result = evaluate(frame, dataclasses.replace(SPEC, metric=metric))
    plans = result.details["by_slice"]["plan"]
    pick = min if worst == "min" else max
    expected = pick(plans, key=lambda plan: plans[plan][metric])
    assert expected == "free"
    named = result.details["worst_slice"]
    assert (named["column"], named["value"], named["slice"]) == ("plan", "free", "plan=free")
    assert named["metric_value"] == plans["free"][metric] == result.slis[f"{metric}[plan=free]"]
    assert named["rows"] == plans["free"]["rows"] == int((frame["plan"] == "free").sum())


def test_slices_with_too_few_labelled_rows_are_skipped() -> None:
    frame = classification_frame()
    frame.loc[:9, "plan"] = "enterprise"  # ten rows
    frame.loc[10:49, "plan"] = "trial"  # forty rows, ten of them unlabelled: thirty labelled
    frame.loc[10:19, "label"] = np.nan
    strict = evaluate(frame, dataclasses.replace(SPEC, min_slice_rows=31))
    assert {"enterprise", "trial"}.isdisjoint(strict.details["by_slice"]["plan"])
    assert "accuracy[plan=trial]" not in strict.slis
    assert strict.details["skipped_slices"] == {"plan": 2}
    lenient = evaluate(frame, dataclasses.replace(SPEC, min_slice_rows=30))
    assert lenient.details["by_slice"]["plan"]["trial"]["rows"] == 30
    assert (
        "accuracy[plan=trial]" in lenient.slis and "accuracy[plan=enterprise]" not in lenient.slis
    )
    assert lenient.details["skipped_slices"] == {"plan": 1}


def test_unlabelled_predictions_are_reported_not_counted() -> None:
    frame = classification_frame()
    frame.loc[: N // 4 - 1, "label"] = np.nan
    result = evaluate(frame, SPEC)
    assert result.slis["unlabelled_share"] == pytest.approx(0.25, abs=1e-12)
    assert result.slis["labelled_share"] == pytest.approx(0.75, abs=1e-12)
    assert result.details["unlabelled_share"] == result.slis["unlabelled_share"]
    assert result.slis["rows"] == N and result.total == N - N // 4
    labelled = frame.iloc[N // 4 :]
    assert result.slis["accuracy"] == pytest.approx(
        skm.accuracy_score(labelled["label"], labelled["score"] >= 0.5), abs=1e-12
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda f: f.iloc[:0], "no predictions in the window"),
        (lambda f: f.assign(label=np.nan), "no labelled predictions yet"),
        (lambda f: f.assign(score=np.nan), "no labelled row has a valid prediction in 'score'"),
    ],
    ids=[
        "an empty window is no data",
        "a window whose labels have not arrived is no data",
        "a window of only NaN predictions is no data",
    ],
)
def test_no_data(change: Callable[[pd.DataFrame], pd.DataFrame], reason: str) -> None:
    result = evaluate(change(classification_frame()), SPEC)
    assert result.status == "no_data" and result.details["reason"].startswith(reason)
    assert result.slis == {} and result.good is None


def test_a_window_without_labels_says_all_are_unlabelled() -> None:
    result = evaluate(classification_frame().assign(label=np.nan), SPEC)
    assert result.details["unlabelled_share"] == 1.0 and result.details["rows"] == N


@pytest.mark.parametrize(
    "bad",
    [np.nan, np.inf, -np.inf, "oops"],
    ids=[
        "NaN predictions",
        "infinite predictions",
        "minus infinite predictions",
        "text predictions",
    ],
)
def test_invalid_predictions_are_left_out_and_counted(bad: object) -> None:
    frame = classification_frame()
    frame["score"] = frame["score"].astype(object)
    frame.loc[:9, "score"] = bad
    result = evaluate(frame, SPEC)
    assert result.details["invalid_predictions"] == 10 and result.total == N - 10
    kept = frame.iloc[10:]
    expected = skm.roc_auc_score(kept["label"], kept["score"].astype(float))
    assert result.slis["roc_auc"] == pytest.approx(expected, abs=1e-12, rel=0)


def test_a_single_class_has_no_roc_auc() -> None:
    result = evaluate(classification_frame().assign(label=1.0), SPEC)
    assert result.slis["roc_auc"] is None
    assert result.slis["accuracy"] is not None


def test_precision_without_predicted_positives_is_undefined_not_zero() -> None:
    result = evaluate(classification_frame().assign(score=0.1), SPEC)
    assert result.slis["precision"] is None
    assert result.slis["recall"] == 0.0 and result.slis["f1"] == 0.0


@pytest.mark.parametrize(
    ("drop", "spec"),
    [
        ("label", SPEC),
        ("score", SPEC),
        ("plan", SPEC),
        (
            "impressions",
            PredictionQualitySpec(
                metric="ctr",
                kind="ctr",
                prediction=None,
                label=None,
                numerator="clicks",
                denominator="impressions",
            ),
        ),
    ],
    ids=[
        "a missing label column is named",
        "a missing prediction column is named",
        "a missing slice column is named",
        "a missing ctr denominator is named",
    ],
)
def test_a_missing_column_is_named(drop: str, spec: PredictionQualitySpec) -> None:
    frame = classification_frame().assign(clicks=0, impressions=1)
    with pytest.raises(ValueError, match=f"column '{drop}' is not in the window"):
        evaluate(frame.drop(columns=[drop]), spec)


@pytest.mark.parametrize(
    "spec",
    [
        dataclasses.replace(SPEC, metric="mae"),
        dataclasses.replace(SPEC, kind="ranking"),
        dataclasses.replace(SPEC, kind="multiclass_classification", metric="roc_auc"),
    ],
    ids=[
        "a regression metric on a classifier is refused",
        "an unknown kind is refused",
        "roc auc without class probabilities is refused",
    ],
)
def test_inconsistent_specs_are_refused(spec: PredictionQualitySpec) -> None:
    with pytest.raises(
        ValueError, match=repr(spec.metric) if spec.kind != "ranking" else "ranking"
    ):
        evaluate(classification_frame(), spec)


CTR_SPEC = PredictionQualitySpec(
    metric="ctr",
    kind="ctr",
    prediction=None,
    label=None,
    numerator="clicks",
    denominator="impressions",
    slices=("device",),
)


def ctr_frame() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    version = np.where(np.arange(N) < N // 2, "v6", "v7")
    device = rng.choice(["mobile", "desktop"], N)
    rate = np.where(version == "v6", 0.2, 0.08)
    clicks = (rng.random(N) < rate).astype(int)
    return pd.DataFrame(
        {"clicks": clicks, "impressions": 1, "model_version": version, "device": device}
    )


def test_ctr_is_clicks_over_impressions_and_finds_the_bad_version() -> None:
    frame = ctr_frame()
    result = evaluate(frame, CTR_SPEC)
    assert result.slis["ctr"] == frame["clicks"].sum() / N
    assert (result.good, result.total) == (frame["clicks"].sum(), N)
    v7 = frame[frame["model_version"] == "v7"]
    assert result.slis["ctr[model_version=v7]"] == v7["clicks"].sum() / len(v7)
    assert result.slis["ctr[model_version=v7]"] < 0.12 < result.slis["ctr[model_version=v6]"]
    assert result.details["worst_model_version"]["value"] == "v7"
    devices = result.details["by_slice"]["device"]
    assert result.details["worst_slice"]["value"] == min(devices, key=lambda d: devices[d]["ctr"])


def test_ctr_on_aggregated_rows_weighs_by_impressions() -> None:
    frame = pd.DataFrame({"clicks": [1, 30], "impressions": [2, 100], "device": ["a", "b"]})
    result = evaluate(frame, dataclasses.replace(CTR_SPEC, min_slice_rows=1))
    assert result.slis["ctr"] == 31 / 102  # not the mean of 0.5 and 0.3


def test_ctr_rows_with_impossible_counts_are_left_out_and_counted() -> None:
    frame = pd.DataFrame(
        {"clicks": [1.0, np.nan, 5.0, -1.0, 2.0], "impressions": [10, 10, 2, 10, np.inf]}
    )
    result = evaluate(frame, dataclasses.replace(CTR_SPEC, slices=()))
    assert result.details["invalid_rows"] == 4
    assert (result.good, result.total) == (1.0, 10.0)


def test_ctr_without_impressions_is_no_data() -> None:
    frame = ctr_frame().assign(impressions=0, clicks=0)
    result = evaluate(frame, CTR_SPEC)
    assert result.status == "no_data" and result.details["reason"] == "no impressions in the window"
