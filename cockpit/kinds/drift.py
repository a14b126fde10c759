"""``kind: drift``: each column of a window against its reference (see :mod:`monitors.drift`),
with Evidently's HTML report of the newest window when asked for."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from cockpit.config.base import MonitorBase, Strict
from cockpit.kinds.base import Headline, Kind, Outcome, Problems, RunContext, Window
from cockpit.kinds.registry import register
from monitors.base import MonitorResult

log = logging.getLogger(__name__)
CATEGORICAL_TYPES = ("category", "str", "bool")


class DriftReport(Strict):
    enabled: bool = True
    max_rows: int = Field(default=10_000, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)


class DriftMonitor(MonitorBase):
    kind: Literal["drift"]
    method: Literal["auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare"] = "auto"
    columns: list[str] | None = Field(default=None, description="default: every schema column")
    threshold: float | None = None
    report: DriftReport | bool = False
    min_rows: int = Field(
        default=500, ge=1, description="fewer rows: no_data (a few hundred rows are mostly noise)"
    )

    @property
    def report_settings(self) -> DriftReport | None:
        """The Evidently report asked for (``report: true`` or a mapping), or None."""
        report = DriftReport() if self.report is True else self.report
        return report if isinstance(report, DriftReport) and report.enabled else None


def requires(service: Mapping[str, Any], _monitor: Mapping[str, Any]) -> Problems:
    data = service.get("data") if isinstance(service.get("data"), dict) else {}
    if not data.get("reference"):
        yield (), "a drift monitor needs `data.reference` (a dataset or {window: 7d, offset: 7d})"


def columns_of(service: Any, monitor: DriftMonitor) -> tuple[list[str], tuple[str, ...]]:
    """The columns a drift monitor tests, and which of them are categorical."""
    columns = monitor.columns or list(service.schema_)
    categorical = tuple(
        name
        for name in columns
        if name in service.schema_ and service.schema_[name].type in CATEGORICAL_TYPES
    )
    return columns, categorical


def run(
    ctx: RunContext, service: Any, monitor: DriftMonitor, window: Window, at: datetime
) -> Outcome:
    from monitors import drift

    columns, categorical = columns_of(service, monitor)
    spec = drift.DriftSpec(
        columns=tuple(columns),
        method=monitor.method,
        threshold=monitor.threshold,
        categorical=categorical,
    )
    reference, version = ctx.reference(service, columns, at)
    fitted = ctx.remember(
        (service.name, monitor.name), version, lambda: drift.fit_reference(reference, spec)
    )
    frame = ctx.read_window(service, columns, window)
    if 0 < len(frame) < monitor.min_rows:
        reason = f"{len(frame)} rows in the window, fewer than min_rows ({monitor.min_rows})"
        return MonitorResult.no_data(reason, rows=len(frame)), version
    result = drift.evaluate(frame, fitted)
    if ctx.reports and monitor.report_settings is not None and result.status == "ok":
        path = _report(ctx, service, monitor, reference, frame)
        if path is not None:
            result = replace(result, details={**result.details, "report_path": path})
    return result, version


def after_backfill(
    ctx: RunContext, service: Any, monitor: DriftMonitor, at: datetime, window: Window
) -> dict | None:
    """The report of a backfill's newest ok window, made once instead of once per run."""
    if monitor.report_settings is None:
        return None
    columns, _categorical = columns_of(service, monitor)
    reference, _version = ctx.reference(service, columns, at)
    path = _report(ctx, service, monitor, reference, ctx.read_window(service, columns, window))
    return None if path is None else {"report_path": path}


def _report(
    ctx: RunContext, service: Any, monitor: DriftMonitor, reference: Any, frame: Any
) -> str | None:
    """Evidently's HTML report of this window (sampled, size-capped), kept beside the config as
    the monitor's latest; its path relative to the config's folder, or None. Never fails the run."""
    from monitors.evidently_adapter import drift_report_html

    settings = monitor.report_settings
    assert settings is not None
    columns, categorical = columns_of(service, monitor)
    try:
        html = drift_report_html(
            reference,
            frame,
            columns,
            categorical=categorical,
            method=monitor.method,
            max_rows=settings.max_rows,
            max_bytes=settings.max_bytes,
        )
    except Exception:  # a report is a courtesy: the SLIs are already computed
        log.exception("drift report for %s/%s failed", service.name, monitor.name)
        return None
    if html is None:
        log.info("drift report for %s/%s over max_bytes: not kept", service.name, monitor.name)
        return None
    return ctx.keep_artifact(service, monitor, "latest.html", html)


def evidence(details: Mapping[str, Any]) -> list[str]:
    """The most drifted columns: method, score, threshold."""
    columns = details.get("columns") or {}
    out = []
    for name in details.get("top_drifted") or []:
        column = columns.get(name) or {}
        score = column.get("score")
        shown = "n/a" if score is None else f"{score:.3g}"
        out.append(
            f"{name} drifted: {column.get('method', '?')} {shown} (threshold {column.get('threshold', '?')})"
        )
    return out


KIND = register(
    Kind(
        name="drift",
        title="Drift",
        model=DriftMonitor,
        slis=frozenset({"drift_share", "drifted_columns", "drift_score"}),
        run=run,
        counts_events=False,
        example_condition="drift_share <= 0.3",
        headline=lambda _monitor: Headline("drift_share", higher_is_better=False),
        requires=requires,
        evidence=evidence,
        after_backfill=after_backfill,
    )
)
