"""Incidents as the CLI and the cockpit read them: ``incidents list --json``, the incidents page
(its table, its picker, one incident's view) and the Markdown export.

A page alert opens an incident, or joins its service's open one; the timeline fills itself
(:mod:`cockpit.engine.incidents`) and people add notes (:mod:`cockpit.ops`). The postmortem's
facts and draft are :mod:`cockpit.read.postmortem`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine.alerts import INCIDENT_KEYS, alert_json
from cockpit.errors import CockpitError
from cockpit.read import postmortem as pm
from cockpit.read.alerts import alerts_frame
from cockpit.read.common import as_id
from cockpit.store import Alert, Incident, IncidentEvent, Store
from cockpit.store.incidents import OPEN_STATUSES
from cockpit.store.incidents import STATUSES as STATUSES  # the statuses the page offers
from cockpit.timefmt import iso

INCIDENT_ALERT_COLUMNS = ["id", "slo", "severity", "state", "started_at", "resolved_at", "acked_by"]


def get(store: Store, incident_id: int) -> Incident:
    incident = store.incident(incident_id)
    if incident is None:
        raise CockpitError(f"no incident with id {incident_id} (cockpit incidents list shows them)")
    return incident


def timeline(store: Store, incident_id: int) -> list[IncidentEvent]:
    return store.incident_events(incident_id)


def incident_alerts(store: Store, incident_id: int) -> list[Alert]:
    return store.incident_alerts(incident_id)


def list_incidents(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The ``cockpit incidents list --json`` contract, newest first."""
    rows = store.incidents(limit=limit)
    by_incident: dict[int, list[dict[str, Any]]] = {}
    for alert in store.alerts_of_incidents([r.id for r in rows if r.id is not None]):
        by_incident.setdefault(alert.incident_id or 0, []).append(
            alert_json(alert, keys=INCIDENT_KEYS)
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


def export_markdown(
    store: Store, incident_id: int, now: datetime | None = None, *, config: cfg.Config
) -> str:
    """The incident's postmortem as Markdown (``cockpit incidents export``)."""
    return pm.markdown(store, get(store, incident_id), now, config=config)


# --- the incidents page -------------------------------------------------------------------------


def incidents_table(store: Store, *, limit: int = 200) -> pd.DataFrame:
    """Incidents newest first: id, service, title, severity, status, opened, alerts, SLOs."""
    rows = list_incidents(store, limit=limit)
    columns = ["id", "service", "title", "severity", "status", "opened_at", "alerts", "slos"]
    return pd.DataFrame(
        [
            {
                **{k: r[k] for k in ("id", "service", "title", "severity", "status")},
                "opened_at": pd.Timestamp(r["opened_at"]),
                "alerts": len(r["alerts"]),
                "slos": ", ".join(sorted({a["slo"] for a in r["alerts"]})),
            }
            for r in rows
        ],
        columns=columns,
    )


def open_incidents(store: Store) -> pd.DataFrame:
    """Incidents not yet resolved, newest first (the overview links to them)."""
    frame = incidents_table(store)
    return frame[frame["status"].isin(OPEN_STATUSES)].reset_index(drop=True)


def incident_as_of(store: Store, incident: Incident) -> datetime | None:
    """The moment an open incident's duration and impact are counted to: its service's newest
    data (the wall clock would make a replayed or stalled incident look weeks long)."""
    if incident.resolved_at is not None:
        return None
    return store.newest_window_end(incident.service)


def incident_view(
    store: Store, config: cfg.Config, incident_id: int, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the incident page shows: the incident, its computed impact, timeline,
    alerts and postmortem (the stored one over the computed draft), and its version."""
    incident = get(store, incident_id)
    now = now or incident_as_of(store, incident)
    facts = pm.impact(store, incident, now, config=config)
    events = timeline(store, incident_id)
    alerts = incident_alerts(store, incident_id)
    return {
        "incident": {
            "id": incident.id,
            "service": incident.service,
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "opened_at": incident.opened_at,
            "mitigated_at": incident.mitigated_at,
            "resolved_at": incident.resolved_at,
            "closed_at": incident.closed_at,
            "updated_by": incident.updated_by,
            "updated_at": incident.updated_at,
        },
        "version": incident.version,
        "impact": {
            "duration": format_duration(facts.duration),
            "time_to_detect": format_duration(facts.time_to_detect)
            if facts.time_to_detect is not None
            else None,
            "burn_started_at": facts.burn_started_at,
            "slos": pd.DataFrame(
                [
                    {
                        "slo": i.slo,
                        "budget_before": i.budget_before,
                        "budget_after": i.budget_after,
                        "burned": i.burned,
                    }
                    for i in facts.slos
                ],
                columns=["slo", "budget_before", "budget_after", "burned"],
            ),
        },
        "timeline": pd.DataFrame(
            [(e.at, e.kind, e.actor or "cockpit", e.text) for e in events],
            columns=["at", "kind", "who", "what"],
        ),
        "alerts": alerts_frame([alert_json(a) for a in alerts], INCIDENT_ALERT_COLUMNS),
        "postmortem": pm.postmortem(store, incident, now, config=config),
    }


def postmortem_markdown(store: Store, config: cfg.Config, incident_id: int) -> str:
    """The Markdown export, counted to the same moment as :func:`incident_view`."""
    incident = get(store, incident_id)
    return pm.markdown(store, incident, incident_as_of(store, incident), config=config)


def incident_choices(table: pd.DataFrame) -> dict[int, str]:
    """``{incident id: label}`` for a picker of incidents."""
    return {
        int(r["id"]): _incident_label(int(r["id"]), r["title"], r["status"], r["opened_at"])
        for r in table.to_dict("records")
    }


def _incident_label(incident_id: int, title: str, status: str, opened_at: datetime) -> str:
    return (
        f"#{incident_id} {title} ({status.replace('_', ' ')}, opened "
        f"{opened_at:%Y-%m-%d %H:%M} UTC)"
    )


def incident_picker(
    store: Store, table: pd.DataFrame, asked: str | None
) -> tuple[dict[int, str], int | None]:
    """The incident picker's ``{id: label}`` and the id it opens: the one a link
    (``?incident=ID``) asks for, added when it is older than the table lists, else the newest
    (None when there is none).

    Raises CockpitError, saying what is wrong, when ID is not a number or no incident has it:
    a stale link must not open another incident."""
    choices = incident_choices(table)
    if not asked:
        return choices, next(iter(choices), None)
    others = "Open one of the incidents below." if choices else "There are no incidents yet."
    incident_id = as_id(asked)
    if incident_id is None:
        raise CockpitError(
            f"{asked!r} is not an incident id: a link to an incident ends in ?incident= and its "
            f"number, like ?incident=3. {others}"
        )
    if incident_id not in choices:
        incident = store.incident(incident_id)
        if incident is None:
            raise CockpitError(
                f"No incident #{incident_id} in this cockpit's store: the link may come from "
                f"another cockpit, or the incident was removed. {others}"
            )
        label = _incident_label(incident_id, incident.title, incident.status, incident.opened_at)
        choices = {**choices, incident_id: label}
    return choices, incident_id


def incident_times(incident: Mapping[str, Any]) -> str:
    """ "opened ... · mitigated ... · resolved ... · closed ..." for the times that are set."""
    parts = []
    for key in ("opened_at", "mitigated_at", "resolved_at", "closed_at"):
        value = incident.get(key)
        if value is not None:
            parts.append(f"{key.removesuffix('_at')} {value:%Y-%m-%d %H:%M} UTC")
    return " · ".join(parts)
