"""The Alertmanager notifier's posts: labels and annotations, the real clock, silences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerting.sinks.alertmanager import (
    MONITOR_ALERT,
    SINK,
    SLO_ALERT,
    AlertmanagerSettings,
    alerts_body,
    silence_body,
)
from alerting.sinks.base import AlertView, Cycle, Fired, Outgoing, SilenceChanged, SilenceView
from cockpit.config import models  # noqa: F401  (hands the config's field rules to the sinks)

REPLAYED = datetime(2026, 10, 1, 12, tzinfo=UTC)  # the moment evaluated: a replay's past
WALL = datetime(2026, 12, 5, 16, tzinfo=UTC)  # the real clock when it was evaluated


def view(**overrides: object) -> AlertView:
    values: dict = dict(
        service="loan",
        slo="valid",
        severity="page",
        state="firing",
        fingerprint="f" * 16,
        objective=0.99,
        burn_rate=21.5,
        long_window="1h",
        short_window="5m",
        factor=13.44,
        budget_remaining=0.42,
        evidence=("height_cm: 31% out of range [30, 300]",),
        link="http://cockpit.example/service?service=loan",
        started_at=REPLAYED - timedelta(minutes=20),
        owner="risk-ml",
        id=7,
        runbook_url="http://wiki.example/loan",
        cadence=timedelta(minutes=5),
    )
    values.update(overrides)
    return AlertView(**values)


def settings(**overrides: object) -> AlertmanagerSettings:
    return AlertmanagerSettings(url="http://127.0.0.1:9093", **overrides)


def cycle(*firing: AlertView, resolved: tuple[AlertView, ...] = ()) -> Cycle:
    return Cycle(firing=firing, resolved=resolved, stamp=REPLAYED.isoformat(), wall=WALL)


def test_a_firing_alert_carries_the_labels_annotations_and_link_on_call_needs() -> None:
    (message,) = SINK.messages(settings(), cycle(view()))
    (entry,) = message.body["alerts"]
    assert entry["labels"] == {
        "alertname": SLO_ALERT,
        "service": "loan",
        "slo": "valid",
        "severity": "page",
        "owner": "risk-ml",
        "long_window": "1h",
    }
    notes = entry["annotations"]
    assert notes["summary"] == (
        "loan / valid (page): burning 21.50x over 1h and 5m; budget left 42.0%"
    )
    assert notes["description"] == "height_cm: 31% out of range [30, 300]"
    assert (notes["budget_remaining"], notes["burn_rate"], notes["burn_rate_threshold"]) == (
        "0.42",
        "21.5",
        "13.44",
    )
    assert notes["runbook_url"] == "http://wiki.example/loan"
    assert entry["generatorURL"] == "http://cockpit.example/service?service=loan"
    assert message.target == "alerts" and message.alerts == (7,)


def test_a_monitor_alert_is_named_apart_and_has_no_window_label() -> None:
    broken = view(slo="monitor:quality", severity="ticket", long_window=None, burn_rate=None)
    (message,) = SINK.messages(settings(), cycle(broken))
    labels = message.body["alerts"][0]["labels"]
    assert labels["alertname"] == MONITOR_ALERT and "long_window" not in labels


def test_times_come_from_the_real_clock_and_keep_the_alerts_age() -> None:
    (message,) = SINK.messages(settings(), cycle(view()))
    sent_at = WALL + timedelta(seconds=30)
    (item,) = alerts_body(message.body["alerts"], WALL, sent_at)
    # 20 minutes old in the replay: 20 minutes old on the real clock
    assert item["startsAt"] == "2026-12-05T15:40:30.000Z"
    # three 5-minute evaluations after its real evaluation (more than ends_after's 5 minutes)
    assert item["endsAt"] == "2026-12-05T16:15:00.000Z"


def test_ends_after_is_the_floor_when_evaluations_are_frequent() -> None:
    quick = view(cadence=timedelta(minutes=1))
    (message,) = SINK.messages(settings(ends_after="10m"), cycle(quick))
    (item,) = alerts_body(message.body["alerts"], WALL, WALL)
    assert item["endsAt"] == "2026-12-05T16:10:00.000Z"


def test_a_resolved_alert_ends_now_and_a_late_firing_post_is_not_sent() -> None:
    done = view(state="resolved", resolved_at=REPLAYED)
    (message,) = SINK.messages(settings(), cycle(view(id=8, slo="fast"), resolved=(done,)))
    late = WALL + timedelta(hours=1)  # both alerts' posts delivered an hour late
    body = alerts_body(message.body["alerts"], WALL, late)
    assert [(b["labels"]["slo"], b["endsAt"]) for b in body] == [
        ("valid", "2026-12-05T17:00:00.000Z")
    ]
    out = Outgoing("alerts", {**message.body, "alerts": message.body["alerts"][:1]}, message.key)
    from alerting.sinks.base import Context

    result = SINK.send(settings(), out, Context({}, ("127.0.0.1",), late))
    assert result.ok and result.meta == {"skipped": True}  # superseded: nothing re-fires it


def test_a_cockpit_silence_holds_the_alert_back_unless_alertmanager_mirrors_it() -> None:
    silenced = view(silenced=True)
    assert SINK.messages(settings(), cycle(silenced)) == []
    (message,) = SINK.messages(settings(mirror_silences=True), cycle(silenced))
    assert len(message.body["alerts"]) == 1


def test_other_notices_make_no_post() -> None:
    assert SINK.messages(settings(), Fired("loan", (view(),), REPLAYED.isoformat())) == []
    silence = SilenceView(1, "loan", None, None, REPLAYED, REPLAYED, "fixing", "ana")
    assert SINK.messages(settings(), SilenceChanged(silence)) == []  # not mirrored


def test_a_mirrored_silence_matches_what_the_cockpit_silence_names() -> None:
    starts = datetime(2026, 12, 5, 16, tzinfo=UTC)
    silence = SilenceView(
        4, "loan", "valid", None, starts, starts + timedelta(hours=2), "fixing", "ana"
    )
    body = silence_body(silence)
    assert body["matchers"] == [
        {"name": "service", "value": "loan", "isRegex": False, "isEqual": True},
        {"name": "slo", "value": "valid", "isRegex": False, "isEqual": True},
    ]
    assert (body["startsAt"], body["endsAt"]) == (
        "2026-12-05T16:00:00.000Z",
        "2026-12-05T18:00:00.000Z",
    )
    assert body["comment"] == "fixing [cockpit silence #4]"
    everything = silence_body(SilenceView(5, None, None, None, starts, starts, "freeze", "ana"))
    assert everything["matchers"][0]["isRegex"] is True
    (message,) = SINK.messages(settings(mirror_silences=True), SilenceChanged(silence, ended=True))
    assert message.target == "silences" and message.body["ended"] is True
