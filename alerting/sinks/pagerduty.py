"""The PagerDuty notifier: Events API v2 (``trigger``, ``acknowledge``, ``resolve``).

``notifiers.pagerduty: {routing_key_env: PAGERDUTY_ROUTING_KEY}`` (``url`` defaults to
PagerDuty's enqueue endpoint). The routing key is read from the environment at send time and
never stored: without it set, alerts stay in the store. Each alert is one PagerDuty alert,
its ``dedup_key`` the alert's fingerprint, so a repeat notification updates the open incident
instead of opening another:

- a notification of a firing alert (its first, and every ``repeat_interval`` while nobody has
  acknowledged it) is a ``trigger``, severity ``critical`` for a page and ``warning`` for a
  ticket, the evidence in ``custom_details``;
- an acknowledgement in the cockpit is an ``acknowledge``;
- a resolution is a ``resolve`` (whatever ``send_resolved`` says: an incident left open in
  PagerDuty would page nobody but mislead everybody).

``severities`` limits what is sent (``[page]`` keeps tickets out of PagerDuty). Every event goes
through the outbox, retried on 429 (with ``Retry-After`` when given) and 5xx; a 400 is an event
PagerDuty will never take, retried slowly and shown as failing in the cockpit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from alerting import delivery
from alerting.hosts import url_is_allowed
from alerting.sinks import registry
from alerting.sinks.base import (
    Acked,
    AlertView,
    Context,
    Cycle,
    Fired,
    Message,
    Notice,
    Outgoing,
    Sink,
)
from alerting.sinks.fields import Duration, EnvName, Settings
from alerting.sinks.http import PreparedRequest, exchange

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SEVERITY = {"page": "critical", "ticket": "warning"}
CLIENT = "ML SRE cockpit"
SUMMARY_LIMIT = 1024  # the Events API's limit on payload.summary


class PagerDutySettings(Settings):
    routing_key_env: EnvName = Field(
        description="the variable holding the integration's routing key"
    )
    url: str = Field(default=EVENTS_URL, description="the Events API v2 enqueue endpoint")
    severities: list[Literal["page", "ticket"]] = Field(
        default_factory=lambda: ["page", "ticket"], description="what is sent to PagerDuty"
    )
    source: str = Field(default="ml-sre-cockpit", description="payload.source of every event")
    timeout: Duration = timedelta(seconds=10)


# --- events -------------------------------------------------------------------------------------


def summary(alert: AlertView) -> str:
    text = f"{alert.severity.upper()} {alert.service} / {alert.slo}"
    if alert.burn_rate is not None:
        text += f": burning {alert.burn_rate:.1f}x over {alert.long_window}"
    if alert.budget_remaining is not None:
        text += f", budget left {alert.budget_remaining:.1%}"
    return text[:SUMMARY_LIMIT]


def details(alert: AlertView) -> dict[str, Any]:
    out: dict[str, Any] = {
        "service": alert.service,
        "slo": alert.slo,
        "severity": alert.severity,
        "objective": alert.objective,
        "burn_rate": alert.burn_rate,
        "burn_rate_threshold": alert.factor,
        "long_window": alert.long_window,
        "short_window": alert.short_window,
        "budget_remaining": alert.budget_remaining,
        "evidence": list(alert.evidence),
        "owner": alert.owner,
        "cockpit_alert_id": alert.id,
    }
    return {k: v for k, v in out.items() if v is not None and v != []}


def trigger(alert: AlertView, source: str) -> dict[str, Any]:
    """A ``trigger`` event without its routing key (added at send time)."""
    event: dict[str, Any] = {
        "event_action": "trigger",
        "dedup_key": alert.fingerprint,
        "payload": {
            "summary": summary(alert),
            "source": source,
            "severity": SEVERITY.get(alert.severity, "warning"),
            "component": alert.slo,
            "group": alert.service,
            "class": "slo_burn_rate",
            "custom_details": details(alert),
        },
        "client": CLIENT,
    }
    links = [
        {"href": href, "text": text}
        for href, text in ((alert.link, "Open in cockpit"), (alert.runbook_url, "Runbook"))
        if href
    ]
    if links:
        event["links"] = links
    if alert.link:
        event["client_url"] = alert.link
    return event


def follow_up(action: Literal["acknowledge", "resolve"], alert: AlertView) -> dict[str, Any]:
    return {"event_action": action, "dedup_key": alert.fingerprint}


# --- the sink -----------------------------------------------------------------------------------


class PagerDuty(Sink):
    name = "pagerduty"
    section = "notifiers"
    model = PagerDutySettings
    url_keys = ("url",)

    def enabled(self, settings: PagerDutySettings, environ: Mapping[str, str]) -> bool:
        return bool(environ.get(settings.routing_key_env))

    def messages(self, settings: PagerDutySettings, notice: Notice) -> list[Message]:
        wanted = set(settings.severities)
        if isinstance(notice, Fired):
            return [
                self._message("trigger", a, trigger(a, settings.source), notice.stamp)
                for a in notice.alerts
                if a.severity in wanted
            ]
        if isinstance(notice, Cycle):
            return [
                self._message("resolve", a, follow_up("resolve", a), notice.stamp)
                for a in notice.resolved
                if a.severity in wanted and a.notified
            ]
        if isinstance(notice, Acked) and notice.alert.severity in wanted:
            alert = notice.alert
            return [
                self._message(
                    "acknowledge", alert, follow_up("acknowledge", alert), notice.at.isoformat()
                )
            ]
        return []

    def _message(self, action: str, alert: AlertView, body: dict, stamp: str) -> Message:
        return Message(
            action,
            delivery.short_key(self.name, f"{action}-{alert.id}-{stamp}"),
            body,
            alert.severity,
            alerts=(alert.id,) if alert.id is not None else (),
        )

    def timeout(self, settings: PagerDutySettings) -> timedelta:
        return settings.timeout

    def send(
        self, settings: PagerDutySettings, out: Outgoing, ctx: Context
    ) -> delivery.DeliveryResult:
        key = ctx.environ.get(settings.routing_key_env)
        if not key:
            return delivery.refused(f"environment variable {settings.routing_key_env} is not set")
        if not url_is_allowed(settings.url, ctx.allowed_hosts):
            return delivery.refused("the PagerDuty host is not in allowed_hosts")
        event = {"routing_key": key, **out.body}
        headers = {"content-type": "application/json", "user-agent": "ml-sre-cockpit"}
        result, answer = exchange(
            PreparedRequest(
                "POST", settings.url, headers, json.dumps(event, separators=(",", ":")).encode()
            ),
            timeout_s=settings.timeout.total_seconds(),
        )
        if result.ok and isinstance(answer, dict) and answer.get("dedup_key"):
            return replace(result, meta={"dedup_key": answer["dedup_key"]})
        return result


SINK = registry.SINKS.register(PagerDuty())
