"""``kind: prediction_quality``: a model's quality from its predictions and (late) labels, or
the click-through rate from the log (see :mod:`monitors.prediction_quality`); on the service
page, the newest value, the metric per window against its SLOs, and the newest run by model
version and by slice."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

import pandas as pd
from pydantic import Field, model_validator

from cockpit.config.base import MonitorBase
from cockpit.errors import SourceError
from cockpit.kinds.base import Headline, Kind, Outcome, Problems, RunContext, Window
from cockpit.kinds.panels import (
    Block,
    Caption,
    Lines,
    Metric,
    PanelReader,
    Row,
    Table,
    slo_rules,
)
from cockpit.kinds.registry import KINDS
from monitors.base import MonitorResult

MetricName = Literal[
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "mape", "r2",
    "ctr",
]  # fmt: skip
METRICS: tuple[str, ...] = get_args(MetricName)

LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})


class PredictionQualityMonitor(MonitorBase):
    kind: Literal["prediction_quality"]
    metric: MetricName
    slices: list[str] = Field(default_factory=list)
    numerator: str | None = Field(default=None, description="ctr: e.g. clicks")
    denominator: str | None = Field(default=None, description="ctr: e.g. impressions")
    tolerance: float | None = Field(
        default=None, description="regression: good when |error| <= tolerance"
    )

    min_rows: int = Field(default=30, ge=1, description="fewer labelled rows: no_data")

    @model_validator(mode="after")
    def _ctr(self) -> PredictionQualityMonitor:
        if self.metric == "ctr" and (self.numerator is None or self.denominator is None):
            raise ValueError(
                "metric 'ctr' needs `numerator` (e.g. clicks) and `denominator` (e.g. impressions)"
            )
        return self


def requires(service: Mapping[str, Any], monitor: Mapping[str, Any]) -> Problems:
    if monitor.get("metric") != "ctr" and not service.get("prediction"):
        yield (
            (),
            "a prediction_quality monitor needs the service's `prediction` (column, kind, label)",
        )


def label_delay(service: Any, monitor: PredictionQualityMonitor) -> timedelta:
    """Labels arrive late: a window is evaluated once they had time to (CTR's clicks are in the
    log itself)."""
    labels = service.data.labels
    if monitor.metric != "ctr" and labels is not None:
        return labels.delay
    return timedelta(0)


def run(
    ctx: RunContext,
    service: Any,
    monitor: PredictionQualityMonitor,
    window: Window,
    at: datetime,
) -> Outcome:
    from monitors import prediction_quality as pq

    prediction = service.prediction
    if monitor.metric == "ctr":
        spec = pq.PredictionQualitySpec(
            metric="ctr",
            kind="ctr",
            prediction=None,
            label=None,
            numerator=monitor.numerator,
            denominator=monitor.denominator,
            version_column=prediction.model_version if prediction else "model_version",
            slices=tuple(monitor.slices),
        )
        columns = [monitor.numerator or "", monitor.denominator or "", *monitor.slices]
        if ctx.engine(service, columns, window) != "pandas":
            return pq.ctr_statistics(
                _ctr_on_engine(ctx, service, spec, columns, window), spec
            ), None
        frame = ctx.read_window(service, columns, window, optional=[spec.version_column])
        return pq.evaluate(frame, spec), None
    assert prediction is not None  # checked when the config was loaded
    if prediction.label is None:
        raise SourceError(f"service {service.name!r}: prediction.label names no label column")
    spec = pq.PredictionQualitySpec(
        metric=monitor.metric,
        kind=prediction.kind,
        prediction=prediction.column,
        label=prediction.label,
        threshold=prediction.threshold,
        positive_label=prediction.positive_label,
        version_column=prediction.model_version,
        slices=tuple(monitor.slices),
        regression_tolerance=monitor.tolerance,
    )
    labels_spec = service.data.labels
    key = labels_spec.key if labels_spec is not None else None
    columns = [prediction.column, *monitor.slices, key or prediction.label]
    # labels that have arrived by `at` (their timestamp is the arrival time)
    arrival = labels_spec.timestamp if labels_spec is not None else None
    timed = labels_spec is not None and ctx.has_timestamp(service, "labels")
    arrived = (window.start, at) if timed else (None, None)
    fallback = None
    if ctx.engine(service, columns, window) != "pandas":
        if key is None:
            relation, version = _with_version(ctx, service, spec, columns, window)
        else:
            relation, fallback = ctx.labelled_relation(
                service, columns, window, key, prediction.label, arrived, [spec.version_column]
            )
            has_version = relation is not None and relation.has(spec.version_column or "")
            version = spec.version_column if has_version else None
        if relation is not None:
            return _on_engine(relation, spec, version, monitor), None
    frame = ctx.read_window(service, columns, window, optional=[prediction.model_version])
    if key is not None:
        labels = ctx.read_source(service, "labels", [key, prediction.label], *arrived)
        frame = _join_latest(frame, labels, key, prediction.label, arrival if timed else None)
    result = _enough_labels(frame, prediction.label, monitor) or pq.evaluate(frame, spec)
    if fallback is not None:  # an engine was asked for, but the join ran here
        result = dataclasses.replace(
            result, details={**result.details, "engine_fallback": fallback}
        )
    return result, None


def _join_latest(
    frame: pd.DataFrame, labels: pd.DataFrame, key: str, label: str, arrival: str | None
) -> pd.DataFrame:
    """Each prediction with the label of its key that arrived last (the last in the source's
    order among labels of one arrival time, or without an arrival time); a label without a key
    joins nothing. The engines join the same way (:mod:`cockpit.engines.labelled`)."""
    if arrival and arrival in labels.columns:
        labels = labels.sort_values(arrival, kind="stable")
    labels = labels[labels[key].notna()].drop_duplicates(key, keep="last")[[key, label]]
    if label in frame.columns:
        frame = frame.drop(columns=[label])
    return frame.merge(labels, on=key, how="left")


def _in_group_order(found: list[tuple[Any, Any]], rows: str | None) -> list[tuple[Any, Any]]:
    """An engine's groups (with rows in ``rows``, when named), missing value first, then by
    value: the order the in-process breakdowns have."""
    kept = [(value, values) for value, values in found if rows is None or values[rows]]
    return sorted(
        kept, key=lambda item: (item[0] is not None, item[0] if item[0] is not None else 0)
    )


def _with_version(
    ctx: RunContext, service: Any, spec: Any, columns: list[str], window: Window
) -> tuple[Any, str | None]:
    """The window on the engine, with the model-version column when the source has it."""
    relation = ctx.relation(service, columns, window)
    version = spec.version_column if relation.has(spec.version_column or "") else None
    if version:
        relation = ctx.relation(service, [*columns, version], window)
    return relation, version


def _on_engine(
    relation: Any, spec: Any, version: str | None, monitor: PredictionQualityMonitor
) -> MonitorResult:
    """A labelled window's result from the profile the engine computed."""
    from monitors import prediction_query as pqq

    if spec.kind == "multiclass_classification":
        profile: Any = _multiclass_on_engine(relation, spec, version)
        statistics: Any = pqq.multiclass_statistics
    else:
        profile, statistics = _scored_on_engine(relation, spec, version), pqq.labelled_statistics
    if 0 < profile.labelled < monitor.min_rows:
        return _too_few_labels(profile.labelled, profile.rows, monitor)
    return statistics(profile, spec)


