"""The alert engine with the store: SLO state in, alert episodes, queued messages and actions out.

Decisions are pure (``alerting.lifecycle.decide``); this module reads what they need, applies
them in one transaction with the outbox rows they cause (so a crash can never send without
recording, or record without sending later), and guards actions: once per alert, cooldown,
daily cap, dry run, approval, and a watch for recovery after the action.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alerting.health import BROKEN_PREFIX, Trouble, monitor_alert_slo
from alerting.lifecycle import Decision, Episode, Firing, decide
from alerting.lifecycle import Silence as SilenceRule
from alerting.slack import AlertView, escalation_message, firing_message, resolved_message
from cockpit import incidents
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine.slos import SloReport
from cockpit.errors import CockpitError, UsageError
from cockpit.kinds.registry import kind
from cockpit.store import ActionRecord, Alert, Outbox, Silence, Store, run_details
from cockpit.store.audit import record as audit
from cockpit.timefmt import iso, minutes

log = logging.getLogger(__name__)

EVIDENCE_LINES = 5
ACTIVE_ACTION_STATES = ("pending_approval", "queued", "delivered")


@dataclass
class AlertOutcome:
    alerts: list[dict[str, Any]]
    actions: list[int]


def cockpit_link(config: cfg.Config, service: str, page: str = "service") -> str | None:
    if not config.cockpit_url:
        return None
    return f"{config.cockpit_url.rstrip('/')}/{page}?service={service}"


# --- reading state -----------------------------------------------------------------------------


def latest_episodes(store: Store) -> dict[str, Alert]:
    """The newest episode of every fingerprint."""
    with store.engine.connect() as conn:
        return latest_episodes_in(conn)


def latest_episodes_in(conn: sa.Connection) -> dict[str, Alert]:
    """:func:`latest_episodes` inside an open transaction."""
    table = Alert.__table__
    newest = (
        sa.select(table.c.fingerprint, sa.func.max(table.c.id).label("id"))
        .group_by(table.c.fingerprint)
        .subquery()
    )
    rows = conn.execute(sa.select(Alert).join(newest, Alert.id == newest.c.id))
    return {r.fingerprint: r for r in (Alert.model_validate(x._mapping) for x in rows)}


def active_silences(store: Store, at: datetime) -> list[Silence]:
    with store.engine.connect() as conn:
        return silences_in(conn, at)


def _episode(row: Alert) -> Episode:
    return Episode(
        fingerprint=row.fingerprint,
        service=row.service,
        slo=row.slo,
        severity=row.severity,
        state=row.state,  # type: ignore[arg-type]
        started_at=row.started_at,
        last_evaluated_at=row.last_evaluated_at,
        last_notified_at=row.last_notified_at,
        acked=row.acked_at is not None,
    )


# --- one cycle ---------------------------------------------------------------------------------


def process(
    config: cfg.Config,
    store: Store,
    at: datetime,
    reports: Sequence[SloReport],
    *,
    troubles: list[Trouble] | None = None,
    send: bool = True,
) -> AlertOutcome:
    """Apply this cycle's SLO state to the alerts; queue notifications and actions.

    ``troubles``: monitors broken or stale (read from the store when not given); each raises
    its ``monitor:<name>`` ticket. ``send=False`` records alerts and actions without queuing
    anything (a replay of history): actions are then recorded as ``dry_run``.
    """
    from cockpit.engine import health

    by_key = {(r.service, r.slo): r for r in reports}
    firing = [Firing(r.service, r.slo, r.alert.severity) for r in reports if r.alert is not None]
    if troubles is None:
        troubles = health.troubles(config, store, at)
    firing += [Firing(t.service, t.slo, "ticket") for t in troubles]
    trouble_of = {(t.service, t.slo): t for t in troubles}
    evaluated = [(r.service, r.slo) for r in reports]
    evaluated += [(s.name, monitor_alert_slo(m.name)) for s in config.services for m in s.monitors]

    latest = latest_episodes(store)
    silences = active_silences(store, at)
    rules = [SilenceRule(s.service, s.slo, s.severity, s.starts_at, s.ends_at) for s in silences]
    decisions = decide(
        {fp: _episode(row) for fp, row in latest.items()},
        firing,
        evaluated,
        rules,
        at,
        repeat_interval=config.alerting.repeat_interval,
        send_resolved=config.alerting.send_resolved,
    )

    touched: list[Alert] = []
    new_actions: list[int] = []
    with store.engine.begin() as conn:
        notify_now: dict[str, list[tuple[Alert, AlertView]]] = {}
        for decision in decisions:
            report = by_key.get((decision.service, decision.slo))
            row = _apply(
                conn,
                decision,
                latest.get(decision.fingerprint),
                report,
                at,
                config,
                store,
                trouble_of,
            )
            if decision.kind in ("fire", "resolve"):
                incidents.on_alert(conn, row, decision.kind, at)
            touched.append(row)
            view = alert_view(config, row)
            if decision.notify and decision.kind in ("fire", "repeat"):
                notify_now.setdefault(decision.service, []).append((row, view))
            elif decision.notify and decision.kind == "resolve" and send:
                _queue_slack(
                    conn,
                    config,
                    f"resolve-{row.id}-{iso(at)}",
                    resolved_message(view),
                    row.severity,
                    [row],
                    thread=row,
                )
        if send:
            for service, items in notify_now.items():
                _queue_grouped(conn, config, service, items, at)
        for decision, row in zip(decisions, touched, strict=True):
            if (
                decision.kind == "fire"
                and not decision.silenced
                and not decision.slo.startswith(BROKEN_PREFIX)
            ):
                new_actions += _fire_actions(conn, config, row, at, send=send)
        _watch_actions(conn, config, at, latest_episodes_in(conn), send=send)
    alerts = [
        {
            "service": row.service,
            "slo": row.slo,
            "severity": row.severity,
            "state": row.state,
            "fingerprint": row.fingerprint,
            "started_at": iso(row.started_at),
        }
        for row in touched
    ]
    return AlertOutcome(alerts, new_actions)


def _apply(
    conn: sa.Connection,
    decision: Decision,
    previous: Alert | None,
    report: SloReport | None,
    at: datetime,
    config: cfg.Config,
    store: Store,
    trouble_of: dict[tuple[str, str], Trouble],
) -> Alert:
    table = Alert.__table__
    values: dict[str, Any] = {"last_evaluated_at": at}
    if report is not None and report.alert is not None and decision.kind != "resolve":
        window = format_duration(timedelta(seconds=report.alert.long_window_s))
        values.update(
            burn_rate=report.burn_rates.get(window),
            long_window=window,
            short_window=format_duration(timedelta(seconds=report.alert.short_window_s)),
            factor=report.factor,
            budget_remaining=report.error_budget_remaining,
        )
    if decision.kind != "resolve":
        values["evidence"] = json.dumps(_evidence(config, store, decision, at, trouble_of))
    if decision.notify:
        values["last_notified_at"] = at
    if decision.kind == "fire":
        values.update(
            fingerprint=decision.fingerprint,
            service=decision.service,
            slo=decision.slo,
            severity=decision.severity,
            state="firing",
            started_at=at,
            notifications=1 if decision.notify else 0,
            silenced=decision.silenced,
        )
        alert_id = conn.execute(sa.insert(table).values(**values)).inserted_primary_key[0]
    else:
        assert previous is not None
        alert_id = previous.id
        if decision.kind == "resolve":
            values.update(state="resolved", resolved_at=at)
        values["silenced"] = decision.silenced
        if decision.notify:
            values["notifications"] = previous.notifications + 1
        conn.execute(sa.update(table).where(table.c.id == alert_id).values(**values))
    row = conn.execute(sa.select(Alert).where(Alert.id == alert_id)).one()
    return Alert.model_validate(row._mapping)


def _evidence(
    config: cfg.Config,
    store: Store,
    decision: Decision,
    at: datetime,
    trouble_of: dict[tuple[str, str], Trouble],
) -> list[str]:
    if decision.slo.startswith(BROKEN_PREFIX):
        trouble = trouble_of.get((decision.service, decision.slo))
        if trouble is None:
            return []
        return trouble.evidence(config.alerting.monitor_broken_after, iso)
    try:
        service = config.service(decision.service)
        slo = next(s for s in service.slos if s.name == decision.slo)
    except StopIteration:
        return []
    monitor = service.monitor(slo.monitor)
    run = next(
        (r for r in store.runs(service.name, monitor.name, until=at, limit=5) if r.status == "ok"),
        None,
    )
    if run is None:
        return []
    try:
        return kind(monitor.kind).evidence(run_details(run))[:EVIDENCE_LINES]
    except Exception:  # evidence is a courtesy: never let it stop an alert
        log.exception("could not build evidence for %s/%s", decision.service, decision.slo)
        return []


def alert_view(config: cfg.Config, row: Alert) -> AlertView:
    objective = None
    owner = None
    try:
        service = config.service(row.service)
        owner = service.owner
        objective = next((s.objective for s in service.slos if s.name == row.slo), None)
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
    )


# --- notifications -----------------------------------------------------------------------------


def slack_enabled(config: cfg.Config) -> bool:
    """Slack is used when configured and its variable is set (else alerts stay in the store)."""
    slack = config.notifiers.slack
    if slack is None:
        return False
    name = slack.webhook_url_env or slack.token_env
    return bool(name and os.environ.get(name))


def _queue_grouped(
    conn: sa.Connection,
    config: cfg.Config,
    service: str,
    items: list[tuple[Alert, AlertView]],
    at: datetime,
) -> None:
    """Alerts of one service firing in one cycle: one message per route (page, ticket)."""
    by_route: dict[str, list[tuple[Alert, AlertView]]] = {}
    for row, view in items:
        by_route.setdefault(route_of(config, row.severity), []).append((row, view))
    for route, group in by_route.items():
        rows = [row for row, _ in group]
        key = f"fire-{service}-{route}-{iso(at)}"
        _queue_slack(
            conn,
            config,
            key,
            firing_message(service, [v for _, v in group]),
            rows[0].severity,
            rows,
        )


def route_of(config: cfg.Config, severity: str) -> str:
    slack = config.notifiers.slack
    if slack is not None and slack.channels.get(severity):  # type: ignore[call-overload]
        return severity
    return "default"


def _queue_slack(
    conn: sa.Connection,
    config: cfg.Config,
    key: str,
    message: dict[str, Any],
    severity: str,
    alerts: Sequence[Alert],
    thread: Alert | None = None,
) -> None:
    if not slack_enabled(config):
        return
    payload = {"message": message, "severity": severity, "alert_ids": [a.id for a in alerts]}
    _insert_outbox(
        conn,
        "slack",
        route_of(config, severity),
        key,
        payload,
        alert_id=alerts[0].id if alerts else None,
        thread_alert_id=thread.id if thread else None,
    )


def _insert_outbox(
    conn: sa.Connection,
    kind: str,
    target: str,
    key: str,
    payload: dict[str, Any],
    exact: bool = False,
    **links: Any,
) -> int | None:
    key = key if exact else _short_key(kind, key)
    table = Outbox.__table__
    exists = conn.execute(
        sa.select(table.c.id).where(table.c.idempotency_key == key)
    ).scalar_one_or_none()
    if exists is not None:
        return exists  # the same message for the same moment: queued once
    from cockpit.store import utcnow

    now = utcnow()
    return conn.execute(
        sa.insert(table).values(
            idempotency_key=key,
            kind=kind,
            target=target,
            payload=json.dumps(payload, default=str),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            **links,
        )
    ).inserted_primary_key[0]


def _short_key(kind: str, key: str) -> str:
    """A stable id from a readable key: the same moment always maps to the same id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"msg_{kind[:5]}_{digest}"


