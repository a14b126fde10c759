"""Incidents' timelines as the engine keeps them: alerts fired and resolved, actions and their
outcomes, acks and silences.

A page alert opens an incident, or joins its service's open one; a ticket joins an open one
but opens none. When every alert of an incident has resolved, the incident is ``resolved``.
Each hook writes in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cockpit.store import Alert, Connection
from cockpit.store import actions as action_repo
from cockpit.store import alerts as alert_repo
from cockpit.store import incidents as repo
from cockpit.store.incidents import OPEN_STATUSES


def on_alert(conn: Connection, alert: Alert, kind: str, at: datetime) -> None:
    """Record a fired or resolved alert; a page opens or joins the service's open incident."""
    if kind == "fire":
        incident_id = repo.newest_open(conn, alert.service)
        if incident_id is None and alert.severity != "page":
            return  # tickets join an open incident but do not open one
        if incident_id is None:
            title = f"{alert.service}: {alert.slo} burning its error budget"
            incident_id = repo.open_incident(conn, alert.service, title, alert.severity, at)
        alert_repo.join_incident(conn, alert.id or 0, incident_id)
        burn = (
            f", burn rate {alert.burn_rate:.1f}x over {alert.long_window}"
            if alert.burn_rate is not None
            else ""
        )
        text = f"{alert.severity} alert fired: {alert.slo}{burn}"
        repo.add_event(conn, incident_id, at, "alert_fired", text, alert_id=alert.id)
        return
    if kind == "resolve" and alert.incident_id is not None:
        text = f"{alert.severity} alert resolved: {alert.slo}"
        repo.add_event(conn, alert.incident_id, at, "alert_resolved", text, alert_id=alert.id)
        if alert_repo.firing_in_incident(conn, alert.incident_id):
            return
        incident = repo.get(conn, alert.incident_id)
        if incident is not None and incident.status in OPEN_STATUSES:
            repo.set_status(conn, alert.incident_id, "resolved", at)
            repo.add_event(
                conn,
                alert.incident_id,
                at,
                "status",
                "resolved: every alert of the incident has resolved",
            )


def on_action(
    conn: Connection, action_id: int, at: datetime, text: str, actor: str | None = None
) -> None:
    """Record an action (or its outcome) on its incident: the incident of the alert that fired
    it, or, for an operator's manual action (no alert), its service's incident open then."""
    action = action_repo.get(conn, action_id)
    if action is None:
        return
    incident_id = None
    if action.alert_id is not None:
        alert = alert_repo.get(conn, action.alert_id)
        incident_id = alert.incident_id if alert is not None else None
    if incident_id is None:
        incident_id = repo.newest_open(conn, action.service, opened_by=at)
    if incident_id is not None:
        repo.add_event(conn, incident_id, at, "action", text, action_id=action_id, actor=actor)


def on_silence(
    conn: Connection, matched: Sequence[Alert], at: datetime, text: str, actor: str
) -> None:
    """A silence set or ended: one line on each open incident whose firing alerts it matches."""
    ids = sorted({a.incident_id for a in matched if a.incident_id is not None})
    if not ids:
        return
    for incident_id in repo.open_among(conn, ids):
        repo.add_event(conn, incident_id, at, "silence", text, actor=actor)


def on_ack(conn: Connection, alert: Alert, actor: str, at: datetime) -> None:
    if alert.incident_id is not None:
        text = f"{actor} acknowledged the {alert.severity} alert on {alert.slo}"
        repo.add_event(conn, alert.incident_id, at, "ack", text, actor=actor, alert_id=alert.id)