def _scored_on_engine(relation: Any, spec: Any, version: str | None) -> Any:
    """A binary classifier's or a regressor's profile computed by the engine: one scan for the
    window, one GROUP BY per breakdown column and, for a classifier, the ROC AUC from counts
    per distinct score (per group), exact."""
    from monitors import prediction_query as pqq
    from monitors import query as q

    regression = spec.kind == "regression"
    needs_numbers = [spec.prediction, spec.label] if regression else [spec.prediction]
    for column in needs_numbers:
        if relation.dtypes.get(column) not in ("int", "float"):
            raise ValueError(
                f"column {column!r} must hold numbers on an engine, got "
                f"{relation.dtypes.get(column)} values"
            )
    extra: dict[str, Any] = {}
    if regression:
        c = pqq.regression_conditions(spec)
        aggregates = pqq.regression_aggregates(spec, c)
        extra["invalid_labels"] = q.Count(c["invalid_label"])
    else:
        c = pqq.binary_conditions(spec, relation.dtypes.get(spec.label))
        aggregates = pqq.binary_aggregates(spec, c)

    def counts_of(values: dict[str, Any], areas: dict[Any, Any], value: Any) -> Any:
        if regression:
            return pqq.regression_sums_of(values)
        return pqq.binary_counts_of(values, areas.get(value))

    def areas(by: str | None) -> dict[Any, float | None]:
        return {} if regression else relation.auc(spec.prediction, c["positive"], c["usable"], by)

    totals = relation.aggregate(
        {**aggregates, **extra, "rows": q.Count(), "labelled": q.Count(c["labelled"]),
         "invalid": q.Count(q.Not(c["valid"]))}
    )  # fmt: skip
    overall = counts_of(totals, areas(None), None) if totals["n"] else None

    def groups(column: str) -> dict[str, Any]:
        found = _in_group_order(relation.grouped(column, aggregates), "n")
        by_value = areas(column)
        return {pqq.group_name(v): counts_of(values, by_value, v) for v, values in found}

    return pqq.LabelledProfile(
        rows=int(totals["rows"]),
        labelled=int(totals["labelled"]),
        invalid_predictions=int(totals["invalid"]),
        overall=overall,
        by_version=groups(version) if version else {},
        by_slice={column: groups(column) for column in spec.slices},
        invalid_labels=int(totals["invalid_labels"]) if regression else None,
    )