# --- actions -----------------------------------------------------------------------------------


def _fire_actions(
    conn: sa.Connection, config: cfg.Config, alert: Alert, at: datetime, *, send: bool = True
) -> list[int]:
    """Each matching rule fires once per alert episode, within its guards."""
    service = config.service(alert.service)
    created = []
    for index, rule in enumerate(service.actions):
        if rule.on.slo != alert.slo or (
            rule.on.severity is not None and rule.on.severity != alert.severity
        ):
            continue
        key = _short_key("act", f"{alert.fingerprint}-{iso(alert.started_at)}-{index}")
        table = ActionRecord.__table__
        if conn.execute(
            sa.select(table.c.id).where(table.c.idempotency_key == key)
        ).scalar_one_or_none():
            continue
        status, reason = _guard(conn, service.name, index, rule, at)
        if not send and status in ("queued", "pending_approval"):
            status, reason = (
                "dry_run",
                "replayed history: recorded, not sent (backfill without --notify)",
            )
        action_id = _insert_action(
            conn,
            config,
            service.name,
            index,
            rule,
            alert.slo,
            alert.severity,
            status,
            reason,
            key,
            at,
            alert_id=alert.id,
        )
        note = f" ({reason})" if reason else ""
        text = f"{rule.do} via {rule.webhook}: {status.replace('_', ' ')}{note}"
        incidents.on_action(conn, int(action_id), at, text)
        created.append(int(action_id))
    return created


