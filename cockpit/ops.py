"""Operators' writes, shared by the CLI and the cockpit: each checks what it is given, writes in
one transaction, records who did it in the audit log, and says so on the incident's timeline.

- alerts: :func:`ack`, :func:`add_silence`, :func:`end_silence` (and :func:`check_matchers`,
  which a silence passes first);
- actions: :func:`approve_action`, :func:`trigger_manual_action`;
- incidents: :func:`add_note`, :func:`set_status`, :func:`save_postmortem`.

A name the config does not have is a ``UsageError`` (the CLI exits 2, as for a bad config);
anything else refused is a ``CockpitError`` saying why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from alerting import guards
from alerting.delivery import short_key
from alerting.sinks.base import Acked, SilenceChanged, SilenceView
from cockpit.config import models as cfg
from cockpit.engine import actions, incidents, notify
from cockpit.engine.alerts import alert_slos, silence_rule
from cockpit.errors import CockpitError, UsageError
from cockpit.store import ActionRecord, Alert, Connection, Incident, Silence, Store, utcnow
from cockpit.store import actions as action_repo
from cockpit.store import alerts as alert_repo
from cockpit.store import incidents as incident_repo
from cockpit.store.audit import record as audit
from cockpit.store.incidents import ACTION_ITEM_FIELDS, STATUSES, TEMPLATE_FIELDS
from cockpit.timefmt import iso, minutes

SEVERITIES = ("page", "ticket")


class ConflictError(CockpitError):
    """A postmortem save based on an older version than the stored one."""


# --- alerts ------------------------------------------------------------------------------------


def ack(store: Store, alert_id: int, actor: str, config: cfg.Config | None = None) -> Alert:
    """Acknowledge a firing alert: no more repeats until it resolves. Acking twice, or acking
    a resolved alert, is refused (and writes nothing). With ``config``, notifiers that track
    acknowledgements (PagerDuty) are told, in the same transaction."""
    with store.begin() as conn:
        alert = alert_repo.get(conn, alert_id)
        if alert is None:
            raise CockpitError(f"no alert with id {alert_id} (cockpit alerts list shows them)")
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
        if not alert_repo.ack(conn, alert_id, actor, now):  # acked between the read and now
            raise CockpitError(f"alert #{alert_id} was acknowledged meanwhile by someone else")
        audit(conn, actor, "ack", f"alert:{alert_id}", at=now)
        acked = alert_repo.get(conn, alert_id)
        assert acked is not None
        incidents.on_ack(conn, acked, actor, now)
        if config is not None:
            notify.queue(conn, config, Acked(notify.alert_view(config, acked, now), actor, now))
        return acked


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


def matcher_text(silence: Silence) -> str:
    """``loan-default/no-drift (page)``, with ``*`` for what matches anything."""
    text = f"{silence.service or '*'}/{silence.slo or '*'}"
    return text + (f" ({silence.severity})" if silence.severity else "")


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
    with store.begin() as conn:
        silence = alert_repo.add_silence(
            conn,
            service=service,
            slo=slo,
            severity=severity,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_by=actor,
            created_at=now,
        )
        details = {
            "service": service,
            "slo": slo,
            "severity": severity,
            "ends_at": iso(ends_at),
            "reason": reason.strip(),
        }
        audit(conn, actor, "silence", f"silence:{silence.id}", details, at=now)
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
        if config is not None:
            notify.queue(conn, config, SilenceChanged(_silence_view(silence)))
        return silence


def end_silence(
    store: Store, silence_id: int, actor: str, config: cfg.Config | None = None
) -> Silence:
    """End a silence now (it is kept, with who ended it); matching alerts notify again. With
    ``config``, a notifier that mirrors silences (Alertmanager) ends its copy too."""
    now = utcnow()
    with store.begin() as conn:
        silence = alert_repo.silence(conn, silence_id)
        if silence is None:
            raise CockpitError(
                f"no silence with id {silence_id} (cockpit alerts silences lists them)"
            )
        if silence.ends_at <= now:
            by = f" by {silence.ended_by}" if silence.ended_by else ""
            raise CockpitError(f"silence #{silence_id} already ended at {iso(silence.ends_at)}{by}")
        ended = alert_repo.end_silence(conn, silence_id, max(now, silence.starts_at), actor)
        audit(conn, actor, "unsilence", f"silence:{silence_id}", at=now)
        was = [a for a in alert_repo.firing(conn) if _matches(silence, a, now)]
        _refresh_silenced(conn, now)
        text = f"{actor} ended the silence of {matcher_text(silence)}"
        incidents.on_silence(conn, was, now, text, actor)
        if config is not None:
            notify.queue(conn, config, SilenceChanged(_silence_view(ended), ended=True))
        return ended


def _silence_view(silence: Silence) -> SilenceView:
    return SilenceView(
        id=silence.id or 0,
        service=silence.service,
        slo=silence.slo,
        severity=silence.severity,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        reason=silence.reason,
        created_by=silence.created_by,
    )


def _matches(silence: Silence, alert: Alert, at: datetime) -> bool:
    """Whether the silence matches the alert, for the timeline: at ``at`` when it is in force
    then, else at its start (a scheduled one) or its last moment (an ended one)."""
    probe = min(max(at, silence.starts_at), silence.ends_at - timedelta(microseconds=1))
    return silence_rule(silence).matches(alert.service, alert.slo, alert.severity, probe)


def _refresh_silenced(conn: Connection, at: datetime) -> list[Alert]:
    """Set each firing alert's ``silenced`` to whether a silence in force matches it now."""
    rules = [silence_rule(s) for s in alert_repo.active_silences(conn, at)]
    firing = alert_repo.firing(conn)
    for alert in firing:
        silenced = any(r.matches(alert.service, alert.slo, alert.severity, at) for r in rules)
        if silenced != alert.silenced:
            alert_repo.set_silenced(conn, alert.id or 0, silenced)
    return firing


