"""Canary analysis: is a candidate model version worse than its baseline on the same window?

Both versions serve traffic in the window (each row names its version in the log's model-version
column), or a shadow model scores the same requests as the live one in a column of its own. The
metric of each side is computed with :mod:`monitors.prediction_quality`'s functions (the values
equal a ``prediction_quality`` monitor's on the same rows), then one one-sided test asks whether
the candidate is *worse by more than* ``tolerance`` (H0: ``worse_by <= tolerance``), with

    worse_by = baseline - candidate   (accuracy, precision, recall, f1, roc_auc, ctr, r2)
    worse_by = candidate - baseline   (error_rate, latency_p95, log_loss, mae, rmse, mape)

and the verdict ``worse = p < alpha``.

Which test:

- a proportion (accuracy = correct / labelled rows; binary precision = TP / predicted
  positive; binary recall = TP / actual positive; ctr = sum(numerator) / sum(denominator);
  error_rate = failed / rows), two versions: the two-proportion z test (:func:`two_proportion_z`);
- a proportion whose trials are the same rows for both models (accuracy, recall), a shadow:
  McNemar's z on the discordant pairs (:func:`mcnemar_z`);
- anything else (f1, roc_auc, log_loss, the regression metrics, multiclass macro averages,
  latency_p95 = ``numpy.percentile(..., 95)``, linear): a permutation test of the version labels
  over the pooled rows (:func:`permutation`), or for a shadow a sign-flip test that swaps the
  two models' predictions of a row at random (:func:`sign_flip`); both seeded
  (``numpy.random.default_rng(seed)``), ``p = (1 + #{T* >= T - tolerance}) / (1 + resamples)``.

Which versions (:func:`choose`): ``candidate: newest`` is the version whose first row in the
window is the latest (ties: the smaller share of rows, then the greatest version in natural
order, v10 > v9 > v2; a first row within the window's first 1% counts as present from the
start, a tie); ``baseline: previous`` is the other version with the most rows (ties: the
greatest in natural order). Rows without a version are left out. With a shadow the candidate is
the shadow, the baseline the live model on the same rows (its most common version, or the named
one), and ``candidate_share`` is 1. Too few evaluated rows on a side (``min_rows``), one version
only, or a named version absent from the window is ``no_data``, never a verdict.

Pure: no I/O and no clock; the runner hands in the window's rows (labels already joined).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitors import prediction_quality as pq
from monitors import system
from monitors.base import MonitorResult, require_columns

LABELLED_METRICS = (*pq.CLASSIFICATION_METRICS, *pq.REGRESSION_METRICS)
LOG_METRICS = ("ctr", "error_rate", "latency_p95")  # from the log itself: no labels
METRICS = (*LABELLED_METRICS, *LOG_METRICS)
HIGHER_IS_WORSE = frozenset({"error_rate", "latency_p95", *pq.LOWER_IS_BETTER})
PERCENTILE = 95.0
# a version first seen within this share of the window's span was there from its start
FROM_START = 0.01

# A permuted statistic counts as "at least as extreme" within this relative margin of the
# observed one, so that float noise in a sum does not decide a tie (as scipy's
# permutation_test does: 100 eps, relative).
_TIE = 100 * float(np.finfo(np.float64).eps)
_CHUNK = 1 << 21  # resampled rows held at once (masks of resamples x pooled rows)

Kernel = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""A metric of many splits of the pooled rows at once: boolean masks ``(k, rows)`` to the
metric of each mask's rows and of the rows outside it (two ``(k,)``), NaN where undefined."""


@dataclass(frozen=True)
class CanarySpec:
    """What to compare. ``baseline`` is ``previous`` or a version, ``candidate`` ``newest`` or a
    version; a labelled metric names the prediction (``kind``, ``prediction``, ``label``), and
    ``shadow`` the column of a shadow model's score (the candidate, ``shadow_version``)."""

    metric: str
    version_column: str = "model_version"
    baseline: str = "previous"
    candidate: str = "newest"
    alpha: float = 0.05
    min_rows: int = 500
    tolerance: float = 0.0
    resamples: int = 1000
    seed: int = 0
    timestamp: str | None = None  # when each row was logged: which version came first
    # labelled metrics: the service's prediction
    kind: str | None = None  # binary_classification | multiclass_classification | regression
    prediction: str | None = None
    label: str | None = None
    threshold: float = 0.5
    positive_label: Any = 1
    shadow: str | None = None
    shadow_version: str | None = None
    # metrics from the log
    numerator: str | None = None  # ctr: e.g. clicks
    denominator: str | None = None  # ctr: e.g. impressions
    error_column: str | None = None  # error_rate: True = failed
    latency_column: str = "latency_ms"  # latency_p95, milliseconds


