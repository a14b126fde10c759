"""The Slack notifier: Block Kit messages with a plain-text fallback, sent through slack-sdk.

``notifiers.slack`` names an incoming webhook's URL (``webhook_url_env``) or a bot token
(``token_env``, with ``channel`` and per-severity ``channels``) by environment variable; without
that variable set, alerts stay in the store. One message per service and route (the severity's
channel, else the default one) lists every alert that fired in a cycle; a resolution goes to
the alert's thread when a bot token is used (the first message's ``ts`` is kept on the alerts).
slack-sdk's own retry handlers are switched off: the outbox owns retries, so nothing is sent
twice behind its back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from alerting import delivery
from alerting.hosts import url_is_allowed
from alerting.sinks import registry
from alerting.sinks.base import (
    AlertView,
    Context,
    Escalated,
    Fired,
    Message,
    Notice,
    Outgoing,
    Resolved,
    Sink,
    Thread,
)
from alerting.sinks.fields import EnvName, Settings

SEVERITY_MARK = {"page": ":rotating_light:", "ticket": ":warning:"}
TIMEOUT = timedelta(seconds=10)


class SlackSettings(Settings):
    webhook_url_env: EnvName | None = None
    token_env: EnvName | None = None
    channel: str | None = None
    channels: dict[Literal["page", "ticket"], str] = Field(
        default_factory=dict, description="per-severity channels (bot token only)"
    )
    base_url: str | None = Field(default=None, description="Slack API base URL (tests, proxies)")

    @model_validator(mode="after")
    def _one_way(self) -> SlackSettings:
        if (self.webhook_url_env is None) == (self.token_env is None):
            raise ValueError(
                "give exactly one of `webhook_url_env` or `token_env` (with `channel`)"
            )
        if self.token_env is not None and self.channel is None and not self.channels:
            raise ValueError('a bot token needs `channel`, like "#ml-oncall"')
        return self


# --- messages -----------------------------------------------------------------------------------


def _burn_line(alert: AlertView) -> str:
    if alert.burn_rate is None:
        return "burn rate unknown"
    windows = (
        f"over {alert.long_window} and {alert.short_window}"
        if alert.short_window
        else f"over {alert.long_window}"
    )
    threshold = f", threshold {alert.factor:g}" if alert.factor is not None else ""
    return f"burning {alert.burn_rate:.1f}x {windows}{threshold}"


def _budget_line(alert: AlertView) -> str:
    if alert.budget_remaining is None:
        return "budget left: unknown"
    return f"budget left: {alert.budget_remaining:.1%}"


def _title(alert: AlertView) -> str:
    objective = f" (objective {alert.objective:g})" if alert.objective is not None else ""
    return f"{alert.severity.upper()} {alert.service} / {alert.slo}{objective}"


def firing_message(service: str, alerts: Sequence[AlertView]) -> dict[str, Any]:
    """One message for every alert of ``service`` that fired in one cycle."""
    count = len(alerts)
    header = f"{service}: {count} SLO alert{'s' if count != 1 else ''} firing"
    text_lines = [header]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:150]}}
    ]
    for alert in alerts:
        detail = f"{_burn_line(alert)}; {_budget_line(alert)}"
        evidence = [f"• {line}" for line in alert.evidence[:5]]
        text_lines += [f"{_title(alert)}: {detail}", *evidence]
        if alert.link:
            text_lines.append(f"cockpit: {alert.link}")
        body = f"{SEVERITY_MARK.get(alert.severity, '')} *{_title(alert)}*\n{detail}"
        if evidence:
            body += "\n" + "\n".join(evidence)
        block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}}
        if alert.link:
            block["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in cockpit"},
                "url": alert.link,
            }
        blocks += [block, {"type": "divider"}]
    owner = next((a.owner for a in alerts if a.owner), None)
    if owner:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"owner: {owner}"}]}
        )
    return {"text": "\n".join(text_lines), "blocks": blocks}


def resolved_message(alert: AlertView) -> dict[str, Any]:
    lasted = ""
    if alert.started_at and alert.resolved_at:
        minutes = int((alert.resolved_at - alert.started_at).total_seconds() // 60)
        lasted = f" after {minutes // 60}h{minutes % 60:02d}m"
    text = f"Resolved{lasted}: {_title(alert)}; {_budget_line(alert)}"
    if alert.link:
        text += f"\ncockpit: {alert.link}"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":white_check_mark: {text}"}}
        ],
    }


def escalation_message(
    service: str, slo: str, action: str, waited: str, link: str | None
) -> dict[str, Any]:
    text = f"Escalation: {action} for {service} fired {waited} ago and {slo} is still burning"
    if link:
        text += f"\ncockpit: {link}"
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f":fire: {text}"}}],
    }


def route(settings: SlackSettings, severity: str) -> str:
    """The severity's own channel when it has one, else ``default``."""
    return severity if settings.channels.get(severity) else "default"  # type: ignore[call-overload]


# --- sending ------------------------------------------------------------------------------------


