"""Prediction quality against labels that arrive late, or a ratio of two event columns (CTR).

The runner left-joins the labels by key (each prediction with its key's latest label by arrival
time), so a row whose label is missing is *unlabelled*: it is reported (``unlabelled_share``),
never counted as right or wrong. Rows whose prediction is NaN, infinite or not a number are left
out and counted (``details["invalid_predictions"]``).

Metrics, computed with numpy and pinned to scikit-learn by the tests:

- classification: ``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``, ``log_loss``.
  Binary: the prediction is the positive class's probability, predicted positive when
  ``prediction >= threshold``. Multiclass: the prediction is a class; precision, recall and
  F1 are macro averages over the classes seen in labels or predictions, and ``roc_auc`` /
  ``log_loss`` are ``None`` (they need per-class probabilities).
- regression: ``mae``, ``rmse``, ``mape``, ``r2``.
- ``ctr``: ``sum(numerator) / sum(denominator)``, e.g. clicks / impressions.

An undefined metric is ``None``, never a made-up number: precision with no predicted
positive, recall with no actual positive, ``roc_auc`` with a single class, ``r2`` on one row
(scikit-learn's ``zero_division=np.nan`` conventions).

Occurrence events (``good``/``total``): classification, good = correct predictions among the
labelled rows; regression, good = ``|prediction - label| <= regression_tolerance`` (no events
without a tolerance); CTR, good = ``sum(numerator)``, total = ``sum(denominator)``.

Every metric is also broken down by model version (``<metric>[model_version=v2]``) and by each
slice column (``<metric>[country=US]``); groups with fewer than ``min_slice_rows`` evaluated
rows get no SLI. The worst slice (lowest value for higher-is-better metrics, highest for
``log_loss``, ``mae``, ``rmse``, ``mape``) is named in ``details["worst_slice"]``.

A shadow model (``shadow``: the column of its score, beside the live one) is scored on the live
model's rows: the labelled rows whose live prediction is valid. A row among them whose shadow
score is invalid is left out of the shadow's metrics only, and counted in
``details["shadow_invalid_predictions"]``. SLIs ``<metric>[shadow=<version>]`` (its value of
the monitor's metric) and ``shadow_delta`` (shadow minus live, in the metric's unit); every
metric of the kind in ``details["shadow"]``, and the live model beside it in
``details["live_vs_shadow"]``. The shadow counts no events: good and total are the live
model's. CTR has no shadow (the clicks answer the served model only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from monitors.base import MonitorResult, finite_or_none, require_columns

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("mae", "rmse", "mape", "r2")
METRICS_OF_KIND: dict[str, tuple[str, ...]] = {
    "binary_classification": CLASSIFICATION_METRICS,
    "multiclass_classification": CLASSIFICATION_METRICS,
    "regression": REGRESSION_METRICS,
    "ctr": ("ctr",),
}
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})
# scikit-learn clips probabilities to [eps, 1 - eps], eps of float64, in log_loss and uses it
# as the floor of |y| in mean_absolute_percentage_error.
EPS = float(np.finfo(np.float64).eps)
MISSING = "(missing)"  # the group name of rows whose version or slice value is missing

Metrics = dict[str, float | None]


@dataclass(frozen=True)
class PredictionQualitySpec:
    """What to measure. ``kind`` is one of ``METRICS_OF_KIND``; ``metric`` one of its metrics."""

    metric: str
    kind: str  # binary_classification | multiclass_classification | regression | ctr
    prediction: str | None  # probability (binary), class (multiclass), value (regression)
    label: str | None  # joined into the window by the runner; None for ctr
    threshold: float = 0.5  # binary: predicted positive when prediction >= threshold
    positive_label: Any = 1
    numerator: str | None = None  # ctr: events, e.g. "clicks"
    denominator: str | None = None  # ctr: exposures, e.g. "impressions"
    version_column: str | None = "model_version"
    slices: tuple[str, ...] = ()
    regression_tolerance: float | None = None  # regression good event: |error| <= tolerance
    min_slice_rows: int = 30
    shadow: str | None = None  # a shadow model's score (a class for multiclass); not for ctr
    shadow_version: str | None = None  # how its SLIs name it (default: the column)


def evaluate(window: pd.DataFrame, spec: PredictionQualitySpec) -> MonitorResult:
    """The metrics of one window; ``no_data`` when it has no labelled, valid prediction.

    Raises ValueError when the spec is inconsistent or a column it names is not in the window.
    """
    _check_spec(spec)
    if spec.kind == "ctr":
        return _evaluate_ctr(window, spec)
    assert spec.prediction is not None and spec.label is not None  # _check_spec
    require_columns(window, [spec.prediction, spec.label, *spec.slices, spec.shadow])
    rows = len(window)
    if rows == 0:
        return MonitorResult.no_data("no predictions in the window", rows=0)

    prediction = window[spec.prediction]
    if spec.kind == "multiclass_classification":
        valid = valid_classes(prediction)
    else:  # a probability or a value: a finite number
        valid = np.isfinite(numeric(prediction))
    labelled = window[spec.label].notna().to_numpy()
    label_ok = labelled.copy()
    if spec.kind == "regression":
        label_ok &= np.isfinite(numeric(window[spec.label]))
    unlabelled_share = float(1.0 - labelled.mean())
    counts = {
        "rows": rows,
        "unlabelled_share": unlabelled_share,
        "invalid_predictions": int((~valid).sum()),
    }
    if spec.kind == "regression":
        counts["invalid_labels"] = int((labelled & ~label_ok).sum())
    usable = valid & label_ok
    unusable = no_usable_rows(spec, counts, int(labelled.sum()), int(usable.sum()))
    if unusable is not None:
        return unusable
    frame = window.loc[usable]
    score = _scorer(frame, spec)
    overall, good = score(np.arange(len(frame)))
    by_version, by_slice = _group_entries(frame, spec, score)
    live = labelled_result(
        spec, counts, int(labelled.sum()), len(frame), (overall, good), by_version, by_slice
    )
    if spec.shadow is None:
        return live
    return with_shadow(live, spec, evaluate(frame, shadow_spec(spec)))


def no_usable_rows(
    spec: PredictionQualitySpec, counts: dict[str, Any], labelled: int, usable: int
) -> MonitorResult | None:
    """``no_data`` when no row has its label yet, or none of those has a valid prediction."""
    if not labelled:
        return MonitorResult.no_data("no labelled predictions yet", **counts)
    if not usable:
        return MonitorResult.no_data(
            f"no labelled row has a valid prediction in {spec.prediction!r} "
            "(NaN, infinite or not a number)",
            **counts,
        )
    return None


def labelled_result(
    spec: PredictionQualitySpec,
    counts: dict[str, Any],
    labelled: int,
    evaluated: int,
    overall: tuple[Metrics, float | None],
    by_version: dict[str, dict[str, Any]],
    by_slice: dict[str, dict[str, dict[str, Any]]],
) -> MonitorResult:
    """The result of a labelled window from its metrics (and good events) overall and each
    group's entry (see :func:`breakdowns`)."""
    metrics, good = overall
    unlabelled_share = counts["unlabelled_share"]
    slis: dict[str, float | None] = {spec.metric: metrics[spec.metric]}
    slis.update(metrics)
    slis.update(
        rows=float(counts["rows"]),
        labelled_share=1.0 - unlabelled_share,
        unlabelled_share=unlabelled_share,
    )
    details: dict[str, Any] = {
        "metric": spec.metric,
        "kind": spec.kind,
        **counts,
        "labelled_rows": labelled,
        "evaluated_rows": evaluated,
    }
    details.update(breakdowns(spec, slis, by_version, by_slice))
    total = float(evaluated) if good is not None else None
    return MonitorResult(status="ok", slis=slis, good=good, total=total, details=details)