def _insert_action(
    conn: sa.Connection,
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
    """The action's record and, when it is to be sent, its webhook call in the outbox."""
    action_id = conn.execute(
        sa.insert(ActionRecord.__table__).values(
            service=service,
            slo=slo,
            severity=severity,
            do=rule.do,
            webhook=rule.webhook,
            rule=index,
            alert_id=alert_id,
            status=status,
            reason=reason,
            idempotency_key=key,
            created_at=at,
            approved_by=approved_by,
            approved_at=at if approved_by else None,
            verify_by=at + rule.verify_within
            if rule.verify_within and status == "queued"
            else None,
        )
    ).inserted_primary_key[0]
    if status == "queued":
        _queue_action(conn, config, int(action_id), at)
    return int(action_id)


def trigger_manual_action(
    config: cfg.Config,
    store: Store,
    service: str,
    rule_index: int,
    *,
    actor: str,
    reason: str,
    at: datetime | None = None,
) -> ActionRecord:
    """An operator's manual retrain or rollback: the action (approved by the operator) and its
    webhook call, in one transaction, audited. A dry-run rule records a dry run, calls nothing."""
    from cockpit.store import utcnow

    if not reason.strip():
        raise CockpitError("a manual action needs a reason (why, and what you expect)")
    try:
        rule = config.service(service).actions[rule_index]
    except (StopIteration, IndexError):
        raise CockpitError(f"no action rule {rule_index} in service {service!r}") from None
    now = at or utcnow()
    status = "dry_run" if rule.dry_run else "queued"
    note = f"manual, by {actor}: {reason.strip()}"
    if rule.dry_run:
        note += f" (dry run: would call webhook {rule.webhook!r})"
    key = _short_key("act", f"manual-{service}-{rule_index}-{now.isoformat()}-{actor}")
    with store.engine.begin() as conn:
        action_id = _insert_action(
            conn,
            config,
            service,
            rule_index,
            rule,
            rule.on.slo,
            "manual",
            status,
            note,
            key,
            now,
            approved_by=actor,
        )
        details = {"service": service, "rule": rule_index, "do": rule.do, "reason": reason.strip()}
        audit(conn, actor, "manual_action", f"action:{action_id}", details, at=now)
        what = "dry run, nothing called" if rule.dry_run else "queued for the daemon to deliver"
        incidents.on_action(
            conn,
            action_id,
            now,
            f"manual {rule.do} via {rule.webhook} by {actor} ({what}): {reason.strip()}",
            actor=actor,
        )
        row = conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).one()
    return ActionRecord.model_validate(row._mapping)


