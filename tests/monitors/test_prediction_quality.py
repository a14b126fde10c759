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


# --- a shadow model, scored on the live model's rows ------------------------------------------

SHADOW = dataclasses.replace(SPEC, shadow="shadow", shadow_version="v7")


def with_shadow_scores(seed: int = 11) -> pd.DataFrame:
    """The classification frame with a shadow score that separates the classes better than
    v1, and rows that must be left out of the shadow's metrics: 40 unlabelled and 40 with an
    invalid live score (the shadow scores them all certain and wrong, so counting them would
    show), and 25 labelled, validly scored rows whose shadow score is NaN, infinite or text."""
    frame = classification_frame(seed)
    rng = np.random.default_rng(seed + 100)
    y = frame["label"].to_numpy()
    frame["shadow"] = np.clip(y * 0.7 + rng.normal(0.15, 0.2, N), 0, 1).astype(object)
    frame.loc[:39, "label"] = np.nan
    frame.loc[40:79, "score"] = np.nan
    frame.loc[:79, "shadow"] = 1 - frame.loc[:79, "label"].fillna(1)  # certain and wrong
    frame.loc[80:89, "shadow"] = np.nan
    frame.loc[90:99, "shadow"] = np.inf
    frame.loc[100:104, "shadow"] = "oops"
    return frame


