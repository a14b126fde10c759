"""One SLO's state at one moment: events, budget, burn rates, the active alert.

Pure: the caller passes the event series and the time. Calendar-month SLOs are evaluated over
the month so far (the budget resets on the 1st, 00:00 UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from slo.budget import burn_rate
from slo.rules import WORKBOOK_TIERS, Tier, TierState, active, evaluate_tiers, fires, rank
from slo.series import EventSeries

# The windows reported as burn rates (and used by the default tiers), by their names.
BURN_WINDOWS: dict[str, float] = {
    "5m": 300.0,
    "30m": 1800.0,
    "1h": 3600.0,
    "2h": 7200.0,
    "6h": 21600.0,
    "1d": 86400.0,
    "3d": 259200.0,
}
CALENDAR_MONTH = "calendar_month"


@dataclass(frozen=True)
class SloSpec:
    objective: float
    window_s: float | None  # None: calendar month
    tiers: tuple[Tier, ...] = WORKBOOK_TIERS
    min_events: float = 0

    def budget_window_s(self, at: datetime) -> float:
        """The window the budget is computed over at ``at``."""
        if self.window_s is not None:
            return self.window_s
        return (at - month_start(at)).total_seconds()

    def tier_window_s(self, at: datetime) -> float:
        """The window the tier factors are scaled by: the SLO window, or the whole month."""
        if self.window_s is not None:
            return self.window_s
        return month_length_s(at)


@dataclass(frozen=True)
class SloState:
    good: float
    total: float
    error_budget_remaining: float | None
    burn_rates: dict[str, float | None]
    tiers: tuple[TierState, ...]
    alert: TierState | None


def evaluate(series: EventSeries, spec: SloSpec, at: datetime) -> SloState:
    at_s = at.timestamp()
    budget_window = spec.budget_window_s(at)
    tier_windows = sorted({w for t in spec.tiers for w in (t.long_window_s, t.short_window_s)})
    windows = np.array([budget_window, *BURN_WINDOWS.values(), *tier_windows], dtype="float64")
    goods, totals = series.sums_many(at_s, windows)
    burns = [burn_rate(g, t, spec.objective) for g, t in zip(goods, totals, strict=True)]
    good, total = float(goods[0]), float(totals[0])
    remaining = None if burns[0] is None else 1 - burns[0]
    named = dict(zip(BURN_WINDOWS, burns[1 : 1 + len(BURN_WINDOWS)], strict=True))
    offset = 1 + len(BURN_WINDOWS)
    burn_at = {
        w: (burns[offset + i], float(totals[offset + i])) for i, w in enumerate(tier_windows)
    }
    states = evaluate_tiers(spec.tiers, spec.tier_window_s(at), burn_at, spec.min_events)
    return SloState(good, total, remaining, named, tuple(states), active(states))


def evaluate_many(items: Sequence[tuple[EventSeries, SloSpec]], at: datetime) -> list[SloState]:
    return [evaluate(series, spec, at) for series, spec in items]


def month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def month_length_s(at: datetime) -> float:
    start = month_start(at)
    following = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=UTC)
    return (following - start).total_seconds()


@dataclass(frozen=True)
class Timeline:
    """SLO states at many moments, as arrays (one entry per moment), for backfills and charts."""

    at_s: np.ndarray
    good: np.ndarray
    total: np.ndarray
    error_budget_remaining: np.ndarray  # NaN: no events
    burn_rates: dict[str, np.ndarray]  # NaN: no events
    active_tier: np.ndarray  # index into spec.tiers, -1: none firing

    def state_at(self, index: int, spec: SloSpec) -> tuple[dict[str, float | None], Tier | None]:
        burns = {name: _none(values[index]) for name, values in self.burn_rates.items()}
        tier = int(self.active_tier[index])
        return burns, (spec.tiers[tier] if tier >= 0 else None)


def evaluate_timeline(series: EventSeries, spec: SloSpec, ats: Sequence[datetime]) -> Timeline:
    """:func:`evaluate` at every moment of ``ats``, vectorised: O(len(ats) log n) per window."""
    at_s = np.array([a.timestamp() for a in ats], dtype="float64")
    if spec.window_s is not None:
        budget_windows = np.full(at_s.shape, spec.window_s)
        tier_scale = np.full(at_s.shape, spec.window_s)
    else:
        budget_windows = np.array([spec.budget_window_s(a) for a in ats])
        tier_scale = np.array([spec.tier_window_s(a) for a in ats])

    def sums(window_s: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        widened = np.maximum(np.broadcast_to(window_s, at_s.shape), series.interval_s)
        hi = np.searchsorted(series.t_s, at_s, side="right")
        lo = np.searchsorted(series.t_s, at_s - widened, side="right")
        return series._cum_good[hi] - series._cum_good[lo], series._cum_total[
            hi
        ] - series._cum_total[lo]

    def burn(good: np.ndarray, total: np.ndarray) -> np.ndarray:
        # burn_rate = (bad / total) / (1 - objective); NaN without events
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (total - good) / total / (1 - spec.objective), np.nan)

    good, total = sums(budget_windows)
    remaining = 1 - burn(good, total)
    named = {name: burn(*sums(w)) for name, w in BURN_WINDOWS.items()}
    active_tier = np.full(at_s.shape, -1)
    best_rank = np.full(at_s.shape, np.inf)
    for index, tier in enumerate(spec.tiers):
        long_good, long_total = sums(tier.long_window_s)
        short_good, short_total = sums(tier.short_window_s)
        factor = (
            np.full(at_s.shape, tier.factor_override)
            if tier.factor_override is not None
            else tier.budget_share * tier_scale / tier.long_window_s
        )
        firing = fires(
            burn(long_good, long_total),
            burn(short_good, short_total),
            long_total,
            short_total,
            factor,
            spec.min_events,
        )
        order = rank(tier.severity, factor)
        better = firing & (order < best_rank)
        active_tier = np.where(better, index, active_tier)
        best_rank = np.where(better, order, best_rank)
    return Timeline(at_s, good, total, remaining, named, active_tier)


def _none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
