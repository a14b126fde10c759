"""Alerts and silences as the CLI and the cockpit read them.

``alerts list --json`` and ``alerts silences --json`` are contracts (:func:`list_alerts`,
:func:`silences_json`); the alerts page's tables and pickers are built on them. An alert's JSON
is the engine's (:func:`cockpit.engine.alerts.alert_json`), whatever reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from cockpit.config import models as cfg
from cockpit.durations import parse_duration
from cockpit.engine.alerts import alert_json, alert_slos, silence_rule
from cockpit.errors import CockpitError
from cockpit.read.common import ANY, service_link
from cockpit.store import Alert, Store, utcnow
from cockpit.timefmt import iso

ALERT_COLUMNS = [
    "id",
    "service",
    "slo",
    "severity",
    "state",
    "started_at",
    "resolved_at",
    "burn_rate",
    "long_window",
    "short_window",
    "windows",
    "budget_remaining",
    "acked_by",
    "silenced",
    "notifications",
    "evidence",
    "link",
]


def list_alerts(
    store: Store, *, firing_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """The ``cockpit alerts list --json`` contract: alerts newest first (only the firing ones
    by default). A firing alert is silenced when a silence matches it now, whatever the last
    cycle recorded; a resolved one keeps what it was."""
    now = utcnow()
    rows = store.alerts(firing_only=firing_only, limit=limit)
    rules = [silence_rule(s) for s in store.active_silences(now)]

    def silenced(alert: Alert) -> bool:
        if alert.state != "firing":
            return alert.silenced
        return any(r.matches(alert.service, alert.slo, alert.severity, now) for r in rules)

    return [alert_json(alert, silenced=silenced(alert)) for alert in rows]


def silences_json(store: Store, at: datetime | None = None) -> list[dict[str, Any]]:
    """The ``cockpit alerts silences --json`` contract: silences that have not ended, soonest
    end first."""
    at = at or utcnow()
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
        for s in store.silences_after(at)
    ]


def alerts_frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Alerts' JSON (:func:`list_alerts`' rows) as a page's table: times as timestamps, the
    evidence as one line of text, the windows as one column, a link to the service page."""
    table = []
    for alert in rows:
        row = dict(alert)
        row["evidence"] = "; ".join(row["evidence"])
        row["windows"] = (
            f"{row['long_window']}/{row['short_window']}" if row["long_window"] else None
        )
        row["link"] = service_link(row["service"])
        for key in ("started_at", "resolved_at"):
            row[key] = pd.Timestamp(row[key]) if row[key] else None
        table.append(row)
    return pd.DataFrame(table, columns=list(columns))


def alerts_table(store: Store, *, firing_only: bool = True, limit: int = 200) -> pd.DataFrame:
    """Alerts newest first, with their evidence as one line of text."""
    return alerts_frame(list_alerts(store, firing_only=firing_only, limit=limit), ALERT_COLUMNS)


def unacked(alerts: pd.DataFrame) -> pd.DataFrame:
    """The firing alerts nobody has acknowledged yet."""
    return alerts[alerts["acked_by"].isna()].reset_index(drop=True)


def firing_summary(firing: pd.DataFrame) -> str:
    """One line over the firing table: how many fire, and which are silenced or acknowledged
    now (a silence acts at once, not at the next cycle)."""
    n = len(firing)
    head = f"{n} alert{'s' if n != 1 else ''} firing"
    silenced = [f"#{a['id']}" for a in firing.to_dict("records") if a["silenced"]]
    acked = [f"#{a['id']}" for a in firing.to_dict("records") if a["acked_by"]]
    parts = [
        f"silenced now: {', '.join(silenced)}" if silenced else "none silenced",
        f"acknowledged: {', '.join(acked)}" if acked else "none acknowledged",
    ]
    return f"{head}; {'; '.join(parts)}."


def alert_choices(alerts: pd.DataFrame) -> dict[int, str]:
    """``{alert id: label}`` for a picker of alerts."""
    return {
        int(a["id"]): f"#{a['id']} {a['service']} / {a['slo']} ({a['severity']}, since "
        f"{a['started_at']:%Y-%m-%d %H:%M} UTC)"
        + (f", acked by {a['acked_by']}" if a["acked_by"] else "")
        + (", silenced" if a.get("silenced") else "")
        for a in alerts.to_dict("records")
    }


def all_slo_names(config: cfg.Config) -> list[str]:
    return sorted({slo.name for s in config.services for slo in s.slos})


# --- silences ----------------------------------------------------------------------------------


def silences_table(store: Store, now: datetime | None = None) -> pd.DataFrame:
    """Silences that have not ended yet, soonest end first."""
    columns = ["id", "service", "slo", "severity", "starts_at", "ends_at", "reason", "created_by"]
    return pd.DataFrame(
        [
            (
                r["id"],
                r["service"] or ANY,
                r["slo"] or ANY,
                r["severity"] or ANY,
                pd.Timestamp(r["starts_at"]),
                pd.Timestamp(r["ends_at"]),
                r["reason"],
                r["by"],
            )
            for r in silences_json(store, now)
        ],
        columns=columns,
    )


def silence_choices(silences: pd.DataFrame) -> dict[int, str]:
    """``{silence id: label}`` for the picker that ends one."""
    return {
        int(s["id"]): f"#{s['id']} {s['service']}/{s['slo']} ({s['severity']}) until "
        f"{s['ends_at']:%Y-%m-%d %H:%M} UTC, by {s['created_by']}"
        for s in silences.to_dict("records")
    }


def silence_slo_choices(config: cfg.Config, service: str | None) -> list[str]:
    """What a silence can name: the chosen service's SLOs and monitor alerts (any service's
    when none is chosen)."""
    names: list[str] = []
    for s in config.services:
        if service is None or s.name == service:
            names += [n for n in alert_slos(s) if n not in names]
    return names


def silence_length(text: str) -> timedelta:
    """A silence's duration as typed (``30m``, ``2h``, ``1d12h``)."""
    try:
        length = parse_duration(text)
    except ValueError as exc:
        raise CockpitError(f"silence length: {exc}") from None
    if length <= timedelta(0):
        raise CockpitError(f"a silence must last a while, got {text!r}")
    return length
