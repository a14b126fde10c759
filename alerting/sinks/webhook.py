"""The webhook sink: the calls actions make (retrain, rollback), in three styles.

Each ``webhooks.<name>`` entry is one endpoint. Styles:

- ``standard``, Standard Webhooks (standardwebhooks.com): headers ``webhook-id``,
  ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``;
  the secret is ``whsec_<base64>`` and the HMAC key is its decoded bytes. The id is the
  idempotency key, the same on every attempt; the timestamp is the attempt's.
- ``github_dispatch``: GitHub's ``repository_dispatch`` (``event_type`` and ``client_payload``).
- ``gitlab_trigger``: a GitLab pipeline trigger, the payload in ``COCKPIT_*`` variables.

Secrets (``secret_env``, ``token_env``) are read from the environment at send time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import Field, model_validator

from alerting import delivery
from alerting.hosts import url_is_allowed
from alerting.sinks import registry
from alerting.sinks.base import Context, Outgoing, Sink
from alerting.sinks.fields import Duration, EnvName, Settings
from alerting.sinks.http import PreparedRequest, post

USER_AGENT = "ml-sre-cockpit"
GITHUB_MAX_KEYS = 10  # repository_dispatch caps client_payload at 10 top-level keys


class WebhookSettings(Settings):
    url: str
    secret_env: EnvName | None = Field(
        default=None, description="standard: the whsec_ signing secret"
    )
    token_env: EnvName | None = Field(
        default=None, description="github/gitlab: the API or trigger token"
    )
    style: Literal["standard", "github_dispatch", "gitlab_trigger"] = "standard"
    repo: str | None = Field(
        default=None, description="github_dispatch: owner/name (url is the API base)"
    )
    event_type: str | None = Field(default=None, description="github_dispatch: event_type")
    ref: str | None = Field(default=None, description="gitlab_trigger: branch or tag")
    timeout: Duration = timedelta(seconds=10)

    @model_validator(mode="after")
    def _style_needs(self) -> WebhookSettings:
        if self.style in ("github_dispatch", "gitlab_trigger") and self.token_env is None:
            raise ValueError(
                f"style {self.style!r} needs `token_env`, the variable holding the token"
            )
        if (
            self.style == "github_dispatch"
            and self.repo is None
            and not self.url.rstrip("/").endswith("/dispatches")
        ):
            raise ValueError(
                "github_dispatch needs `repo: owner/name` (or a url ending in /dispatches)"
            )
        return self


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}." + body)>``, key = decoded secret."""
    if not secret.startswith("whsec_"):
        raise ValueError("the signing secret must have the form whsec_<base64> (Standard Webhooks)")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the signing secret after whsec_ is not valid base64") from None
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _compact(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, default=str).encode()


def build_request(
    style: str,
    url: str,
    payload: dict[str, Any],
    idempotency_key: str,
    *,
    now_s: int | None = None,
    secret: str | None = None,
    token: str | None = None,
    event_type: str | None = None,
    ref: str | None = None,
    repo: str | None = None,
) -> PreparedRequest:
    now_s = int(time.time()) if now_s is None else now_s
    if style == "standard":
        body = _compact(payload)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": idempotency_key,
            "webhook-timestamp": str(now_s),
        }
        if secret:
            headers["webhook-signature"] = sign(secret, idempotency_key, now_s, body)
        return PreparedRequest("POST", url, headers, body)
    if style == "github_dispatch":
        target = f"{url.rstrip('/')}/repos/{repo}/dispatches" if repo else url
        client = {**payload, "idempotency_key": idempotency_key}
        if len(client) > GITHUB_MAX_KEYS:
            keep = [
                "action",
                "service",
                "slo",
                "severity",
                "model_version",
                "window",
                "link",
                "idempotency_key",
            ]
            nested = {k: v for k, v in client.items() if k not in keep}
            client = {k: client[k] for k in keep if k in client} | {"details": nested}
        body = _compact(
            {
                "event_type": event_type or str(payload.get("action") or "cockpit"),
                "client_payload": client,
            }
        )
        headers = {
            "content-type": "application/json",
            "accept": "application/vnd.github+json",
            "x-github-api-version": "2022-11-28",
            "user-agent": USER_AGENT,
        }
        if token:
            headers["authorization"] = f"Bearer {token}"
        return PreparedRequest("POST", target, headers, body)
    if style == "gitlab_trigger":
        form = {
            "token": token or "",
            "ref": ref or "main",
            "variables[COCKPIT_ACTION]": str(payload.get("action", "")),
            "variables[COCKPIT_SERVICE]": str(payload.get("service", "")),
            "variables[COCKPIT_SLO]": str(payload.get("slo", "")),
            "variables[COCKPIT_IDEMPOTENCY_KEY]": idempotency_key,
            "variables[COCKPIT_PAYLOAD]": _compact(payload).decode(),
        }
        headers = {"content-type": "application/x-www-form-urlencoded", "user-agent": USER_AGENT}
        return PreparedRequest("POST", url, headers, urlencode(form).encode())
    raise ValueError(
        f"unknown webhook style {style!r} (standard, github_dispatch or gitlab_trigger)"
    )


class Webhook(Sink):
    name = "webhook"
    section = "webhooks"
    model = WebhookSettings
    url_keys = ("url",)

    def timeout(self, settings: WebhookSettings) -> timedelta:
        return settings.timeout

    def send(
        self, settings: WebhookSettings, out: Outgoing, ctx: Context
    ) -> delivery.DeliveryResult:
        if not url_is_allowed(settings.url, ctx.allowed_hosts):
            return delivery.refused(f"webhook {out.target!r}: host not in allowed_hosts")
        secret = ctx.environ.get(settings.secret_env) if settings.secret_env else None
        token = ctx.environ.get(settings.token_env) if settings.token_env else None
        for name, value in ((settings.secret_env, secret), (settings.token_env, token)):
            if name and not value:
                return delivery.refused(
                    f"webhook {out.target!r}: environment variable {name} is not set"
                )
        try:
            request = build_request(
                settings.style,
                settings.url,
                out.body,
                out.key,
                now_s=int(ctx.now.timestamp()),
                secret=secret,
                token=token,
                event_type=settings.event_type,
                ref=settings.ref,
                repo=settings.repo,
            )
        except ValueError as exc:
            return delivery.refused(f"webhook {out.target!r}: {exc}")
        return post(request, timeout_s=settings.timeout.total_seconds())


SINK = registry.SINKS.register(Webhook())
