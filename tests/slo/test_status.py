"""The status word of an SLO: the first of firing, stale, burning, exhausted, at_risk, healthy,
no_data that holds (live trouble before past overspend)."""

from __future__ import annotations

import pytest

from slo.status import STATUS_RANK, STATUSES, slo_status

HEALTHY = {"firing": False, "stale": False, "burn_1h": 0.5, "budget_remaining": 0.6}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, "healthy"),
        ({"firing": True, "budget_remaining": -0.4, "burn_1h": 20.0}, "firing"),
        ({"stale": True, "burn_1h": 20.0}, "stale"),
        ({"firing": True, "stale": True}, "firing"),
        ({"burn_1h": 20.0, "budget_remaining": -0.4}, "burning"),
        ({"burn_1h": 1.01}, "burning"),
        ({"burn_1h": 1.0}, "healthy"),
        ({"budget_remaining": 0.0, "burn_1h": 0.0}, "exhausted"),
        ({"budget_remaining": -2.0, "burn_1h": None}, "exhausted"),
        ({"budget_remaining": 0.107}, "at_risk"),
        ({"budget_remaining": 0.25}, "healthy"),
        ({"budget_remaining": None, "burn_1h": None}, "no_data"),
        ({"budget_remaining": None, "burn_1h": None, "stale": True}, "stale"),
    ],
    ids=[
        "budget left and a slow burn is healthy",
        "a firing alert comes first, whatever the budget",
        "a stale monitor's numbers are old: stale before burning",
        "firing before stale",
        "a live burn is burning, not exhausted, even with the budget overspent",
        "a 1h burn above 1 is burning",
        "a 1h burn of exactly 1 is healthy",
        "no budget left and no burn now is exhausted",
        "overspent weeks ago and nothing now is exhausted",
        "10.7% of the budget left is at risk",
        "exactly the at-risk limit left is healthy",
        "never any events is no data",
        "a stopped feed with no events left in the window is stale",
    ],
)
def test_the_first_status_that_holds(change: dict, expected: str) -> None:
    assert slo_status(**{**HEALTHY, **change}) == expected


def test_the_at_risk_limit_is_configurable() -> None:
    assert slo_status(**{**HEALTHY, "budget_remaining": 0.4}, at_risk_below=0.5) == "at_risk"


def test_the_order_is_the_contract() -> None:
    assert STATUSES == (
        "firing",
        "stale",
        "burning",
        "exhausted",
        "at_risk",
        "healthy",
        "no_data",
    )
    assert [STATUS_RANK[s] for s in STATUSES] == list(range(7))
