"""``kind: canary``: is a candidate model version worse than its baseline on the same window,
both serving traffic (or a shadow model beside the live one)? See :mod:`monitors.canary` for
the tests and the choice of versions. On the service page: the newest verdict and the delta per
window."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from cockpit.config.base import MonitorBase
from cockpit.kinds.base import Headline, Kind, Outcome, Problems, RunContext, Window
from cockpit.kinds.panels import Block, Caption, Lines, Metric, PanelReader, Row, Rule, slo_rules
from cockpit.kinds.prediction_quality import _join_latest
from cockpit.kinds.registry import KINDS

CanaryMetric = Literal[
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "mape", "r2",
    "ctr", "error_rate", "latency_p95",
]  # fmt: skip
METRICS: tuple[str, ...] = get_args(CanaryMetric)
LOG_METRICS = frozenset({"ctr", "error_rate", "latency_p95"})  # in the log itself: no labels
CLASSIFICATION = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"})
SLIS = frozenset(
    {
        "canary_delta",
        "canary_p_value",
        "canary_worse",
        "candidate_share",
        "baseline_value",
        "candidate_value",
    }
)


class CanaryMonitor(MonitorBase):
    kind: Literal["canary"]
    metric: CanaryMetric
    baseline: str = Field(
        default="previous", description="previous (the other version with most rows) or a version"
    )
    candidate: str = Field(
        default="newest", description="newest (the version seen last) or a version"
    )
    alpha: float = Field(default=0.05, gt=0, lt=1, description="worse when p < alpha")
    min_rows: int = Field(default=500, ge=1, description="fewer evaluated rows on a side: no_data")
    tolerance: float = Field(
        default=0.0, ge=0, description="worse only by more than this, in the metric's unit"
    )
    numerator: str | None = Field(default=None, description="ctr: e.g. clicks")
    denominator: str | None = Field(default=None, description="ctr: e.g. impressions")
    error_column: str | None = Field(default=None, description="error_rate: True = failed")
    column: str = Field(default="latency_ms", description="latency_p95: milliseconds")
    resamples: int = Field(default=1000, ge=1, description="permutation tests' resamples")
    seed: int = Field(default=0, ge=0, description="permutation tests' random seed")

    @field_validator("baseline", "candidate", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        """``baseline: 3`` names version "3"."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _consistent(self) -> CanaryMonitor:
        metric = self.metric
        if metric == "ctr" and (self.numerator is None or self.denominator is None):
            raise ValueError(
                "metric 'ctr' needs `numerator` (e.g. clicks) and `denominator` (e.g. impressions)"
            )
        if metric != "ctr" and (self.numerator is not None or self.denominator is not None):
            raise ValueError("`numerator` and `denominator` apply to metric 'ctr' only")
        if metric == "error_rate" and self.error_column is None:
            raise ValueError("metric 'error_rate' needs `error_column` (a bool, True = failed)")
        if metric != "error_rate" and self.error_column is not None:
            raise ValueError("`error_column` applies to metric 'error_rate' only")
        if metric != "latency_p95" and "column" in self.model_fields_set:
            raise ValueError("`column` applies to metric 'latency_p95' only (its latency column)")
        if self.baseline == "newest" or self.candidate == "previous":
            raise ValueError(
                "write `baseline: previous` (or a version) and `candidate: newest` (or a version)"
            )
        if self.baseline == self.candidate:
            raise ValueError(
                f"baseline and candidate are both {self.baseline!r}: name two versions"
            )
        if 1 / (1 + self.resamples) >= self.alpha:
            raise ValueError(
                f"resamples {self.resamples} can never give p < alpha {self.alpha:g} (the smallest "
                f"p is 1 / (1 + resamples)): write at least {int(1 / self.alpha)}"
            )
        return self


