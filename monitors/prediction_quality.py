"""Prediction quality against labels that arrive late, or a ratio of event columns (CTR).

The runner left-joins the labels by key: a row whose label is missing is "unlabelled" and is
reported as such, never counted as right or wrong. Classification metrics follow
scikit-learn's definitions (tests pin them to it); regression likewise. Metrics are broken down
by model version and by each slice column; the worst slice is named in ``details``.

Occurrence events: classification good = correct predictions among labelled rows; regression
good = |error| <= tolerance (when given); CTR good = clicks, total = impressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitors.base import MonitorResult, finite_or_none

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION = ("mae", "rmse", "mape", "r2")
LOWER_IS_BETTER = {"log_loss", "mae", "rmse", "mape"}
EPS = np.finfo(np.float64).eps  # scikit-learn's log_loss clips probabilities to [eps, 1 - eps]


@dataclass(frozen=True)
class PredictionQualitySpec:
    metric: str
    kind: str  # binary_classification | multiclass_classification | regression | ctr
    prediction: str | None
    label: str | None
    threshold: float = 0.5
    positive_label: Any = 1
    numerator: str | None = None
    denominator: str | None = None
    version_column: str | None = "model_version"
    slices: tuple[str, ...] = ()
    regression_tolerance: float | None = None
    min_slice_rows: int = 30


def evaluate(window: pd.DataFrame, spec: PredictionQualitySpec) -> MonitorResult:
    if spec.kind == "ctr":
        return _ctr(window, spec)
    for column in (spec.prediction, spec.label, *spec.slices):
        if column is not None and column not in window.columns:
            raise ValueError(f"column {column!r} not in the current window")
    rows = len(window)
    if rows == 0:
        return MonitorResult.no_data("no predictions in the window", rows=0)
    prediction = (
        pd.to_numeric(window[spec.prediction], errors="coerce")
        if spec.kind != "multiclass_classification"
        else window[spec.prediction]
    )
    valid = (
        np.isfinite(prediction.to_numpy(dtype="float64", na_value=np.nan))
        if spec.kind != "multiclass_classification"
        else prediction.notna().to_numpy()
    )
    labelled = window[spec.label].notna().to_numpy()
    usable = valid & labelled
    unlabelled_share = float((~labelled).mean())
    if not usable.any():
        return MonitorResult.no_data(
            "no labelled predictions yet",
            rows=rows,
            unlabelled_share=unlabelled_share,
            invalid_predictions=int((~valid).sum()),
        )
    frame = window.loc[usable]
    metrics, good = _metrics(frame, spec)
    slis: dict[str, float | None] = {name: finite_or_none(v) for name, v in metrics.items()}
    slis.update(
        rows=float(rows), labelled_share=1 - unlabelled_share, unlabelled_share=unlabelled_share
    )
    by_version = (
        _breakdown(frame, spec, spec.version_column)
        if spec.version_column and spec.version_column in frame.columns
        else {}
    )
    for version, values in by_version.items():
        slis[f"{spec.metric}[{spec.version_column}={version}]"] = finite_or_none(
            values.get(spec.metric)
        )
    by_slice = {column: _breakdown(frame, spec, column) for column in spec.slices}
    for column, groups in by_slice.items():
        for value, values in groups.items():
            slis[f"{spec.metric}[{column}={value}]"] = finite_or_none(values.get(spec.metric))
    total = float(len(frame)) if good is not None else None
    details = {
        "metric": spec.metric,
        "by_model_version": by_version,
        "by_slice": by_slice,
        "worst_slice": _worst(by_slice, spec.metric),
        "unlabelled_share": unlabelled_share,
        "invalid_predictions": int((~valid).sum()),
        "labelled_rows": int(usable.sum()),
    }
    return MonitorResult(status="ok", slis=slis, good=good, total=total, details=details)


def _metrics(
    frame: pd.DataFrame, spec: PredictionQualitySpec
) -> tuple[dict[str, float | None], float | None]:
    y_true_raw = frame[spec.label]
    if spec.kind == "regression":
        y = pd.to_numeric(y_true_raw, errors="coerce").to_numpy(dtype="float64")
        p = frame[spec.prediction].to_numpy(dtype="float64")
        err = p - y
        ss_res = float(np.sum(err**2))
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            # sklearn mean_absolute_percentage_error: |y - p| / max(|y|, eps)
            mape = float(np.mean(np.abs(err) / np.maximum(np.abs(y), EPS)))
        r2 = (
            (1 - ss_res / ss_tot) if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
        )  # sklearn's conventions
        metrics = {
            "mae": float(np.mean(np.abs(err))),
            "rmse": float(np.sqrt(np.mean(err**2))),
            "mape": mape,
            "r2": r2,
        }
        good = (
            float(np.sum(np.abs(err) <= spec.regression_tolerance))
            if spec.regression_tolerance is not None
            else None
        )
        return metrics, good
    if spec.kind == "multiclass_classification":
        y = y_true_raw.astype(str).to_numpy()
        p = frame[spec.prediction].astype(str).to_numpy()
        correct = y == p
        return {"accuracy": float(correct.mean())}, float(correct.sum())
    y = (y_true_raw.to_numpy() == spec.positive_label) | (
        y_true_raw.astype(str).to_numpy() == str(spec.positive_label)
    )
    score = frame[spec.prediction].to_numpy(dtype="float64")
    predicted = score >= spec.threshold
    tp = float(np.sum(predicted & y))
    fp = float(np.sum(predicted & ~y))
    fn = float(np.sum(~predicted & y))
    correct = predicted == y
    precision = (
        tp / (tp + fp) if tp + fp else 0.0
    )  # sklearn's zero_division default warns and gives 0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    clipped = np.clip(score, EPS, 1 - EPS)
    log_loss = float(-np.mean(np.where(y, np.log(clipped), np.log(1 - clipped))))
    metrics = {
        "accuracy": float(correct.mean()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "roc_auc": _roc_auc(y, score),
        "log_loss": log_loss,
    }
    return metrics, float(correct.sum())


def _roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """Mann-Whitney U / (n_pos * n_neg), ties counted half: equal to sklearn's roc_auc_score."""
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _breakdown(
    frame: pd.DataFrame, spec: PredictionQualitySpec, column: str
) -> dict[str, dict[str, Any]]:
    out = {}
    for value, group in frame.groupby(column, dropna=False, sort=True, observed=True):
        if len(group) < spec.min_slice_rows and column != spec.version_column:
            continue
        metrics, _ = _metrics(group, spec)
        out[str(value)] = {**{k: finite_or_none(v) for k, v in metrics.items()}, "rows": len(group)}
    return out