# --- spec and columns ---------------------------------------------------------------------


def _check_spec(spec: PredictionQualitySpec) -> None:
    if spec.kind not in METRICS_OF_KIND:
        raise ValueError(f"unknown kind {spec.kind!r}: one of {', '.join(METRICS_OF_KIND)}")
    if spec.metric not in METRICS_OF_KIND[spec.kind]:
        raise ValueError(
            f"metric {spec.metric!r} is not a {spec.kind} metric: "
            f"one of {', '.join(METRICS_OF_KIND[spec.kind])}"
        )
    if spec.kind == "multiclass_classification" and spec.metric in ("roc_auc", "log_loss"):
        raise ValueError(
            f"metric {spec.metric!r} needs per-class probabilities; a multiclass prediction "
            "column holds one class per row (use accuracy, precision, recall or f1)"
        )
    if spec.kind == "ctr":
        if spec.numerator is None or spec.denominator is None:
            raise ValueError("metric 'ctr' needs numerator (e.g. clicks) and denominator")
    elif spec.prediction is None or spec.label is None:
        raise ValueError(f"a {spec.kind} monitor needs a prediction column and a label column")


def valid_classes(predictions: pd.Series) -> np.ndarray:
    """Which multiclass predictions are classes: any value but missing or infinite."""
    return predictions.notna().to_numpy() & ~np.isinf(numeric(predictions))