def requires(service: Mapping[str, Any], monitor: Mapping[str, Any]) -> Problems:
    """A labelled metric needs the service's prediction with its label, of a kind that has
    the metric."""
    metric = monitor.get("metric")
    if not isinstance(metric, str) or metric in LOG_METRICS or metric not in METRICS:
        return
    prediction = service.get("prediction")
    if not isinstance(prediction, Mapping):
        yield (
            (),
            f"a canary on {metric!r} needs the service's `prediction` (column, kind, label)",
        )
        return
    if not prediction.get("label"):
        yield ((), f"a canary on {metric!r} needs `prediction.label`, the label column")
    kind = prediction.get("kind")
    if kind == "regression" and metric in CLASSIFICATION:
        yield (
            ("metric",),
            f"{metric!r} is a classification metric; the prediction is a regression",
        )
    elif kind in ("binary_classification", "multiclass_classification"):
        if metric not in CLASSIFICATION:
            yield (("metric",), f"{metric!r} is a regression metric; the prediction is {kind}")
        elif kind == "multiclass_classification" and metric in ("roc_auc", "log_loss"):
            yield (
                ("metric",),
                f"{metric!r} needs per-class probabilities; a multiclass prediction holds one "
                "class per row (use accuracy, precision, recall or f1)",
            )


def label_delay(service: Any, monitor: CanaryMonitor) -> timedelta:
    """A labelled metric waits for its labels as prediction_quality does; the log's own
    metrics do not wait."""
    labels = service.data.labels
    if monitor.metric not in LOG_METRICS and labels is not None:
        return labels.delay
    return timedelta(0)


def shadow_of(service: Any, monitor: CanaryMonitor) -> Any | None:
    """The service's shadow when it is this canary's candidate: a labelled metric, and
    ``candidate`` is ``newest`` or names the shadow's version."""
    prediction = service.prediction
    shadow = prediction.shadow if prediction is not None else None
    if shadow is None or monitor.metric in LOG_METRICS:
        return None
    return shadow if monitor.candidate in ("newest", shadow.version) else None


def spec_of(service: Any, monitor: CanaryMonitor) -> Any:
    """The :class:`monitors.canary.CanarySpec` of a canary monitor of ``service``."""
    from monitors.canary import CanarySpec

    prediction = service.prediction
    labelled = monitor.metric not in LOG_METRICS and prediction is not None
    shadow = shadow_of(service, monitor)
    return CanarySpec(
        metric=monitor.metric,
        version_column=prediction.model_version if prediction else "model_version",
        baseline=monitor.baseline,
        candidate=monitor.candidate,
        alpha=monitor.alpha,
        min_rows=monitor.min_rows,
        tolerance=monitor.tolerance,
        resamples=monitor.resamples,
        seed=monitor.seed,
        timestamp=service.data.current.timestamp,
        kind=prediction.kind if labelled else None,
        prediction=prediction.column if labelled else None,
        label=prediction.label if labelled else None,
        threshold=prediction.threshold if labelled else 0.5,
        positive_label=prediction.positive_label if labelled else 1,
        shadow=shadow.column if shadow is not None else None,
        shadow_version=shadow.version if shadow is not None else None,
        numerator=monitor.numerator,
        denominator=monitor.denominator,
        error_column=monitor.error_column,
        latency_column=monitor.column,
    )


def run(
    ctx: RunContext, service: Any, monitor: CanaryMonitor, window: Window, at: datetime
) -> Outcome:
    """The window's rows in process (a permutation test resamples rows; an engine's aggregates
    would not do), with their labels joined as prediction_quality joins them."""
    from monitors import canary

    spec = spec_of(service, monitor)
    version = [spec.version_column]
    optional: list[str] = []
    if monitor.metric in LOG_METRICS:
        measured = {
            "ctr": [spec.numerator, spec.denominator],
            "error_rate": [spec.error_column],
            "latency_p95": [spec.latency_column],
        }[monitor.metric]
        columns = [*measured, *version]
        frame = ctx.read_window(service, columns, window)
    else:
        labels_spec = service.data.labels
        key = labels_spec.key if labels_spec is not None else None
        columns = [spec.prediction, key or spec.label, *([spec.shadow] if spec.shadow else [])]
        if spec.shadow:  # a shadow needs no version column: the live model is the baseline
            optional = version
        else:
            columns += version
        frame = ctx.read_window(service, columns, window, optional=optional)
        if key is not None:
            # labels that have arrived by `at` (their timestamp is the arrival time)
            timed = ctx.has_timestamp(service, "labels")
            arrived = (window.start, at) if timed else (None, None)
            labels = ctx.read_source(service, "labels", [key, spec.label], *arrived)
            arrival = labels_spec.timestamp if timed else None
            frame = _join_latest(frame, labels, key, spec.label, arrival)
    result = canary.evaluate(frame, spec)
    if ctx.engine(service, [*columns, *optional], window) != "pandas":
        why = "a canary resamples rows: the window was read in process"
        result = dataclasses.replace(result, details={**result.details, "engine_fallback": why})
    return result, None


