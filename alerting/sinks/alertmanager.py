"""The Alertmanager notifier: the cockpit as one more client of a team's Alertmanager.

``notifiers.alertmanager: {url: http://alertmanager:9093}``. After every evaluation the alerts
that fire are posted to ``/api/v2/alerts``, all in one request, and posted again after the
next evaluation while they fire: that is Alertmanager's contract with its clients (Prometheus
does the same), since an alert nobody posts again ends at its ``endsAt``. An alert that
resolved is posted once more with ``endsAt`` now. Alertmanager then groups, routes, inhibits
and notifies its own way.

Times come from the real clock at send time, never from the moment evaluated: a replay's
``--at`` lies in the past, and Alertmanager drops an alert whose ``endsAt`` has passed. An
alert's ``startsAt`` is the send time minus its age (so a replayed alert keeps how long it has
fired); a firing alert's ``endsAt`` is the real time of its evaluation plus ``ends_after``, or
three evaluations of its SLO when those are further apart. A post delivered so late that all
of its firing alerts would already have ended is not sent (it would only fire them again
after they resolved); its resolved alerts still are.

Acknowledgements and silences made in the cockpit stay the cockpit's: an alert silenced in the
cockpit is not posted while the silence holds (Alertmanager ends it at its ``endsAt``), unless
``mirror_silences: true``, which copies each cockpit silence to ``/api/v2/silences`` (and
expires the copy when the cockpit's silence is ended early) and keeps posting the alert, so
that Alertmanager shows it as suppressed. A mirrored silence carries ``[cockpit silence #N]``
in its comment: a retried post finds its own copy instead of making a second one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import Field

from alerting import delivery
from alerting.health import BROKEN_PREFIX
from alerting.hosts import url_is_allowed
from alerting.sinks import registry
from alerting.sinks.base import (
    AlertView,
    Context,
    Cycle,
    Message,
    Notice,
    Outgoing,
    SilenceChanged,
    SilenceView,
    Sink,
)
from alerting.sinks.fields import Duration, EnvName, Settings
from alerting.sinks.http import PreparedRequest, exchange, post

TIMEOUT = timedelta(seconds=10)
CADENCES_BEFORE_END = 3  # a firing alert ends after this many evaluations without a post
SLO_ALERT = "CockpitSLOBurnRate"
MONITOR_ALERT = "CockpitMonitorUnhealthy"
CREATED_BY = "ml-sre-cockpit"


class AlertmanagerSettings(Settings):
    url: str = Field(description="Alertmanager's base URL, like http://alertmanager:9093")
    mirror_silences: bool = Field(
        default=False, description="copy the cockpit's silences to Alertmanager"
    )
    ends_after: Duration = Field(
        default=timedelta(minutes=5),
        description="a firing alert's endsAt after its evaluation, at least (three "
        "evaluations of its SLO when those are further apart)",
    )
    bearer_token_env: EnvName | None = Field(
        default=None, description="a bearer token for a proxy in front of Alertmanager"
    )
    timeout: Duration = TIMEOUT


# --- what is posted -----------------------------------------------------------------------------


def labels(alert: AlertView) -> dict[str, str]:
    """The alert's identity in Alertmanager: what it groups, routes and silences by."""
    out = {
        "alertname": MONITOR_ALERT if alert.slo.startswith(BROKEN_PREFIX) else SLO_ALERT,
        "service": alert.service,
        "slo": alert.slo,
        "severity": alert.severity,
    }
    if alert.owner:
        out["owner"] = alert.owner
    if alert.long_window:
        out["long_window"] = alert.long_window
    return out


