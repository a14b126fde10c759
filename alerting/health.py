"""A monitor's own health: broken (failing run after run) or stale (no ok run for too long).

Both raise the same ``ticket`` alert, keyed ``monitor:<name>``, so on-call sees one alert per
monitor in trouble whatever the trouble is; it resolves once neither holds (the first ok run
ends both). One owner for the rule: the live cycle, the backfill, the SLO status and the
cockpit all call :func:`trouble_at` or :func:`trouble_timeline`.

- **broken**: its last ``broken_after`` runs all failed.
- **stale**: it has had an ok run, but none ended within ``stale_after`` of the window end it
  should have reached by now (``expected_end``: the tick, less a label delay). A monitor that
  has never had an ok run is not stale, nothing has stopped: its SLOs read ``no_data``.

The default ``stale_after`` is three of the monitor's intervals, and at least 15 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

BROKEN_PREFIX = "monitor:"
STALE_INTERVALS = 3
STALE_MINIMUM = timedelta(minutes=15)

RunStatus = Literal["ok", "no_data", "failed"]
TroubleKind = Literal["broken", "stale"]


def monitor_alert_slo(monitor: str) -> str:
    """The ``slo`` key of a monitor's own alert."""
    return f"{BROKEN_PREFIX}{monitor}"


def is_monitor_alert(slo: str) -> bool:
    return slo.startswith(BROKEN_PREFIX)


def stale_limit(interval: timedelta, configured: timedelta | None = None) -> timedelta:
    """``alerting.stale_after`` when set, else three intervals and at least 15 minutes."""
    if configured is not None:
        return configured
    return max(STALE_INTERVALS * interval, STALE_MINIMUM)


@dataclass(frozen=True)
class RunFact:
    """What health needs of one run."""

    window_end: datetime
    status: RunStatus | str
    error: str | None = None
    reason: str | None = None  # a no_data run's explanation


@dataclass(frozen=True)
class Trouble:
    service: str
    monitor: str
    kind: TroubleKind
    since: datetime | None  # stale: the end of the last ok run; broken: the first failed run
    error: str = ""  # broken: the newest error; stale: why the newest run had nothing

    @property
    def slo(self) -> str:
        return monitor_alert_slo(self.monitor)

    def evidence(self, broken_after: int, iso: Callable[[datetime], str]) -> list[str]:
        """The alert's evidence lines."""
        if self.kind == "broken":
            return [f"the last {broken_after} runs failed: {self.error}"[:300]]
        line = f"no data since {iso(self.since)}: no ok run since then" if self.since else ""
        if self.error:
            line += f" (newest run: {self.error})"
        return [line[:300]]


def is_stale(last_ok_end: datetime | None, expected_end: datetime, limit: timedelta) -> bool:
    """No ok run ended within ``limit`` of ``expected_end`` (and there was one once)."""
    return last_ok_end is not None and expected_end - last_ok_end > limit


def trouble_at(
    service: str,
    monitor: str,
    newest: Sequence[RunFact],
    last_ok_end: datetime | None,
    expected_end: datetime,
    *,
    broken_after: int,
    stale_after: timedelta,
) -> Trouble | None:
    """The monitor's trouble now, from its newest runs (newest first, at least
    ``broken_after`` of them when there are) and the end of its newest ok run."""
    recent = list(newest[:broken_after])
    if len(recent) == broken_after and all(r.status == "failed" for r in recent):
        return Trouble(service, monitor, "broken", recent[-1].window_end, recent[0].error or "")
    if is_stale(last_ok_end, expected_end, stale_after):
        why = ""
        if recent:
            why = recent[0].error or recent[0].reason or recent[0].status.replace("_", " ")
        return Trouble(service, monitor, "stale", last_ok_end, why)
    return None


def trouble_timeline(
    service: str,
    monitor: str,
    runs: Sequence[RunFact],
    moments: Sequence[datetime],
    expected_ends: Sequence[datetime],
    *,
    broken_after: int,
    stale_after: timedelta,
    last_ok_before: datetime | None = None,
) -> list[Trouble | None]:
    """:func:`trouble_at` at each of ``moments`` (sorted), over ``runs`` in time order: a
    run counts at a moment once its window has ended by the moment's ``expected_end``."""
    out: list[Trouble | None] = []
    newest: list[RunFact] = []
    last_ok = last_ok_before
    i = 0
    for _at, expected in zip(moments, expected_ends, strict=True):
        while i < len(runs) and runs[i].window_end <= expected:
            run = runs[i]
            newest.insert(0, run)
            del newest[broken_after:]
            if run.status == "ok":
                last_ok = run.window_end
            i += 1
        out.append(
            trouble_at(
                service,
                monitor,
                newest,
                last_ok,
                expected,
                broken_after=broken_after,
                stale_after=stale_after,
            )
        )
    return out
