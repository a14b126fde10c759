"""Which model versions served: requests per version in each window of a service's prediction
log, counted where the data lives and recorded once per cycle (the release timeline, the
version serving now, the one to roll back to: :mod:`cockpit.read.versions`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from cockpit.config import models as cfg
from cockpit.engine import schedule
from cockpit.errors import CockpitError
from cockpit.kinds.base import Window
from cockpit.kinds.registry import KINDS
from cockpit.store.versions import Served

log = logging.getLogger(__name__)

DEFAULT_COLUMN = "model_version"


def version_column(service: cfg.Service) -> str | None:
    """The column naming the model version of each request, when the service has one."""
    if service.prediction is not None:
        return service.prediction.model_version
    if any(KINDS.get(m.kind).reads_versions for m in service.monitors):
        return DEFAULT_COLUMN
    return None


def step(service: cfg.Service, at: datetime) -> timedelta:
    """The length of one traffic window: the service's shortest monitor interval."""
    return min((schedule.interval(m, at) for m in service.monitors), default=timedelta(hours=1))


def count(runner: Any, service: cfg.Service, window: Window) -> dict[str, Served] | None:
    """Requests per version in the window (None when the source has no version column)."""
    column = version_column(service)
    if column is None:
        return None
    if runner.engine(service, [column], window) == "pandas":
        return _count_frame(runner, service, column, window)
    relation = runner.relation(service, [column], window)
    if not relation.has(column):
        return None
    from monitors import query as q

    found = relation.grouped(column, {"rows": q.Count()})
    return {str(v): Served(int(values["rows"])) for v, values in found if v is not None}


def _count_frame(
    runner: Any, service: cfg.Service, column: str, window: Window
) -> dict[str, Served] | None:
    frame = runner.read_window(service, [], window, optional=[column])
    if column not in frame.columns:
        return None
    timestamp = runner.source(service, "current").timestamp
    versions = frame[column]
    kept = versions.notna()
    if not kept.any():
        return {}
    names = versions[kept].astype(str)
    if timestamp and timestamp in frame.columns:
        stamps = frame.loc[kept, timestamp]
        grouped = stamps.groupby(names.to_numpy(), sort=True).agg(["size", "min", "max"])
        return {
            str(v): Served(int(r["size"]), r["min"].to_pydatetime(), r["max"].to_pydatetime())
            for v, r in grouped.iterrows()
        }
    return {str(v): Served(int(n)) for v, n in names.value_counts(sort=False).items()}


def record(runner: Any, service: cfg.Service, start: datetime, end: datetime) -> None:
    """Count and store the versions of ``[start, end)``; a source that cannot be read is
    logged and left for the monitors to report (they fail on it themselves)."""
    try:
        served = count(runner, service, Window(start, end))
    except (CockpitError, ValueError) as exc:
        log.warning("could not count model versions of %s: %s", service.name, exc)
        return
    if served is not None:
        runner.store.record_traffic(service.name, start, end, served)


def record_cycle(runner: Any, at: datetime) -> None:
    """After a cycle's runs: each versioned service's window up to ``at``, starting where
    the previous one ended when that was lately (windows tile time)."""
    for service in runner.config.services:
        if version_column(service) is None:
            continue
        length = step(service, at)
        start = at - length
        previous = runner.store.traffic_end(service.name, at)
        if previous is not None and at - 2 * length <= previous < at:
            start = previous
        if previous is None or previous < at:
            record(runner, service, start, at)


def record_ticks(runner: Any, ticks: Iterable[tuple[cfg.Service, datetime]]) -> None:
    """A backfill's windows: one per distinct tick of each versioned service, tiling from
    one tick to the next, counted in one pass over the preloaded rows where the backfill
    preloaded them (else window by window, where the data lives) and stored at once."""
    by_service: dict[str, tuple[cfg.Service, set[datetime]]] = {}
    for service, tick in ticks:
        if version_column(service) is not None:
            by_service.setdefault(service.name, (service, set()))[1].add(tick)
    for service, moments in by_service.values():
        ordered = sorted(moments)
        bounds = [ordered[0] - step(service, ordered[0]), *ordered]
        try:
            counted = _count_preloaded(runner, service, bounds)
            if counted is None:
                counted = []
                for start, end in zip(bounds, bounds[1:], strict=False):
                    served = count(runner, service, Window(start, end))
                    if served is None:  # no version column: nothing to count
                        break
                    counted.append((start, end, served))
        except (CockpitError, ValueError) as exc:
            log.warning("could not count model versions of %s: %s", service.name, exc)
            continue
        if counted:
            runner.store.record_traffic_windows(service.name, counted)


def _count_preloaded(
    runner: Any, service: cfg.Service, bounds: list[datetime]
) -> list[tuple[datetime, datetime, dict[str, Served]]] | None:
    """Requests per version in each window ``[bounds[i], bounds[i + 1])`` from the backfill's
    preloaded rows, in one pass (None when they are not preloaded)."""
    import numpy as np
    import pandas as pd

    column = version_column(service)
    assert column is not None
    try:
        pre = runner.preloaded(service, [column], Window(bounds[0], bounds[-1]))
    except KeyError:  # the log has no version column
        return []
    if pre is None:
        return None
    frame = pre.frame.iloc[pre.lo : pre.hi]
    timestamp = runner.source(service, "current").timestamp
    kept = frame[frame[column].notna()]
    stamps = kept[timestamp]
    times = pd.DatetimeIndex(stamps)
    edges = pd.DatetimeIndex(bounds[1:]).as_unit(times.unit).asi8
    window = np.searchsorted(edges, times.asi8, side="right")
    grouped = (
        pd.DataFrame({"window": window, "version": kept[column].astype(str), "ts": stamps})
        .groupby(["window", "version"], sort=True)["ts"]
        .agg(["size", "min", "max"])
    )
    out: list[tuple[datetime, datetime, dict[str, Served]]] = [
        (start, end, {}) for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    for (index, version), row in grouped.iterrows():
        out[int(index)][2][str(version)] = Served(
            int(row["size"]), row["min"].to_pydatetime(), row["max"].to_pydatetime()
        )
    return out
