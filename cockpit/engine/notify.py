"""What the configured notifiers make of a notice, queued in the caller's transaction.

A notifier (a sink under ``notifiers:``) is used when it is configured and enabled (Slack: its
variable is set); else alerts stay in the store, and the cockpit shows them. Each of its
messages is one outbox row, queued once per idempotency key, holding
``{"message": body, "severity": ..., "alert_ids": [...]}``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from alerting.health import BROKEN_PREFIX
from alerting.sinks import registry as sinks
from alerting.sinks.base import AlertView, Message, Notice, Sink
from cockpit.config import models as cfg
from cockpit.engine import schedule
from cockpit.store import Alert, Connection
from cockpit.store import outbox as outbox_repo


def cockpit_link(config: cfg.Config, service: str, page: str = "service") -> str | None:
    if not config.cockpit_url:
        return None
    return f"{config.cockpit_url.rstrip('/')}/{page}?service={service}"


def alert_view(config: cfg.Config, row: Alert, at: datetime | None = None) -> AlertView:
    """An alert episode as notifiers show it: with its SLO's objective and runbook, its
    service's owner, a link to the cockpit, and how often it is evaluated (at ``at``)."""
    objective = owner = runbook = cadence = None
    try:
        service = config.service(row.service)
        owner = service.owner
        runbook = service.runbook_url
        slo = next((s for s in service.slos if s.name == row.slo), None)
        monitor_name = slo.monitor if slo is not None else row.slo.removeprefix(BROKEN_PREFIX)
        if slo is not None:
            objective = slo.objective
            runbook = slo.runbook_url or runbook
        monitor = next((m for m in service.monitors if m.name == monitor_name), None)
        if monitor is not None and at is not None:
            cadence = schedule.interval(monitor, at)
    except StopIteration:
        pass
    return AlertView(
        service=row.service,
        slo=row.slo,
        severity=row.severity,
        state=row.state,
        fingerprint=row.fingerprint,
        objective=objective,
        burn_rate=row.burn_rate,
        long_window=row.long_window,
        short_window=row.short_window,
        factor=row.factor,
        budget_remaining=row.budget_remaining,
        evidence=tuple(json.loads(row.evidence) if row.evidence else ()),
        link=cockpit_link(config, row.service),
        started_at=row.started_at,
        resolved_at=row.resolved_at,
        owner=owner,
        id=row.id,
        silenced=bool(row.silenced),
        acked=row.acked_at is not None,
        notified=(row.notifications or 0) > 0,
        runbook_url=runbook,
        cadence=cadence,
    )


def notifiers(
    config: cfg.Config, environ: Mapping[str, str] | None = None
) -> Iterator[tuple[Sink, Any]]:
    """Every notifier that is configured and enabled, with its settings."""
    environ = os.environ if environ is None else environ
    for sink in sinks.notifiers():
        settings = config.notifiers.get(sink.name)
        if settings is not None and sink.enabled(settings, environ):
            yield sink, settings


def queue(conn: Connection, config: cfg.Config, notice: Notice) -> None:
    """Queue what every enabled notifier makes of ``notice``."""
    for sink, settings in notifiers(config):
        for message in sink.messages(settings, notice):
            _add(conn, sink.name, message)


def _add(conn: Connection, kind: str, message: Message) -> None:
    payload = {
        "message": message.body,
        "severity": message.severity,
        "alert_ids": list(message.alerts),
    }
    outbox_repo.add(
        conn,
        kind,
        message.target,
        message.key,
        payload,
        alert_id=message.alerts[0] if message.alerts else None,
        action_id=message.action,
        thread_alert_id=message.thread,
    )
