"""When monitors run: ticks of ``every`` (aligned to the Unix epoch, so every replica and every
replay agrees) or of a ``cron`` expression, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger

from cockpit.config.base import MonitorBase
from cockpit.config.models import Service
from cockpit.kinds.registry import KINDS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=256)
def _cron(expression: str) -> CronTrigger:
    return CronTrigger.from_crontab(expression, timezone="UTC")


def on_schedule(monitor: MonitorBase, at: datetime) -> bool:
    """Is ``at`` one of the monitor's ticks?"""
    return previous_tick(monitor, at) == at


def previous_tick(monitor: MonitorBase, at: datetime) -> datetime:
    """The latest tick at or before ``at``."""
    if monitor.every is not None:
        step = monitor.every.total_seconds()
        offset = (at - EPOCH).total_seconds()
        return EPOCH + timedelta(seconds=(offset // step) * step)
    trigger = _cron(monitor.cron or "")
    # APScheduler looks forward only: step back one window at a time until a fire time <= at.
    probe = at - (monitor.window_length or timedelta(days=1))
    last = None
    while True:
        fire = trigger.get_next_fire_time(last, probe)
        if fire is None or fire > at:
            break
        last = fire
        probe = fire + timedelta(seconds=1)
    if last is None:
        return previous_tick(monitor, at - (monitor.window_length or timedelta(days=1)))
    return last.astimezone(UTC)


def interval(monitor: MonitorBase, at: datetime) -> timedelta:
    """Time between the tick at or before ``at`` and the one before it."""
    if monitor.every is not None:
        return monitor.every
    tick = previous_tick(monitor, at)
    return tick - previous_tick(monitor, tick - timedelta(seconds=1))


def ticks(monitor: MonitorBase, start: datetime, end: datetime) -> list[datetime]:
    """Every tick in ``(start, end]``, oldest first."""
    if monitor.every is not None:
        first = previous_tick(monitor, start) + monitor.every
        out = []
        tick = first
        while tick <= end:
            out.append(tick)
            tick += monitor.every
        return out
    trigger = _cron(monitor.cron or "")
    out, last, probe = [], None, start + timedelta(seconds=1)
    while True:
        fire = trigger.get_next_fire_time(last, probe)
        if fire is None or fire > end:
            return out
        out.append(fire.astimezone(UTC))
        last, probe = fire, fire + timedelta(seconds=1)


def label_delay(service: Service, monitor: MonitorBase) -> timedelta:
    """How far a monitor's windows lag its ticks (its kind says: a prediction-quality monitor
    waits for late labels; most look up to the tick)."""
    return KINDS.get(monitor.kind).label_delay(service, monitor)  # type: ignore[attr-defined]


def expected_end(service: Service, monitor: MonitorBase, at: datetime) -> datetime:
    """The window end a monitor reaches at ``at``."""
    return at - label_delay(service, monitor)