def _multiclass_on_engine(relation: Any, spec: Any, version: str | None) -> Any:
    """A multiclass classifier's profile computed by the engine: rows per (label, prediction)
    pair by GROUP BY, for the window and per breakdown group."""
    from monitors import prediction_query as pqq

    pair = [spec.label, spec.prediction]

    def groups(column: str) -> dict[str, Any]:
        found: dict[str, list] = {}
        values: dict[str, Any] = {}
        for value, y, p, n in relation.counts([column, *pair]):
            name = pqq.group_name(value)
            found.setdefault(name, []).append((y, p, n))
            values.setdefault(name, None if name == pqq.MISSING else value)
        kept = _in_group_order([(values[name], name) for name in found], None)
        return {name: found[name] for _, name in kept}

    return pqq.MulticlassProfile(
        pairs=[(y, p, n) for y, p, n in relation.counts(pair)],
        by_version=groups(version) if version else {},
        by_slice={column: groups(column) for column in spec.slices},
    )


def _ctr_on_engine(
    ctx: RunContext, service: Any, spec: Any, columns: list[str], window: Window
) -> Any:
    """The CTR profile computed by the engine: one scan for the window, one GROUP BY per
    breakdown column (the model version when the source has it, each slice)."""
    from monitors import prediction_quality as pq
    from monitors import prediction_query as pqq
    from monitors import query as q

    relation, version = _with_version(ctx, service, spec, columns, window)
    for column in (spec.numerator, spec.denominator):
        if relation.dtypes.get(column) not in ("int", "float"):
            raise ValueError(
                f"column {column!r} must hold counts (numbers), got {relation.dtypes.get(column)}"
                " values"
            )
    aggregates = pqq.ctr_aggregates(spec)
    totals = relation.aggregate({**aggregates, "rows": q.Count()})

    def sums(column: str) -> dict[str, Any]:
        found = _in_group_order(relation.grouped(column, aggregates), "valid")
        return {pqq.group_name(value): pqq.sums_of(values) for value, values in found}

    return pq.CtrProfile(
        rows=int(totals["rows"]),
        invalid_rows=int(totals["rows"]) - int(totals["valid"]),
        events=float(totals["numerator"]),
        exposures=float(totals["denominator"]),
        by_version=sums(version) if version else {},
        by_slice={column: sums(column) for column in spec.slices},
    )


def _enough_labels(
    frame: pd.DataFrame, label: str, monitor: PredictionQualityMonitor
) -> MonitorResult | None:
    """``no_data`` when fewer than ``min_rows`` predictions have their label yet: a handful of
    rows says nothing about accuracy."""
    labelled = int(frame[label].notna().sum()) if label in frame.columns else 0
    if 0 < labelled < monitor.min_rows:
        return _too_few_labels(labelled, len(frame), monitor)
    return None


def _too_few_labels(labelled: int, rows: int, monitor: PredictionQualityMonitor) -> MonitorResult:
    return MonitorResult.no_data(
        f"{labelled} labelled predictions, fewer than min_rows ({monitor.min_rows})", rows=rows
    )