def evidence(details: Mapping[str, Any]) -> list[str]:
    """The two versions' values, the delta and its p-value, the rows of each side."""
    metric, base, cand = details.get("metric"), details.get("baseline"), details.get("candidate")
    b, c = details.get("baseline_value"), details.get("candidate_value")
    if not isinstance(b, int | float) or not isinstance(c, int | float):
        reason = details.get("reason")
        return [str(reason)] if reason else []
    p = details.get("p_value")
    shown_p = f"p={p:.3g}" if isinstance(p, int | float) else "p=?"
    paired = ", paired on the same rows" if details.get("paired") else ""
    return [
        f"candidate {cand} {metric} {c:.4g} vs baseline {base} {b:.4g}: delta {c - b:+.4g} "
        f"({shown_p}, {details.get('test')}{paired})",
        f"rows: candidate {details.get('candidate_rows')}, baseline {details.get('baseline_rows')}"
        f" (tolerance {details.get('tolerance')}, alpha {details.get('alpha')})",
    ]


# --- the service page ------------------------------------------------------------------------


def panel(reader: PanelReader) -> list[Block]:
    """The newest verdict, then the delta per window."""
    monitor = reader.monitor
    run = reader.latest_ok(sorted(SLIS))
    if run is None:
        return [
            Caption("No verdict yet: too little traffic on a version, or labels still to come.")
        ]
    slis, details = run.slis, run.details

    def shown(name: str, fmt: str) -> str:
        value = slis.get(name)
        return "n/a" if value is None else format(value, fmt)

    candidate, baseline = details.get("candidate", "?"), details.get("baseline", "?")
    blocks: list[Block] = [
        Row(
            (
                Metric(
                    f"{monitor.metric} delta ({candidate} - {baseline})",
                    shown("canary_delta", "+.4g"),
                ),
                Metric("p-value", shown("canary_p_value", ".3g")),
                Metric("worse", "yes" if slis.get("canary_worse") == 1 else "no"),
                Metric("candidate share", shown("candidate_share", ".1%")),
            )
        ),
        Caption(
            f"Newest verdict ({run.at:%Y-%m-%d %H:%M} UTC): candidate {candidate} "
            f"({details.get('candidate_rows')} rows, {shown('candidate_value', '.4g')}) against "
            f"baseline {baseline} ({details.get('baseline_rows')} rows, "
            f"{shown('baseline_value', '.4g')}), {details.get('test')}"
            f"{', paired' if details.get('paired') else ''}."
        ),
    ]
    series = reader.series(["canary_delta"])
    if not series.empty:
        rules = (
            Rule(0.0, "no difference"),
            *slo_rules(reader.service, monitor.name, "canary_delta"),
        )
        blocks.append(
            Lines(
                series,
                y="value",
                color="name",
                y_title=f"{monitor.metric} (candidate - baseline)",
                title="canary_delta per window",
                rules=rules,
            )
        )
    return blocks


def rollback(details: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """A verdict's candidate is what a rollback goes from, its baseline what it goes back to
    (a shadow is never served: rolling it back means nothing)."""
    if details.get("paired") or not details.get("baseline"):
        return None
    return details.get("candidate"), details.get("baseline")


KIND = KINDS.register(
    Kind(
        name="canary",
        title="Canary",
        model=CanaryMonitor,
        slis=SLIS,
        run=run,
        counts_events=False,
        example_condition="canary_worse == 0",
        imports=("monitors.canary",),
        headline=lambda _monitor: Headline("canary_worse", higher_is_better=False),
        requires=requires,
        label_delay=label_delay,
        evidence=evidence,
        panel=panel,
        reads_versions=True,
        rollback=rollback,
    )
)