def send_slack(
    payload: dict[str, Any],
    *,
    webhook_url: str | None = None,
    token: str | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
    base_url: str | None = None,
    timeout_s: float = 10.0,
) -> delivery.DeliveryResult:
    """One attempt through an incoming webhook or ``chat.postMessage``; never raises."""
    started = time.perf_counter()
    try:
        if webhook_url:
            from slack_sdk.webhook import WebhookClient

            client = WebhookClient(webhook_url, timeout=int(max(timeout_s, 1)), retry_handlers=[])
            response = client.send(text=payload["text"], blocks=payload.get("blocks"))
            status, body, headers = (
                response.status_code,
                response.body or "",
                response.headers or {},
            )
            ok = status == 200
            return _result(ok, status, started, body, headers)
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        kwargs: dict[str, Any] = {
            "token": token,
            "timeout": int(max(timeout_s, 1)),
            "retry_handlers": [],
        }
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        web = WebClient(**kwargs)
        try:
            reply = web.chat_postMessage(
                channel=channel,
                text=payload["text"],
                blocks=payload.get("blocks"),
                thread_ts=thread_ts,
            )
        except SlackApiError as exc:
            response = exc.response
            return _result(
                False,
                response.status_code,
                started,
                str(response.data),
                response.headers or {},
                error=f"Slack API error: {response.get('error') if hasattr(response, 'get') else ''}",
            )
        meta = {"ts": reply.get("ts"), "channel": reply.get("channel")}
        return _result(True, reply.status_code, started, "ok", {}, meta=meta)
    except Exception as exc:  # URLError, timeouts, SlackRequestError: a failed attempt, not a crash
        return delivery.DeliveryResult(
            False,
            None,
            (time.perf_counter() - started) * 1000,
            error=delivery.redact(f"{exc.__class__.__name__}: {exc}"),
        )


def _result(
    ok: bool,
    status: int | None,
    started: float,
    body: str,
    headers: dict[str, Any],
    *,
    error: str | None = None,
    meta: dict[str, Any] | None = None,
) -> delivery.DeliveryResult:
    lowered = {str(k).lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if isinstance(retry_after, list):
        retry_after = retry_after[0] if retry_after else None
    return delivery.DeliveryResult(
        ok=ok,
        status_code=status,
        latency_ms=(time.perf_counter() - started) * 1000,
        retry_after_s=delivery.parse_retry_after(retry_after) if status in (429, 503) else None,
        retryable=ok or status is None or status >= 500 or status in delivery.RETRYABLE_4XX,
        response_excerpt=delivery.excerpt(body),
        error=None if ok else (error or f"HTTP {status}"),
        meta=meta or {},
    )


# --- the sink -----------------------------------------------------------------------------------


class Slack(Sink):
    name = "slack"
    section = "notifiers"
    model = SlackSettings
    url_keys = ("base_url",)

    def enabled(self, settings: SlackSettings, environ: Mapping[str, str]) -> bool:
        name = settings.webhook_url_env or settings.token_env
        return bool(name and environ.get(name))

    def messages(self, settings: SlackSettings, notice: Notice) -> list[Message]:
        if isinstance(notice, Fired):
            by_route: dict[str, list[AlertView]] = {}
            for alert in notice.alerts:
                by_route.setdefault(route(settings, alert.severity), []).append(alert)
            return [
                Message(
                    target,
                    delivery.short_key(self.name, f"fire-{notice.service}-{target}-{notice.stamp}"),
                    firing_message(notice.service, group),
                    group[0].severity,
                    alerts=tuple(a.id for a in group if a.id is not None),
                )
                for target, group in by_route.items()
            ]
        if isinstance(notice, Resolved):
            alert = notice.alert
            return [
                Message(
                    route(settings, alert.severity),
                    delivery.short_key(self.name, f"resolve-{alert.id}-{notice.stamp}"),
                    resolved_message(alert),
                    alert.severity,
                    alerts=(alert.id,) if alert.id is not None else (),
                    thread=alert.id,
                )
            ]
        if isinstance(notice, Escalated):
            body = escalation_message(
                notice.service, notice.slo, notice.action, notice.waited, notice.link
            )
            key = delivery.short_key(self.name, f"escalate-{notice.action_id}")
            return [Message(route(settings, "page"), key, body, "page", action=notice.action_id)]
        return []

    def timeout(self, settings: SlackSettings) -> timedelta:
        return TIMEOUT

    def send(self, settings: SlackSettings, out: Outgoing, ctx: Context) -> delivery.DeliveryResult:
        timeout_s = TIMEOUT.total_seconds()
        if settings.webhook_url_env:
            url = ctx.environ.get(settings.webhook_url_env)
            if not url:
                return delivery.refused(
                    f"environment variable {settings.webhook_url_env} is not set"
                )
            if not url_is_allowed(url, ctx.allowed_hosts):
                return delivery.refused(
                    f"the Slack webhook host is not in allowed_hosts ({settings.webhook_url_env})"
                )
            return send_slack(out.body, webhook_url=url, timeout_s=timeout_s)
        token = ctx.environ.get(settings.token_env or "")
        if not token:
            return delivery.refused(f"environment variable {settings.token_env} is not set")
        channel = (
            settings.channels.get(out.target, settings.channel)  # type: ignore[call-overload]
            if out.target != "default"
            else settings.channel
        )
        if channel is None:
            channel = next(iter(settings.channels.values()))
        return send_slack(
            out.body,
            token=token,
            channel=channel,
            thread_ts=out.thread,
            base_url=settings.base_url,
            timeout_s=timeout_s,
        )

    def thread_of(self, result: delivery.DeliveryResult) -> Thread | None:
        ts = (result.meta or {}).get("ts")
        return Thread(ts, (result.meta or {}).get("channel")) if ts else None


SINK = registry.SINKS.register(Slack())