def _worst(by_slice: dict[str, dict[str, dict[str, Any]]], metric: str) -> dict[str, Any] | None:
    candidates = [
        (values[metric], column, value, values["rows"])
        for column, groups in by_slice.items()
        for value, values in groups.items()
        if values.get(metric) is not None
    ]
    if not candidates:
        return None
    pick = max if metric in LOWER_IS_BETTER else min
    score, column, value, rows = pick(candidates, key=lambda c: c[0])
    return {
        "column": column,
        "value": value,
        "slice": f"{column}={value}",
        "metric": metric,
        "metric_value": score,
        "rows": rows,
    }


def _ctr(window: pd.DataFrame, spec: PredictionQualitySpec) -> MonitorResult:
    for column in (spec.numerator, spec.denominator, *spec.slices):
        if column is not None and column not in window.columns:
            raise ValueError(f"column {column!r} not in the current window")
    if len(window) == 0:
        return MonitorResult.no_data("no events in the window", rows=0)
    num = pd.to_numeric(window[spec.numerator], errors="coerce").fillna(0).to_numpy(dtype="float64")
    den = (
        pd.to_numeric(window[spec.denominator], errors="coerce").fillna(0).to_numpy(dtype="float64")
    )
    clicks, shown = float(num.sum()), float(den.sum())
    if shown <= 0:
        return MonitorResult.no_data(f"no {spec.denominator} in the window", rows=len(window))
    slis: dict[str, float | None] = {"ctr": clicks / shown, "rows": float(len(window))}

    def groups(column: str) -> dict[str, dict[str, Any]]:
        out = {}
        frame = pd.DataFrame({"key": window[column].astype(str).to_numpy(), "num": num, "den": den})
        for key, part in frame.groupby("key", sort=True):
            total = float(part["den"].sum())
            if total > 0 and (column == spec.version_column or total >= spec.min_slice_rows):
                out[str(key)] = {"ctr": float(part["num"].sum()) / total, "rows": int(total)}
        return out

    by_version = (
        groups(spec.version_column)
        if spec.version_column and spec.version_column in window.columns
        else {}
    )
    by_slice = {column: groups(column) for column in spec.slices}
    for version, values in by_version.items():
        slis[f"ctr[{spec.version_column}={version}]"] = values["ctr"]
    for column, values_by in by_slice.items():
        for value, values in values_by.items():
            slis[f"ctr[{column}={value}]"] = values["ctr"]
    details = {
        "metric": "ctr",
        "by_model_version": by_version,
        "by_slice": by_slice,
        "worst_slice": _worst(by_slice, "ctr"),
        "unlabelled_share": 0.0,
    }
    return MonitorResult(status="ok", slis=slis, good=clicks, total=shown, details=details)
