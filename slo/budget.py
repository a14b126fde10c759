"""Error budgets and burn rates (Google SRE Workbook, ch. 5 "Alerting on SLOs").

For an objective ``o`` (e.g. 0.999) the error budget is the allowed bad share ``1 - o``.
Over a window: ``error_ratio = bad / total``; ``burn_rate = error_ratio / (1 - o)``: 1 spends
the budget exactly over the SLO window, 14.4 spends a 30-day budget in about two days.
Budget consumed over the SLO window ``W`` is the burn rate over ``W``, and
``error_budget_remaining = 1 - consumed`` (negative once overspent).
No events means no information: every function returns ``None``, never 0.
"""

from __future__ import annotations


def error_ratio(good: float, total: float) -> float | None:
    """``bad / total``; None without events."""
    if total <= 0:
        return None
    return (total - good) / total


def burn_rate(good: float, total: float, objective: float) -> float | None:
    """``(bad / total) / (1 - objective)`` (SRE Workbook, "burn rate"); None without events."""
    if not 0 < objective < 1:
        raise ValueError(f"objective must be in (0, 1), got {objective!r}")
    ratio = error_ratio(good, total)
    return None if ratio is None else ratio / (1 - objective)


def budget_remaining(good: float, total: float, objective: float) -> float | None:
    """``1 - burn_rate over the SLO window``: 1 untouched, 0 spent, < 0 overspent."""
    rate = burn_rate(good, total, objective)
    return None if rate is None else 1 - rate


def budget_spent(burn: float, duration_s: float, slo_window_s: float) -> float:
    """Share of the SLO window's budget a constant ``burn`` spends in ``duration_s``:
    ``burn * duration / W`` (Workbook table: 14.4 for 1h of 30d spends 2%)."""
    return burn * duration_s / slo_window_s
