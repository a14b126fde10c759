"""A full cycle at one moment: monitors due, then SLO state (then alerts and actions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cockpit import config as cfg
from cockpit import schedule
from cockpit.runner import CycleResult, Runner, backfill
from cockpit.slos import evaluate_history, evaluate_slos
from cockpit.store import RunRecord, Store


def run_cycle(
    config: cfg.Config, store: Store, at: datetime, runner: Runner | None = None
) -> CycleResult:
    """``run-once``: run what is due at ``at``, store it, evaluate every SLO at ``at``."""
    runner = runner or Runner(config, store)
    result = runner.run_once(at)
    result.slos = [report.to_json() for report in evaluate_slos(config, store, at)]
    return result


def replay(
    config: cfg.Config,
    store: Store,
    start: datetime,
    end: datetime,
    *,
    on_progress: Callable[[int, int, datetime], None] | None = None,
) -> list[RunRecord]:
    """``backfill``: every scheduled run in ``(start, end]``, then the SLOs at each of those
    moments in one vectorised pass."""
    records = backfill(Runner(config, store), start, end, on_progress=on_progress)
    moments = sorted(
        {
            tick
            for service in config.services
            if service.slos
            for monitor in service.monitors
            for tick in schedule.ticks(monitor, start, end)
        }
    )
    evaluate_history(config, store, moments)
    return records