def numeric(series: pd.Series) -> np.ndarray:
    """float64 values; anything that is not a number becomes NaN."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


# --- metrics ------------------------------------------------------------------------------


def _scorer(
    frame: pd.DataFrame, spec: PredictionQualitySpec
) -> Callable[[np.ndarray], tuple[Metrics, float | None]]:
    """Arrays prepared once for the evaluated rows; the returned function scores any subset
    of them (given as row positions) and returns ``(metrics, good events)``."""
    assert spec.prediction is not None and spec.label is not None
    if spec.kind == "regression":
        y, p = numeric(frame[spec.label]), numeric(frame[spec.prediction])
        return lambda idx: _regression_metrics(y[idx], p[idx], spec.regression_tolerance)
    if spec.kind == "multiclass_classification":
        y_cls, p_cls = comparable_classes(frame[spec.label], frame[spec.prediction])
        return lambda idx: _multiclass_metrics(y_cls[idx], p_cls[idx])
    positive = _is_positive(frame[spec.label], spec.positive_label)
    score = numeric(frame[spec.prediction])
    return lambda idx: _binary_metrics(positive[idx], score[idx], spec.threshold)


def _is_positive(labels: pd.Series, positive_label: Any) -> np.ndarray:
    """``label == positive_label``, numerically when both are numbers (``1.0`` after a
    left join equals ``1``), else as text."""
    try:
        target = float(positive_label)
    except (TypeError, ValueError):
        target = None
    if target is not None:
        numbers = numeric(labels)
        if not np.isnan(numbers).any():
            return numbers == target
    return labels.astype(str).to_numpy() == str(positive_label)


def comparable_classes(labels: pd.Series, predictions: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Comparable class values: numbers when both columns are numeric (labels read back as
    floats after a left join), text otherwise."""
    y, p = numeric(labels), numeric(predictions)
    if not (np.isnan(y).any() or np.isnan(p).any()):
        return y, p
    return labels.astype(str).to_numpy(), predictions.astype(str).to_numpy()


@dataclass(frozen=True)
class BinaryCounts:
    """What a binary classifier's metrics over some rows are computed from: rows, the
    confusion counts, the sum of log-likelihood terms and the ROC AUC (None: one class)."""

    n: int
    tp: int
    fp: int
    fn: int
    correct: int
    log_sum: float
    auc: float | None