def _guard(
    conn: sa.Connection, service: str, index: int, rule: cfg.Action, at: datetime
) -> tuple[str, str | None]:
    table = ActionRecord.__table__
    same = (
        (table.c.service == service)
        & (table.c.rule == index)
        & table.c.status.in_(ACTIVE_ACTION_STATES)
    )
    if rule.cooldown is not None:
        last = conn.execute(
            sa.select(sa.func.max(table.c.created_at)).where(
                same & (table.c.created_at > at - rule.cooldown)
            )
        ).scalar()
        if last is not None:
            return (
                "skipped",
                f"cooldown: the previous {rule.do} was less than {format_duration(rule.cooldown)} ago",
            )
    if rule.max_per_day is not None:
        count = (
            conn.execute(
                sa.select(sa.func.count()).where(
                    same & (table.c.created_at > at - timedelta(days=1))
                )
            ).scalar()
            or 0
        )
        if count >= rule.max_per_day:
            return (
                "skipped",
                f"daily cap: {count} {rule.do} actions in the last 24h (max_per_day {rule.max_per_day})",
            )
    if rule.dry_run:
        return "dry_run", f"dry run: would call webhook {rule.webhook!r}"
    if rule.approval:
        return "pending_approval", "waits for an operator's approval (cockpit actions approve ID)"
    return "queued", None


