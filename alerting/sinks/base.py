"""What a sink is: one module behind one protocol, :class:`Sink`.

A sink module holds its settings (the pydantic model of its config entry), what it makes of
what happened (a notifier's messages), how one attempt is sent, how long an attempt may take,
and what to remember after a success. It registers once (:mod:`alerting.sinks.registry`): the
alert engine, the outbox and the config ask the registry and never branch on a sink's name.

Two sections of the config hold sinks' settings:

- ``notifiers.<name>``: a **notifier**, told about alerts: a :class:`Fired` group, a
  :class:`Resolved` alert, an :class:`Escalated` action, every evaluation's :class:`Cycle`
  (what fires now), an :class:`Acked` alert, a :class:`SilenceChanged`; each notifier takes
  the notices it needs and makes no message of the others. It makes messages (:class:`Message`)
  of each notice, which the engine queues in the outbox in the same transaction as the alerts
  they are about (a notifier's outbox row holds ``{"message": body, "severity": ..., "alert_ids": [...]}``).
- ``webhooks.<name>``: endpoints that actions call (retrain, rollback), all served by the
  webhook sink; its outbox rows hold the action's payload.

Delivery is the outbox's: it claims a row, hands its sink an :class:`Outgoing` and a
:class:`Context` (the environment, so secrets are read at send time and never stored; the
allowed hosts; the clock), records the :class:`~alerting.delivery.DeliveryResult` and retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from alerting.delivery import DEFAULT_TIMEOUT, DeliveryResult

Section = Literal["notifiers", "webhooks"]


# --- what happened: the notices a notifier hears -----------------------------------------------


@dataclass(frozen=True)
class AlertView:
    """One alert as a notifier shows it."""

    service: str
    slo: str
    severity: str
    state: str  # firing | resolved
    fingerprint: str
    objective: float | None
    burn_rate: float | None
    long_window: str | None
    short_window: str | None
    factor: float | None
    budget_remaining: float | None
    evidence: tuple[str, ...] = ()
    link: str | None = None
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    owner: str | None = None
    id: int | None = None  # the alert's id in the store
    silenced: bool = False  # a silence in the cockpit matches it now
    acked: bool = False
    notified: bool = False  # a notifier was told of it while it fired
    runbook_url: str | None = None
    cadence: timedelta | None = None  # how often its SLO is evaluated (its monitor's interval)


@dataclass(frozen=True)
class Fired:
    """The alerts of one service that fired, or notify again, in one cycle."""

    service: str
    alerts: tuple[AlertView, ...]
    stamp: str  # the cycle's moment in ISO 8601, as idempotency keys spell it


@dataclass(frozen=True)
class Resolved:
    """An alert that notified while firing has resolved."""

    alert: AlertView
    stamp: str


@dataclass(frozen=True)
class Escalated:
    """An action ran and its SLO still burns at the deadline (``verify_within``)."""

    action_id: int
    service: str
    slo: str
    action: str  # retrain, rollback, ...
    waited: str  # since the action, spelt like "2h"
    link: str | None


@dataclass(frozen=True)
class Cycle:
    """Every alert that fires after one evaluation, notified or not, and every alert that
    resolved in it: for a notifier that holds the state of alerts rather than messages
    (Alertmanager, which forgets an alert nobody posts again). ``wall`` is the real clock
    when the cycle ran; ``stamp`` the moment evaluated (a replay's past)."""

    firing: tuple[AlertView, ...]
    resolved: tuple[AlertView, ...]
    stamp: str
    wall: datetime


@dataclass(frozen=True)
class Acked:
    """Someone acknowledged a firing alert in the cockpit."""

    alert: AlertView
    by: str
    at: datetime


@dataclass(frozen=True)
class SilenceView:
    """A silence made in the cockpit; ``None`` in a matcher matches anything."""

    id: int
    service: str | None
    slo: str | None
    severity: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str


@dataclass(frozen=True)
class SilenceChanged:
    """A silence was added, or ended early (``ended``), in the cockpit."""

    silence: SilenceView
    ended: bool = False


Notice = Fired | Resolved | Escalated | Cycle | Acked | SilenceChanged


@dataclass(frozen=True)
class Message:
    """One message a notifier makes of a notice, as the outbox keeps it."""

    target: str  # where within the sink (Slack: the route, page | ticket | default)
    key: str  # idempotency key: queued once, and sent with it on every attempt
    body: dict[str, Any]  # JSON of what is sent, never a secret
    severity: str
    alerts: tuple[int, ...] = ()  # the alerts it is about
    thread: int | None = None  # a reply in the thread of this alert's first message
    action: int | None = None  # the action it is about


# --- one attempt --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One outbox row to send."""

    target: str
    body: dict[str, Any]  # a notifier's message body, or a webhook call's payload
    key: str  # the idempotency key, the same on every attempt
    thread: str | None = None  # the reference of the first message, for a reply (a notifier's)


@dataclass(frozen=True)
class Context:
    """What a send may read besides its settings."""

    environ: Mapping[str, str]  # secrets, read at send time
    allowed_hosts: tuple[str, ...]
    now: datetime


@dataclass(frozen=True)
class Thread:
    """What a delivered first message leaves for its replies (Slack: the message's ``ts``)."""

    ref: str
    channel: str | None = None


class Sink(Protocol):
    """One sink. A module subclasses it (the defaults suit a notifier that does not thread),
    sets ``name``, ``section`` and ``model``, and implements ``send`` (and, for a notifier,
    ``messages``)."""

    name: str  # the outbox's `kind`, and a notifier's key under `notifiers:`
    section: Section
    model: type[BaseModel]  # its settings: one config entry
    url_keys: tuple[str, ...] = ()  # keys of its entry that are outgoing URLs (host-checked)

    def enabled(self, settings: Any, environ: Mapping[str, str]) -> bool:
        """Whether a notifier is used at all: False keeps alerts in the store only."""
        return True

    def messages(self, settings: Any, notice: Notice) -> list[Message]:
        """The messages a notifier makes of ``notice`` (grouped, routed and keyed its way)."""
        return []

    def timeout(self, settings: Any) -> timedelta:
        """How long one attempt may take: a claim older than this plus a margin is taken
        over (:func:`alerting.delivery.claim_expires`)."""
        return DEFAULT_TIMEOUT

    def send(self, settings: Any, out: Outgoing, ctx: Context) -> DeliveryResult:
        """One attempt; never raises (a missing setting is :func:`~alerting.delivery.refused`)."""
        ...

    def thread_of(self, result: DeliveryResult) -> Thread | None:
        """After a delivered first message: what its replies go under (None: no threads)."""
        return None
