"""One word for an SLO's state, the same in the CLI, the JSON and the cockpit.

The first that holds, in this order (what needs a person first):

    firing     an alert of this SLO is firing
    stale      its monitor has had no ok run for longer than the stale limit: the numbers
               shown are old, whatever they say
    burning    the 1h burn rate exceeds 1: spending faster than the budget allows, now
    exhausted  no budget left over the SLO window (it may have been spent weeks ago)
    at_risk    less than ``at_risk_below`` of the budget left
    healthy    none of the above
    no_data    never any events in the SLO window: a budget of nothing is neither good nor bad

Live trouble (firing, stale, burning) comes before past overspend (exhausted), so an SLO that
burns now is never hidden under one that overspent last month.
"""

from __future__ import annotations

from typing import Literal, get_args

SloStatus = Literal["firing", "stale", "burning", "exhausted", "at_risk", "healthy", "no_data"]
STATUSES: tuple[SloStatus, ...] = get_args(SloStatus)
STATUS_RANK: dict[str, int] = {status: rank for rank, status in enumerate(STATUSES)}
DEFAULT_AT_RISK_BELOW = 0.25


def slo_status(
    *,
    firing: bool,
    stale: bool,
    burn_1h: float | None,
    budget_remaining: float | None,
    at_risk_below: float = DEFAULT_AT_RISK_BELOW,
) -> SloStatus:
    """The first status of :data:`STATUSES` that holds (``budget_remaining`` is None when the
    SLO window holds no events)."""
    if firing:
        return "firing"
    if stale:
        return "stale"
    if burn_1h is not None and burn_1h > 1:
        return "burning"
    if budget_remaining is None:
        return "no_data"
    if budget_remaining <= 0:
        return "exhausted"
    if budget_remaining < at_risk_below:
        return "at_risk"
    return "healthy"