def action_payload(
    config: cfg.Config, action: ActionRecord, alert: Alert | None, burn_rates: dict[str, Any]
) -> dict[str, Any]:
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
        "window": None
        if slo is None
        else ("calendar_month" if slo.window == "calendar_month" else format_duration(slo.window)),
        "link": cockpit_link(config, action.service),
        "idempotency_key": action.idempotency_key,
    }


def _queue_action(conn: sa.Connection, config: cfg.Config, action_id: int, at: datetime) -> None:
    action = ActionRecord.model_validate(
        conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).one()._mapping
    )
    alert = None
    if action.alert_id is not None:
        alert = Alert.model_validate(
            conn.execute(sa.select(Alert).where(Alert.id == action.alert_id)).one()._mapping
        )
    evaluation = conn.execute(
        sa.text(
            "SELECT burn_rates FROM slo_evaluation WHERE service = :s AND slo = :o AND at <= :t ORDER BY at DESC LIMIT 1"
        ),
        {
            "s": action.service,
            "o": action.slo,
            "t": at.replace(tzinfo=None) if conn.dialect.name == "sqlite" else at,
        },
    ).scalar()
    payload = action_payload(config, action, alert, json.loads(evaluation) if evaluation else {})
    payload["model_version"] = _model_version(conn, action.service, at)
    outbox_id = _insert_outbox(
        conn,
        "webhook",
        action.webhook,
        action.idempotency_key,
        payload,
        exact=True,
        action_id=action_id,
    )
    conn.execute(
        sa.update(ActionRecord.__table__)
        .where(ActionRecord.__table__.c.id == action_id)
        .values(outbox_id=outbox_id)
    )


def _model_version(conn: sa.Connection, service: str, at: datetime) -> str | None:
    """The model version serving most predictions in the latest prediction-quality run."""
    bound = at.replace(tzinfo=None) if conn.dialect.name == "sqlite" else at
    details = conn.execute(
        sa.text(
            "SELECT details FROM monitor_run WHERE service = :s AND kind = 'prediction_quality' "
            "AND status = 'ok' AND window_end <= :t ORDER BY window_end DESC LIMIT 1"
        ),
        {"s": service, "t": bound},
    ).scalar()
    if not details:
        return None
    versions = json.loads(details).get("by_model_version") or {}
    if not versions:
        return None
    return max(
        versions,
        key=lambda v: (versions[v] or {}).get("rows", 0) if isinstance(versions[v], dict) else 0,
    )