def binary_metrics_of(c: BinaryCounts) -> tuple[Metrics, float | None]:
    """scikit-learn's binary metrics, ``zero_division=np.nan``:

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN),
    log_loss = -mean(log(clip(p_true, eps, 1 - eps))) with p_true = p if positive else 1 - p.
    """
    tp, fp, fn = float(c.tp), float(c.fp), float(c.fn)
    metrics: Metrics = {
        "accuracy": c.correct / c.n,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
        "roc_auc": c.auc,
        "log_loss": finite_or_none(-c.log_sum / c.n),
    }
    return metrics, float(c.correct)


def _binary_metrics(
    y: np.ndarray, score: np.ndarray, threshold: float
) -> tuple[Metrics, float | None]:
    """:func:`binary_metrics_of` the rows' counts."""
    predicted = score >= threshold
    p_true = np.clip(np.where(y, score, 1.0 - score), EPS, 1.0 - EPS)
    counts = BinaryCounts(
        n=len(y),
        tp=int(np.sum(predicted & y)),
        fp=int(np.sum(predicted & ~y)),
        fn=int(np.sum(~predicted & y)),
        correct=int(np.sum(predicted == y)),
        log_sum=float(np.sum(np.log(p_true))),
        auc=_roc_auc(y, score),
    )
    return binary_metrics_of(counts)


def _roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve as the Mann-Whitney statistic, ties counted half:
    ``AUC = (sum of positive ranks - n_pos (n_pos + 1) / 2) / (n_pos n_neg)``. None for one class."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score, method="average")
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class ClassCounts:
    """What a multiclass classifier's metrics over some rows are computed from: rows per
    (true class, predicted class) pair, one entry per pair (a pair may repeat; its rows add)."""

    labels: np.ndarray  # true class of each pair
    predictions: np.ndarray  # predicted class of each pair
    rows: np.ndarray  # rows holding each pair


def multiclass_metrics_of(c: ClassCounts) -> tuple[Metrics, float | None]:
    """Accuracy and macro precision, recall and F1 over the classes in the labels or the
    predictions (scikit-learn ``average="macro", zero_division=np.nan``: an undefined per-class
    value is left out of the mean). Per class c: precision = TP_c / predicted_c, recall =
    TP_c / true_c, F1 = 2 TP_c / (predicted_c + true_c)."""
    classes, codes = np.unique(np.concatenate([c.labels, c.predictions]), return_inverse=True)
    k, n = len(classes), len(c.labels)
    y_code, p_code = codes[:n], codes[n:]
    rows = np.asarray(c.rows, dtype=float)
    correct = y_code == p_code
    tp = np.bincount(y_code[correct], weights=rows[correct], minlength=k)
    true = np.bincount(y_code, weights=rows, minlength=k)
    predicted = np.bincount(p_code, weights=rows, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, np.nan)
        recall = np.where(true > 0, tp / true, np.nan)
        f1 = 2 * tp / (predicted + true)  # > 0: every class is a label or a prediction
    right = float(rows[correct].sum())
    metrics: Metrics = {
        "accuracy": right / float(rows.sum()),
        "precision": _nanmean(precision),
        "recall": _nanmean(recall),
        "f1": _nanmean(f1),
        "roc_auc": None,
        "log_loss": None,
    }
    return metrics, right


def _multiclass_metrics(y: np.ndarray, p: np.ndarray) -> tuple[Metrics, float | None]:
    """:func:`multiclass_metrics_of` the rows, one pair each."""
    return multiclass_metrics_of(ClassCounts(y, p, np.ones(len(y))))


def _nanmean(values: np.ndarray) -> float | None:
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if len(kept) else None


@dataclass(frozen=True)
class RegressionSums:
    """What a regressor's metrics over some rows are computed from, with e = prediction -
    label: rows, sum |e|, sum e^2, sum |e| / max(|y|, eps), the label's centred sum of squares
    sum (y - mean y)^2, and the rows with |e| <= tolerance (None without a tolerance)."""

    n: int
    abs_error: float
    squared_error: float
    relative_error: float
    label_spread: float
    good: int | None