def annotations(alert: AlertView) -> dict[str, str]:
    burn = (
        f"burning {alert.burn_rate:.2f}x over {alert.long_window}"
        + (f" and {alert.short_window}" if alert.short_window else "")
        if alert.burn_rate is not None
        else "burn rate unknown"
    )
    summary = f"{alert.service} / {alert.slo} ({alert.severity}): {burn}"
    if alert.budget_remaining is not None:
        summary += f"; budget left {alert.budget_remaining:.1%}"
    out = {"summary": summary}
    if alert.evidence:
        out["description"] = "\n".join(alert.evidence)
    if alert.budget_remaining is not None:
        out["budget_remaining"] = f"{alert.budget_remaining:.6g}"
    if alert.burn_rate is not None:
        out["burn_rate"] = f"{alert.burn_rate:.6g}"
    if alert.factor is not None:
        out["burn_rate_threshold"] = f"{alert.factor:.6g}"
    if alert.objective is not None:
        out["objective"] = f"{alert.objective:g}"
    if alert.runbook_url:
        out["runbook_url"] = alert.runbook_url
    if alert.id is not None:
        out["cockpit_alert_id"] = str(alert.id)
    return out


def _entry(alert: AlertView, at: datetime, ends_after: timedelta) -> dict[str, Any]:
    """One alert as the outbox keeps it: times as ages and spans, made real at send time."""
    started = alert.started_at or at
    lasting = ends_after
    if alert.cadence is not None:
        lasting = max(lasting, CADENCES_BEFORE_END * alert.cadence)
    entry: dict[str, Any] = {
        "labels": labels(alert),
        "annotations": annotations(alert),
        "age_s": max((at - started).total_seconds(), 0.0),
        "state": alert.state,
        "ends_after_s": lasting.total_seconds(),
    }
    if alert.link:
        entry["generatorURL"] = alert.link
    return entry


def _posted(alert: AlertView, mirror: bool) -> bool:
    """Whether a firing alert is posted: a silence made in the cockpit holds it back, unless
    Alertmanager has the silence too."""
    return mirror or not alert.silenced


def alerts_body(entries: list[dict[str, Any]], wall: datetime, now: datetime) -> list[dict]:
    """``POST /api/v2/alerts``'s body at ``now`` (the real clock) for entries queued at ``wall``
    (the real clock of their evaluation). A firing entry whose end has passed is left out."""
    out = []
    for entry in entries:
        item: dict[str, Any] = {"labels": entry["labels"], "annotations": entry["annotations"]}
        if "generatorURL" in entry:
            item["generatorURL"] = entry["generatorURL"]
        item["startsAt"] = _iso(now - timedelta(seconds=entry["age_s"]))
        if entry["state"] == "resolved":
            item["endsAt"] = _iso(now)
        else:
            ends = wall + timedelta(seconds=entry["ends_after_s"])
            if ends <= now:
                continue
            item["endsAt"] = _iso(ends)
        out.append(item)
    return out


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- silences -----------------------------------------------------------------------------------


def marker(silence_id: int) -> str:
    return f"[cockpit silence #{silence_id}]"


def silence_body(silence: SilenceView) -> dict[str, Any]:
    """``POST /api/v2/silences``'s body: one equality matcher per field the silence names (a
    silence of everything matches every cockpit alert)."""
    matchers = [
        {"name": name, "value": value, "isRegex": False, "isEqual": True}
        for name, value in (
            ("service", silence.service),
            ("slo", silence.slo),
            ("severity", silence.severity),
        )
        if value is not None
    ] or [
        {
            "name": "alertname",
            "value": f"{SLO_ALERT}|{MONITOR_ALERT}",
            "isRegex": True,
            "isEqual": True,
        }
    ]
    return {
        "matchers": matchers,
        "startsAt": _iso(silence.starts_at),
        "endsAt": _iso(silence.ends_at),
        "createdBy": f"{silence.created_by} (via {CREATED_BY})",
        "comment": f"{silence.reason} {marker(silence.id)}",
    }


# --- the sink -----------------------------------------------------------------------------------


