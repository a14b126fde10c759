"""The Slack notifier: its settings, what it makes of each notice, and how it is enabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import cockpit.config.models  # noqa: F401 - the config's field rules for the sink's settings
from alerting.delivery import DeliveryResult, short_key
from alerting.sinks.base import AlertView, Escalated, Fired, Resolved
from alerting.sinks.slack import SINK, SlackSettings

AT = datetime(2026, 10, 10, 14, tzinfo=UTC)
STAMP = "2026-10-10T14:00:00Z"


def view(slo: str, severity: str, alert_id: int) -> AlertView:
    return AlertView(
        service="loan",
        slo=slo,
        severity=severity,
        state="firing",
        fingerprint=f"fp-{alert_id}",
        objective=0.99,
        burn_rate=20.0,
        long_window="1h",
        short_window="5m",
        factor=13.44,
        budget_remaining=0.4,
        evidence=("height_cm: 60% out of range",),
        link="http://cockpit.example/service?service=loan",
        started_at=AT,
        id=alert_id,
    )


BOT = SlackSettings(token_env="SLACK_BOT_TOKEN", channel="#ml", channels={"page": "#pages"})


def test_the_alerts_of_a_cycle_are_one_message_per_route() -> None:
    notice = Fired(
        "loan", (view("valid", "page", 1), view("fast", "ticket", 2), view("acc", "page", 3)), STAMP
    )
    messages = SINK.messages(BOT, notice)
    assert [(m.target, m.severity, m.alerts) for m in messages] == [
        ("page", "page", (1, 3)),
        ("default", "ticket", (2,)),
    ]
    assert messages[0].key == short_key("slack", f"fire-loan-page-{STAMP}")
    assert messages[0].body["text"].startswith("loan: 2 SLO alerts firing")
    assert "height_cm: 60% out of range" in messages[0].body["text"]


def test_a_resolution_is_a_reply_in_the_alerts_thread() -> None:
    [message] = SINK.messages(BOT, Resolved(view("valid", "page", 7), STAMP))
    assert (message.target, message.thread, message.alerts) == ("page", 7, (7,))
    assert message.key == short_key("slack", f"resolve-7-{STAMP}")


def test_an_escalation_pages() -> None:
    notice = Escalated(4, "loan", "valid", "rollback", "2h", None)
    [message] = SINK.messages(SlackSettings(webhook_url_env="SLACK_URL"), notice)
    assert (message.target, message.severity, message.action, message.alerts) == (
        "default",
        "page",
        4,
        (),
    )
    assert message.body["text"] == (
        "Escalation: rollback for loan fired 2h ago and valid is still burning"
    )


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [({}, False), ({"SLACK_BOT_TOKEN": ""}, False), ({"SLACK_BOT_TOKEN": "xoxb-1"}, True)],
    ids=[
        "without its variable it is off",
        "an empty variable is off",
        "with its variable it is on",
    ],
)
def test_slack_is_used_only_when_its_variable_is_set(environ: dict, enabled: bool) -> None:
    assert SINK.enabled(BOT, environ) is enabled


def test_a_bot_reply_threads_under_the_first_messages_ts() -> None:
    sent = DeliveryResult(True, 200, 1.0, meta={"ts": "1700000000.000001", "channel": "C1"})
    thread = SINK.thread_of(sent)
    assert thread is not None and (thread.ref, thread.channel) == ("1700000000.000001", "C1")
    assert SINK.thread_of(DeliveryResult(True, 200, 1.0)) is None
    assert SINK.timeout(BOT) == timedelta(seconds=10)


def test_its_settings_take_one_way_to_reach_slack() -> None:
    with pytest.raises(ValueError, match="give exactly one of `webhook_url_env` or `token_env`"):
        SlackSettings(webhook_url_env="A", token_env="B", channel="#x")
    with pytest.raises(ValueError, match="a bot token needs `channel`"):
        SlackSettings(token_env="B")