def _watch_actions(
    conn: sa.Connection,
    config: cfg.Config,
    at: datetime,
    latest: dict[str, Alert],
    *,
    send: bool = True,
) -> None:
    """After an action, watch its SLO: recovered -> verified; still burning at the deadline ->
    one escalation to Slack."""
    table = ActionRecord.__table__
    pending = conn.execute(
        sa.select(ActionRecord).where(
            table.c.verify_by.is_not(None)
            & table.c.verified_at.is_(None)
            & table.c.escalated_at.is_(None)
        )
    )
    for row in [ActionRecord.model_validate(r._mapping) for r in pending]:
        burning = any(
            a.state == "firing" and a.service == row.service and a.slo == row.slo
            for a in latest.values()
        )
        if not burning and at > row.created_at:
            conn.execute(sa.update(table).where(table.c.id == row.id).values(verified_at=at))
        elif burning and row.verify_by is not None and at >= row.verify_by:
            waited = format_duration(at - row.created_at)
            message = escalation_message(
                row.service, row.slo, row.do, waited, cockpit_link(config, row.service)
            )
            if send and slack_enabled(config):
                payload = {"message": message, "severity": "page", "alert_ids": []}
                _insert_outbox(
                    conn,
                    "slack",
                    route_of(config, "page"),
                    f"escalate-{row.id}",
                    payload,
                    action_id=row.id,
                )
            conn.execute(sa.update(table).where(table.c.id == row.id).values(escalated_at=at))


# --- operator writes ---------------------------------------------------------------------------


def ack(store: Store, alert_id: int, actor: str) -> Alert:
    """Acknowledge a firing alert: no more repeats until it resolves. Acking twice, or acking
    a resolved alert, is refused (and writes nothing)."""
    from cockpit.store import utcnow

    with store.engine.begin() as conn:
        row = conn.execute(sa.select(Alert).where(Alert.id == alert_id)).first()
        if row is None:
            raise CockpitError(f"no alert with id {alert_id} (cockpit alerts list shows them)")
        alert = Alert.model_validate(row._mapping)
        if alert.state != "firing":
            raise CockpitError(
                f"alert #{alert_id} ({alert.service}/{alert.slo}) resolved at "
                f"{iso(alert.resolved_at) if alert.resolved_at else '?'}: nothing to acknowledge"
            )
        if alert.acked_at is not None:
            raise CockpitError(
                f"alert #{alert_id} ({alert.service}/{alert.slo}) is already acknowledged, by "
                f"{alert.acked_by} at {iso(alert.acked_at)}"
            )
        now = utcnow()
        table = Alert.__table__
        claimed = conn.execute(
            sa.update(table)
            .where((table.c.id == alert_id) & table.c.acked_at.is_(None))
            .values(acked_by=actor, acked_at=now)
        ).rowcount
        if claimed != 1:  # someone acked it between the read and this write
            raise CockpitError(f"alert #{alert_id} was acknowledged meanwhile by someone else")
        audit(conn, actor, "ack", f"alert:{alert_id}", at=now)
        acked = Alert.model_validate(
            conn.execute(sa.select(Alert).where(Alert.id == alert_id)).one()._mapping
        )
        incidents.on_ack(conn, acked, actor, now)
        return acked


SEVERITIES = ("page", "ticket")


def check_matchers(
    config: cfg.Config, service: str | None, slo: str | None, severity: str | None
) -> None:
    """A silence may only name what exists: a service of the config, an SLO (or a monitor's
    own ``monitor:<name>`` alert) of that service, a severity. ``UsageError`` names the
    unknown one and what is known."""
    services = {s.name: s for s in config.services}
    if service is not None and service not in services:
        raise UsageError(
            f"no service {service!r} in the config (known: {', '.join(services) or 'none'})"
        )
    if severity is not None and severity not in SEVERITIES:
        raise UsageError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    if slo is not None:
        scope = [services[service]] if service is not None else list(services.values())
        known = {name for s in scope for name in alert_slos(s)}
        if slo not in known:
            where = f"service {service!r}" if service is not None else "any service"
            raise UsageError(
                f"no SLO {slo!r} in {where} (known: {', '.join(sorted(known)) or 'none'})"
            )


def alert_slos(service: cfg.Service) -> list[str]:
    """What an alert of ``service`` can be about: its SLOs, then its monitors' own alerts."""
    return [s.name for s in service.slos] + [monitor_alert_slo(m.name) for m in service.monitors]