class Alertmanager(Sink):
    name = "alertmanager"
    section = "notifiers"
    model = AlertmanagerSettings
    url_keys = ("url",)

    def messages(self, settings: AlertmanagerSettings, notice: Notice) -> list[Message]:
        if isinstance(notice, Cycle):
            at = datetime.fromisoformat(notice.stamp.replace("Z", "+00:00"))
            firing = [a for a in notice.firing if _posted(a, settings.mirror_silences)]
            entries = [_entry(a, at, settings.ends_after) for a in [*firing, *notice.resolved]]
            if not entries:
                return []
            stamp = f"{notice.stamp}-{notice.wall.isoformat()}"
            return [
                Message(
                    "alerts",
                    delivery.short_key(self.name, f"cycle-{stamp}"),
                    {"alerts": entries, "wall": notice.wall.isoformat()},
                    max((a.severity for a in firing), default="ticket", key=_rank),
                    alerts=tuple(a.id for a in firing if a.id is not None),
                )
            ]
        if isinstance(notice, SilenceChanged) and settings.mirror_silences:
            silence = notice.silence
            what = "expire" if notice.ended else "create"
            return [
                Message(
                    "silences",
                    delivery.short_key(self.name, f"silence-{what}-{silence.id}"),
                    {"silence": silence_body(silence), "id": silence.id, "ended": notice.ended},
                    "ticket",
                )
            ]
        return []

    def timeout(self, settings: AlertmanagerSettings) -> timedelta:
        # a silence's expiry is a read and a delete per copy: room for three requests
        return settings.timeout * 3

    def send(
        self, settings: AlertmanagerSettings, out: Outgoing, ctx: Context
    ) -> delivery.DeliveryResult:
        base = settings.url.rstrip("/")
        if not url_is_allowed(base, ctx.allowed_hosts):
            return delivery.refused("the Alertmanager host is not in allowed_hosts")
        headers = {"content-type": "application/json", "user-agent": CREATED_BY}
        if settings.bearer_token_env:
            token = ctx.environ.get(settings.bearer_token_env)
            if not token:
                return delivery.refused(
                    f"environment variable {settings.bearer_token_env} is not set"
                )
            headers["authorization"] = f"Bearer {token}"
        timeout_s = settings.timeout.total_seconds()
        if out.target == "alerts":
            wall = datetime.fromisoformat(out.body["wall"])
            body = alerts_body(out.body["alerts"], wall, ctx.now)
            if not body:  # every alert in it would have ended already: superseded
                return delivery.DeliveryResult(
                    True, None, 0.0, response_excerpt="superseded", meta={"skipped": True}
                )
            return post(
                PreparedRequest("POST", f"{base}/api/v2/alerts", headers, _json(body)),
                timeout_s=timeout_s,
            )
        if out.target == "silences":
            return _mirror(base, headers, out.body, timeout_s)
        return delivery.refused(f"unknown Alertmanager target {out.target!r}")


def _rank(severity: str) -> int:
    return {"page": 1, "ticket": 0}.get(severity, 0)


def _json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _mirror(
    base: str, headers: Mapping[str, str], body: dict[str, Any], timeout_s: float
) -> delivery.DeliveryResult:
    """Create the copy of a cockpit silence unless it exists, or expire every copy of it."""
    started = time.perf_counter()
    found, listed = exchange(
        PreparedRequest("GET", f"{base}/api/v2/silences", dict(headers), b""), timeout_s=timeout_s
    )
    if not found.ok:
        return found
    if not isinstance(listed, list):
        listed = []
    tag = marker(body["id"])
    copies = [
        s["id"]
        for s in listed
        if isinstance(s, dict)
        and tag in str(s.get("comment", ""))
        and (s.get("status") or {}).get("state") != "expired"
    ]
    if body["ended"]:
        for silence_id in copies:
            gone = post(
                PreparedRequest(
                    "DELETE", f"{base}/api/v2/silence/{quote(silence_id)}", dict(headers), b""
                ),
                timeout_s=timeout_s,
            )
            if not gone.ok and gone.status_code != 404:
                return gone
        return delivery.DeliveryResult(
            True, 200, (time.perf_counter() - started) * 1000, meta={"expired": copies}
        )
    if copies:
        return delivery.DeliveryResult(
            True, 200, (time.perf_counter() - started) * 1000, meta={"silence_id": copies[0]}
        )
    made, answer = exchange(
        PreparedRequest("POST", f"{base}/api/v2/silences", dict(headers), _json(body["silence"])),
        timeout_s=timeout_s,
    )
    if made.ok and isinstance(answer, dict) and answer.get("silenceID"):
        return replace(made, meta={"silence_id": answer["silenceID"]})
    return made


SINK = registry.SINKS.register(Alertmanager())