# --- the tests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    """A one-sided test's outcome: how much worse the candidate is (``worse_by``, in the metric's
    unit; negative: better), the test's statistic (z, or the observed worse-by of a resampling
    test) and the p-value of H0 ``worse_by <= tolerance``."""

    name: str
    paired: bool
    worse_by: float
    statistic: float
    p_value: float


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z: ``erfc(z / sqrt 2) / 2``."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _z_test(name: str, paired: bool, worse_by: float, shift: float, se: float) -> Test:
    """``z = (worse_by - shift) / se``, ``p = P(Z > z)``; with no spread (``se == 0``) the
    difference is certain: p is 0 when it exceeds the shift, else 1."""
    if se > 0:
        z = (worse_by - shift) / se
        return Test(name, paired, worse_by, z, normal_sf(z))
    certain = worse_by > shift
    return Test(name, paired, worse_by, math.inf if certain else -math.inf, 0.0 if certain else 1.0)


def two_proportion_z(
    x_baseline: float,
    n_baseline: float,
    x_candidate: float,
    n_candidate: float,
    *,
    higher_is_better: bool = True,
    tolerance: float = 0.0,
) -> Test:
    """One-sided two-proportion z test of H0 ``worse_by <= tolerance``.

    With ``p_b = x_b / n_b``, ``p_c = x_c / n_c``, ``worse_by = p_b - p_c`` (``p_c - p_b`` when
    higher is worse), ``z = (worse_by - tolerance - cc) / se`` and ``p = 1 - Phi(z)``, with
    Yates' continuity correction ``cc = (1 / n_b + 1 / n_c) / 2`` (the counts are whole: without
    it the normal tail says "worse" a little more often than ``alpha`` on equal versions), where

    - ``tolerance == 0``: the pooled standard error under H0 (no difference),
      ``se = sqrt(p (1 - p) (1 / n_b + 1 / n_c))`` with ``p = (x_b + x_c) / (n_b + n_c)``;
    - ``tolerance > 0``: the unpooled (Wald) one, ``se = sqrt(p_b (1 - p_b) / n_b + p_c (1 - p_c)
      / n_c)`` (H0 is a shifted difference, which one pooled rate cannot have).
    """
    p_b, p_c = x_baseline / n_baseline, x_candidate / n_candidate
    worse_by = p_b - p_c if higher_is_better else p_c - p_b
    if tolerance == 0:
        pooled = (x_baseline + x_candidate) / (n_baseline + n_candidate)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_baseline + 1 / n_candidate))
    else:
        se = math.sqrt(p_b * (1 - p_b) / n_baseline + p_c * (1 - p_c) / n_candidate)
    correction = 0.5 * (1 / n_baseline + 1 / n_candidate)
    return _z_test("two-proportion z", False, worse_by, tolerance + correction, se)


def mcnemar_z(
    baseline_only: int,
    candidate_only: int,
    rows: int,
    *,
    higher_is_better: bool = True,
    tolerance: float = 0.0,
) -> Test:
    """One-sided McNemar z test on ``rows`` paired trials, of H0 ``worse_by <= tolerance``.

    ``b = baseline_only`` trials succeed for the baseline only (live right, shadow wrong), ``c =
    candidate_only`` for the candidate only; ``worse_by = (b - c) / n`` (``(c - b) / n`` when
    success is bad). With ``d = b - c`` (or ``c - b``):

    - ``tolerance == 0``: McNemar's ``z = (d - 1) / sqrt(b + c)`` (the variance under H0);
    - ``tolerance > 0``: the Wald ``z = (d - n tolerance - 1) / sqrt(b + c - d^2 / n)``;

    the ``- 1`` is Edwards' continuity correction (``d`` moves in steps of 2).
    """
    b, c, n = baseline_only, candidate_only, rows
    d = b - c if higher_is_better else c - b
    variance = b + c if tolerance == 0 else b + c - d * d / n
    test = _z_test("McNemar z", True, d, n * tolerance + 1, math.sqrt(max(variance, 0.0)))
    return Test(test.name, True, d / n, test.statistic, test.p_value)


def _worse_by(kernel: Kernel, candidate: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """``worse_by`` of each mask of candidate rows against the others."""
    c, b = kernel(candidate)
    return b - c if higher_is_better else c - b


def _p_of(
    observed: float,
    masks: Callable[[int], np.ndarray],
    kernel: Kernel,
    *,
    higher_is_better: bool,
    tolerance: float,
    resamples: int,
    rows: int,
) -> float:
    """``(1 + #{T* >= T - tolerance}) / (1 + resamples)`` over ``resamples`` resampled masks
    (made ``k`` at a time by ``masks(k)``); an undefined T* (NaN) is not as extreme."""
    threshold = observed - tolerance
    threshold -= max(_TIE, abs(_TIE * threshold))
    extreme, left = 0, resamples
    while left:
        k = min(left, max(1, _CHUNK // max(rows, 1)))
        t = _worse_by(kernel, masks(k), higher_is_better)
        extreme += int(np.count_nonzero(t >= threshold))
        left -= k
    return (1 + extreme) / (1 + resamples)


def permutation(
    kernel: Kernel,
    n_baseline: int,
    n_candidate: int,
    *,
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    resamples: int = 1000,
    seed: int = 0,
) -> Test:
    """A permutation test of H0 ``worse_by <= tolerance`` over the pooled rows (the baseline's
    ``n_baseline`` first, then the candidate's): ``T`` is the observed worse-by, each of
    ``resamples`` permutations of the version labels (``numpy.random.default_rng(seed)``)
    gives ``T*``, and ``p = (1 + #{T* >= T - tolerance}) / (1 + resamples)``."""
    rows = n_baseline + n_candidate
    labels = np.zeros(rows, dtype=bool)
    labels[n_baseline:] = True
    observed = float(_worse_by(kernel, labels[None, :], higher_is_better)[0])
    rng = np.random.default_rng(seed)

    def masks(k: int) -> np.ndarray:
        return rng.permuted(np.tile(labels, (k, 1)), axis=1)

    p = _p_of(
        observed,
        masks,
        kernel,
        higher_is_better=higher_is_better,
        tolerance=tolerance,
        resamples=resamples,
        rows=rows,
    )
    return Test("permutation", False, observed, observed, p)


def sign_flip(
    kernel: Kernel,
    rows: int,
    *,
    higher_is_better: bool = True,
    tolerance: float = 0.0,
    resamples: int = 1000,
    seed: int = 0,
) -> Test:
    """A paired (sign-flip) permutation test of H0 ``worse_by <= tolerance``: the pooled rows
    are the ``rows`` rows scored by the baseline, then the same rows scored by the candidate;
    each resample swaps the two predictions of every row with probability 1/2
    (``numpy.random.default_rng(seed)``), and ``p = (1 + #{T* >= T - tolerance}) /
    (1 + resamples)``."""
    observed_mask = np.zeros(2 * rows, dtype=bool)
    observed_mask[rows:] = True
    observed = float(_worse_by(kernel, observed_mask[None, :], higher_is_better)[0])
    rng = np.random.default_rng(seed)

    def masks(k: int) -> np.ndarray:
        flipped = rng.random((k, rows)) < 0.5  # the candidate takes the baseline's prediction
        return np.concatenate([flipped, ~flipped], axis=1)

    p = _p_of(
        observed,
        masks,
        kernel,
        higher_is_better=higher_is_better,
        tolerance=tolerance,
        resamples=resamples,
        rows=2 * rows,
    )
    return Test("sign-flip permutation", True, observed, observed, p)


# --- kernels: a metric over many subsets of rows at once ---------------------------------------


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, NaN where the denominator is 0."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def sums_kernel(
    terms: np.ndarray, finish: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> Kernel:
    """A metric of per-row terms (``(rows, m)``): ``finish(sums (k, m), rows (k,))``; the rows
    outside a mask sum to the totals less the mask's."""
    table = np.asarray(terms, dtype=np.float64).reshape(len(terms), -1)
    totals = table.sum(axis=0)

    def kernel(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weights = masks.astype(np.float64)
        inside, n = weights @ table, weights.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return finish(inside, n), finish(totals - inside, len(table) - n)

    return kernel


def auc_kernel(positive: np.ndarray, score: np.ndarray) -> Kernel:
    """ROC AUC as the Mann-Whitney count, ties half: ``U / (n_pos n_neg)`` with ``U = sum over
    positives of (negatives scored lower + negatives scored equal / 2)``; the rows are sorted
    once, each subset is a cumulative sum over its tie groups."""
    order = np.argsort(score, kind="stable")
    ranked = score[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    pos = np.asarray(positive, dtype=bool)[order]
    ties = len(starts) < len(ranked)

    def per_group(values: np.ndarray) -> np.ndarray:
        as_float = values.astype(np.float64)
        return np.add.reduceat(as_float, starts, axis=1) if ties else as_float

    pos_all, neg_all = per_group(pos[None, :]), per_group(~pos[None, :])
    below_all = np.cumsum(neg_all, axis=1) - neg_all

    def area(pos_in: np.ndarray, neg_in: np.ndarray, below: np.ndarray) -> np.ndarray:
        u = np.sum(pos_in * (below + 0.5 * neg_in), axis=1)
        return _ratio(u, pos_in.sum(axis=1) * neg_in.sum(axis=1))

    def kernel(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chosen = masks[:, order]
        pos_in, neg_in = per_group(chosen & pos), per_group(chosen & ~pos)
        below = np.cumsum(neg_in, axis=1) - neg_in
        inside = area(pos_in, neg_in, below)
        return inside, area(pos_all - pos_in, neg_all - neg_in, below_all - below)

    return kernel


def quantile_kernel(values: np.ndarray, percentile: float = PERCENTILE) -> Kernel:
    """``numpy.percentile(subset, percentile)``, linear: the rows are sorted once; in a subset
    of n rows the virtual index is ``h = (n - 1) q`` and the value interpolates between its
    ``floor(h)``-th and next smallest (numpy's own lerp)."""
    order = np.argsort(values, kind="stable")
    ranked = np.asarray(values, dtype=np.float64)[order]
    q = percentile / 100
    position = np.arange(1, len(ranked) + 1)

    def quantile(seen: np.ndarray) -> np.ndarray:  # seen: the subset's rows up to each row
        n = seen[:, -1] if seen.shape[1] else np.zeros(len(seen), dtype=np.int64)
        h = (n - 1) * q
        lo = np.floor(h)
        t = h - lo
        hi = np.minimum(lo + 1, n - 1)
        a = ranked[np.argmax(seen >= (lo + 1)[:, None], axis=1)]
        b = ranked[np.argmax(seen >= (hi + 1)[:, None], axis=1)]
        out = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
        return np.where(n > 0, out, np.nan)

    def kernel(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen = np.cumsum(masks[:, order], axis=1)
        return quantile(seen), quantile(position - seen)

    return kernel


def each_kernel(value: Callable[[np.ndarray], float | None]) -> Kernel:
    """Any metric of rows at positions, one subset at a time."""

    def values(masks: np.ndarray) -> np.ndarray:
        found = (value(np.flatnonzero(mask)) for mask in masks)
        return np.array([np.nan if v is None else v for v in found], dtype=np.float64)

    return lambda masks: (values(masks), values(~masks))


# --- the two sides of a window ----------------------------------------------------------------


@dataclass(frozen=True)
class Sides:
    """The evaluated rows of both sides, pooled: the baseline's ``n_baseline`` rows, then the
    candidate's ``n_candidate`` (for a shadow: the rows scored live, then the same rows scored
    by the shadow). ``value(positions)``: the metric of some pooled rows, as
    :mod:`monitors.prediction_quality` computes it; ``kernel``: the same for many subsets.
    A proportion also has each row's ``trials`` and ``successes``."""

    n_baseline: int
    n_candidate: int
    value: Callable[[np.ndarray], float | None]
    kernel: Kernel
    trials: np.ndarray | None = None
    successes: np.ndarray | None = None


def _binary_sides(
    metric: str, positive: np.ndarray, score: np.ndarray, threshold: float, split: tuple[int, int]
) -> Sides:
    predicted = score >= threshold
    tp = predicted & positive

    def value(idx: np.ndarray) -> float | None:
        return pq._binary_metrics(positive[idx], score[idx], threshold)[0][metric]

    proportions = {  # (trials, successes) of each row
        "accuracy": (np.ones(len(score), dtype=bool), predicted == positive),
        "precision": (predicted, tp),
        "recall": (positive, tp),
    }
    if metric in proportions:
        trials, successes = (a.astype(np.float64) for a in proportions[metric])
        terms = np.column_stack([successes, trials])
        kernel = sums_kernel(terms, lambda s, _: _ratio(s[:, 0], s[:, 1]))
        return Sides(*split, value, kernel, trials, successes)
    if metric == "roc_auc":
        return Sides(*split, value, auc_kernel(positive, score))
    if metric == "log_loss":
        p_true = np.clip(np.where(positive, score, 1.0 - score), pq.EPS, 1.0 - pq.EPS)
        return Sides(*split, value, sums_kernel(np.log(p_true), lambda s, n: -_ratio(s[:, 0], n)))
    terms = np.column_stack([tp, predicted & ~positive, ~predicted & positive])  # f1
    f1 = sums_kernel(terms, lambda s, _: _ratio(2 * s[:, 0], 2 * s[:, 0] + s[:, 1] + s[:, 2]))
    return Sides(*split, value, f1)


def _multiclass_sides(metric: str, y: np.ndarray, p: np.ndarray, split: tuple[int, int]) -> Sides:
    def value(idx: np.ndarray) -> float | None:
        return pq._multiclass_metrics(y[idx], p[idx])[0][metric]

    if metric != "accuracy":  # macro averages: no proportion, no sums
        return Sides(*split, value, each_kernel(value))
    correct = (y == p).astype(np.float64)
    kernel = sums_kernel(correct, lambda s, n: _ratio(s[:, 0], n))
    return Sides(*split, value, kernel, np.ones(len(y)), correct)


def _regression_sides(metric: str, y: np.ndarray, p: np.ndarray, split: tuple[int, int]) -> Sides:
    def value(idx: np.ndarray) -> float | None:
        return pq._regression_metrics(y[idx], p[idx], None)[0][metric]

    error = p - y
    if metric == "mae":
        kernel = sums_kernel(np.abs(error), lambda s, n: _ratio(s[:, 0], n))
    elif metric == "rmse":
        kernel = sums_kernel(error**2, lambda s, n: np.sqrt(_ratio(s[:, 0], n)))
    elif metric == "mape":
        relative = np.abs(error) / np.maximum(np.abs(y), pq.EPS)
        kernel = sums_kernel(relative, lambda s, n: _ratio(s[:, 0], n))
    else:
        kernel = sums_kernel(np.column_stack([error**2, y - y.mean(), (y - y.mean()) ** 2]), _r2)
    return Sides(*split, value, kernel)


def _r2(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """R^2 = 1 - SS_res / SS_tot from the sums of e^2, c and c^2 (c: the label less the pooled
    mean, so that SS_tot = sum c^2 - (sum c)^2 / n loses no digits): 1 when both are 0, 0 when
    only SS_tot is (up to rounding), NaN on fewer than two rows; as prediction_quality's."""
    ss_res, ss_tot = s[:, 0], s[:, 2] - _ratio(s[:, 1] ** 2, n)
    flat = ss_tot <= 1e-12 * s[:, 2]
    fitted = 1.0 - ss_res / np.where(flat, 1.0, ss_tot)
    out = np.where(flat, np.where(ss_res == 0, 1.0, 0.0), fitted)
    return np.where(n >= 2, out, np.nan)


def _prediction_valid(values: pd.Series, kind: str) -> np.ndarray:
    """As :func:`monitors.prediction_quality.evaluate`: a class that is not missing or
    infinite, else a finite number."""
    if kind == "multiclass_classification":
        return values.notna().to_numpy() & ~np.isinf(pq.numeric(values))
    return np.isfinite(pq.numeric(values))


def _labelled_sides(
    frame: pd.DataFrame, spec: CanarySpec, baseline: np.ndarray, candidate: np.ndarray | None
) -> tuple[Sides, int, int]:
    """The evaluated rows (labelled, valid prediction; for a shadow both predictions valid) of
    the baseline's rows and the candidate's (``None``: the shadow on the baseline's rows); and
    each side's evaluated rows."""
    assert spec.kind is not None and spec.prediction is not None and spec.label is not None
    label = frame[spec.label]
    ok = label.notna().to_numpy()
    if spec.kind == "regression":
        ok &= np.isfinite(pq.numeric(label))
    ok &= _prediction_valid(frame[spec.prediction], spec.kind)
    if candidate is None:
        assert spec.shadow is not None
        ok &= _prediction_valid(frame[spec.shadow], spec.kind)
        rows = np.flatnonzero(baseline & ok)
        labels = pd.concat([label.iloc[rows], label.iloc[rows]], ignore_index=True)
        predictions = pd.concat(
            [frame[spec.prediction].iloc[rows], frame[spec.shadow].iloc[rows]], ignore_index=True
        )
        split = (len(rows), len(rows))
    else:
        base, cand = np.flatnonzero(baseline & ok), np.flatnonzero(candidate & ok)
        rows = np.concatenate([base, cand])
        labels = label.iloc[rows].reset_index(drop=True)
        predictions = frame[spec.prediction].iloc[rows].reset_index(drop=True)
        split = (len(base), len(cand))
    if spec.kind == "regression":
        sides = _regression_sides(spec.metric, pq.numeric(labels), pq.numeric(predictions), split)
    elif spec.kind == "multiclass_classification":
        y, p = pq.comparable_classes(labels, predictions)
        sides = _multiclass_sides(spec.metric, y, p, split)
    else:
        positive = pq._is_positive(labels, spec.positive_label)
        sides = _binary_sides(spec.metric, positive, pq.numeric(predictions), spec.threshold, split)
    return sides, *split


def _log_sides(
    frame: pd.DataFrame, spec: CanarySpec, baseline: np.ndarray, candidate: np.ndarray
) -> tuple[Sides, int, int]:
    """The rows of each side that count: ctr, a valid count pair (as prediction_quality's);
    error_rate, every row (a missing flag is not a failure, as the system kind's); latency_p95,
    a known latency."""
    if spec.metric == "ctr":
        assert spec.numerator is not None and spec.denominator is not None
        num, den = pq.numeric(frame[spec.numerator]), pq.numeric(frame[spec.denominator])
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(num) & np.isfinite(den) & (num >= 0) & (num <= den)
    elif spec.metric == "error_rate":
        assert spec.error_column is not None
        failed, _ = system._failed(frame[spec.error_column], spec.error_column)
        ok = np.ones(len(frame), dtype=bool)
    else:
        latency = system._latency(frame[spec.latency_column], spec.latency_column)
        ok = np.isfinite(latency)
    base, cand = np.flatnonzero(baseline & ok), np.flatnonzero(candidate & ok)
    rows = np.concatenate([base, cand])
    split = (len(base), len(cand))
    if spec.metric == "ctr":
        n, x = den[rows], num[rows]

        def ctr(idx: np.ndarray) -> float | None:
            shown = float(n[idx].sum())
            return float(x[idx].sum()) / shown if shown > 0 else None

        kernel = sums_kernel(np.column_stack([x, n]), lambda s, _: _ratio(s[:, 0], s[:, 1]))
        return Sides(*split, ctr, kernel, n, x), *split
    if spec.metric == "error_rate":
        flags = failed[rows].astype(np.float64)

        def error_rate(idx: np.ndarray) -> float | None:
            return float(flags[idx].mean()) if len(idx) else None

        kernel = sums_kernel(flags, lambda s, n: _ratio(s[:, 0], n))
        return Sides(*split, error_rate, kernel, np.ones(len(rows)), flags), *split
    values = latency[rows]

    def p95(idx: np.ndarray) -> float | None:
        return float(np.percentile(values[idx], PERCENTILE)) if len(idx) else None

    return Sides(*split, p95, quantile_kernel(values)), *split


def compare(sides: Sides, spec: CanarySpec) -> Test:
    """The test that fits the metric and the pairing (see the module's docstring): a
    proportion's z test (McNemar's for a shadow whose trials are the same rows as the live
    model's), else a permutation test (a sign-flip one for a shadow)."""
    higher_is_better = spec.metric not in HIGHER_IS_WORSE
    paired = spec.shadow is not None
    nb, tolerance = sides.n_baseline, spec.tolerance
    if sides.trials is not None and sides.successes is not None:
        trials, successes = sides.trials, sides.successes
        if not paired:
            return two_proportion_z(
                float(successes[:nb].sum()),
                float(trials[:nb].sum()),
                float(successes[nb:].sum()),
                float(trials[nb:].sum()),
                higher_is_better=higher_is_better,
                tolerance=tolerance,
            )
        if np.array_equal(trials[:nb], trials[nb:]):  # precision's trials are not: resampled
            counted = trials[:nb] > 0
            live, shadow = successes[:nb] > 0, successes[nb:] > 0
            return mcnemar_z(
                int(np.count_nonzero(live & ~shadow & counted)),
                int(np.count_nonzero(~live & shadow & counted)),
                int(np.count_nonzero(counted)),
                higher_is_better=higher_is_better,
                tolerance=tolerance,
            )
    if paired:
        return sign_flip(
            sides.kernel,
            nb,
            higher_is_better=higher_is_better,
            tolerance=tolerance,
            resamples=spec.resamples,
            seed=spec.seed,
        )
    return permutation(
        sides.kernel,
        nb,
        sides.n_candidate,
        higher_is_better=higher_is_better,
        tolerance=tolerance,
        resamples=spec.resamples,
        seed=spec.seed,
    )


# --- which versions ---------------------------------------------------------------------------


def natural_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A version's place in natural order: digits as numbers (v2 < v9 < v10), text case-blind."""
    parts = (p for p in re.split(r"(\d+)", version) if p)
    key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts)
    return (*key, (2, 0, version))  # the text itself last: a total order


def choose(
    rows: Mapping[str, int], first_seen: Mapping[str, Any], baseline: str, candidate: str
) -> tuple[str | None, str | None]:
    """``(baseline, candidate)`` among the window's versions (``rows`` per version, when each
    was first seen, ties meaning "from the start"); None for a side that has no version to take.

    ``candidate: newest``: the version (other than a named baseline) whose first row is the
    latest; ties, the smaller share of rows, then the greatest in natural order. ``baseline:
    previous``: the other version with the most rows; ties, the greatest in natural order. A
    named version is taken when it has rows."""
    named_base = None if baseline == "previous" else baseline
    if candidate == "newest":
        others = [v for v in rows if v != named_base]
        chosen_c = (
            max(others, key=lambda v: (first_seen[v], -rows[v], natural_key(v))) if others else None
        )
    else:
        chosen_c = candidate if candidate in rows else None
    if named_base is not None:
        chosen_b = named_base if named_base in rows and named_base != chosen_c else None
    else:
        others = [v for v in rows if v != chosen_c]
        chosen_b = max(others, key=lambda v: (rows[v], natural_key(v))) if others else None
    return chosen_b, chosen_c


def _first_seen(first: pd.Series, at: pd.Series | np.ndarray) -> dict[str, float]:
    """Each version's first row as a share of the window's span (its first to its last row, in
    time or, without timestamps, in position); within the first ``FROM_START`` of it, 0: present
    from the start (with interleaved traffic, which version logged the very first row is
    chance)."""
    if len(at) == 0:
        return {}
    start, end = at.min(), at.max()
    span = end - start
    return {
        str(v): 0.0 if not span or (t - start) / span <= FROM_START else float((t - start) / span)
        for v, t in first.items()
    }


def _version_names(versions: pd.Series) -> np.ndarray:
    """Versions as text; whole numbers read back as floats (a CSV column with a gap) are
    written as integers, so ``candidate: 2`` names the rows logged as 2."""
    if pd.api.types.is_float_dtype(versions.dtype) and bool((versions % 1 == 0).all()):
        versions = versions.astype("int64")
    return versions.astype(str).to_numpy()


def _listed(rows: Mapping[str, int]) -> str:
    return ", ".join(f"{v}: {n} rows" for v, n in rows.items()) or "none"


# --- one window -------------------------------------------------------------------------------


def evaluate(window: pd.DataFrame, spec: CanarySpec) -> MonitorResult:
    """The canary verdict of one window (labels joined for a labelled metric).

    SLIs: ``canary_delta`` (candidate - baseline), ``canary_p_value``, ``canary_worse`` (1.0 when
    p < alpha), ``candidate_share`` (the candidate's rows / the window's rows with a version; 1
    for a shadow), ``baseline_value``, ``candidate_value``. ``no_data`` with its reason when
    there is nothing to compare. Raises ValueError when a column it names is missing or holds
    values of the wrong type."""
    if spec.metric not in METRICS:
        raise ValueError(f"unknown canary metric {spec.metric!r}: one of {', '.join(METRICS)}")
    shadowed = spec.shadow is not None
    labelled = spec.metric in LABELLED_METRICS
    if labelled:
        _check_labelled(spec)
        require_columns(window, [spec.prediction, spec.label, spec.shadow])
    has_versions = spec.version_column in window.columns
    if not shadowed:
        require_columns(window, [spec.version_column])
    if has_versions:
        column = window[spec.version_column]
        present = column.notna().to_numpy()
        names = np.full(len(window), None, dtype=object)
        names[present] = _version_names(column[present])
    else:  # a shadow beside a log that does not name the live version
        present = np.ones(len(window), dtype=bool)
        live = spec.baseline if spec.baseline != "previous" else "live"
        names = np.full(len(window), live, dtype=object)
    kept = np.flatnonzero(present)
    timed = spec.timestamp is not None and spec.timestamp in window.columns
    at = window[spec.timestamp].iloc[kept].reset_index(drop=True) if timed else kept
    seen = pd.DataFrame({"version": names[kept], "at": at})
    grouped = seen.groupby("version", sort=False)["at"].agg(["size", "min"])
    rows = {str(v): int(grouped.loc[v, "size"]) for v in sorted(grouped.index, key=natural_key)}
    first_seen = _first_seen(grouped["min"], at)
    total = int(present.sum())
    context: dict[str, Any] = {
        "metric": spec.metric,
        "versions": rows,
        "rows": total,
        "missing_version_rows": int(len(window) - total),
        "paired": shadowed,
        "tolerance": spec.tolerance,
        "alpha": spec.alpha,
        "min_rows": spec.min_rows,
    }
    if not rows:
        return MonitorResult.no_data("no rows with a model version in the window", **context)

    if shadowed:
        assert spec.shadow_version is not None
        baseline, _ = choose(
            {v: n for v, n in rows.items() if v != spec.shadow_version} or rows,
            first_seen,
            spec.baseline,
            spec.shadow_version,
        )
        candidate: str | None = spec.shadow_version
    else:
        baseline, candidate = choose(rows, first_seen, spec.baseline, spec.candidate)
    context.update(baseline=baseline, candidate=candidate)
    if candidate is None or baseline is None:
        return MonitorResult.no_data(_why_no_pair(spec, rows, baseline, candidate), **context)

    is_base = names == baseline
    if shadowed:
        sides, n_base, n_cand = _labelled_sides(window, spec, is_base, None)
    elif labelled:
        sides, n_base, n_cand = _labelled_sides(window, spec, is_base, names == candidate)
    else:
        sides, n_base, n_cand = _log_sides(window, spec, is_base, names == candidate)
    context.update(baseline_rows=n_base, candidate_rows=n_cand)
    what = "labelled rows with a valid prediction" if labelled else "rows"
    if n_base < spec.min_rows or n_cand < spec.min_rows:
        return MonitorResult.no_data(
            f"too little traffic to compare: baseline {baseline!r} has {n_base} {what}, candidate "
            f"{candidate!r} {n_cand}, fewer than min_rows ({spec.min_rows}) on "
            f"{'both sides' if max(n_base, n_cand) < spec.min_rows else 'one side'}",
            **context,
        )
    pooled = np.arange(n_base + n_cand)
    base_value, cand_value = sides.value(pooled[:n_base]), sides.value(pooled[n_base:])
    for side, version, value, n in (
        ("baseline", baseline, base_value, n_base),
        ("candidate", candidate, cand_value, n_cand),
    ):
        if value is None or not math.isfinite(value):
            return MonitorResult.no_data(
                f"{spec.metric} of the {side} {version!r} is undefined on its {n} {what} "
                "(roc_auc needs both classes, precision a predicted positive, recall a positive)",
                **context,
            )
    assert base_value is not None and cand_value is not None
    test = compare(sides, spec)
    worse = test.p_value < spec.alpha
    share = 1.0 if shadowed else rows[candidate] / total
    delta = cand_value - base_value
    slis: dict[str, float | None] = {
        "canary_delta": delta,
        "canary_p_value": test.p_value,
        "canary_worse": 1.0 if worse else 0.0,
        "candidate_share": share,
        "baseline_value": base_value,
        "candidate_value": cand_value,
    }
    details: dict[str, Any] = {
        **context,
        "baseline_value": base_value,
        "candidate_value": cand_value,
        "delta": delta,
        "worse_by": test.worse_by,
        "higher_is_worse": spec.metric in HIGHER_IS_WORSE,
        "test": test.name,
        "paired": test.paired,
        "statistic": test.statistic if math.isfinite(test.statistic) else None,
        "p_value": test.p_value,
        "worse": worse,
        "candidate_share": share,
    }
    if test.name.endswith("permutation"):
        details.update(resamples=spec.resamples, seed=spec.seed)
    return MonitorResult(status="ok", slis=slis, details=details)


def _check_labelled(spec: CanarySpec) -> None:
    if spec.kind is None or spec.prediction is None or spec.label is None:
        raise ValueError(f"a canary on {spec.metric!r} needs a prediction column and a label")
    if spec.metric not in pq.METRICS_OF_KIND.get(spec.kind, ()):
        raise ValueError(
            f"metric {spec.metric!r} is not a {spec.kind} metric: "
            f"one of {', '.join(pq.METRICS_OF_KIND.get(spec.kind, ()))}"
        )
    if spec.kind == "multiclass_classification" and spec.metric in ("roc_auc", "log_loss"):
        raise ValueError(
            f"metric {spec.metric!r} needs per-class probabilities; a multiclass prediction "
            "column holds one class per row (use accuracy, precision, recall or f1)"
        )


def _why_no_pair(
    spec: CanarySpec, rows: Mapping[str, int], baseline: str | None, candidate: str | None
) -> str:
    listed = _listed(rows)
    if candidate is None and spec.candidate != "newest":
        return f"candidate version {spec.candidate!r} has no rows in the window ({listed})"
    if baseline is None and spec.baseline != "previous":
        if spec.baseline == candidate:
            return f"baseline {spec.baseline!r} is the candidate ({listed})"
        return f"baseline version {spec.baseline!r} has no rows in the window ({listed})"
    return f"only one model version in the window ({listed}): nothing to compare"