def shadow_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a shadow is scored on, chosen by hand: labelled, a finite live score, a finite
    shadow score."""
    shadow = pd.to_numeric(frame["shadow"], errors="coerce")
    live = pd.to_numeric(frame["score"], errors="coerce")
    kept = frame["label"].notna() & np.isfinite(live) & np.isfinite(shadow)
    return frame[kept].assign(shadow=shadow[kept])


@pytest.mark.parametrize("threshold", [0.5, 0.3], ids=lambda t: f"threshold {t}")
def test_a_binary_shadow_equals_scikit_learn_on_the_live_models_rows(threshold: float) -> None:
    frame = with_shadow_scores()
    result = evaluate(frame, dataclasses.replace(SHADOW, metric="roc_auc", threshold=threshold))
    rows = shadow_rows(frame)
    assert len(rows) == N - 80 - 25
    expected = sklearn_binary(rows["label"].to_numpy(), rows["shadow"].to_numpy(), threshold)
    shadow = result.details["shadow"]
    assert (shadow["version"], shadow["column"], shadow["rows"]) == ("v7", "shadow", len(rows))
    for name, value in expected.items():
        assert shadow[name] == pytest.approx(value, abs=1e-12, rel=0), name
    assert result.slis["roc_auc[shadow=v7]"] == shadow["roc_auc"]
    assert result.slis["shadow_delta"] == pytest.approx(
        expected["roc_auc"] - result.slis["roc_auc"], abs=1e-12
    )
    assert result.slis["shadow_delta"] > 0.05  # the shadow separates the classes better
    # left out of the shadow only: the live model keeps those 25 rows
    assert result.details["shadow_invalid_predictions"] == 25
    assert result.details["evaluated_rows"] == N - 80 == shadow["rows"] + 25
    live = frame.iloc[80:]
    assert result.slis["roc_auc"] == pytest.approx(
        skm.roc_auc_score(live["label"], live["score"]), abs=1e-12, rel=0
    )


def test_the_shadow_changes_nothing_of_the_live_result() -> None:
    frame = with_shadow_scores()
    live, both = evaluate(frame, SPEC), evaluate(frame, SHADOW)
    assert (live.good, live.total) == (both.good, both.total)
    assert {k: v for k, v in both.slis.items() if "shadow" not in k} == live.slis
    assert both.details["by_model_version"] == live.details["by_model_version"]
    assert "v7" not in both.details["by_model_version"]  # served versions only
    assert both.details["by_slice"] == live.details["by_slice"]


def test_live_against_shadow_has_a_row_per_model() -> None:
    frame = with_shadow_scores()
    result = evaluate(frame, SHADOW)
    live, v1, v2, shadow = result.details["live_vs_shadow"]
    assert (live["model"], live["version"], live["rows"]) == ("live", "v1, v2", N - 80)
    assert live["accuracy"] == result.slis["accuracy"]
    versions = result.details["by_model_version"]
    assert [(v1["version"], v1["f1"]), (v2["version"], v2["rows"])] == [
        ("v1", versions["v1"]["f1"]),
        ("v2", versions["v2"]["rows"]),
    ]
    details = result.details["shadow"]
    assert shadow == {"model": "shadow", **{k: v for k, v in details.items() if k != "column"}}
    assert (shadow["version"], shadow["rows"]) == ("v7", N - 80 - 25)
    one_version = evaluate(frame.assign(model_version="v1"), SHADOW)
    assert [r["version"] for r in one_version.details["live_vs_shadow"]] == ["v1", "v7"]


def test_a_shadow_without_a_valid_score_has_no_values_and_the_live_model_still_counts() -> None:
    frame = with_shadow_scores().assign(shadow=np.nan)
    result = evaluate(frame, SHADOW)
    assert result.status == "ok" and result.slis["accuracy"] is not None
    assert result.slis["accuracy[shadow=v7]"] is None and result.slis["shadow_delta"] is None
    assert result.details["shadow"]["rows"] == 0
    assert result.details["shadow_invalid_predictions"] == result.details["evaluated_rows"]


def test_a_shadow_without_its_version_is_named_by_its_column() -> None:
    result = evaluate(with_shadow_scores(), dataclasses.replace(SHADOW, shadow_version=None))
    assert "accuracy[shadow=shadow]" in result.slis


def test_a_missing_shadow_column_is_named() -> None:
    with pytest.raises(ValueError, match="column 'shadow' is not in the window"):
        evaluate(classification_frame(), SHADOW)


def test_a_multiclass_shadow_equals_scikit_learn_macro_averages() -> None:
    rng = np.random.default_rng(5)
    y = rng.choice(["cat", "dog", "emu", "fox"], N, p=[0.5, 0.25, 0.05, 0.2])
    live = np.where(rng.random(N) < 0.6, y, rng.choice(["cat", "dog", "fox"], N)).astype(object)
    shadow = np.where(rng.random(N) < 0.8, y, rng.choice(["dog", "owl"], N)).astype(object)
    truth = y.astype(object)
    truth[:30] = None  # unlabelled
    live[30:60] = None  # no live prediction: not the shadow's either
    shadow[:60] = "cat"  # ... scored "cat" by the shadow, often wrong
    shadow[60:75] = None  # left out of the shadow only
    frame = pd.DataFrame({"pred": live, "truth": truth, "next": shadow})
    spec = PredictionQualitySpec(
        metric="f1",
        kind="multiclass_classification",
        prediction="pred",
        label="truth",
        shadow="next",
        shadow_version="v3",
    )
    result = evaluate(frame, spec)
    rows = frame.iloc[75:]
    s, t = rows["next"].astype(str), rows["truth"].astype(str)
    got = result.details["shadow"]
    assert got["rows"] == N - 75 and result.details["shadow_invalid_predictions"] == 15
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(t, s), abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "owl" is never a label, "emu" never predicted
        for name, fn in [
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        ]:
            expected = fn(t, s, average="macro", zero_division=np.nan)
            assert got[name] == pytest.approx(expected, abs=1e-12, rel=0), name
    assert got["roc_auc"] is None and got["log_loss"] is None
    assert result.slis["f1[shadow=v3]"] == got["f1"]
    assert result.slis["shadow_delta"] == pytest.approx(got["f1"] - result.slis["f1"], abs=1e-12)


def test_a_regression_shadow_equals_scikit_learn() -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(100, 20, N)
    live = y + rng.normal(0, 5, N)
    shadow = y + rng.normal(1, 3, N)
    y[:20] = np.nan  # unlabelled
    y[20:30] = np.inf  # labelled, but not a number to compare with
    live[30:40] = np.nan
    shadow[:40] = 1e6  # far off on the rows it must not be scored on
    shadow[40:50] = np.nan
    frame = pd.DataFrame({"pred": live, "y": y, "next": shadow})
    spec = PredictionQualitySpec(
        metric="mae",
        kind="regression",
        prediction="pred",
        label="y",
        regression_tolerance=5,
        shadow="next",
        shadow_version="v2",
    )
    result = evaluate(frame, spec)
    yy, p = y[50:], shadow[50:]
    expected = {
        "mae": skm.mean_absolute_error(yy, p),
        "rmse": np.sqrt(skm.mean_squared_error(yy, p)),
        "mape": skm.mean_absolute_percentage_error(yy, p),
        "r2": skm.r2_score(yy, p),
    }
    got = result.details["shadow"]
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12, rel=1e-12), name
    assert got["rows"] == N - 50 and result.details["shadow_invalid_predictions"] == 10
    assert result.slis["mae[shadow=v2]"] == got["mae"]
    assert result.slis["shadow_delta"] == pytest.approx(got["mae"] - result.slis["mae"], rel=1e-12)
    assert result.slis["shadow_delta"] < 0  # lower is better: the shadow errs less
    assert (result.good, result.total) == (np.sum(np.abs(live[40:] - y[40:]) <= 5), N - 40)


def test_ctr_has_no_shadow() -> None:
    result = evaluate(ctr_frame().assign(next=0.5), dataclasses.replace(CTR_SPEC, shadow="next"))
    assert result.status == "ok"
    assert not any("shadow" in name for name in [*result.slis, *result.details])
