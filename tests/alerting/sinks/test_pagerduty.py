"""The PagerDuty notifier's events: trigger, acknowledge and resolve in the Events API v2 shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerting.sinks.base import Acked, Context, Cycle, Fired, Outgoing, Resolved
from alerting.sinks.pagerduty import EVENTS_URL, SINK, PagerDutySettings
from cockpit.config import models  # noqa: F401  (hands the config's field rules to the sinks)

from .test_alertmanager import view

AT = datetime(2026, 10, 1, 12, tzinfo=UTC)


def settings(**overrides: object) -> PagerDutySettings:
    return PagerDutySettings(routing_key_env="PD_ROUTING_KEY", **overrides)


def test_the_default_endpoint_is_pagerdutys() -> None:
    assert settings().url == EVENTS_URL == "https://events.pagerduty.com/v2/enqueue"


def test_a_notification_is_a_trigger_keyed_by_the_alerts_fingerprint() -> None:
    page, ticket = view(), view(id=8, severity="ticket", fingerprint="t" * 16)
    messages = SINK.messages(settings(), Fired("loan", (page, ticket), AT.isoformat()))
    events = [m.body for m in messages]
    assert [e["event_action"] for e in events] == ["trigger", "trigger"]
    assert [e["dedup_key"] for e in events] == ["f" * 16, "t" * 16]
    assert [e["payload"]["severity"] for e in events] == ["critical", "warning"]
    payload = events[0]["payload"]
    assert payload["summary"] == "PAGE loan / valid: burning 21.5x over 1h, budget left 42.0%"
    assert (payload["source"], payload["component"], payload["group"]) == (
        "ml-sre-cockpit",
        "valid",
        "loan",
    )
    assert payload["custom_details"]["evidence"] == ["height_cm: 31% out of range [30, 300]"]
    assert payload["custom_details"]["budget_remaining"] == 0.42
    assert events[0]["links"][0]["href"] == "http://cockpit.example/service?service=loan"
    assert "routing_key" not in events[0]  # read at send time, never queued


def test_severities_keep_tickets_out() -> None:
    ticket = view(severity="ticket")
    assert SINK.messages(settings(severities=["page"]), Fired("loan", (ticket,), "t")) == []


def test_an_ack_acknowledges_and_a_resolution_resolves_whatever_send_resolved_says() -> None:
    (ack,) = SINK.messages(settings(), Acked(view(), "ana", AT))
    assert ack.body == {"event_action": "acknowledge", "dedup_key": "f" * 16}
    done = view(state="resolved", notified=True)
    (resolve,) = SINK.messages(settings(), Cycle((), (done,), AT.isoformat(), AT))
    assert resolve.body == {"event_action": "resolve", "dedup_key": "f" * 16}
    # never told of it: nothing to resolve; and the Resolved notice itself is not used twice
    assert SINK.messages(settings(), Cycle((), (view(state="resolved"),), "t", AT)) == []
    assert SINK.messages(settings(), Resolved(done, "t")) == []


@pytest.mark.parametrize(
    ("environ", "hosts", "reason"),
    [
        ({}, ("events.pagerduty.com",), "PD_ROUTING_KEY is not set"),
        ({"PD_ROUTING_KEY": "k" * 32}, ("slack.com",), "not in allowed_hosts"),
    ],
)
def test_a_missing_key_or_host_is_refused_not_sent(
    environ: dict, hosts: tuple, reason: str
) -> None:
    out = Outgoing("trigger", {"event_action": "trigger"}, "key")
    result = SINK.send(settings(), out, Context(environ, hosts, AT))
    assert not result.ok and not result.retryable and reason in (result.error or "")
