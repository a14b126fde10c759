"""``kind: data_quality``: each row against the service's schema (see :mod:`monitors.data_quality`);
on the service page, each column's worst and latest share of rows failing each check, and
those shares over time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from cockpit.config.base import MonitorBase
from cockpit.errors import SourceError
from cockpit.kinds.base import Headline, Kind, Outcome, Problems, RunContext, Window
from cockpit.kinds.panels import Block, Caption, Lines, PanelReader, Table, per_column
from cockpit.kinds.registry import KINDS

log = logging.getLogger(__name__)
CHECKS = ("missing", "type_error", "out_of_range", "unexpected")


class DataQualityMonitor(MonitorBase):
    kind: Literal["data_quality"]
    columns: list[str] | None = Field(default=None, description="schema columns; default all")


def requires(service: Mapping[str, Any], monitor: Mapping[str, Any]) -> Problems:
    schema = service.get("schema") if isinstance(service.get("schema"), dict) else {}
    if not schema:
        yield (), "a data_quality monitor needs the service's `schema` to check rows against"
        return
    columns = monitor.get("columns")
    for k, column in enumerate(columns if isinstance(columns, list) else []):
        if isinstance(column, str) and column not in schema:
            yield ("columns", k), f"column {column!r} is not in the service's schema"


def spec_of(service: Any, monitor: DataQualityMonitor) -> Any:
    from monitors import data_quality

    names = monitor.columns or list(service.schema_)
    return data_quality.DataQualitySpec(
        columns=tuple(
            data_quality.ColumnRule(
                name=name,
                type=rule.type,
                min=rule.min,
                max=rule.max,
                allowed=tuple(rule.allowed) if rule.allowed is not None else None,
                nullable=rule.nullable,
            )
            for name, rule in service.schema_.items()
            if name in names
        )
    )


def run(
    ctx: RunContext, service: Any, monitor: DataQualityMonitor, window: Window, at: datetime
) -> Outcome:
    from monitors import data_quality

    names = monitor.columns or list(service.schema_)
    spec = spec_of(service, monitor)
    rate = None
    if service.data.reference is not None:
        try:
            rate = ctx.reference_rate(service, at)
        except SourceError as exc:
            log.warning("volume check skipped: %s", exc)
    preloaded = ctx.preloaded(service, names, window)
    if preloaded is not None:
        # a backfill: every row was checked once; a window is two binary searches and sums
        checks = ctx.remember(
            (service.name, monitor.name, "rows"),
            preloaded.version,
            lambda: data_quality.RowChecks.of(preloaded.frame, spec),
        )
        result = checks.summarize(
            preloaded.lo, preloaded.hi, window_s=window.seconds, reference_rate_per_s=rate
        )
        return result, None
    if ctx.engine(service, names, window) != "pandas":
        profile = _on_engine(ctx, service, spec, names, window)
        return data_quality.statistics(
            profile, spec, window_s=window.seconds, reference_rate_per_s=rate
        ), None
    frame = ctx.read_window(service, names, window)
    return data_quality.evaluate(
        frame, spec, window_s=window.seconds, reference_rate_per_s=rate
    ), None


def _on_engine(ctx: RunContext, service: Any, spec: Any, names: list[str], window: Window) -> Any:
    """The window's profile computed by the engine: columns checked value by value first fetch
    their distinct values, then one scan counts every check (see :mod:`monitors.data_quality`)."""
    from monitors import data_quality

    timestamp = service.data.current.timestamp
    read = [*names, timestamp] if timestamp else list(names)
    relation = ctx.relation(service, read, window)
    conditions = {}
    for rule in spec.columns:
        dtype = relation.dtypes.get(rule.name)
        failing = None
        if data_quality.checked_by_value(rule, dtype):
            failing = data_quality.failing_values(rule, relation.distinct(rule.name))
        conditions[rule.name] = data_quality.column_conditions(rule, dtype, failing)
    values = relation.aggregate(data_quality.profile_query(spec, conditions))
    examples = {
        rule.name: {
            check: relation.first(rule.name, conditions[rule.name][check], 200)
            for check in ("type_error", "out_of_range", "unexpected")
            if values.get(f"{rule.name}/{check}")
        }
        for rule in spec.columns
        if values.get(f"{rule.name}/bad")
    }
    groups = relation.groups(spec.duplicate_columns or read) if values["rows"] else 0
    return data_quality.profile_of(spec, values, groups=groups, examples=examples)


def evidence(details: Mapping[str, Any]) -> list[str]:
    """The failing columns, how bad, with a few example values."""
    columns = details.get("columns") or {}
    out = []
    for name in details.get("failing_columns") or []:
        column = columns.get(name) or {}
        checks = ", ".join(f"{check} {column[check]}" for check in CHECKS if column.get(check))
        examples = [
            value for values in (column.get("examples") or {}).values() for value in values
        ][:3]
        sample = f", e.g. {', '.join(examples)}" if examples else ""
        out.append(f"{name}: {column.get('bad_share', 0):.0%} of rows bad ({checks}{sample})")
    return out


# --- the service page ------------------------------------------------------------------------


def data_quality_shares(reader: PanelReader) -> pd.DataFrame:
    """Long form ``at, column, check, share`` of the per-column data-quality SLIs
    (``missing_share[col]``, ``out_of_range_share[col]``...), each bucket's worst."""
    columns = reader.monitor.columns or list(reader.service.schema_)
    names = [f"{check}_share[{c}]" for check in CHECKS for c in columns]
    series = reader.series(names, how="max")
    data = []
    for at, name, value in zip(series["at"], series["name"], series["value"], strict=True):
        parsed = per_column(name)
        if parsed:
            data.append((at, parsed[1], parsed[0].removesuffix("_share"), value))
    frame = pd.DataFrame(data, columns=["at", "column", "check", "share"])
    return frame.sort_values(["column", "check"], kind="stable").reset_index(drop=True)


