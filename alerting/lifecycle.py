"""Alert lifecycle after Alertmanager: pure decisions over the current state and what fires now.

One alert per (service, SLO, severity), identified by a stable fingerprint. An episode starts
when its tier fires and ends when it no longer does. Notifications:

- a new episode notifies in the cycle it fires (no group wait), unless silenced;
- a firing, unacknowledged, unsilenced episode notifies again every ``repeat_interval``
  (also the first time once a silence ends);
- a resolved episode notifies once, if it had notified while firing.

A moment at or before the last one evaluated for a fingerprint is ignored, so evaluating the
same moment twice never fires twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

DecisionKind = Literal["fire", "repeat", "resolve", "hold"]


def fingerprint(service: str, slo: str, severity: str) -> str:
    """Stable id of the alert (service, slo, severity): the same across restarts and replicas."""
    return hashlib.sha256(f"{service}\x1f{slo}\x1f{severity}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Episode:
    """The latest episode of one fingerprint, as stored."""

    fingerprint: str
    service: str
    slo: str
    severity: str
    state: Literal["firing", "resolved"]
    started_at: datetime
    last_evaluated_at: datetime
    last_notified_at: datetime | None = None
    acked: bool = False


@dataclass(frozen=True)
class Firing:
    """A tier the SLO engine reports active now."""

    service: str
    slo: str
    severity: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.service, self.slo, self.severity)


@dataclass(frozen=True)
class Silence:
    """Mutes notifications of matching alerts between ``starts_at`` and ``ends_at``.
    ``None`` in a matcher matches anything."""

    service: str | None
    slo: str | None
    severity: str | None
    starts_at: datetime
    ends_at: datetime

    def matches(self, service: str, slo: str, severity: str, at: datetime) -> bool:
        return (
            self.starts_at <= at < self.ends_at
            and self.service in (None, service)
            and self.slo in (None, slo)
            and self.severity in (None, severity)
        )


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    fingerprint: str
    service: str
    slo: str
    severity: str
    notify: bool
    silenced: bool = False


def decide(
    latest: Mapping[str, Episode],
    firing_now: Iterable[Firing],
    evaluated: Iterable[tuple[str, str]],
    silences: Sequence[Silence],
    at: datetime,
    *,
    repeat_interval: timedelta = timedelta(hours=4),
    send_resolved: bool = True,
) -> list[Decision]:
    """What happens to each alert at ``at``.

    ``latest``: the newest episode per fingerprint; ``firing_now``: tiers active at ``at``;
    ``evaluated``: the (service, slo) pairs evaluated at ``at`` (only their alerts may resolve).
    """
    decisions: list[Decision] = []
    firing = {f.fingerprint: f for f in firing_now}
    for fp, alert in firing.items():
        episode = latest.get(fp)
        if episode is not None and at <= episode.last_evaluated_at:
            continue  # this moment (or a later one) was already evaluated
        silenced = any(s.matches(alert.service, alert.slo, alert.severity, at) for s in silences)
        if episode is None or episode.state == "resolved":
            decisions.append(
                Decision(
                    "fire", fp, alert.service, alert.slo, alert.severity, not silenced, silenced
                )
            )
            continue
        due = episode.last_notified_at is None or at - episode.last_notified_at >= repeat_interval
        notify = due and not episode.acked and not silenced
        kind: DecisionKind = "repeat" if notify else "hold"
        decisions.append(
            Decision(kind, fp, alert.service, alert.slo, alert.severity, notify, silenced)
        )
    scope = set(evaluated)
    for fp, episode in latest.items():
        if episode.state != "firing" or fp in firing or (episode.service, episode.slo) not in scope:
            continue
        if at <= episode.last_evaluated_at:
            continue
        notify = send_resolved and episode.last_notified_at is not None
        decisions.append(
            Decision("resolve", fp, episode.service, episode.slo, episode.severity, notify)
        )
    return decisions