def evidence(details: Mapping[str, Any]) -> list[str]:
    """The worst slice, each model version's metric, how many labels are still missing."""
    metric = details.get("metric", "metric")
    out = []
    worst = details.get("worst_slice")
    if isinstance(worst, dict) and worst:
        where = worst.get("slice") or f"{worst.get('column', '?')}={worst.get('value', '?')}"
        value = worst.get("metric_value", worst.get(metric))
        shown = f"{value:.3g}" if isinstance(value, int | float) else str(value)
        out.append(f"worst slice {where}: {metric} {shown}")
    for version, values in (details.get("by_model_version") or {}).items():
        if isinstance(values, dict) and isinstance(values.get(metric), int | float):
            out.append(
                f"model {version}: {metric} {values[metric]:.3g} ({values.get('rows', '?')} rows)"
            )
    unlabelled = details.get("unlabelled_share")
    if isinstance(unlabelled, int | float) and unlabelled > 0:
        out.append(f"{unlabelled:.0%} of predictions still without a label")
    return out


# --- the service page ------------------------------------------------------------------------


def prediction_quality(reader: PanelReader) -> dict[str, Any]:
    """The newest ok run: ``{"metric", "at", "value", "by_model_version", "by_slice"}``, its
    details broken down as tables (empty when the run has none)."""
    metric = reader.monitor.metric
    run = reader.latest_ok([metric])
    if run is None:
        return {
            "metric": metric,
            "at": None,
            "value": None,
            "by_model_version": pd.DataFrame(),
            "by_slice": pd.DataFrame(),
        }
    return {
        "metric": metric,
        "at": run.at,
        "value": run.slis.get(metric),
        "by_model_version": _breakdown(run.details.get("by_model_version"), "model_version"),
        "by_slice": _breakdown(run.details.get("by_slice"), "slice"),
    }


def _breakdown(value: Any, key: str) -> pd.DataFrame:
    """``{name: {metric: value}}`` (or ``{column: {value: {metric: value}}}``, or a list of
    records) as one row per name with its scalar fields."""
    if not value:
        return pd.DataFrame()
    rows: list[dict[str, Any]] = []
    if isinstance(value, list):
        rows = [dict(item) for item in value if isinstance(item, Mapping)]
    elif isinstance(value, Mapping):
        for name, entry in value.items():
            if (
                isinstance(entry, Mapping)
                and entry
                and all(isinstance(v, Mapping) for v in entry.values())
            ):
                rows += [{key: f"{name}={inner}", **_scalars(v)} for inner, v in entry.items()]
            elif isinstance(entry, Mapping):
                rows.append({key: str(name), **_scalars(entry)})
            else:
                rows.append({key: str(name), "value": entry})
    return pd.DataFrame(rows)


def _scalars(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not isinstance(v, Mapping | list)}


def panel(reader: PanelReader) -> list[Block]:
    """The newest value, the metric per window with its SLO lines, the newest breakdowns."""
    latest = prediction_quality(reader)
    if latest["at"] is None:
        return [Caption("No successful run yet (labels may not have arrived).")]
    metric = latest["metric"]
    value = "n/a" if latest["value"] is None else f"{latest['value']:.4f}"
    blocks: list[Block] = [
        Metric(f"{metric} (newest run, {latest['at']:%Y-%m-%d %H:%M} UTC)", value)
    ]
    series = reader.series([metric])
    if not series.empty:
        blocks.append(
            Lines(
                series,
                y="value",
                color="name",
                y_title=metric,
                title=f"{metric} per window",
                rules=slo_rules(reader.service, reader.monitor.name, metric),
            )
        )
    blocks.append(
        Row(
            (
                Table(latest["by_model_version"], title="By model version"),
                Table(latest["by_slice"], title="By slice"),
            )
        )
    )
    return blocks


KIND = KINDS.register(
    Kind(
        name="prediction_quality",
        title="Prediction quality",
        model=PredictionQualityMonitor,
        slis=frozenset({*METRICS, "labelled_share", "unlabelled_share", "rows"}),
        run=run,
        imports=("monitors.prediction_quality", "monitors.prediction_query"),
        headline=lambda monitor: Headline(monitor.metric, monitor.metric not in LOWER_IS_BETTER),
        requires=requires,
        label_delay=label_delay,
        evidence=evidence,
        panel=panel,
    )
)
