"""Action guards: whether an action rule's action goes out now, pure over what the store counted.

An alert fires each matching rule once per episode (the caller keeps that by the action's
idempotency key); then, in order:

- **cooldown**: an active action of the same rule (``ACTIVE``) created less than ``cooldown``
  ago: skipped;
- **daily cap**: ``max_per_day`` active actions of the rule in the last 24 hours: skipped;
- **dry run**: recorded, nothing called;
- **approval**: waits for an operator (``cockpit actions approve ID``);
- else queued for delivery. A replay of history (``replay=True``) records what would have
  been queued or asked for as a dry run.

After a queued action, its SLO is watched until ``verify_within`` has passed (``verify_by``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

# the states that count against a rule's cooldown and daily cap
ACTIVE = ("pending_approval", "queued", "delivered")
CAP_WINDOW = timedelta(days=1)
REPLAYED = "replayed history: recorded, not sent (backfill without --notify)"

Status = Literal["pending_approval", "queued", "dry_run", "skipped"]


class Rule(Protocol):
    """What the guards read of an action rule (the config's ``actions[]`` entry)."""

    do: str
    webhook: str
    cooldown: timedelta | None
    max_per_day: int | None
    dry_run: bool
    approval: bool
    verify_within: timedelta | None


@dataclass(frozen=True)
class Usage:
    """A rule's active actions (``ACTIVE``) as counted at a moment."""

    last_at: datetime | None  # when the newest was created
    in_cap_window: int  # how many were created in the :data:`CAP_WINDOW` before the moment


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str | None = None


def guard(
    rule: Rule,
    usage: Usage,
    at: datetime,
    *,
    replay: bool = False,
    duration: Callable[[timedelta], str],
) -> Verdict:
    """What becomes of the rule's action fired at ``at``; ``duration`` spells a cooldown in
    the reason (``1h``)."""
    cooldown = rule.cooldown
    if cooldown is not None and usage.last_at is not None and usage.last_at > at - cooldown:
        return Verdict(
            "skipped", f"cooldown: the previous {rule.do} was less than {duration(cooldown)} ago"
        )
    if rule.max_per_day is not None and usage.in_cap_window >= rule.max_per_day:
        return Verdict(
            "skipped",
            f"daily cap: {usage.in_cap_window} {rule.do} actions in the last 24h "
            f"(max_per_day {rule.max_per_day})",
        )
    if rule.dry_run:
        return Verdict("dry_run", f"dry run: would call webhook {rule.webhook!r}")
    if replay:
        return Verdict("dry_run", REPLAYED)
    if rule.approval:
        return Verdict(
            "pending_approval", "waits for an operator's approval (cockpit actions approve ID)"
        )
    return Verdict("queued")


def manual(rule: Rule) -> Status:
    """An operator's manual action: approved by asking, outside cooldown and cap; a dry-run
    rule still only records."""
    return "dry_run" if rule.dry_run else "queued"


def verify_by(rule: Rule, status: str, at: datetime) -> datetime | None:
    """Until when a queued action's SLO is watched for recovery (None: not watched)."""
    return at + rule.verify_within if rule.verify_within and status == "queued" else None
