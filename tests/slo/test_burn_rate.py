"""SLO math pinned to published numbers: the SRE Workbook's table and Sloth's 28-day factors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slo.budget import budget_remaining, budget_spent, burn_rate, error_ratio
from slo.engine import SloSpec, evaluate, month_start
from slo.rules import HOUR, WORKBOOK_TIERS, Tier
from slo.series import Condition, EventSeries

DAY = 86400.0
AT = datetime(2026, 10, 29, 12, 0, tzinfo=UTC)


def buckets(
    error_ratios_by_age: dict[tuple[float, float], float],
    *,
    days: float = 30,
    step_s: float = 300,
    per_bucket: float = 1000,
) -> EventSeries:
    """5-minute buckets ending at AT going back `days`; ratio by age range (seconds before AT)."""
    n = int(days * DAY / step_s)
    ends = AT.timestamp() - np.arange(n)[::-1] * step_s
    ages = AT.timestamp() - ends
    bad = np.zeros(n)
    for (young, old), ratio in error_ratios_by_age.items():
        bad[(ages >= young) & (ages < old)] = ratio * per_bucket
    total = np.full(n, per_bucket)
    return EventSeries(ends, total - bad, total, interval_s=step_s)


@pytest.mark.parametrize(
    ("window_days", "expected"),
    [(30, [14.4, 6, 3, 1]), (28, [13.44, 5.6, 2.8, 0.9333333333])],
    ids=["the Workbook's 30-day factors", "Sloth's 28-day factors"],
)
def test_tier_factors(window_days: int, expected: list[float]) -> None:
    factors = [tier.factor(window_days * DAY) for tier in WORKBOOK_TIERS]
    assert factors == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("burn", "hours", "spent"),
    [(14.4, 1, 0.02), (6, 6, 0.05), (3, 24, 0.10), (1, 72, 0.10)],
    ids=[
        "14.4 for an hour spends 2%",
        "6 for six hours spends 5%",
        "3 for a day spends 10%",
        "1 for three days spends 10%",
    ],
)
def test_the_workbook_budget_table(burn: float, hours: float, spent: float) -> None:
    assert budget_spent(burn, hours * HOUR, 30 * DAY) == pytest.approx(spent)


def test_a_burn_of_14_for_an_hour_pages_under_28_days_but_not_30() -> None:
    objective = 0.999
    series = buckets({(0, HOUR): 14 * (1 - objective)})
    burning = evaluate(series, SloSpec(objective, 28 * DAY), AT)
    assert burning.burn_rates["1h"] == pytest.approx(14)
    assert burning.burn_rates["5m"] == pytest.approx(14)
    assert burning.alert is not None
    assert (burning.alert.tier.severity, burning.alert.tier.long_window_s) == ("page", HOUR)
    assert burning.alert.factor == pytest.approx(13.44)
    assert evaluate(series, SloSpec(objective, 30 * DAY), AT).alert is None


def test_both_windows_must_burn() -> None:
    objective = 0.999
    # an hour of burning 20x that stopped 10 minutes ago: the 1h window burns, the 5m does not
    series = buckets({(600, HOUR + 600): 20 * (1 - objective)})
    state = evaluate(series, SloSpec(objective, 30 * DAY), AT)
    assert state.burn_rates["1h"] > 14.4 and state.burn_rates["5m"] == 0
    assert not any(s.firing for s in state.tiers if s.tier.long_window_s == HOUR)


def test_only_the_most_severe_firing_tier_is_active() -> None:
    objective = 0.99
    series = buckets({(0, 3 * DAY): 0.5})  # burn 50 everywhere: every tier fires
    state = evaluate(series, SloSpec(objective, 30 * DAY), AT)
    assert all(s.firing for s in state.tiers)
    assert state.alert.tier.severity == "page" and state.alert.factor == pytest.approx(14.4)


def test_budget_is_a_true_event_ratio_never_an_average_of_ratios() -> None:
    series = EventSeries(
        np.array([100.0, 200.0]), np.array([1000.0, 0.0]), np.array([1000.0, 10.0])
    )
    state = evaluate(series, SloSpec(0.9, 1000.0, tiers=()), datetime.fromtimestamp(200, UTC))
    assert (state.good, state.total) == (1000, 1010)
    assert state.error_budget_remaining == pytest.approx(1 - (10 / 1010) / 0.1)


def test_no_events_is_null_never_zero() -> None:
    state = evaluate(EventSeries.empty(), SloSpec(0.99, 28 * DAY), AT)
    assert state.error_budget_remaining is None
    assert set(state.burn_rates.values()) == {None}
    assert state.alert is None
    assert (
        burn_rate(0, 0, 0.99) is None
        and error_ratio(0, 0) is None
        and budget_remaining(0, 0, 0.9) is None
    )


def test_a_window_with_fewer_events_than_min_events_does_not_alert() -> None:
    # one failure among ten requests in the last hour
    series = EventSeries(np.array([AT.timestamp() - 60]), np.array([9.0]), np.array([10.0]))
    assert evaluate(series, SloSpec(0.99, 28 * DAY), AT).alert is not None
    assert evaluate(series, SloSpec(0.99, 28 * DAY, min_events=100), AT).alert is None


def test_tiers_are_configurable() -> None:
    series = buckets({(0, HOUR): 14 * 0.001})
    only_ticket = (Tier("ticket", DAY, 2 * HOUR, budget_share=0.1),)
    assert evaluate(series, SloSpec(0.999, 28 * DAY, tiers=only_ticket), AT).alert is None
    fixed = (Tier("page", HOUR, 300, factor_override=10),)
    assert evaluate(series, SloSpec(0.999, 30 * DAY, tiers=fixed), AT).alert.factor == 10


def test_remaining_budget_goes_negative_when_overspent() -> None:
    series = buckets({(0, 30 * DAY): 0.002})
    assert evaluate(series, SloSpec(0.999, 28 * DAY), AT).error_budget_remaining == pytest.approx(
        -1
    )


def test_timeslices_count_runs_and_widen_short_windows_to_one_interval() -> None:
    hourly = AT.timestamp() - np.arange(48)[::-1] * HOUR
    drift_share = np.where(np.arange(48) >= 46, 0.6, 0.1)  # the last two runs drifted
    series = EventSeries.timeslices(
        hourly, drift_share, Condition.parse("drift_share <= 0.3"), interval_s=HOUR
    )
    state = evaluate(series, SloSpec(0.95, 28 * DAY), AT)
    assert (state.good, state.total) == (46, 48)
    assert state.burn_rates["5m"] == pytest.approx(1 / 0.05)  # widened to the last hourly run
    assert state.burn_rates["2h"] == pytest.approx(1 / 0.05)


def test_a_condition_on_a_missing_value_is_not_good() -> None:
    condition = Condition.parse("accuracy >= 0.85")
    assert condition.holds(np.array([0.9, 0.8, np.nan])).tolist() == [True, False, False]
    with pytest.raises(ValueError, match="not a condition"):
        Condition.parse("accuracy is fine")


def test_calendar_month_counts_the_month_so_far() -> None:
    start = month_start(AT)
    assert start == datetime(2026, 10, 1, tzinfo=UTC)
    t = np.array(
        [(start - timedelta(hours=1)).timestamp(), (start + timedelta(hours=1)).timestamp()]
    )
    series = EventSeries(t, np.array([0.0, 90.0]), np.array([100.0, 100.0]))
    state = evaluate(series, SloSpec(0.9, None), AT)
    assert (state.good, state.total) == (90, 100)  # September's bucket is not in October's budget
    # tiers scale by the month's length: 31 days
    assert state.tiers[0].factor == pytest.approx(0.02 * 31 * 24)


@given(
    total=st.integers(min_value=1, max_value=10**6),
    bad=st.integers(min_value=0, max_value=10**6),
    more=st.integers(min_value=1, max_value=1000),
    objective=st.floats(min_value=0.5, max_value=0.99999),
)
def test_burn_rate_grows_with_errors_and_budget_stays_at_most_one(
    total: int, bad: int, more: int, objective: float
) -> None:
    bad = min(bad, total)
    rate = burn_rate(total - bad, total, objective)
    assert rate is not None and rate >= 0
    if bad + more <= total:
        assert burn_rate(total - bad - more, total, objective) > rate
    remaining = budget_remaining(total - bad, total, objective)
    assert remaining <= 1
    assert remaining == pytest.approx(1 - rate)


def test_the_timeline_agrees_with_evaluating_each_moment() -> None:
    from slo.engine import evaluate_timeline

    rng = np.random.default_rng(3)
    series = buckets({(0, 2 * HOUR): 0.05, (5 * HOUR, 9 * HOUR): 0.02, (DAY, 2 * DAY): 0.004})
    series = EventSeries(
        series.t_s, series.good - rng.integers(0, 2, series.good.size), series.total, 300
    )
    moments = [AT - timedelta(minutes=5 * k) for k in range(0, 600, 7)]
    for spec in (SloSpec(0.999, 28 * DAY), SloSpec(0.99, None, min_events=10)):
        timeline = evaluate_timeline(series, spec, moments)
        for i, moment in enumerate(moments):
            state = evaluate(series, spec, moment)
            burns, tier = timeline.state_at(i, spec)
            assert burns == pytest.approx(state.burn_rates, nan_ok=True)
            assert (timeline.good[i], timeline.total[i]) == (state.good, state.total)
            assert tier == (state.alert.tier if state.alert else None)


@pytest.mark.parametrize(
    ("good", "until", "expected"),
    [
        ([10, 10, 5, 6, 4], 4, 2),
        ([10, 10, 5, 6, 4], 1, None),
        ([10, 5, 10, 5, 5], 4, 3),
        ([5, 5, 5, 5, 5], 4, 0),
        ([10, 10, 5, 6, 10], 4, None),
        ([10, 10, 5, 6, 4], 3, 2),
    ],
    ids=[
        "the bad stretch began at its first bad bucket",
        "no bad bucket up to the moment: no burn start",
        "a good bucket ends the walk back",
        "bad from the first bucket on",
        "the newest bucket is good: nothing burns now",
        "buckets after the moment are not looked at",
    ],
)
def test_burn_start_walks_back_over_consecutive_bad_buckets(
    good: list[float], until: int, expected: int | None
) -> None:
    series = EventSeries(np.arange(5.0) * 300, np.array(good, float), np.full(5, 10.0))
    found = series.burn_start(until * 300.0, objective=0.9)
    assert found == (None if expected is None else expected * 300.0)


def test_burn_start_skips_buckets_without_events() -> None:
    series = EventSeries(np.arange(4.0), np.array([10.0, 0.0, 0.0, 0.0]), np.array([10, 5, 0, 5.0]))
    assert series.burn_start(3.0, objective=0.95) == 1.0
