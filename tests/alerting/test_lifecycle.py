"""Alert lifecycle decisions: fire once, repeat after the interval, ack, silence, resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerting.lifecycle import Episode, Firing, Silence, decide, fingerprint

T = datetime(2026, 10, 10, 14, 0, tzinfo=UTC)
PAGE = Firing("loan", "valid", "page")
SCOPE = [("loan", "valid")]


def episode(**overrides) -> Episode:
    fields = {
        "fingerprint": PAGE.fingerprint,
        "service": "loan",
        "slo": "valid",
        "severity": "page",
        "state": "firing",
        "started_at": T,
        "last_evaluated_at": T,
        "last_notified_at": T,
    }
    fields.update(overrides)
    return Episode(**fields)


def kinds(decisions) -> list[tuple[str, bool]]:
    return [(d.kind, d.notify) for d in decisions]


def test_fingerprint_is_stable_and_distinct() -> None:
    assert fingerprint("loan", "valid", "page") == fingerprint("loan", "valid", "page")
    assert len({fingerprint("loan", "valid", s) for s in ("page", "ticket")}) == 2
    assert fingerprint("a", "bc", "page") != fingerprint("ab", "c", "page")


def test_a_new_alert_fires_and_notifies() -> None:
    assert kinds(decide({}, [PAGE], SCOPE, [], T)) == [("fire", True)]


def test_the_same_moment_evaluated_twice_never_fires_twice() -> None:
    assert decide({PAGE.fingerprint: episode()}, [PAGE], SCOPE, [], T) == []
    assert (
        decide(
            {PAGE.fingerprint: episode(state="resolved", last_evaluated_at=T)}, [PAGE], SCOPE, [], T
        )
        == []
    )


def test_a_firing_alert_repeats_only_after_the_repeat_interval() -> None:
    latest = {PAGE.fingerprint: episode()}
    assert kinds(decide(latest, [PAGE], SCOPE, [], T + timedelta(hours=3, minutes=55))) == [
        ("hold", False)
    ]
    assert kinds(decide(latest, [PAGE], SCOPE, [], T + timedelta(hours=4))) == [("repeat", True)]
    assert kinds(
        decide(
            latest,
            [PAGE],
            SCOPE,
            [],
            T + timedelta(minutes=30),
            repeat_interval=timedelta(minutes=30),
        )
    ) == [("repeat", True)]


def test_an_acked_alert_does_not_repeat_but_its_resolution_is_sent() -> None:
    latest = {PAGE.fingerprint: episode(acked=True)}
    assert kinds(decide(latest, [PAGE], SCOPE, [], T + timedelta(hours=5))) == [("hold", False)]
    assert kinds(decide(latest, [], SCOPE, [], T + timedelta(hours=5))) == [("resolve", True)]


def test_a_silenced_alert_is_recorded_without_notifying_and_notifies_when_the_silence_ends() -> (
    None
):
    silence = Silence("loan", None, "page", T - timedelta(hours=1), T + timedelta(hours=1))
    fired = decide({}, [PAGE], SCOPE, [silence], T)
    assert kinds(fired) == [("fire", False)] and fired[0].silenced
    latest = {PAGE.fingerprint: episode(last_notified_at=None)}
    assert kinds(decide(latest, [PAGE], SCOPE, [silence], T + timedelta(minutes=5))) == [
        ("hold", False)
    ]
    assert kinds(decide(latest, [PAGE], SCOPE, [silence], T + timedelta(hours=1))) == [
        ("repeat", True)
    ]


@pytest.mark.parametrize(
    ("silence", "matches"),
    [
        (Silence(None, None, None, T, T + timedelta(hours=1)), True),
        (Silence("loan", "valid", "page", T, T + timedelta(hours=1)), True),
        (Silence("ads", None, None, T, T + timedelta(hours=1)), False),
        (Silence(None, None, "ticket", T, T + timedelta(hours=1)), False),
        (Silence(None, None, None, T - timedelta(hours=2), T), False),
    ],
    ids=[
        "an empty matcher matches everything",
        "an exact matcher matches",
        "another service does not match",
        "another severity does not match",
        "an expired silence does not match",
    ],
)
def test_silence_matchers(silence: Silence, matches: bool) -> None:
    assert silence.matches("loan", "valid", "page", T) is matches


def test_resolution_notifies_once_and_only_if_the_alert_had_notified() -> None:
    later = T + timedelta(minutes=5)
    assert kinds(decide({PAGE.fingerprint: episode()}, [], SCOPE, [], later)) == [("resolve", True)]
    assert kinds(
        decide({PAGE.fingerprint: episode(last_notified_at=None)}, [], SCOPE, [], later)
    ) == [("resolve", False)]
    assert decide({PAGE.fingerprint: episode(state="resolved")}, [], SCOPE, [], later) == []
    assert kinds(
        decide({PAGE.fingerprint: episode()}, [], SCOPE, [], later, send_resolved=False)
    ) == [("resolve", False)]


def test_an_alert_of_an_slo_not_evaluated_this_cycle_does_not_resolve() -> None:
    assert (
        decide({PAGE.fingerprint: episode()}, [], [("ads", "ctr")], [], T + timedelta(minutes=5))
        == []
    )


def test_a_resolved_alert_that_fires_again_starts_a_new_episode() -> None:
    latest = {
        PAGE.fingerprint: episode(state="resolved", last_evaluated_at=T + timedelta(minutes=5))
    }
    assert kinds(decide(latest, [PAGE], SCOPE, [], T + timedelta(minutes=10))) == [("fire", True)]
