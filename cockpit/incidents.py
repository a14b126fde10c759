"""Incidents and blameless postmortems (Google SRE book, "Example Postmortem").

A page alert opens an incident, or joins its service's open one. The timeline fills itself:
alerts fired and resolved, actions and their outcomes, acks; people add notes. When every
alert of an incident has resolved, the incident is ``resolved``; people move it on to
``postmortem_in_review`` and ``closed``.

The postmortem starts as a draft whose impact (duration, error budget burned per SLO), detection
(time to detect) and timeline are computed from the store. Saves carry the version they were
based on: a save based on an older version is refused, never silently overwriting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.errors import CockpitError
from cockpit.store import ActionRecord, Alert, Incident, IncidentEvent, Store, audit, utcnow
from cockpit.timefmt import iso

STATUSES = ("open", "mitigated", "resolved", "postmortem_in_review", "closed")
OPEN_STATUSES = ("open", "mitigated")
TEMPLATE_FIELDS = (
    "summary",
    "impact",
    "root_causes",
    "trigger",
    "detection",
    "resolution",
    "lessons_went_well",
    "lessons_went_wrong",
    "lessons_got_lucky",
)
ACTION_ITEM_FIELDS = ("description", "owner", "kind", "priority", "due", "status")


class ConflictError(CockpitError):
    """A postmortem save based on an older version than the stored one."""


# --- the daemon's side: alerts and actions into incidents --------------------------------------


def on_alert(conn: sa.Connection, alert: Alert, kind: str, at: datetime) -> None:
    """Record a fired or resolved alert; a page opens or joins the service's open incident."""
    incidents, alerts = Incident.__table__, Alert.__table__
    if kind == "fire":
        incident_id = conn.execute(
            sa.select(incidents.c.id)
            .where((incidents.c.service == alert.service) & incidents.c.status.in_(OPEN_STATUSES))
            .order_by(incidents.c.opened_at.desc())
            .limit(1)
        ).scalar()
        if incident_id is None and alert.severity != "page":
            return  # tickets join an open incident but do not open one
        if incident_id is None:
            incident_id = conn.execute(
                sa.insert(incidents).values(
                    service=alert.service,
                    title=f"{alert.service}: {alert.slo} burning its error budget",
                    severity=alert.severity,
                    status="open",
                    opened_at=at,
                    version=1,
                )
            ).inserted_primary_key[0]
        conn.execute(
            sa.update(alerts).where(alerts.c.id == alert.id).values(incident_id=incident_id)
        )
        burn = (
            f", burn rate {alert.burn_rate:.1f}x over {alert.long_window}"
            if alert.burn_rate is not None
            else ""
        )
        _event(
            conn,
            incident_id,
            at,
            "alert_fired",
            f"{alert.severity} alert fired: {alert.slo}{burn}",
            alert_id=alert.id,
        )
        return
    if kind == "resolve" and alert.incident_id is not None:
        _event(
            conn,
            alert.incident_id,
            at,
            "alert_resolved",
            f"{alert.severity} alert resolved: {alert.slo}",
            alert_id=alert.id,
        )
        still_firing = conn.execute(
            sa.select(sa.func.count()).where(
                (alerts.c.incident_id == alert.incident_id) & (alerts.c.state == "firing")
            )
        ).scalar()
        if not still_firing:
            incident = conn.execute(
                sa.select(incidents.c.status).where(incidents.c.id == alert.incident_id)
            ).scalar()
            if incident in OPEN_STATUSES:
                conn.execute(
                    sa.update(incidents)
                    .where(incidents.c.id == alert.incident_id)
                    .values(status="resolved", resolved_at=at)
                )
                _event(
                    conn,
                    alert.incident_id,
                    at,
                    "status",
                    "resolved: every alert of the incident has resolved",
                )


def on_action(
    conn: sa.Connection, action_id: int, at: datetime, text: str, actor: str | None = None
) -> None:
    """Record an action (or its outcome) on its incident: the incident of the alert that fired
    it, or, for an operator's manual action (no alert), its service's incident open then."""
    actions, alerts, incidents = ActionRecord.__table__, Alert.__table__, Incident.__table__
    action = conn.execute(
        sa.select(actions.c.service, actions.c.alert_id).where(actions.c.id == action_id)
    ).first()
    if action is None:
        return
    incident_id = None
    if action.alert_id is not None:
        incident_id = conn.execute(
            sa.select(alerts.c.incident_id).where(alerts.c.id == action.alert_id)
        ).scalar()
    if incident_id is None:
        incident_id = conn.execute(
            sa.select(incidents.c.id)
            .where(
                (incidents.c.service == action.service)
                & incidents.c.status.in_(OPEN_STATUSES)
                & (incidents.c.opened_at <= at)
            )
            .order_by(incidents.c.opened_at.desc())
            .limit(1)
        ).scalar()
    if incident_id is not None:
        _event(conn, incident_id, at, "action", text, action_id=action_id, actor=actor)


