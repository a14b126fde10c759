"""A full cycle at one moment: monitors due, SLO state, alerts, notifications and actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cockpit.config import models as cfg
from cockpit.engine import alerts, health, schedule
from cockpit.engine.actions import actions_json
from cockpit.engine.deliver import Deliverer
from cockpit.engine.runner import CycleResult, Runner, backfill
from cockpit.engine.slos import SloReport, evaluate_history, evaluate_slos
from cockpit.store import RunRecord, Store


def run_cycle(
    config: cfg.Config,
    store: Store,
    at: datetime,
    runner: Runner | None = None,
    *,
    deliver_s: float = 20.0,
) -> CycleResult:
    """``run-once``: run what is due at ``at``, evaluate every SLO, update alerts, queue and
    deliver what is due (retrying a failure a few times within seconds)."""
    runner = runner or Runner(config, store)
    result = runner.run_once(at)
    reports = evaluate_slos(config, store, at)
    result.slos = [report.to_json() for report in reports]
    outcome = alerts.process(config, store, at, reports)
    result.alerts = outcome.alerts
    if deliver_s > 0:
        Deliverer(config, store).deliver_due(max_seconds=deliver_s)
    result.actions = actions_json(store, outcome.actions)
    return result


def replay(
    config: cfg.Config,
    store: Store,
    start: datetime,
    end: datetime,
    *,
    on_progress: Callable[[int, int, datetime], None] | None = None,
    notify: bool = False,
) -> list[RunRecord]:
    """``backfill``: every scheduled run in ``(start, end]``, then the SLOs at each of those
    moments in one vectorised pass, then the alerts at every moment where what fires changed.

    History is recorded, not announced: without ``notify`` nothing is queued for Slack or CI and
    actions are recorded as dry runs.
    """
    records = backfill(Runner(config, store), start, end, on_progress=on_progress)
    moments = sorted(
        {
            tick
            for s in config.services
            for m in s.monitors
            for tick in schedule.ticks(m, start, end)
        }
    )
    history = evaluate_history(config, store, moments)
    troubles_at = health.trouble_history(config, store, records, moments)
    previous: tuple | None = None
    for i, at in enumerate(moments):
        reports: list[SloReport] = [series[i] for series in history.values()]
        troubles = troubles_at[i]
        state = (
            tuple((r.service, r.slo, r.alert.severity if r.alert else None) for r in reports),
            tuple(sorted((t.service, t.slo) for t in troubles)),
        )
        if state != previous:
            alerts.process(config, store, at, reports, troubles=troubles, send=notify)
            previous = state
    if notify:
        Deliverer(config, store).deliver_due()
    return records
