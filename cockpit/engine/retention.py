"""Retention (``store_retention``): delete the runs and SLO evaluations the cockpit no longer
reads, in short transactions. The daemon does it every ``store_retention.every``;
``cockpit store prune`` on demand.

What is deleted, at ``now``:

- a monitor's runs (with their SLI values) whose window ended more than ``runs`` ago, but never
  what an SLO evaluation still reads (the longest SLO window or tier window of the config) and
  never the monitor's newest ok run (its staleness is judged by it);
- an SLO's evaluations older than the longest SLO window plus ``slo_history_margin``, but never
  its newest one (the overview shows it);
- neither, for a service, from :data:`REFERENCE_LOOKBACK` before the oldest thing still open
  that refers to it: an open incident (its postmortem computes the budget burned and looks back
  for the first bad event), a firing alert nobody acknowledged, an outbox row still to send.

Alerts, incidents, actions and the outbox themselves are never deleted here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cockpit.config import models as cfg
from cockpit.engine.slos import lookback
from cockpit.store import Store
from cockpit.store import retention as repo
from cockpit.timefmt import iso

# How far before an open reference its service's history is kept: the postmortem reads SLO
# history from 3 days before an incident opened and looks 7 days back for the burn's start.
REFERENCE_LOOKBACK = timedelta(days=7)
BATCH_ROWS = 2000  # runs or evaluations deleted per transaction


@dataclass(frozen=True)
class Cutoffs:
    """What is older than these goes (per service, earlier where something refers to it)."""

    runs_before: datetime
    history_before: datetime
    referenced: dict[str, datetime]  # service -> kept from here, for what refers to it

    def runs_of(self, service: str) -> datetime:
        return min(self.runs_before, self.referenced.get(service, self.runs_before))

    def history_of(self, service: str) -> datetime:
        return min(self.history_before, self.referenced.get(service, self.history_before))


@dataclass
class Pruned:
    """What a prune deleted (or, with ``dry_run``, would delete), per service."""

    at: datetime
    dry_run: bool
    cutoffs: Cutoffs
    services: dict[str, dict[str, int]] = field(default_factory=dict)
    complete: bool = True  # False: stopped early (time budget, shutdown); the rest goes next time

    def add(self, service: str, **counts: int) -> None:
        entry = self.services.setdefault(
            service, {"runs": 0, "measurements": 0, "slo_evaluations": 0}
        )
        for name, n in counts.items():
            entry[name] += n

    def total(self, name: str) -> int:
        return sum(entry[name] for entry in self.services.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "dry_run": self.dry_run,
            "complete": self.complete,
            "runs_before": iso(self.cutoffs.runs_before),
            "slo_history_before": iso(self.cutoffs.history_before),
            "kept_for_references": {s: iso(t) for s, t in sorted(self.cutoffs.referenced.items())},
            "deleted": {n: self.total(n) for n in ("runs", "measurements", "slo_evaluations")},
            "services": {
                s: {
                    **counts,
                    "runs_before": iso(self.cutoffs.runs_of(s)),
                    "slo_history_before": iso(self.cutoffs.history_of(s)),
                }
                for s, counts in sorted(self.services.items())
            },
        }

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        text = (
            f"{verb} {self.total('runs')} runs ({self.total('measurements')} SLI values) before "
            f"{iso(self.cutoffs.runs_before)} and {self.total('slo_evaluations')} SLO evaluations "
            f"before {iso(self.cutoffs.history_before)}"
        )
        for service, since in sorted(self.cutoffs.referenced.items()):
            text += f"; {service} kept from {iso(since)} (an open incident, alert or delivery)"
        return text + ("" if self.complete else "; stopped early, the rest goes next time")


def cutoffs(config: cfg.Config, store: Store, now: datetime) -> Cutoffs:
    """The moments before which runs and SLO history go, at ``now``."""
    retention = config.store_retention
    read_back = max(
        (lookback(slo) for service in config.services for slo in service.slos),
        default=timedelta(0),
    )
    with store.connect() as conn:
        referenced = repo.referenced_since(conn)
    runs_before = now - max(retention.runs, read_back)
    history_before = now - (read_back + retention.slo_history_margin)
    return Cutoffs(
        runs_before,
        history_before,
        {
            service: since - REFERENCE_LOOKBACK
            for service, since in referenced.items()
            if since - REFERENCE_LOOKBACK < max(runs_before, history_before)
        },
    )


def prune(
    config: cfg.Config,
    store: Store,
    now: datetime,
    *,
    dry_run: bool = False,
    batch: int = BATCH_ROWS,
    max_seconds: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Pruned:
    """Delete (or count, with ``dry_run``) what retention lets go at ``now``, ``batch`` rows per
    transaction, stopping between two of them after ``max_seconds`` or when ``should_stop()``."""
    limits = cutoffs(config, store, now)
    pruned = Pruned(now, dry_run, limits)
    started = time.monotonic()

    def stop() -> bool:
        out_of_time = max_seconds is not None and time.monotonic() - started > max_seconds
        if out_of_time or should_stop():
            pruned.complete = False
        return not pruned.complete

    with store.connect() as conn:
        runs = list(repo.series(conn, "runs"))
        evaluations = list(repo.series(conn, "evaluations"))
    for service, monitor in runs:
        with store.connect() as conn:
            before = limits.runs_of(service)
            newest = repo.newest_kept_run(conn, service, monitor)
            before = min(before, newest) if newest is not None else before
            if dry_run:
                found, values = repo.count_runs(conn, service, monitor, before)
                pruned.add(service, runs=found, measurements=values)
                continue
        while not stop():
            with store.begin() as conn:
                found, values = repo.delete_runs(conn, service, monitor, before, batch)
            pruned.add(service, runs=found, measurements=values)
            if found < batch:
                break
    for service, slo in evaluations:
        with store.connect() as conn:
            before = limits.history_of(service)
            newest = repo.newest_evaluation(conn, service, slo)
            before = min(before, newest) if newest is not None else before
            if dry_run:
                pruned.add(
                    service, slo_evaluations=repo.count_evaluations(conn, service, slo, before)
                )
                continue
        while not stop():
            with store.begin() as conn:
                found = repo.delete_evaluations(conn, service, slo, before, batch)
            pruned.add(service, slo_evaluations=found)
            if found < batch:
                break
    return pruned
