"""Monitor health from the store: which monitors are broken or stale at a moment.

The rule is :mod:`alerting.health`'s; this module only reads what it needs (a monitor's newest
runs and its newest ok run) and knows each monitor's interval and label delay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from alerting.health import RunFact, Trouble, stale_limit, trouble_at, trouble_timeline
from cockpit.config import models as cfg
from cockpit.engine import schedule
from cockpit.store import RunRecord, Store


def stale_after(config: cfg.Config, monitor: cfg.MonitorBase, at: datetime) -> timedelta:
    return stale_limit(schedule.interval(monitor, at), config.alerting.stale_after)


def monitor_trouble(
    config: cfg.Config, store: Store, service: cfg.Service, monitor: cfg.MonitorBase, at: datetime
) -> Trouble | None:
    """The monitor's trouble at ``at``, or None when it is healthy (or never had an ok run)."""
    expected = schedule.expected_end(service, monitor, at)
    n = config.alerting.monitor_broken_after
    newest = [
        RunFact(end, status, error, reason)
        for end, status, error, reason in store.run_facts(
            service.name, monitor.name, until=expected, limit=n
        )
    ]
    last_ok = store.last_ok_end(service.name, monitor.name, until=expected)
    return trouble_at(
        service.name,
        monitor.name,
        newest,
        last_ok,
        expected,
        broken_after=n,
        stale_after=stale_after(config, monitor, at),
    )


def troubles(
    config: cfg.Config, store: Store, at: datetime, services: Iterable[str] | None = None
) -> list[Trouble]:
    """Every monitor in trouble at ``at`` (of ``services``, default all)."""
    wanted = None if services is None else set(services)
    found = []
    for service in config.services:
        if wanted is not None and service.name not in wanted:
            continue
        for monitor in service.monitors:
            trouble = monitor_trouble(config, store, service, monitor, at)
            if trouble is not None:
                found.append(trouble)
    return found


def trouble_history(
    config: cfg.Config,
    store: Store,
    records: Sequence[RunRecord],
    moments: Sequence[datetime],
) -> list[list[Trouble]]:
    """At each of ``moments`` (sorted), every monitor in trouble: a backfill's ``records`` on
    top of what the store held before them."""
    by_monitor: dict[tuple[str, str], list[RunRecord]] = {}
    for record in sorted(records, key=lambda r: r.window_end):
        by_monitor.setdefault((record.service, record.monitor), []).append(record)
    out: list[list[Trouble]] = [[] for _ in moments]
    if not moments:
        return out
    n = config.alerting.monitor_broken_after
    for service in config.services:
        for monitor in service.monitors:
            mine = by_monitor.get((service.name, monitor.name), [])
            first = (
                mine[0].window_end - _TINY
                if mine
                else schedule.expected_end(service, monitor, moments[0])
            )
            before = store.last_ok_end(service.name, monitor.name, until=first)
            runs = [
                RunFact(
                    r.window_end,
                    r.status,
                    r.error,
                    r.details.get("reason") if r.status == "no_data" else None,
                )
                for r in mine
            ]
            timeline = trouble_timeline(
                service.name,
                monitor.name,
                runs,
                moments,
                [schedule.expected_end(service, monitor, at) for at in moments],
                broken_after=n,
                stale_after=stale_after(config, monitor, moments[0]),
                last_ok_before=before,
            )
            for i, trouble in enumerate(timeline):
                if trouble is not None:
                    out[i].append(trouble)
    return out


_TINY = timedelta(microseconds=1)