def on_silence(
    conn: sa.Connection, matched: list[Alert], at: datetime, text: str, actor: str
) -> None:
    """A silence set or ended: one line on each open incident whose firing alerts it matches."""
    incidents = Incident.__table__
    ids = sorted({a.incident_id for a in matched if a.incident_id is not None})
    if not ids:
        return
    open_ids = conn.execute(
        sa.select(incidents.c.id).where(
            incidents.c.id.in_(ids) & incidents.c.status.in_(OPEN_STATUSES)
        )
    ).scalars()
    for incident_id in open_ids:
        _event(conn, incident_id, at, "silence", text, actor=actor)


def on_ack(conn: sa.Connection, alert: Alert, actor: str, at: datetime) -> None:
    if alert.incident_id is not None:
        _event(
            conn,
            alert.incident_id,
            at,
            "ack",
            f"{actor} acknowledged the {alert.severity} alert on {alert.slo}",
            actor=actor,
            alert_id=alert.id,
        )


def _event(
    conn: sa.Connection, incident_id: int, at: datetime, kind: str, text: str, **extra: Any
) -> None:
    conn.execute(
        sa.insert(IncidentEvent.__table__).values(
            incident_id=incident_id, at=at, kind=kind, text=text, **extra
        )
    )


# --- people's side ----------------------------------------------------------------------------


def get(store: Store, incident_id: int) -> Incident:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(Incident).where(Incident.id == incident_id)).first()
    if row is None:
        raise CockpitError(f"no incident with id {incident_id} (cockpit incidents list shows them)")
    return Incident.model_validate(row._mapping)


def add_note(
    store: Store, incident_id: int, actor: str, text: str, at: datetime | None = None
) -> None:
    if not text.strip():
        raise CockpitError("a note needs some text")
    get(store, incident_id)
    with store.engine.begin() as conn:
        _event(conn, incident_id, at or utcnow(), "note", text.strip(), actor=actor)
        _audit(conn, actor, "note", incident_id, {"text": text.strip()})


def set_status(store: Store, incident_id: int, status: str, actor: str) -> Incident:
    if status not in STATUSES:
        raise CockpitError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    now = utcnow()
    stamp = {"mitigated": "mitigated_at", "resolved": "resolved_at", "closed": "closed_at"}.get(
        status
    )
    values: dict[str, Any] = {"status": status, "updated_at": now, "updated_by": actor}
    if stamp:
        values[stamp] = now
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(Incident.__table__)
            .where(Incident.__table__.c.id == incident_id)
            .values(**values)
        )
        _event(
            conn,
            incident_id,
            now,
            "status",
            f"status set to {status.replace('_', ' ')}",
            actor=actor,
        )
        _audit(conn, actor, "incident_status", incident_id, {"status": status})
    return get(store, incident_id)


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
    table = Incident.__table__
    now = utcnow()
    with store.engine.begin() as conn:
        current = conn.execute(
            sa.select(
                table.c.postmortem, table.c.version, table.c.updated_by, table.c.updated_at
            ).where(table.c.id == incident_id)
        ).first()
        if current is None:
            raise CockpitError(f"no incident with id {incident_id}")
        merged = {**(json.loads(current.postmortem) if current.postmortem else {}), **fields}
        changed = conn.execute(
            sa.update(table)
            .where((table.c.id == incident_id) & (table.c.version == based_on_version))
            .values(
                postmortem=json.dumps(merged),
                version=based_on_version + 1,
                updated_at=now,
                updated_by=actor,
            )
        ).rowcount
        if changed != 1:
            when = iso(current.updated_at) if current.updated_at else "meanwhile"
            raise ConflictError(
                f"the postmortem changed since you opened it (saved by {current.updated_by or 'someone'} at {when}, "
                f"version {current.version}); reload, then apply your edits again"
            )
        _audit(conn, actor, "postmortem", incident_id, {"fields": sorted(fields)})
    return get(store, incident_id)


