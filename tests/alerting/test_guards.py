"""Action guards: cooldown, daily cap, dry run, approval and replay, decided over counts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from alerting.guards import REPLAYED, Usage, Verdict, guard, manual, verify_by

AT = datetime(2026, 10, 10, 14, tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    do: str = "retrain"
    webhook: str = "ci"
    cooldown: timedelta | None = None
    max_per_day: int | None = None
    dry_run: bool = False
    approval: bool = False
    verify_within: timedelta | None = None


def spelt(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 3600)}h"


QUIET = Usage(last_at=None, in_cap_window=0)


@pytest.mark.parametrize(
    ("rule", "usage", "replay", "expected"),
    [
        (Rule(), QUIET, False, Verdict("queued")),
        (
            Rule(cooldown=timedelta(hours=1)),
            Usage(AT - timedelta(minutes=30), 1),
            False,
            Verdict("skipped", "cooldown: the previous retrain was less than 1h ago"),
        ),
        (
            Rule(cooldown=timedelta(hours=1)),
            Usage(AT - timedelta(hours=1), 1),
            False,
            Verdict("queued"),
        ),
        (
            Rule(max_per_day=2),
            Usage(AT - timedelta(hours=5), 2),
            False,
            Verdict("skipped", "daily cap: 2 retrain actions in the last 24h (max_per_day 2)"),
        ),
        (Rule(max_per_day=2), Usage(AT - timedelta(hours=5), 1), False, Verdict("queued")),
        (Rule(dry_run=True), QUIET, False, Verdict("dry_run", "dry run: would call webhook 'ci'")),
        (Rule(dry_run=True), QUIET, True, Verdict("dry_run", "dry run: would call webhook 'ci'")),
        (
            Rule(approval=True),
            QUIET,
            False,
            Verdict(
                "pending_approval", "waits for an operator's approval (cockpit actions approve ID)"
            ),
        ),
        (Rule(approval=True), QUIET, True, Verdict("dry_run", REPLAYED)),
        (Rule(), QUIET, True, Verdict("dry_run", REPLAYED)),
        (
            Rule(cooldown=timedelta(hours=1), dry_run=True),
            Usage(AT - timedelta(minutes=1), 1),
            True,
            Verdict("skipped", "cooldown: the previous retrain was less than 1h ago"),
        ),
    ],
    ids=[
        "a rule with no guard is queued",
        "an action within the cooldown is skipped",
        "an action exactly a cooldown later is queued",
        "an action over the daily cap is skipped",
        "an action under the daily cap is queued",
        "a dry-run rule records a dry run",
        "a dry-run rule replayed still names its webhook",
        "an approval rule waits for an operator",
        "an approval rule replayed is a dry run",
        "a replay records what would have been queued as a dry run",
        "the cooldown holds before anything else, in a replay too",
    ],
)
def test_guard(rule: Rule, usage: Usage, replay: bool, expected: Verdict) -> None:
    assert guard(rule, usage, AT, replay=replay, duration=spelt) == expected


def test_a_manual_action_is_queued_unless_the_rule_is_a_dry_run() -> None:
    assert manual(Rule(cooldown=timedelta(hours=1), max_per_day=1, approval=True)) == "queued"
    assert manual(Rule(dry_run=True)) == "dry_run"


def test_only_a_queued_action_is_watched_for_recovery() -> None:
    rule = Rule(verify_within=timedelta(hours=2))
    assert verify_by(rule, "queued", AT) == AT + timedelta(hours=2)
    assert verify_by(rule, "pending_approval", AT) is None
    assert verify_by(replace(rule, verify_within=None), "queued", AT) is None
