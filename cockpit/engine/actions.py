"""Actions with the store: fired once per alert episode within their guards, called through the
outbox, watched for recovery, escalated once.

The guards are pure (:mod:`alerting.guards`); this module counts what they need, records the
action, and queues its webhook call in the same transaction (so a call is never made without
its record, nor recorded without being made later).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alerting import guards
from alerting.delivery import short_key
from alerting.sinks import webhook
from alerting.sinks.base import Escalated
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine import incidents, notify, versions
from cockpit.store import ActionRecord, Alert, Connection, Store
from cockpit.store import actions as repo
from cockpit.store import alerts as alert_repo
from cockpit.store import outbox as outbox_repo
from cockpit.timefmt import iso

ROLLBACK = "rollback"  # the action whose payload names the version to go back to


def fire(
    conn: Connection, config: cfg.Config, alert: Alert, at: datetime, *, send: bool = True
) -> list[int]:
    """Each rule matching a newly fired alert fires once per episode, within its guards;
    ``send=False`` (a replay) records what would have gone out as a dry run."""
    service = config.service(alert.service)
    created = []
    for index, rule in enumerate(service.actions):
        if rule.on.slo != alert.slo or (
            rule.on.severity is not None and rule.on.severity != alert.severity
        ):
            continue
        key = short_key("act", f"{alert.fingerprint}-{iso(alert.started_at)}-{index}")
        if repo.exists(conn, key):
            continue
        last, recent = repo.usage(
            conn, service.name, index, guards.ACTIVE, since=at - guards.CAP_WINDOW
        )
        verdict = guards.guard(
            rule, guards.Usage(last, recent), at, replay=not send, duration=format_duration
        )
        if rule.do == ROLLBACK:
            target = versions.rollback_target(conn, config, service.name, alert.slo, at)
            # versions known, none good to go back to: an operator decides (a service that
            # logs no version leaves the choice to its CI, as before)
            if verdict.status == "queued" and target.to is None and target.current is not None:
                verdict = guards.Verdict(
                    "pending_approval",
                    f"no version to roll back to ({target.reason}); waits for an operator's "
                    "approval (cockpit actions approve ID)",
                )
            elif target.to is not None:
                went = f"{target.from_ or '?'} -> {target.to}"
                verdict = guards.Verdict(
                    verdict.status, f"{went}; {verdict.reason}" if verdict.reason else went
                )
        action_id = record(
            conn,
            config,
            service.name,
            index,
            rule,
            alert.slo,
            alert.severity,
            verdict.status,
            verdict.reason,
            key,
            at,
            alert_id=alert.id,
        )
        note = f" ({verdict.reason})" if verdict.reason else ""
        text = f"{rule.do} via {rule.webhook}: {verdict.status.replace('_', ' ')}{note}"
        incidents.on_action(conn, action_id, at, text)
        created.append(action_id)
    return created


def record(
    conn: Connection,
    config: cfg.Config,
    service: str,
    index: int,
    rule: cfg.Action,
    slo: str,
    severity: str,
    status: str,
    reason: str | None,
    key: str,
    at: datetime,
    *,
    alert_id: int | None = None,
    approved_by: str | None = None,
) -> int:
    """The action's record and, when it is queued, its webhook call in the outbox."""
    action_id = repo.insert(
        conn,
        {
            "service": service,
            "slo": slo,
            "severity": severity,
            "do": rule.do,
            "webhook": rule.webhook,
            "rule": index,
            "alert_id": alert_id,
            "status": status,
            "reason": reason,
            "idempotency_key": key,
            "created_at": at,
            "approved_by": approved_by,
            "approved_at": at if approved_by else None,
            "verify_by": guards.verify_by(rule, status, at),
        },
    )
    if status == "queued":
        queue_call(conn, config, action_id, at)
    return action_id


def payload(
    config: cfg.Config, action: ActionRecord, alert: Alert | None, burn_rates: dict[str, Any]
) -> dict[str, Any]:
    """What an action's webhook receives (no secret: signatures and tokens are added at send
    time)."""
    service = config.service(action.service)
    slo = next((s for s in service.slos if s.name == action.slo), None)
    return {
        "action": action.do,
        "service": action.service,
        "slo": action.slo,
        "severity": action.severity,
        "alert": None
        if alert is None
        else {
            "fingerprint": alert.fingerprint,
            "started_at": iso(alert.started_at),
            "burn_rate": alert.burn_rate,
            "long_window": alert.long_window,
            "short_window": alert.short_window,
            "factor": alert.factor,
            "budget_remaining": alert.budget_remaining,
        },
        "burn_rates": burn_rates,
        "model_version": None,
        "rollback_to": None,
        "rollback_from": None,
        "window": None
        if slo is None
        else ("calendar_month" if slo.window == "calendar_month" else format_duration(slo.window)),
        "link": notify.cockpit_link(config, action.service),
        "idempotency_key": action.idempotency_key,
    }


def queue_call(conn: Connection, config: cfg.Config, action_id: int, at: datetime) -> None:
    """Queue the action's webhook call, its idempotency key the action's."""
    action = repo.get(conn, action_id)
    assert action is not None
    alert = alert_repo.get(conn, action.alert_id) if action.alert_id is not None else None
    body = payload(config, action, alert, repo.burn_rates_at(conn, action.service, action.slo, at))
    target = versions.rollback_target(conn, config, action.service, action.slo, at)
    body["model_version"] = target.current  # the version serving now
    if action.do == ROLLBACK:
        body["rollback_to"], body["rollback_from"] = target.to, target.from_
    outbox_id = outbox_repo.add(
        conn, webhook.SINK.name, action.webhook, action.idempotency_key, body, action_id=action_id
    )
    repo.link_call(conn, action_id, outbox_id)


def watch(
    conn: Connection,
    config: cfg.Config,
    at: datetime,
    latest: dict[str, Alert],
    *,
    send: bool = True,
) -> None:
    """After an action, watch its SLO: recovered -> verified; still burning at the deadline ->
    one escalation to the notifiers."""
    for action in repo.watched(conn):
        burning = any(
            a.state == "firing" and a.service == action.service and a.slo == action.slo
            for a in latest.values()
        )
        if not burning and at > action.created_at:
            repo.verified(conn, action.id or 0, at)
        elif burning and action.verify_by is not None and at >= action.verify_by:
            if send:
                notice = Escalated(
                    action.id or 0,
                    action.service,
                    action.slo,
                    action.do,
                    format_duration(at - action.created_at),
                    notify.cockpit_link(config, action.service),
                )
                notify.queue(conn, config, notice)
            repo.escalated(conn, action.id or 0, at)


def actions_json(store: Store, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The ``run-once --json`` contract for the actions a cycle created."""
    if not ids:
        return []
    with store.connect() as conn:
        rows = repo.by_ids(conn, ids)
        attempts = outbox_repo.attempt_counts(conn, [r.outbox_id for r in rows if r.outbox_id])
    return [
        {
            "service": r.service,
            "action": r.do,
            "status": r.status,
            "attempts": attempts.get(r.outbox_id, 0) if r.outbox_id else 0,
            "idempotency_key": r.idempotency_key,
        }
        for r in rows
    ]
