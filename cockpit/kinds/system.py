"""``kind: system``: latency, errors, throughput and freshness from the log, or good/total
events from a PromQL query (see :mod:`monitors.system`); on the service page, the latency
percentiles against the threshold, titled with the SLOs that count on it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from cockpit.config.base import Duration, EnvName, MonitorBase, Strict
from cockpit.errors import MonitorError
from cockpit.kinds.base import Headline, Kind, Outcome, RunContext, Window
from cockpit.kinds.panels import Block, Caption, Lines, PanelReader, Rule
from cockpit.kinds.registry import KINDS
from monitors.base import MonitorResult


class PrometheusQuery(Strict):
    url: str | None = None
    url_env: EnvName | None = None
    query: str | None = Field(default=None, description="PromQL; $window becomes the window")
    good_query: str | None = None
    total_query: str | None = None
    timeout: Duration = timedelta(seconds=10)

    @model_validator(mode="after")
    def _queries(self) -> PrometheusQuery:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of `url` or `url_env`")
        if self.query is None and (self.good_query is None or self.total_query is None):
            raise ValueError("give `query`, or both `good_query` and `total_query`")
        return self


class SystemMonitor(MonitorBase):
    kind: Literal["system"]
    metric: Literal["latency", "error_rate", "throughput", "freshness"] = "latency"
    column: str = Field(default="latency_ms", description="latency column in milliseconds")
    threshold_ms: float | None = Field(default=None, gt=0)
    error_column: str | None = None
    prometheus: PrometheusQuery | None = None


def run(
    ctx: RunContext, service: Any, monitor: SystemMonitor, window: Window, at: datetime
) -> Outcome:
    from monitors import system

    if monitor.prometheus is not None:
        return ctx.query_prometheus(monitor.prometheus, window), None
    spec = system.SystemSpec(
        metric=monitor.metric,
        latency_column=monitor.column,
        threshold_ms=monitor.threshold_ms,
        error_column=monitor.error_column,
        timestamp=service.data.current.timestamp or "ts",
    )
    latency = monitor.column if monitor.metric == "latency" else None
    columns = [c for c in (latency, monitor.error_column) if c]
    try:
        if ctx.engine(service, columns, window) == "pandas":
            frame = ctx.read_window(service, columns, window)
            result = system.evaluate(frame, spec, window_start=window.start, window_end=window.end)
        else:
            result = _on_engine(ctx, service, spec, columns, window)
    except ValueError as exc:  # a column of the wrong type: say which source holds it
        raise MonitorError(f"{ctx.source_label(service, 'current')}: {exc}") from None
    return result, None


def _on_engine(
    ctx: RunContext, service: Any, spec: Any, columns: list[str], window: Window
) -> MonitorResult:
    """The profile computed by the engine, the same statistics."""
    from monitors import system

    read = [*columns, spec.timestamp]
    relation = ctx.relation(service, read, window)
    system.check_types(spec, relation.dtypes)
    values = relation.aggregate(system.profile_query(spec, read))
    return system.statistics(
        system.profile_of(values), spec, window_start=window.start, window_end=window.end
    )


def headline(monitor: SystemMonitor) -> Headline:
    """Good events when they are counted; else the metric itself."""
    if monitor.prometheus is not None:
        return Headline("good_share" if monitor.prometheus.query is None else "value")
    if monitor.metric == "latency":
        return Headline("good_share") if monitor.threshold_ms else Headline("latency_p95", False)
    return {
        "error_rate": Headline("error_rate", higher_is_better=False),
        "throughput": Headline("throughput_rps"),
        "freshness": Headline("freshness_s", higher_is_better=False),
    }[monitor.metric]


def evidence(details: Mapping[str, Any]) -> list[str]:
    """Tail latency, error rate, requests without a latency, bad requests."""
    out = []
    for key in ("latency_p99", "latency_p95", "error_rate", "missing_latency", "bad_requests"):
        value = details.get(key)
        if isinstance(value, int | float):
            out.append(f"{key.replace('_', ' ')}: {value:.4g}")
    return out


# --- the service page ------------------------------------------------------------------------

LATENCY_PERCENTILES = ("latency_p50", "latency_p95", "latency_p99")


def latency(reader: PanelReader) -> dict[str, Any]:
    """``{"series": at, percentile, ms; "threshold_ms", "title"}`` of the monitor's latency
    percentiles (bucketed means); the title says which SLOs count on it."""
    series = reader.series(LATENCY_PERCENTILES)
    series = series.rename(columns={"name": "percentile", "value": "ms"})
    threshold = reader.monitor.threshold_ms
    slos = [
        f"{slo.name}: {slo.objective:.4g} of requests under {threshold:g} ms"
        if slo.good is None and threshold is not None
        else f"{slo.name}: {slo.good}"
        for slo in reader.service.slos
        if slo.monitor == reader.monitor.name
    ]
    title = "Latency percentiles (ms)" + (f"; SLO {'; '.join(slos)}" if slos else "")
    return {"series": series, "threshold_ms": threshold, "title": title}


def panel(reader: PanelReader) -> list[Block]:
    """The latency percentiles over time, with the monitor's threshold."""
    shown = latency(reader)
    if shown["series"].empty:
        return [Caption("No latency percentiles in this range.")]
    threshold = shown["threshold_ms"]
    rules = () if threshold is None else (Rule(threshold, f"threshold {threshold:g}"),)
    return [
        Lines(
            shown["series"],
            y="ms",
            color="percentile",
            y_title="latency (ms)",
            title=shown["title"],
            rules=rules,
        )
    ]


KIND = KINDS.register(
    Kind(
        name="system",
        title="System",
        model=SystemMonitor,
        slis=frozenset(
            {
                "latency_p50",
                "latency_p95",
                "latency_p99",
                "error_rate",
                "throughput_rps",
                "freshness_s",
                "good_share",
                "rows",
                "value",
            }
        ),
        run=run,
        imports=("monitors.system",),
        headline=headline,
        evidence=evidence,
        panel=panel,
    )
)