def _audit(
    conn: sa.Connection, actor: str, action: str, incident_id: int, details: dict[str, Any]
) -> None:
    audit.record(conn, actor, action, f"incident:{incident_id}", details)


# --- reading ----------------------------------------------------------------------------------


def timeline(store: Store, incident_id: int) -> list[IncidentEvent]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
        return [IncidentEvent.model_validate(r._mapping) for r in rows]


def incident_alerts(store: Store, incident_id: int) -> list[Alert]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(Alert)
            .where(Alert.incident_id == incident_id)
            .order_by(Alert.started_at, Alert.id)
        )
        return [Alert.model_validate(r._mapping) for r in rows]


def list_incidents(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The ``cockpit incidents list --json`` contract, newest first."""
    with store.engine.connect() as conn:
        rows = [
            Incident.model_validate(r._mapping)
            for r in conn.execute(
                sa.select(Incident)
                .order_by(Incident.opened_at.desc(), Incident.id.desc())
                .limit(limit)
            )
        ]
        linked = [
            Alert.model_validate(r._mapping)
            for r in conn.execute(
                sa.select(Alert)
                .where(Alert.incident_id.in_([r.id for r in rows]))
                .order_by(Alert.id)
            )
        ]
    by_incident: dict[int, list[dict[str, Any]]] = {}
    for a in linked:
        by_incident.setdefault(a.incident_id or 0, []).append(
            {
                "id": a.id,
                "slo": a.slo,
                "severity": a.severity,
                "state": a.state,
                "fingerprint": a.fingerprint,
                "started_at": iso(a.started_at),
            }
        )
    return [
        {
            "id": r.id,
            "service": r.service,
            "title": r.title,
            "severity": r.severity,
            "status": r.status,
            "opened_at": iso(r.opened_at),
            "alerts": by_incident.get(r.id or 0, []),
        }
        for r in rows
    ]


@dataclass(frozen=True)
class SloImpact:
    slo: str
    budget_before: float | None
    budget_after: float | None

    @property
    def burned(self) -> float | None:
        if self.budget_before is None or self.budget_after is None:
            return None
        return self.budget_before - self.budget_after


@dataclass(frozen=True)
class Impact:
    duration: timedelta
    slos: tuple[SloImpact, ...]
    time_to_detect: timedelta | None
    burn_started_at: datetime | None


DETECT_LOOKBACK = timedelta(days=7)  # how far back a burn's first bad event is looked for


def impact(
    store: Store, incident: Incident, now: datetime | None = None, *, config: cfg.Config
) -> Impact:
    """Duration, error budget each SLO burned between opening and resolution, and time to
    detect: from the first bad event or timeslice of the stretch of bad ones that led to the
    incident (any of its SLOs; see ``EventSeries.burn_start``) up to the alert that opened it,
    not from when the alert tier's window began to burn."""
    end = incident.resolved_at or now or utcnow()
    slos = sorted(
        {
            a.slo
            for a in incident_alerts(store, incident.id or 0)
            if not a.slo.startswith("monitor:")
        }
    )
    impacts = []
    burn_started: datetime | None = None
    for slo in slos:
        history = store.slo_evaluations(
            incident.service, slo, since=incident.opened_at - timedelta(days=3), until=end
        )
        before = [h for h in history if h.at < incident.opened_at]
        after = [h for h in history if h.at <= end]
        impacts.append(
            SloImpact(
                slo,
                before[-1].error_budget_remaining if before else None,
                after[-1].error_budget_remaining if after else None,
            )
        )
        started = _first_bad(store, config, incident, slo)
        if started is not None and (burn_started is None or started < burn_started):
            burn_started = started
    ttd = incident.opened_at - burn_started if burn_started else None
    return Impact(end - incident.opened_at, tuple(impacts), ttd, burn_started)


def _first_bad(
    store: Store, config: cfg.Config, incident: Incident, slo_name: str
) -> datetime | None:
    """Where the bad stretch that runs up to the opening began: the window start of its first
    bad run (a bucket of bad events, or a bad timeslice over its window)."""
    from cockpit.engine.slos import load_series

    try:
        service = config.service(incident.service)
        slo = next(s for s in service.slos if s.name == slo_name)
    except StopIteration:
        return None  # the SLO left the config since
    series = load_series(
        store, service, slo, incident.opened_at - DETECT_LOOKBACK, incident.opened_at
    )
    end_s = series.burn_start(incident.opened_at.timestamp(), slo.objective)
    if end_s is None:
        return None
    # The bad events lie inside that run's window: the burn began no earlier than its start.
    end = datetime.fromtimestamp(end_s, UTC)
    run = store.latest_run(incident.service, slo.monitor, until=end)
    return run.window_start if run is not None and run.window_end == end else end


def postmortem(
    store: Store, incident: Incident, now: datetime | None = None, *, config: cfg.Config
) -> dict[str, Any]:
    """The stored postmortem over a computed draft: people's words win, numbers are filled in."""
    facts = impact(store, incident, now, config=config)
    alerts = incident_alerts(store, incident.id or 0)
    evidence = [line for a in alerts[:1] for line in (json.loads(a.evidence) if a.evidence else [])]
    burned = "; ".join(
        f"{i.slo}: {i.burned:.1%} of the error budget burned ({_pct(i.budget_before)} left before, {_pct(i.budget_after)} after)"
        for i in facts.slos
        if i.burned is not None
    )
    first = alerts[0] if alerts else None
    draft = {
        "summary": f"{incident.title}. Open for {format_duration(facts.duration)}.",
        "impact": f"Lasted {format_duration(facts.duration)} (from {iso(incident.opened_at)}"
        + (f" to {iso(incident.resolved_at)}" if incident.resolved_at else ", still open")
        + f"). {burned or 'No SLO evaluations recorded for the period.'}",
        "root_causes": "",
        "trigger": "; ".join(evidence) or "",
        "detection": (
            f"Detected by the {first.severity} alert on {first.slo} ({first.long_window}/{first.short_window} burn-rate rule) at {iso(first.started_at)}"
            + (
                f", {format_duration(facts.time_to_detect)} after the SLO started burning faster than its budget allows."
                if facts.time_to_detect
                else "."
            )
            if first
            else ""
        ),
        "resolution": "",
        "action_items": [],
        "lessons_went_well": "",
        "lessons_went_wrong": "",
        "lessons_got_lucky": "",
    }
    saved = json.loads(incident.postmortem) if incident.postmortem else {}
    return {**draft, **{k: v for k, v in saved.items() if v not in (None, "", [])}}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def export_markdown(
    store: Store, incident_id: int, now: datetime | None = None, *, config: cfg.Config
) -> str:
    """The postmortem as Markdown, one heading per section of the Google SRE template."""
    incident = get(store, incident_id)
    pm = postmortem(store, incident, now, config=config)
    events = timeline(store, incident_id)
    lines = [
        f"# Postmortem: {incident.title}",
        "",
        f"- Incident: #{incident.id}, {incident.service}, severity {incident.severity}, status {incident.status.replace('_', ' ')}",
        f"- Opened: {iso(incident.opened_at)}"
        + (f"; resolved: {iso(incident.resolved_at)}" if incident.resolved_at else ""),
        "- Blameless: this document is about systems and processes, not people.",
        "",
    ]
    for title, key in (
        ("Summary", "summary"),
        ("Impact", "impact"),
        ("Root causes", "root_causes"),
        ("Trigger", "trigger"),
        ("Detection", "detection"),
        ("Resolution", "resolution"),
    ):
        lines += [f"## {title}", "", pm.get(key) or "_to be written_", ""]
    lines += ["## Action items", ""]
    items = pm.get("action_items") or []
    if items:
        lines += [
            "| description | owner | kind | priority | due | status |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            "| " + " | ".join(str(item.get(f) or "") for f in ACTION_ITEM_FIELDS) + " |"
            for item in items
        ]
    else:
        lines.append("_none yet_")
    lines += ["", "## Lessons learned", ""]
    for title, key in (
        ("Went well", "lessons_went_well"),
        ("Went wrong", "lessons_went_wrong"),
        ("Got lucky", "lessons_got_lucky"),
    ):
        lines += [f"### {title}", "", pm.get(key) or "_to be written_", ""]
    lines += ["## Timeline", "", "| time (UTC) | what | who |", "|---|---|---|"]
    lines += [
        f"| {iso(e.at.replace(microsecond=0))} | {e.text} | {e.actor or 'cockpit'} |"
        for e in events
    ]
    return "\n".join(lines) + "\n"