def regression_metrics_of(s: RegressionSums) -> tuple[Metrics, float | None]:
    """MAE = mean|p - y|, RMSE = sqrt(mean (p - y)^2), MAPE = mean(|p - y| / max(|y|, eps))
    (a fraction, as scikit-learn), R^2 = 1 - SS_res / SS_tot (1 when both are 0, 0 when only
    SS_tot is; None on fewer than two rows)."""
    ss_res, ss_tot = s.squared_error, s.label_spread
    if s.n < 2:
        r2: float | None = None
    elif ss_tot > 0:
        r2 = 1.0 - ss_res / ss_tot
    else:
        r2 = 1.0 if ss_res == 0 else 0.0
    metrics: Metrics = {
        "mae": s.abs_error / s.n,
        "rmse": float(np.sqrt(ss_res / s.n)),
        "mape": finite_or_none(s.relative_error / s.n),
        "r2": r2,
    }
    return metrics, None if s.good is None else float(s.good)


def _regression_metrics(
    y: np.ndarray, p: np.ndarray, tolerance: float | None
) -> tuple[Metrics, float | None]:
    """:func:`regression_metrics_of` the rows' sums."""
    error = p - y
    sums = RegressionSums(
        n=len(y),
        abs_error=float(np.sum(np.abs(error))),
        squared_error=float(np.sum(error**2)),
        relative_error=float(np.sum(np.abs(error) / np.maximum(np.abs(y), EPS))),
        label_spread=float(np.sum((y - y.mean()) ** 2)),
        good=int(np.sum(np.abs(error) <= tolerance)) if tolerance is not None else None,
    )
    return regression_metrics_of(sums)


# --- breakdowns ---------------------------------------------------------------------------


