"""Prediction quality computed where the data is: the conditions and aggregates an engine
evaluates (:mod:`monitors.query`), and the statistics from what it returns, through the same
functions as the in-process path (:mod:`monitors.prediction_quality`).

CTR: valid rows and the two sums, overall and per group. A binary classifier: the confusion
counts, the sum of log-likelihood terms and the ROC AUC (computed by the engine from counts per
distinct score, ties counted half). A multiclass classifier: rows per (label, prediction) pair,
missing values included, judged here by the in-process rules. A regressor: sums of expressions
of the error and the label's centred sum of squares. Each overall, per model version and per
slice value; the label in the log or joined from ``data.labels`` by the engine.

A shadow model's profile is the same profile over the rows the live prediction is usable on,
with the shadow column as the prediction (overall only): its conditions are the live ones
and its own (:func:`within`), or, for a multiclass classifier, the rows per (label, live,
shadow) triple whose label and live class are usable (:func:`shadow_pairs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitors import query as q
from monitors.base import MonitorResult
from monitors.prediction_quality import (
    EPS,
    MISSING,
    BinaryCounts,
    ClassCounts,
    Metrics,
    PredictionQualitySpec,
    RegressionSums,
    Sums,
    binary_metrics_of,
    comparable_classes,
    labelled_result,
    multiclass_metrics_of,
    no_usable_rows,
    regression_metrics_of,
    valid_classes,
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
class LabelledProfile:
    """A binary classifier's or a regressor's window, computed where the data is: rows, labelled
    rows, rows whose prediction is not a finite number, (regression) labelled rows whose label is
    not one, and the counts (:class:`BinaryCounts` or :class:`RegressionSums`) overall, per model
    version and per slice value (groups named as :func:`_groups` names them)."""

    rows: int
    labelled: int
    invalid_predictions: int
    overall: Any  # BinaryCounts | RegressionSums | None (no usable row)
    by_version: dict[str, Any]
    by_slice: dict[str, dict[str, Any]]
    invalid_labels: int | None = None  # regression only


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


def labelled_statistics(profile: LabelledProfile, spec: PredictionQualitySpec) -> MonitorResult:
    """The metrics of a binary classifier's or a regressor's window from its profile, as
    :func:`evaluate` gives them from the rows."""
    metrics_of: Callable[[Any], tuple[Metrics, float | None]] = (
        regression_metrics_of if spec.kind == "regression" else binary_metrics_of
    )
    rows = profile.rows
    if rows == 0:
        return MonitorResult.no_data("no predictions in the window", rows=0)
    counts: dict[str, Any] = {
        "rows": rows,
        "unlabelled_share": float(1.0 - profile.labelled / rows),
        "invalid_predictions": profile.invalid_predictions,
    }
    if profile.invalid_labels is not None:
        counts["invalid_labels"] = profile.invalid_labels
    evaluated = profile.overall.n if profile.overall is not None else 0
    unusable = no_usable_rows(spec, counts, profile.labelled, evaluated)
    if unusable is not None:
        return unusable

    def entry(c: Any) -> dict[str, Any]:
        return {**metrics_of(c)[0], "rows": c.n}

    return labelled_result(
        spec,
        counts,
        profile.labelled,
        evaluated,
        metrics_of(profile.overall),
        {name: entry(c) for name, c in profile.by_version.items()},
        {
            column: {name: entry(c) for name, c in groups.items()}
            for column, groups in profile.by_slice.items()
        },
    )


def within(c: dict[str, Any], scope: q.Condition | None) -> dict[str, Any]:
    """A profile's conditions (:func:`binary_conditions`, :func:`regression_conditions`) over
    the rows where ``scope`` holds (None: every row), with ``rows`` (the rows counted; None:
    all) and ``invalid`` (a prediction that is not a finite number): a shadow's scope is the
    live prediction's ``usable`` rows, so that its rows require both columns valid. ``valid``,
    ``positive`` and ``predicted`` stay as they are: they only count joined with the others."""

    def inside(condition: q.Condition) -> q.Condition:
        return condition if scope is None else q.All((scope, condition))

    out = {**c, "rows": scope, "invalid": inside(q.Not(c["valid"]))}
    for name in ("labelled", "usable", "invalid_label"):
        if name in c:
            out[name] = inside(c[name])
    return out


# --- regression ---------------------------------------------------------------------------


def regression_conditions(spec: PredictionQualitySpec) -> dict[str, q.Condition]:
    """``labelled``, ``valid`` (a finite prediction), ``usable`` (and a finite label) and
    ``invalid_label`` (labelled, but not a finite number), as in :func:`evaluate`."""
    assert spec.prediction is not None and spec.label is not None
    labelled = q.Not(q.Missing(spec.label))
    valid = q.Finite(spec.prediction)
    return {
        "labelled": labelled,
        "valid": valid,
        "usable": q.All((valid, q.Finite(spec.label))),
        "invalid_label": q.All((labelled, q.Not(q.Finite(spec.label)))),
    }


def regression_aggregates(spec: PredictionQualitySpec, c: dict[str, Any]) -> dict[str, q.Aggregate]:
    """The sums of :class:`RegressionSums` over the usable rows, with e = prediction - label."""
    assert spec.prediction is not None and spec.label is not None
    usable, y = c["usable"], q.Col(spec.label)
    error = q.Sub(q.Col(spec.prediction), y)
    abs_error = q.Abs(error)
    aggregates: dict[str, q.Aggregate] = {
        "n": q.Count(usable),
        "abs_error": q.Sum(abs_error, usable),
        "squared_error": q.Sum(q.Mul(error, error), usable),
        "relative_error": q.Sum(q.Div(abs_error, q.Greatest(q.Abs(y), q.Lit(EPS))), usable),
        "label_spread": q.CentredSquares(y, usable),
    }
    if spec.regression_tolerance is not None:
        within = q.Compare(abs_error, "<=", q.Lit(float(spec.regression_tolerance)))
        aggregates["good"] = q.Count(q.All((usable, within)))
    return aggregates


def regression_sums_of(values: dict[str, Any]) -> RegressionSums:
    return RegressionSums(
        n=int(values["n"]),
        abs_error=float(values["abs_error"]),
        squared_error=float(values["squared_error"]),
        relative_error=float(values["relative_error"]),
        label_spread=float(values["label_spread"]),
        good=int(values["good"]) if "good" in values else None,
    )


# --- multiclass ---------------------------------------------------------------------------


Pairs = list[tuple[Any, Any, int]]  # (label value, prediction value, rows); missing: None or NaN


@dataclass(frozen=True)
class MulticlassProfile:
    """A multiclass classifier's window, computed where the data is: rows per distinct (label,
    prediction) pair of values, missing values included, overall, per model version and per
    slice value (groups named as :func:`_groups` names them). Which rows are labelled, which
    predictions are valid and how values compare as classes is decided here, value by value,
    by the rules :func:`evaluate` applies to the rows."""

    pairs: Pairs
    by_version: dict[str, Pairs]
    by_slice: dict[str, dict[str, Pairs]]

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.pairs)

    @property
    def labelled(self) -> int:
        return sum(n for y, _, n in self.pairs if not pd.isna(y))


def shadow_pairs(triples: list[tuple[Any, Any, Any, int]]) -> Pairs:
    """``(label, shadow, rows)`` of the rows whose label is present and whose live prediction is a
    class, from the rows per distinct ``(label, live, shadow)`` triple: the pairs a shadow is
    scored on (its own invalid values are judged by :func:`multiclass_statistics`)."""
    if not triples:
        return []
    labels = pd.Series([y for y, _, _, _ in triples])
    live = pd.Series([p for _, p, _, _ in triples])
    usable = labels.notna().to_numpy() & valid_classes(live)
    return [(y, s, n) for (y, _, s, n), ok in zip(triples, usable, strict=True) if ok]


def multiclass_statistics(profile: MulticlassProfile, spec: PredictionQualitySpec) -> MonitorResult:
    """The metrics of a multiclass classifier's window from its profile, as :func:`evaluate`
    gives them from the rows: the label and prediction values become a column each (so they
    are typed as a frame's column would be), judged and compared as there."""
    rows = profile.rows
    if rows == 0:
        return MonitorResult.no_data("no predictions in the window", rows=0)
    labels = pd.Series([y for y, _, _ in profile.pairs])
    predictions = pd.Series([p for _, p, _ in profile.pairs])
    n = np.array([k for _, _, k in profile.pairs], dtype=np.int64)
    valid = valid_classes(predictions)
    labelled = labels.notna().to_numpy()
    usable = valid & labelled
    counts = {
        "rows": rows,
        "unlabelled_share": float(1.0 - n[labelled].sum() / rows),
        "invalid_predictions": int(n[~valid].sum()),
    }
    unusable = no_usable_rows(spec, counts, int(n[labelled].sum()), int(n[usable].sum()))
    if unusable is not None:
        return unusable
    # each usable value's class, decided once over the window (numbers, or text for both)
    y_cls, p_cls = comparable_classes(labels[usable], predictions[usable])
    kept = [pair for pair, ok in zip(profile.pairs, usable, strict=True) if ok]
    label_class = dict(zip((y for y, _, _ in kept), y_cls, strict=True))
    prediction_class = dict(zip((p for _, p, _ in kept), p_cls, strict=True))

    def class_counts(pairs: Pairs) -> ClassCounts | None:
        """The usable pairs' classes: a pair is usable when its label and prediction values
        are among the window's usable ones (missing and invalid values never are)."""
        found = [
            (label_class[y], prediction_class[p], k)
            for y, p, k in pairs
            if y in label_class and p in prediction_class
        ]
        if not found:
            return None
        ys, ps, ks = zip(*found, strict=True)
        return ClassCounts(np.array(ys), np.array(ps), np.array(ks, dtype=np.int64))

    def entries(groups: dict[str, Pairs]) -> dict[str, dict[str, Any]]:
        out = {}
        for name, pairs in groups.items():
            c = class_counts(pairs)
            if c is not None:
                out[name] = {**multiclass_metrics_of(c)[0], "rows": int(c.rows.sum())}
        return out

    overall = class_counts(profile.pairs)
    assert overall is not None  # usable rows
    return labelled_result(
        spec,
        counts,
        int(n[labelled].sum()),
        int(n[usable].sum()),
        multiclass_metrics_of(overall),
        entries(profile.by_version),
        {column: entries(groups) for column, groups in profile.by_slice.items()},
    )