def add_silence(
    store: Store,
    *,
    actor: str,
    reason: str,
    ends_at: datetime,
    starts_at: datetime | None = None,
    service: str | None = None,
    slo: str | None = None,
    severity: str | None = None,
    config: cfg.Config | None = None,
) -> Silence:
    """Mute matching alerts until ``ends_at``. It acts at once: matching firing alerts read
    silenced from this transaction on, and the open incidents they belong to say so."""
    from cockpit.store import utcnow

    if config is not None:
        check_matchers(config, service, slo, severity)
    if not reason.strip():
        raise CockpitError("a silence needs a reason (what is being worked on, by whom)")
    now = utcnow()
    starts_at = starts_at or now
    if ends_at <= starts_at:
        raise CockpitError(
            f"a silence must end after it starts ({iso(ends_at)} <= {iso(starts_at)})"
        )
    with store.engine.begin() as conn:
        silence_id = conn.execute(
            sa.insert(Silence.__table__).values(
                service=service,
                slo=slo,
                severity=severity,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason.strip(),
                created_by=actor,
                created_at=now,
            )
        ).inserted_primary_key[0]
        silence = Silence.model_validate(
            conn.execute(sa.select(Silence).where(Silence.id == silence_id)).one()._mapping
        )
        audit(
            conn,
            actor,
            "silence",
            f"silence:{silence_id}",
            {
                "service": service,
                "slo": slo,
                "severity": severity,
                "ends_at": iso(ends_at),
                "reason": reason.strip(),
            },
            at=now,
        )
        matched = _refresh_silenced(conn, now)
        text = (
            f"{actor} silenced {matcher_text(silence)} until {minutes(ends_at)}: {silence.reason}"
            if starts_at <= now
            else f"{actor} scheduled a silence of {matcher_text(silence)} from "
            f"{minutes(starts_at)} to {minutes(ends_at)}: {silence.reason}"
        )
        incidents.on_silence(
            conn, [a for a in matched if _matches(silence, a, now)], now, text, actor
        )
        return silence


def end_silence(store: Store, silence_id: int, actor: str) -> Silence:
    """End a silence now (it is kept, with who ended it); matching alerts notify again."""
    from cockpit.store import utcnow

    table = Silence.__table__
    now = utcnow()
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(Silence).where(Silence.id == silence_id)).first()
        if row is None:
            raise CockpitError(
                f"no silence with id {silence_id} (cockpit alerts silences lists them)"
            )
        silence = Silence.model_validate(row._mapping)
        if silence.ends_at <= now:
            by = f" by {silence.ended_by}" if silence.ended_by else ""
            raise CockpitError(f"silence #{silence_id} already ended at {iso(silence.ends_at)}{by}")
        conn.execute(
            sa.update(table)
            .where(table.c.id == silence_id)
            .values(ends_at=max(now, silence.starts_at), ended_by=actor)
        )
        audit(conn, actor, "unsilence", f"silence:{silence_id}", at=now)
        was = [a for a in _firing(conn) if _matches(silence, a, now)]
        _refresh_silenced(conn, now)
        incidents.on_silence(
            conn, was, now, f"{actor} ended the silence of {matcher_text(silence)}", actor
        )
        return Silence.model_validate(
            conn.execute(sa.select(Silence).where(Silence.id == silence_id)).one()._mapping
        )


def matcher_text(silence: Silence) -> str:
    """``loan-default/no-drift (page)``, with ``*`` for what matches anything."""
    text = f"{silence.service or '*'}/{silence.slo or '*'}"
    return text + (f" ({silence.severity})" if silence.severity else "")


def _rule(silence: Silence) -> SilenceRule:
    return SilenceRule(
        silence.service, silence.slo, silence.severity, silence.starts_at, silence.ends_at
    )


def _matches(silence: Silence, alert: Alert, at: datetime) -> bool:
    rule = _rule(silence)
    probe = min(max(at, silence.starts_at), silence.ends_at - timedelta(microseconds=1))
    return rule.matches(alert.service, alert.slo, alert.severity, probe)


