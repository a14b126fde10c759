"""Slack messages for on-call: Block Kit with a plain-text fallback, sent through slack-sdk.

One message per service per cycle lists every alert that fired; a resolution goes to the
alert's thread when a bot token is used (the first message's ``ts`` is kept). slack-sdk's own
retry handlers are switched off: the cockpit's outbox owns retries, so nothing is sent twice
behind its back.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerting.delivery import RETRYABLE_4XX, DeliveryResult, excerpt, parse_retry_after, redact

SEVERITY_MARK = {"page": ":rotating_light:", "ticket": ":warning:"}


@dataclass(frozen=True)
class AlertView:
    service: str
    slo: str
    severity: str
    state: str  # firing | resolved
    fingerprint: str
    objective: float | None
    burn_rate: float | None
    long_window: str | None
    short_window: str | None
    factor: float | None
    budget_remaining: float | None
    evidence: tuple[str, ...] = ()
    link: str | None = None
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    owner: str | None = None


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


def send_slack(
    payload: dict[str, Any],
    *,
    webhook_url: str | None = None,
    token: str | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
    base_url: str | None = None,
    timeout_s: float = 10.0,
) -> DeliveryResult:
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
        client = WebClient(**kwargs)
        try:
            reply = client.chat_postMessage(
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
        return DeliveryResult(
            False,
            None,
            (time.perf_counter() - started) * 1000,
            error=redact(f"{exc.__class__.__name__}: {exc}"),
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
) -> DeliveryResult:
    lowered = {str(k).lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if isinstance(retry_after, list):
        retry_after = retry_after[0] if retry_after else None
    return DeliveryResult(
        ok=ok,
        status_code=status,
        latency_ms=(time.perf_counter() - started) * 1000,
        retry_after_s=parse_retry_after(retry_after) if status in (429, 503) else None,
        retryable=ok or status is None or status >= 500 or status in RETRYABLE_4XX,
        response_excerpt=excerpt(body),
        error=None if ok else (error or f"HTTP {status}"),
        meta=meta or {},
    )
