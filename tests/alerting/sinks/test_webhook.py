"""The webhook sink: Standard Webhooks signed per attempt, and what it refuses to send."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import standardwebhooks

import cockpit.config.models  # noqa: F401 - the config's field rules for the sink's settings
from alerting.sinks.base import Context, Outgoing
from alerting.sinks.webhook import SINK, WebhookSettings, build_request

SECRET = "whsec_" + base64.b64encode(b"a-very-secret-signing-key-0123456").decode()
NOW = datetime(2026, 10, 10, 14, tzinfo=UTC)


def test_a_standard_webhook_is_signed_over_its_id_timestamp_and_body() -> None:
    payload = {"action": "rollback", "service": "loan"}
    now_s = int(time.time())  # the receiver checks the timestamp against its clock
    request = build_request(
        "standard", "https://ci.example/hook", payload, "msg_act_1", now_s=now_s, secret=SECRET
    )
    headers = dict(request.headers)
    assert (headers["webhook-id"], headers["webhook-timestamp"]) == ("msg_act_1", str(now_s))
    verified = standardwebhooks.Webhook(SECRET).verify(request.body, headers)
    assert verified == payload


def test_a_github_dispatch_nests_what_does_not_fit_in_ten_keys() -> None:
    payload = {f"k{i}": i for i in range(12)} | {"action": "retrain"}
    request = build_request(
        "github_dispatch", "https://api.github.com", payload, "id", repo="o/r", token="t"
    )
    body = json.loads(request.body)
    assert request.url == "https://api.github.com/repos/o/r/dispatches"
    assert body["event_type"] == "retrain" and len(body["client_payload"]) <= 10
    assert "***" in repr(request) and "Bearer t" not in repr(request)


def test_it_refuses_a_host_not_allowed_and_a_missing_secret() -> None:
    hook = WebhookSettings(url="https://ci.example/hook", secret_env="CI_SECRET")
    out = Outgoing("ci", {"action": "retrain"}, "msg_act_1")
    elsewhere = SINK.send(hook, out, Context({"CI_SECRET": SECRET}, ("api.github.com",), NOW))
    assert (elsewhere.ok, elsewhere.retryable) == (False, False)
    assert elsewhere.error == "webhook 'ci': host not in allowed_hosts"
    unset = SINK.send(hook, out, Context({}, ("ci.example",), NOW))
    assert unset.error == "webhook 'ci': environment variable CI_SECRET is not set"
    assert SINK.timeout(hook).total_seconds() == 10
