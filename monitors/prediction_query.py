"""Prediction quality computed where the data is: the conditions and aggregates an engine
evaluates (:mod:`monitors.query`), and the statistics from what it returns, through the same
functions as the in-process path (:mod:`monitors.prediction_quality`).

CTR: valid rows and the two sums, overall and per group. A binary classifier with its label in
the log: the confusion counts, the sum of log-likelihood terms and the ROC AUC (computed by the
engine from counts per distinct score, ties counted half), overall and per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from monitors import query as q
from monitors.base import MonitorResult
from monitors.prediction_quality import (
    EPS,
    MISSING,
    BinaryCounts,
    PredictionQualitySpec,
    Sums,
    binary_metrics_of,
    labelled_result,
    no_usable_rows,
)


def ctr_valid(spec: PredictionQualitySpec) -> q.Condition:
    """The rows CTR counts, as a condition an engine evaluates."""
    assert spec.numerator is not None and spec.denominator is not None
    num, den = spec.numerator, spec.denominator
    return q.All(
        (
            q.Finite(num),
            q.Finite(den),
            q.Compare(num, ">=", 0),
            q.Compare(num, "<=", q.Col(den)),
        )
    )


def ctr_aggregates(spec: PredictionQualitySpec) -> dict[str, q.Aggregate]:
    """Per group (or the whole window): valid rows and the two sums."""
    assert spec.numerator is not None and spec.denominator is not None
    valid = ctr_valid(spec)
    return {
        "valid": q.Count(valid),
        "numerator": q.Sum(spec.numerator, valid),
        "denominator": q.Sum(spec.denominator, valid),
    }


def group_name(value: Any) -> str:
    """A group's name as :func:`_groups` gives it, for a value an engine returned."""
    return (
        MISSING if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    )


def sums_of(values: dict[str, Any]) -> Sums:
    return (int(values["valid"]), float(values["numerator"]), float(values["denominator"]))


@dataclass(frozen=True)
class BinaryProfile:
    """A binary classifier's window, computed where the data is: rows, labelled rows, rows
    whose prediction is not a finite number, and the counts overall, per model version and
    per slice value (groups named as :func:`_groups` names them)."""

    rows: int
    labelled: int
    invalid_predictions: int
    overall: BinaryCounts | None
    by_version: dict[str, BinaryCounts]
    by_slice: dict[str, dict[str, BinaryCounts]]


def binary_conditions(spec: PredictionQualitySpec, label_dtype: str | None) -> dict[str, Any]:
    """``usable`` (labelled, finite prediction), ``positive`` and ``predicted`` as conditions,
    for a label column of numbers or text (``positive_label`` compared as a number or text)."""
    assert spec.prediction is not None and spec.label is not None
    if label_dtype in ("int", "float"):
        try:
            target: Any = float(spec.positive_label)
        except (TypeError, ValueError):
            raise ValueError(
                f"positive_label {spec.positive_label!r} is not a number but the label column "
                f"{spec.label!r} holds numbers"
            ) from None
    elif label_dtype == "text":
        target = str(spec.positive_label)
    else:
        raise ValueError(
            f"label column {spec.label!r} must hold numbers or text on an engine, got "
            f"{label_dtype} values"
        )
    labelled = q.Not(q.Missing(spec.label))
    return {
        "labelled": labelled,
        "valid": q.Finite(spec.prediction),
        "usable": q.All((labelled, q.Finite(spec.prediction))),
        "positive": q.Compare(spec.label, "=", target),
        "predicted": q.Compare(spec.prediction, ">=", spec.threshold),
    }


def binary_aggregates(spec: PredictionQualitySpec, c: dict[str, Any]) -> dict[str, q.Aggregate]:
    """The counts of :class:`BinaryCounts` but the AUC, over the usable rows."""
    assert spec.prediction is not None
    usable, positive, predicted = c["usable"], c["positive"], c["predicted"]
    return {
        "n": q.Count(usable),
        "tp": q.Count(q.All((usable, predicted, positive))),
        "fp": q.Count(q.All((usable, predicted, q.Not(positive)))),
        "fn": q.Count(q.All((usable, q.Not(predicted), positive))),
        "tn": q.Count(q.All((usable, q.Not(predicted), q.Not(positive)))),
        "log_sum": q.SumLogClipped(spec.prediction, positive, EPS, 1.0 - EPS, usable),
    }


def binary_counts_of(values: dict[str, Any], auc: float | None) -> BinaryCounts:
    return BinaryCounts(
        n=int(values["n"]),
        tp=int(values["tp"]),
        fp=int(values["fp"]),
        fn=int(values["fn"]),
        correct=int(values["tp"]) + int(values["tn"]),
        log_sum=float(values["log_sum"]),
        auc=auc,
    )


def binary_statistics(profile: BinaryProfile, spec: PredictionQualitySpec) -> MonitorResult:
    """The metrics of a binary classifier's window from its profile, as :func:`evaluate`
    gives them from the rows."""
    rows = profile.rows
    if rows == 0:
        return MonitorResult.no_data("no predictions in the window", rows=0)
    counts = {
        "rows": rows,
        "unlabelled_share": float(1.0 - profile.labelled / rows),
        "invalid_predictions": profile.invalid_predictions,
    }
    evaluated = profile.overall.n if profile.overall is not None else 0
    unusable = no_usable_rows(spec, counts, profile.labelled, evaluated)
    if unusable is not None:
        return unusable
    assert profile.overall is not None  # evaluated rows

    def entry(c: BinaryCounts) -> dict[str, Any]:
        return {**binary_metrics_of(c)[0], "rows": c.n}

    return labelled_result(
        spec,
        counts,
        profile.labelled,
        evaluated,
        binary_metrics_of(profile.overall),
        {name: entry(c) for name, c in profile.by_version.items()},
        {
            column: {name: entry(c) for name, c in groups.items()}
            for column, groups in profile.by_slice.items()
        },
    )