def data_quality_summary(shares: pd.DataFrame) -> pd.DataFrame:
    """One row per column: each check's worst share over the range, and the latest."""
    if shares.empty:
        return pd.DataFrame()
    worst = shares.pivot_table(index="column", columns="check", values="share", aggfunc="max")
    latest_at = shares["at"].max()
    latest = shares[shares["at"] == latest_at].pivot_table(
        index="column", columns="check", values="share", aggfunc="last"
    )
    out = worst.add_prefix("worst ").join(latest.add_prefix("latest "))
    order = [f"{kind} {c}" for c in CHECKS for kind in ("worst", "latest")]
    out = out[[c for c in order if c in out.columns]]
    return out.sort_values(out.columns[0], ascending=False) if len(out.columns) else out


def panel(reader: PanelReader) -> list[Block]:
    """The summary by column, then the shares over time, one chart per check."""
    shares = data_quality_shares(reader)
    if shares.empty:
        return [Caption("No data-quality measurements in this range.")]
    summary = data_quality_summary(shares)
    return [
        Table(summary, formats=dict.fromkeys(summary.columns, "percent"), hide_index=False),
        Lines(
            shares,
            y="share",
            color="column",
            y_title="share of rows",
            title="Share of rows failing each check, per column",
            facet="check",
            percent=True,
        ),
    ]


KIND = KINDS.register(
    Kind(
        name="data_quality",
        title="Data quality",
        model=DataQualityMonitor,
        slis=frozenset(
            {
                "valid_rows_share",
                "rows",
                "duplicate_share",
                "volume_ratio",
                "missing_share",
                "out_of_range_share",
                "unexpected_share",
                "type_error_share",
            }
        ),
        run=run,
        imports=("monitors.data_quality",),
        headline=lambda _monitor: Headline("valid_rows_share"),
        requires=requires,
        evidence=evidence,
        panel=panel,
    )
)