# --- actions -----------------------------------------------------------------------------------


def approve_action(
    config: cfg.Config, store: Store, action_id: int, actor: str, at: datetime | None = None
) -> ActionRecord:
    """Approve an action waiting for approval: it is queued for delivery."""
    now = at or utcnow()
    with store.begin() as conn:
        action = action_repo.get(conn, action_id)
        if action is None:
            raise CockpitError(f"no action with id {action_id}")
        if action.status != "pending_approval":
            raise CockpitError(f"action {action_id} is {action.status}, not waiting for approval")
        rule = config.service(action.service).actions[action.rule]
        action_repo.approve(conn, action_id, actor, now, guards.verify_by(rule, "queued", now))
        actions.queue_call(conn, config, action_id, now)
        audit(conn, actor, "approve", f"action:{action_id}", at=now)
        incidents.on_action(conn, action_id, now, f"{action.do} approved by {actor}")
        approved = action_repo.get(conn, action_id)
        assert approved is not None
        return approved


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
    if not reason.strip():
        raise CockpitError("a manual action needs a reason (why, and what you expect)")
    try:
        rule = config.service(service).actions[rule_index]
    except (StopIteration, IndexError):
        raise CockpitError(f"no action rule {rule_index} in service {service!r}") from None
    now = at or utcnow()
    status = guards.manual(rule)
    note = f"manual, by {actor}: {reason.strip()}"
    if rule.dry_run:
        note += f" (dry run: would call webhook {rule.webhook!r})"
    key = short_key("act", f"manual-{service}-{rule_index}-{now.isoformat()}-{actor}")
    with store.begin() as conn:
        action_id = actions.record(
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
        action = action_repo.get(conn, action_id)
    assert action is not None
    return action


# --- incidents ---------------------------------------------------------------------------------


def _incident(conn: Connection, incident_id: int) -> Incident:
    incident = incident_repo.get(conn, incident_id)
    if incident is None:
        raise CockpitError(f"no incident with id {incident_id} (cockpit incidents list shows them)")
    return incident


def add_note(
    store: Store, incident_id: int, actor: str, text: str, at: datetime | None = None
) -> None:
    if not text.strip():
        raise CockpitError("a note needs some text")
    with store.begin() as conn:
        _incident(conn, incident_id)
        incident_repo.add_event(
            conn, incident_id, at or utcnow(), "note", text.strip(), actor=actor
        )
        _audit(conn, actor, "note", incident_id, {"text": text.strip()})


def set_status(store: Store, incident_id: int, status: str, actor: str) -> Incident:
    if status not in STATUSES:
        raise CockpitError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    now = utcnow()
    with store.begin() as conn:
        incident_repo.set_status(conn, incident_id, status, now, actor=actor)
        text = f"status set to {status.replace('_', ' ')}"
        incident_repo.add_event(conn, incident_id, now, "status", text, actor=actor)
        _audit(conn, actor, "incident_status", incident_id, {"status": status})
    with store.connect() as conn:
        return _incident(conn, incident_id)


def save_postmortem(
    store: Store, incident_id: int, fields: dict[str, Any], *, based_on_version: int, actor: str
) -> Incident:
    """Save postmortem fields; ``ConflictError`` when someone saved since ``based_on_version``."""
    unknown = set(fields) - {*TEMPLATE_FIELDS, "action_items"}
    if unknown:
        raise CockpitError(f"unknown postmortem fields: {', '.join(sorted(unknown))}")
    for item in fields.get("action_items") or []:
        extra = set(item) - set(ACTION_ITEM_FIELDS)
        if extra:
            raise CockpitError(
                f"unknown action item fields: {', '.join(sorted(extra))} (known: {', '.join(ACTION_ITEM_FIELDS)})"
            )
    now = utcnow()
    with store.begin() as conn:
        current = incident_repo.get(conn, incident_id)
        if current is None:
            raise CockpitError(f"no incident with id {incident_id}")
        saved = incident_repo.save_postmortem(
            conn, incident_id, fields, based_on_version=based_on_version, actor=actor, at=now
        )
        if not saved:
            when = iso(current.updated_at) if current.updated_at else "meanwhile"
            raise ConflictError(
                f"the postmortem changed since you opened it (saved by {current.updated_by or 'someone'} at {when}, "
                f"version {current.version}); reload, then apply your edits again"
            )
        _audit(conn, actor, "postmortem", incident_id, {"fields": sorted(fields)})
    with store.connect() as conn:
        return _incident(conn, incident_id)


def _audit(
    conn: Connection, actor: str, action: str, incident_id: int, details: dict[str, Any]
) -> None:
    audit(conn, actor, action, f"incident:{incident_id}", details)