def _groups(keys: pd.Series) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, row positions)`` per distinct value, sorted; missing values are ``MISSING``."""
    try:
        codes, uniques = pd.factorize(keys, sort=True)
    except TypeError:  # values that do not sort together, like 1 and "a"
        codes, uniques = pd.factorize(keys.map(str, na_action="ignore"), sort=True)
    names = [str(u) for u in uniques]
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes + 1, minlength=len(names) + 1))
    if bounds[0] > 0:
        yield MISSING, order[: bounds[0]]
    for i, name in enumerate(names):
        yield name, order[bounds[i] : bounds[i + 1]]


def _group_entries(
    frame: pd.DataFrame,
    spec: PredictionQualitySpec,
    score: Callable[[np.ndarray], tuple[dict[str, Any], Any]],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """Each model version's and each slice value's entry (``{metric: value, "rows": n}``)."""

    def entry(idx: np.ndarray) -> dict[str, Any]:
        metrics, _ = score(idx)
        return {**metrics, "rows": len(idx)}

    version = spec.version_column
    by_version = (
        {name: entry(idx) for name, idx in _groups(frame[version])}
        if version is not None and version in frame.columns
        else {}
    )
    by_slice = {
        column: {name: entry(idx) for name, idx in _groups(frame[column])} for column in spec.slices
    }
    return by_version, by_slice


def breakdowns(
    spec: PredictionQualitySpec,
    slis: dict[str, float | None],
    by_version: dict[str, dict[str, Any]],
    by_group: dict[str, dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    """From each group's entry (``{metric: value, "rows": n}``, groups named and ordered as
    :func:`_groups` names them): details entries, SLIs ``<metric>[column=value]`` for groups of
    at least ``min_slice_rows`` rows, and the worst.

    Every version is listed in details (a small canary still shows); slice groups below the
    row minimum are left out and counted in ``skipped_slices``."""
    version = spec.version_column
    for name, values in by_version.items():
        if values["rows"] >= spec.min_slice_rows:
            slis[f"{spec.metric}[{version}={name}]"] = values[spec.metric]
    by_slice: dict[str, dict[str, dict[str, Any]]] = {}
    skipped: dict[str, int] = {}
    for column, groups in by_group.items():
        for name, values in groups.items():
            if values["rows"] < spec.min_slice_rows:
                skipped[column] = skipped.get(column, 0) + 1
                continue
            by_slice.setdefault(column, {})[name] = values
            slis[f"{spec.metric}[{column}={name}]"] = values[spec.metric]
    # The worst version among those with enough rows; none when there is nothing to compare.
    comparable = {k: v for k, v in by_version.items() if v["rows"] >= spec.min_slice_rows}
    worst_version = (
        _worst({version or "": comparable}, spec.metric) if len(comparable) > 1 else None
    )
    return {
        "by_model_version": by_version,
        "by_slice": by_slice,
        "worst_slice": _worst(by_slice, spec.metric),
        "worst_model_version": worst_version,
        "skipped_slices": skipped,
    }


def _worst(by_slice: dict[str, dict[str, dict[str, Any]]], metric: str) -> dict[str, Any] | None:
    """The group with the lowest ``metric`` (highest for lower-is-better metrics); the first
    in column order and sorted value on ties. None when no group has a value."""
    worst: dict[str, Any] | None = None
    lower_is_better = metric in LOWER_IS_BETTER
    for column, groups in by_slice.items():
        for name, values in groups.items():
            value = values.get(metric)
            if value is None:
                continue
            if worst is not None and not (
                value > worst["metric_value"] if lower_is_better else value < worst["metric_value"]
            ):
                continue
            worst = {
                "column": column,
                "value": name,
                "slice": f"{column}={name}",
                "metric": metric,
                "metric_value": value,
                "rows": values["rows"],
            }
    return worst


# --- a shadow model -------------------------------------------------------------------------


def shadow_spec(spec: PredictionQualitySpec) -> PredictionQualitySpec:
    """The spec that scores the shadow column as the prediction, over the whole window only
    (its window being the live model's usable rows)."""
    return dataclasses.replace(
        spec, prediction=spec.shadow, shadow=None, shadow_version=None, version_column=None,
        slices=(),
    )  # fmt: skip


def shadow_name(spec: PredictionQualitySpec) -> str:
    """The shadow's version as its SLI names it: ``accuracy[shadow=v7]``."""
    return spec.shadow_version or spec.shadow or ""


def with_shadow(
    live: MonitorResult, spec: PredictionQualitySpec, shadow: MonitorResult
) -> MonitorResult:
    """The live result with the shadow's: ``shadow`` is the result of :func:`shadow_spec`
    over the live model's usable rows (``no_data`` when no shadow score among them is valid:
    its metrics are then None). Its ``invalid_predictions`` are the rows left out of the
    shadow's metrics only."""
    if live.status != "ok" or spec.shadow is None or spec.kind == "ctr":
        return live
    names = METRICS_OF_KIND[spec.kind]
    scored = shadow.status == "ok"
    metrics: Metrics = {name: shadow.slis.get(name) if scored else None for name in names}
    version = shadow_name(spec)
    value, live_value = metrics[spec.metric], live.slis.get(spec.metric)
    delta = value - live_value if value is not None and live_value is not None else None
    rows = int(shadow.details["evaluated_rows"]) if scored else 0
    versions = live.details.get("by_model_version") or {}
    live_rows = [
        {
            "model": "live",
            "version": ", ".join(versions) or None,
            "rows": live.details["evaluated_rows"],
            **{name: live.slis.get(name) for name in names},
        }
    ]
    if len(versions) > 1:  # each served version too
        live_rows += [
            {
                "model": "live",
                "version": name,
                "rows": values["rows"],
                **{m: values[m] for m in names},
            }
            for name, values in versions.items()
        ]
    shadow_row = {"model": "shadow", "version": version, "rows": rows, **metrics}
    slis = {**live.slis, f"{spec.metric}[shadow={version}]": value, "shadow_delta": delta}
    details = {
        **live.details,
        "shadow_invalid_predictions": int(shadow.details.get("invalid_predictions", 0)),
        "shadow": {"version": version, "column": spec.shadow, "rows": rows, **metrics},
        "live_vs_shadow": [*live_rows, shadow_row],
    }
    return dataclasses.replace(live, slis=slis, details=details)


# --- click-through rate -------------------------------------------------------------------


Sums = tuple[int, float, float]  # valid rows, sum of the numerator, sum of the denominator


@dataclass(frozen=True)
class CtrProfile:
    """What the CTR of one window is computed from, wherever it was computed: rows, rows left
    out, the sums, and the same per model version and per slice value (groups named as
    :func:`_groups` names them)."""

    rows: int
    invalid_rows: int
    events: float
    exposures: float
    by_version: dict[str, Sums]
    by_slice: dict[str, dict[str, Sums]]


def _evaluate_ctr(window: pd.DataFrame, spec: PredictionQualitySpec) -> MonitorResult:
    """``ctr = sum(numerator) / sum(denominator)``; rows with a missing, infinite or negative
    count, or more events than exposures, are left out and counted in ``invalid_rows``."""
    assert spec.numerator is not None and spec.denominator is not None  # _check_spec
    require_columns(window, [spec.numerator, spec.denominator, *spec.slices])
    rows = len(window)
    if rows == 0:
        return MonitorResult.no_data("no events in the window", rows=0)
    num, den = numeric(window[spec.numerator]), numeric(window[spec.denominator])
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(num) & np.isfinite(den) & (num >= 0) & (num <= den)
    frame, num, den = window.loc[valid], num[valid], den[valid]

    def sums(keys: pd.Series) -> dict[str, Sums]:
        return {
            name: (len(idx), float(num[idx].sum()), float(den[idx].sum()))
            for name, idx in _groups(keys)
        }

    version = spec.version_column
    profile = CtrProfile(
        rows=rows,
        invalid_rows=int((~valid).sum()),
        events=float(num.sum()),
        exposures=float(den.sum()),
        by_version=sums(frame[version]) if version and version in frame.columns else {},
        by_slice={column: sums(frame[column]) for column in spec.slices},
    )
    return ctr_statistics(profile, spec)


def ctr_statistics(profile: CtrProfile, spec: PredictionQualitySpec) -> MonitorResult:
    """The CTR SLIs from a window's profile."""
    rows = profile.rows
    if rows == 0:
        return MonitorResult.no_data("no events in the window", rows=0)
    if profile.exposures <= 0:
        return MonitorResult.no_data(
            f"no {spec.denominator} in the window", rows=rows, invalid_rows=profile.invalid_rows
        )

    def entry(sums: Sums) -> dict[str, Any]:
        n, events, shown = sums
        ctr = events / shown if shown > 0 else None
        return {"ctr": ctr, "rows": n, "numerator": events, "denominator": shown}

    slis: dict[str, float | None] = {"ctr": profile.events / profile.exposures, "rows": float(rows)}
    details: dict[str, Any] = {
        "metric": "ctr",
        "kind": "ctr",
        "rows": rows,
        "invalid_rows": profile.invalid_rows,
        "numerator": profile.events,
        "denominator": profile.exposures,
        "unlabelled_share": None,  # no labels: events are in the log itself
    }
    by_version = {name: entry(sums) for name, sums in profile.by_version.items()}
    by_slice = {
        column: {name: entry(sums) for name, sums in groups.items()}
        for column, groups in profile.by_slice.items()
    }
    details.update(breakdowns(spec, slis, by_version, by_slice))
    return MonitorResult(
        status="ok", slis=slis, good=profile.events, total=profile.exposures, details=details
    )