def _firing(conn: sa.Connection) -> list[Alert]:
    rows = conn.execute(sa.select(Alert).where(Alert.state == "firing"))
    return [Alert.model_validate(r._mapping) for r in rows]


def silences_in(conn: sa.Connection, at: datetime) -> list[Silence]:
    query = sa.select(Silence).where((Silence.starts_at <= at) & (Silence.ends_at > at))
    return [Silence.model_validate(row._mapping) for row in conn.execute(query)]


def _refresh_silenced(conn: sa.Connection, at: datetime) -> list[Alert]:
    """Set each firing alert's ``silenced`` to whether an active silence matches it now."""
    rules = [_rule(s) for s in silences_in(conn, at)]
    table = Alert.__table__
    firing = _firing(conn)
    for alert in firing:
        silenced = any(r.matches(alert.service, alert.slo, alert.severity, at) for r in rules)
        if silenced != alert.silenced:
            conn.execute(sa.update(table).where(table.c.id == alert.id).values(silenced=silenced))
    return firing


def silences_json(store: Store, at: datetime | None = None) -> list[dict[str, Any]]:
    """The ``cockpit alerts silences --json`` contract: silences that have not ended, soonest
    end first."""
    from cockpit.store import utcnow

    at = at or utcnow()
    query = sa.select(Silence).where(Silence.ends_at > at).order_by(Silence.ends_at, Silence.id)
    with store.engine.connect() as conn:
        rows = [Silence.model_validate(r._mapping) for r in conn.execute(query)]
    return [
        {
            "id": s.id,
            "matchers": {"service": s.service, "slo": s.slo, "severity": s.severity},
            "service": s.service,
            "slo": s.slo,
            "severity": s.severity,
            "starts_at": iso(s.starts_at),
            "ends_at": iso(s.ends_at),
            "active": s.starts_at <= at,
            "reason": s.reason,
            "by": s.created_by,
        }
        for s in rows
    ]


def approve_action(
    config: cfg.Config, store: Store, action_id: int, actor: str, at: datetime | None = None
) -> ActionRecord:
    """Approve an action waiting for approval: it is queued for delivery."""
    from cockpit.store import utcnow

    now = at or utcnow()
    table = ActionRecord.__table__
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).first()
        if row is None:
            raise CockpitError(f"no action with id {action_id}")
        action = ActionRecord.model_validate(row._mapping)
        if action.status != "pending_approval":
            raise CockpitError(f"action {action_id} is {action.status}, not waiting for approval")
        rule = config.service(action.service).actions[action.rule]
        conn.execute(
            sa.update(table)
            .where(table.c.id == action_id)
            .values(
                status="queued",
                approved_by=actor,
                approved_at=now,
                verify_by=now + rule.verify_within if rule.verify_within else None,
            )
        )
        _queue_action(conn, config, action_id, now)
        audit(conn, actor, "approve", f"action:{action_id}", at=now)
        incidents.on_action(conn, action_id, now, f"{action.do} approved by {actor}")
        return ActionRecord.model_validate(
            conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).one()._mapping
        )


def actions_json(store: Store, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    table = ActionRecord.__table__
    with store.engine.connect() as conn:
        rows = [
            ActionRecord.model_validate(r._mapping)
            for r in conn.execute(
                sa.select(ActionRecord).where(table.c.id.in_(list(ids))).order_by(table.c.id)
            )
        ]
        attempts = {
            outbox_id: n
            for outbox_id, n in conn.execute(
                sa.select(Outbox.__table__.c.id, Outbox.__table__.c.attempts).where(
                    Outbox.__table__.c.id.in_([r.outbox_id for r in rows if r.outbox_id])
                )
            )
        }
    return [
        {
            "service": r.service,
            "action": r.do,
            "status": r.status,
            "attempts": attempts.get(r.outbox_id, 0),
            "idempotency_key": r.idempotency_key,
        }
        for r in rows
    ]
