"""``kind: prediction_quality``: a model's quality from its predictions and (late) labels, or
the click-through rate from the log (see :mod:`monitors.prediction_quality`), and a shadow
model's beside it on the same rows (``prediction.shadow``); on the service page, the newest
value, the metric per window against its SLOs (the shadow's line beside the live one), the
newest run live against shadow, by model version and by slice."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
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
    shadow = prediction.shadow
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
        shadow=shadow.column if shadow is not None else None,
        shadow_version=shadow.version if shadow is not None else None,
    )
    labels_spec = service.data.labels
    key = labels_spec.key if labels_spec is not None else None
    columns = [prediction.column, *monitor.slices, key or prediction.label]
    # labels that have arrived by `at` (their timestamp is the arrival time)
    arrival = labels_spec.timestamp if labels_spec is not None else None
    timed = labels_spec is not None and ctx.has_timestamp(service, "labels")
    arrived = (window.start, at) if timed else (None, None)
    fallback = None
    if ctx.engine(service, [*columns, *_shadow_column(spec)], window) != "pandas":
        if key is None:
            relation, version = _with_version(ctx, service, spec, columns, window)
        else:
            relation, fallback = ctx.labelled_relation(
                service, columns, window, key, prediction.label, arrived,
                [spec.version_column, spec.shadow],
            )  # fmt: skip
            if relation is not None:
                _require_shadow(ctx, service, spec, relation.has)
            has_version = relation is not None and relation.has(spec.version_column or "")
            version = spec.version_column if has_version else None
        if relation is not None:
            return _on_engine(relation, spec, version, monitor), None
    try:  # the shadow's column is required, the model version's optional
        frame = ctx.read_window(
            service, [*columns, *_shadow_column(spec)], window, optional=[prediction.model_version]
        )
    except SourceError as exc:  # a missing column is named by its repr
        if spec.shadow is not None and repr(spec.shadow) in str(exc):
            raise _no_shadow(ctx, service, spec) from exc
        raise
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


def _shadow_column(spec: Any) -> list[str]:
    return [spec.shadow] if spec.shadow is not None else []


def _require_shadow(ctx: RunContext, service: Any, spec: Any, has: Callable[[str], bool]) -> None:
    """SourceError when the shadow's column (``has`` it not) is not in the service's data."""
    if spec.shadow is not None and not has(spec.shadow):
        raise _no_shadow(ctx, service, spec)


def _no_shadow(ctx: RunContext, service: Any, spec: Any) -> SourceError:
    return SourceError(
        f"service {service.name!r}: prediction.shadow.column {spec.shadow!r} is not in "
        f"{ctx.source_label(service, 'current')}; name the column that holds the shadow "
        "model's score (or remove prediction.shadow)"
    )


def _with_version(
    ctx: RunContext, service: Any, spec: Any, columns: list[str], window: Window
) -> tuple[Any, str | None]:
    """The window on the engine, with the model-version column when the source has it (and
    the shadow's column, which it must have)."""
    relation = ctx.relation(service, columns, window)
    _require_shadow(ctx, service, spec, relation.has)
    version = spec.version_column if relation.has(spec.version_column or "") else None
    extra = [column for column in (version, *_shadow_column(spec)) if column]
    if extra:
        relation = ctx.relation(service, [*columns, *extra], window)
    return relation, version


def _on_engine(
    relation: Any, spec: Any, version: str | None, monitor: PredictionQualityMonitor
) -> MonitorResult:
    """A labelled window's result from the profile the engine computed (and the shadow's)."""
    from monitors import prediction_quality as pq
    from monitors import prediction_query as pqq

    if spec.kind == "multiclass_classification":
        profile: Any = _multiclass_on_engine(relation, spec, version)
        statistics: Any = pqq.multiclass_statistics
    else:
        profile, statistics = _scored_on_engine(relation, spec, version), pqq.labelled_statistics
    if 0 < profile.labelled < monitor.min_rows:
        return _too_few_labels(profile.labelled, profile.rows, monitor)
    result = statistics(profile, spec)
    if spec.shadow is not None and result.status == "ok":
        result = pq.with_shadow(result, spec, _shadow_on_engine(relation, spec))
    return result


def _shadow_on_engine(relation: Any, spec: Any) -> MonitorResult:
    """The shadow's result over the live prediction's usable rows, computed by the engine: the
    same profile with the shadow column as the prediction, overall only."""
    from monitors import prediction_quality as pq
    from monitors import prediction_query as pqq

    shadow = pq.shadow_spec(spec)
    if spec.kind == "multiclass_classification":
        triples = relation.counts([spec.label, spec.prediction, spec.shadow])
        profile = pqq.MulticlassProfile(pairs=pqq.shadow_pairs(triples), by_version={}, by_slice={})
        return pqq.multiclass_statistics(profile, shadow)
    live = _scored_conditions(relation, spec)["usable"]
    return pqq.labelled_statistics(_scored_on_engine(relation, shadow, None, live), shadow)


def _scored_conditions(relation: Any, spec: Any) -> dict[str, Any]:
    """The conditions of a binary classifier's or a regressor's profile, after checking that
    its columns hold numbers."""
    from monitors import prediction_query as pqq

    regression = spec.kind == "regression"
    needs_numbers = [spec.prediction, spec.label] if regression else [spec.prediction]
    for column in needs_numbers:
        if relation.dtypes.get(column) not in ("int", "float"):
            raise ValueError(
                f"column {column!r} must hold numbers on an engine, got "
                f"{relation.dtypes.get(column)} values"
            )
    if regression:
        return pqq.regression_conditions(spec)
    return pqq.binary_conditions(spec, relation.dtypes.get(spec.label))


def _scored_on_engine(relation: Any, spec: Any, version: str | None, scope: Any = None) -> Any:
    """A binary classifier's or a regressor's profile computed by the engine: one scan for the
    window, one GROUP BY per breakdown column and, for a classifier, the ROC AUC from counts
    per distinct score (per group), exact. ``scope``: a condition, the rows to profile (None:
    the whole window)."""
    from monitors import prediction_query as pqq
    from monitors import query as q

    regression = spec.kind == "regression"
    c = pqq.within(_scored_conditions(relation, spec), scope)
    extra: dict[str, Any] = {}
    if regression:
        aggregates = pqq.regression_aggregates(spec, c)
        extra["invalid_labels"] = q.Count(c["invalid_label"])
    else:
        aggregates = pqq.binary_aggregates(spec, c)

    def counts_of(values: dict[str, Any], areas: dict[Any, Any], value: Any) -> Any:
        if regression:
            return pqq.regression_sums_of(values)
        return pqq.binary_counts_of(values, areas.get(value))

    def areas(by: str | None) -> dict[Any, float | None]:
        return {} if regression else relation.auc(spec.prediction, c["positive"], c["usable"], by)

    totals = relation.aggregate(
        {**aggregates, **extra, "rows": q.Count(c["rows"]), "labelled": q.Count(c["labelled"]),
         "invalid": q.Count(c["invalid"])}
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
    """The worst slice, each model version's metric, the shadow's against the live one, how
    many labels are still missing."""
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
    shadow = details.get("shadow")
    if isinstance(shadow, dict) and isinstance(shadow.get(metric), int | float):
        out.append(
            f"shadow {shadow.get('version', '?')}: {metric} {shadow[metric]:.3g} "
            f"({shadow.get('rows', '?')} rows)"
        )
    unlabelled = details.get("unlabelled_share")
    if isinstance(unlabelled, int | float) and unlabelled > 0:
        out.append(f"{unlabelled:.0%} of predictions still without a label")
    return out


# --- the service page ------------------------------------------------------------------------


def prediction_quality(reader: PanelReader) -> dict[str, Any]:
    """The newest ok run: ``{"metric", "at", "value", "by_model_version", "by_slice",
    "shadow", "shadow_delta", "live_vs_shadow"}``, its details broken down as tables (empty
    when the run has none); ``shadow`` is the shadow's version (None: the run had none) and
    ``live_vs_shadow`` one row per model, live and shadow, with every metric."""
    metric = reader.monitor.metric
    run = reader.latest_ok([metric, "shadow_delta"])
    if run is None:
        return {
            "metric": metric,
            "at": None,
            "value": None,
            "by_model_version": pd.DataFrame(),
            "by_slice": pd.DataFrame(),
            "shadow": None,
            "shadow_delta": None,
            "live_vs_shadow": pd.DataFrame(),
        }
    shadow = run.details.get("shadow")
    return {
        "metric": metric,
        "at": run.at,
        "value": run.slis.get(metric),
        "by_model_version": _breakdown(run.details.get("by_model_version"), "model_version"),
        "by_slice": _breakdown(run.details.get("by_slice"), "slice"),
        "shadow": str(shadow["version"]) if isinstance(shadow, Mapping) else None,
        "shadow_delta": run.slis.get("shadow_delta"),
        "live_vs_shadow": _breakdown(run.details.get("live_vs_shadow"), "model"),
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
    shadow = latest["shadow"]
    shown = [metric] if shadow is None else [metric, f"{metric}[shadow={shadow}]"]
    if shadow is not None and latest["shadow_delta"] is not None:
        blocks.append(
            Metric(f"shadow_delta ({shadow} minus live)", f"{latest['shadow_delta']:+.4f}")
        )
    series = reader.series(shown)
    if not series.empty:
        blocks.append(
            Lines(
                series,
                y="value",
                color="name",
                y_title=metric,
                title=f"{metric} per window" + (f", live and shadow {shadow}" if shadow else ""),
                rules=tuple(
                    rule
                    for name in shown
                    for rule in slo_rules(reader.service, reader.monitor.name, name)
                ),
            )
        )
    if shadow is not None:
        table = latest["live_vs_shadow"]
        formats = {name: "%.4f" for name in METRICS if name in table.columns}
        blocks.append(Table(table, title="Live against shadow", formats=formats))
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
        # a shadow's metric is the metric's own name, `accuracy[shadow=v7]`
        slis=frozenset({*METRICS, "labelled_share", "unlabelled_share", "rows", "shadow_delta"}),
        run=run,
        imports=("monitors.prediction_quality", "monitors.prediction_query"),
        headline=lambda monitor: Headline(monitor.metric, monitor.metric not in LOWER_IS_BETTER),
        requires=requires,
        label_delay=label_delay,
        evidence=evidence,
        panel=panel,
    )
)
