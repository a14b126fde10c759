"""``kind: drift``: each column of a window against its reference (see :mod:`monitors.drift`),
with Evidently's HTML report of the newest window when asked for; on the service page, a
heatmap of every column's drift over time, the newest scores and the report."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from cockpit.config.base import MonitorBase, Strict
from cockpit.kinds.base import Headline, Kind, Outcome, Problems, RunContext, Window
from cockpit.kinds.panels import (
    Block,
    Caption,
    Heatmap,
    PanelReader,
    Report,
    Table,
    per_column,
)
from cockpit.kinds.registry import KINDS
from monitors.base import MonitorResult

log = logging.getLogger(__name__)
CATEGORICAL_TYPES = ("category", "str", "bool")


class DriftReport(Strict):
    enabled: bool = True
    max_rows: int = Field(default=10_000, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)


class DriftMonitor(MonitorBase):
    kind: Literal["drift"]
    # the registry's names (monitors/drift imports scipy.stats: not on the config's cold path;
    # tests/kinds/test_drift.py checks the two agree)
    method: Literal["auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z"] = "auto"
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
    fitted, version = ctx.fitted_reference(
        service, monitor.name, columns, at, repr(spec), lambda ref: drift.fit_reference(ref, spec)
    )
    if ctx.engine(service, columns, window) != "pandas":
        # a column at a time: a categorical one's counts, a numerical one's profile
        held = ctx.relation(service, columns, window)
        if 0 < held.rows < monitor.min_rows:
            return _too_few(held.rows, monitor), version
        result = drift.evaluate(held, fitted)
        if monitor.report_settings is not None and result.status == "ok":
            note = "no report: the window was computed by an engine, not held in memory"
            result = replace(result, details={**result.details, "report_skipped": note})
        return result, version
    frame = ctx.read_window(service, columns, window)
    if 0 < len(frame) < monitor.min_rows:
        return _too_few(len(frame), monitor), version
    result = drift.evaluate(frame, fitted)
    if ctx.reports and monitor.report_settings is not None and result.status == "ok":
        reference, _version = ctx.reference(service, columns, at)
        path = _report(ctx, service, monitor, reference, frame)
        if path is not None:
            result = replace(result, details={**result.details, "report_path": path})
    return result, version


def _too_few(rows: int, monitor: DriftMonitor) -> MonitorResult:
    reason = f"{rows} rows in the window, fewer than min_rows ({monitor.min_rows})"
    return MonitorResult.no_data(reason, rows=rows)


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


# --- the service page ------------------------------------------------------------------------

LATEST_COLUMNS = ["column", "method", "score", "threshold", "drifted", "problem"]
HEATMAP_CAPTION = (
    "Colour: each column's drift score over its threshold (for p-value tests, the threshold "
    "over the p-value); above 1 the column drifted. The table has the newest raw scores."
)
NO_REPORT = (
    "No Evidently report stored for recent runs (set `report: true` on the drift monitor to "
    "keep one)."
)


def drift_scores(reader: PanelReader) -> pd.DataFrame:
    """Long form ``from, at, column, score, severity`` of the measurements
    ``drift_score[<column>]`` (``from``: one run interval before ``at``, where its cell begins).

    ``severity`` puts every method on one scale, 1 at the drift threshold and above 1 when
    drifted: score / threshold for distances, threshold / score for p-value tests (method and
    threshold of each column from its newest run). None when they are unknown."""
    rows = reader.series(None, how=None)
    data = []
    for at, name, value in zip(rows["at"], rows["name"], rows["value"], strict=True):
        parsed = per_column(name)
        if parsed and parsed[0] == "drift_score":
            data.append((at, parsed[1], value))
    frame = pd.DataFrame(data, columns=["at", "column", "score"])
    frame.insert(0, "from", frame["at"] - reader.step())  # a cell spans the run's interval
    latest = drift_latest(reader).set_index("column")
    frame["severity"] = [
        _severity(
            score, *(latest.loc[c, ["method", "threshold"]] if c in latest.index else (None, None))
        )
        for c, score in zip(frame["column"], frame["score"], strict=True)
    ]
    return frame


def _severity(score: float | None, method: str | None, threshold: float | None) -> float | None:
    """How far past its threshold a score is (1 = at the threshold), capped at 10."""
    from monitors.drift import is_p_value

    if score is None or method is None or not threshold:
        return None
    if is_p_value(method):
        value = threshold / score if score > 0 else math.inf
    else:
        value = score / threshold
    return min(value, 10.0)


def drift_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """The heatmap's matrix: one row per run, one column per feature."""
    if scores.empty:
        return pd.DataFrame()
    return scores.pivot_table(index="at", columns="column", values="score", aggfunc="last")


def drift_latest(reader: PanelReader) -> pd.DataFrame:
    """Per column of the newest ok drift run: method, score, threshold, drifted, problem."""
    run = reader.latest_ok()
    if run is None:
        return pd.DataFrame(columns=LATEST_COLUMNS)
    rows = [
        (
            name,
            entry.get("method"),
            entry.get("score"),
            entry.get("threshold"),
            bool(entry.get("drifted")),
            entry.get("problem"),
        )
        for name, entry in (run.details.get("columns") or {}).items()
    ]
    frame = pd.DataFrame(rows, columns=LATEST_COLUMNS)
    return frame.sort_values(["drifted", "column"], ascending=[False, True]).reset_index(drop=True)


def drift_report(reader: PanelReader, *, look_back: int = 50) -> dict[str, Any] | None:
    """The newest stored Evidently report: ``{"at", "path", "html"}``, or None when no recent
    run kept one (reports are optional) or its file is gone."""
    for run in reader.recent(look_back):
        path = run.details.get("report_path")
        found = reader.artifact(path) if path else None
        if found is not None:
            return {"at": run.at, "path": found.path, "html": found.text}
    return None


def panel(reader: PanelReader) -> list[Block]:
    """The heatmap of the range's scores, the newest scores, and the newest report on demand."""
    scores = drift_scores(reader)
    blocks: list[Block] = (
        [Caption("No drift scores in this range.")]
        if scores.empty
        else [
            Heatmap(
                scores,
                title="Drift per column",
                row="column",
                color="severity",
                value="score",
                color_title="score / threshold",
            ),
            Caption(HEATMAP_CAPTION),
        ]
    )
    blocks.append(Table(drift_latest(reader), formats={"score": "%.4f"}))
    report = drift_report(reader)
    if report is None:
        blocks.append(Caption(NO_REPORT))
    else:
        label = (
            f"Show the Evidently report of {report['at']:%Y-%m-%d %H:%M} UTC "
            f"({len(report['html']) / 1e6:.1f} MB)"
        )
        blocks.append(Report(label, report["html"]))
    return blocks


KIND = KINDS.register(
    Kind(
        name="drift",
        title="Drift",
        model=DriftMonitor,
        slis=frozenset({"drift_share", "drifted_columns", "drift_score"}),
        run=run,
        imports=("monitors.drift",),
        counts_events=False,
        example_condition="drift_share <= 0.3",
        headline=lambda _monitor: Headline("drift_share", higher_is_better=False),
        requires=requires,
        evidence=evidence,
        after_backfill=after_backfill,
        panel=panel,
    )
)
