"""Multi-window, multi-burn-rate alert rules (SRE Workbook, ch. 5, "Multiwindow, multi-burn-rate
alerts"), generalised to any SLO window as Sloth does.

A tier fires when the burn rate over both its long and its short window exceeds its factor.
For an SLO window ``W`` the factor is ``budget_share * W / long_window``: the burn rate that
spends ``budget_share`` of the budget within ``long_window``. For W = 30 days the Workbook's
tiers give 14.4 / 6 / 3 / 1; for 28 days 13.44 / 5.6 / 2.8 / 0.933.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

HOUR = 3600.0
DAY = 86400.0
SEVERITY_ORDER = {"page": 0, "ticket": 1}


@dataclass(frozen=True)
class Tier:
    severity: str  # page | ticket
    long_window_s: float
    short_window_s: float
    budget_share: float | None = None  # factor = budget_share * W / long_window
    factor_override: float | None = None  # a fixed factor, whatever W is

    def factor(self, slo_window_s: float) -> float:
        """The burn-rate threshold: ``budget_share * W / long_window`` (Workbook, Sloth)."""
        if self.factor_override is not None:
            return self.factor_override
        assert self.budget_share is not None
        return self.budget_share * slo_window_s / self.long_window_s


# SRE Workbook table 5-8: page on 2% of the budget in 1h or 5% in 6h; ticket on 10% in 1d or 3d.
WORKBOOK_TIERS: tuple[Tier, ...] = (
    Tier("page", 1 * HOUR, 5 * 60, budget_share=0.02),
    Tier("page", 6 * HOUR, 30 * 60, budget_share=0.05),
    Tier("ticket", 1 * DAY, 2 * HOUR, budget_share=0.10),
    Tier("ticket", 3 * DAY, 6 * HOUR, budget_share=0.10),
)


@dataclass(frozen=True)
class TierState:
    tier: Tier
    factor: float
    long_burn: float | None
    short_burn: float | None
    long_events: float
    short_events: float
    firing: bool


def fires(
    long_burn: Any,
    short_burn: Any,
    long_events: Any,
    short_events: Any,
    factor: Any,
    min_events: float = 0,
) -> Any:
    """The tier rule, on numbers or element-wise on arrays: both windows burn faster than the
    factor and each holds at least ``min_events`` events (and one at the least: one failure
    among ten requests is not a page). A NaN burn (no events) never fires."""
    need = max(min_events, 1)
    with np.errstate(invalid="ignore"):
        return (
            (np.asarray(long_events) >= need)
            & (np.asarray(short_events) >= need)
            & (np.asarray(long_burn, dtype="float64") > factor)
            & (np.asarray(short_burn, dtype="float64") > factor)
        )


def rank(severity: str, factor: Any) -> Any:
    """Which firing tier wins (lowest first): page before ticket, then the fastest burn; the
    others are inhibited, as Alertmanager inhibits a ticket while its page fires."""
    return SEVERITY_ORDER.get(severity, 9) * 1e6 - np.asarray(factor, dtype="float64")


def evaluate_tiers(
    tiers: Sequence[Tier],
    slo_window_s: float,
    burn_at: dict[float, tuple[float | None, float]],
    min_events: float = 0,
) -> list[TierState]:
    """Each tier's state, from ``burn_at[window_s] = (burn_rate, events)`` (see :func:`fires`)."""
    states = []
    for tier in tiers:
        factor = tier.factor(slo_window_s)
        long_burn, long_events = burn_at[tier.long_window_s]
        short_burn, short_events = burn_at[tier.short_window_s]
        firing = bool(
            fires(
                np.nan if long_burn is None else long_burn,
                np.nan if short_burn is None else short_burn,
                long_events,
                short_events,
                factor,
                min_events,
            )
        )
        states.append(
            TierState(tier, factor, long_burn, short_burn, long_events, short_events, firing)
        )
    return states


def active(states: Sequence[TierState]) -> TierState | None:
    """The firing tier that notifies (the lowest :func:`rank`), or None."""
    firing = [s for s in states if s.firing]
    if not firing:
        return None
    return min(firing, key=lambda s: float(rank(s.tier.severity, s.factor)))
