"""Event series of one SLO and true event sums over trailing windows.

A series is the good and total events of each bucket, stamped with the bucket's end
(``t_s``, seconds since the epoch, sorted). For occurrences a bucket holds the monitor's good
and total events; for timeslices a bucket is one run: good = 1 when its SLI met the condition,
total = 1. Failed and no-data runs are simply absent: neither good nor bad.

Window sums use cumulative sums and binary search (O(log n) per window after one O(n) pass),
never an average of short ratios and never pandas ``rolling`` (see DESIGN.md "Scale path").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}
_CONDITION = re.compile(
    r"^\s*(?P<sli>[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]+\])?)\s*(?P<op><=|>=|<|>|==)\s*"
    r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """A timeslice condition such as ``drift_share <= 0.3``."""

    sli: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = _CONDITION.match(text)
        if match is None:
            raise ValueError(f"not a condition: {text!r} (like 'drift_share <= 0.3')")
        return cls(match["sli"], match["op"], float(match["value"]))

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Element-wise; NaN (no value) never holds."""
        with np.errstate(invalid="ignore"):
            return np.asarray(_OPS[self.op](values, self.threshold), dtype=bool) & ~np.isnan(values)

    def __str__(self) -> str:
        return f"{self.sli} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class EventSeries:
    """Good and total events per bucket, by bucket end time (seconds, sorted ascending).

    ``interval_s`` is the monitor's run interval: a window shorter than it is widened to one
    interval (a timeslice taken hourly cannot say anything about the last five minutes).
    """

    t_s: np.ndarray
    good: np.ndarray
    total: np.ndarray
    interval_s: float = 0.0
    _cum_good: np.ndarray = field(init=False, repr=False, compare=False)
    _cum_total: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        t_s = np.asarray(self.t_s, dtype="float64")
        if t_s.size > 1 and np.any(np.diff(t_s) < 0):
            raise ValueError("bucket times must be sorted")
        object.__setattr__(self, "t_s", t_s)
        object.__setattr__(self, "good", np.asarray(self.good, dtype="float64"))
        object.__setattr__(self, "total", np.asarray(self.total, dtype="float64"))
        # cumulative sums with a leading 0: sum over buckets [i, j) = cum[j] - cum[i]
        object.__setattr__(self, "_cum_good", np.concatenate(([0.0], np.cumsum(self.good))))
        object.__setattr__(self, "_cum_total", np.concatenate(([0.0], np.cumsum(self.total))))

    @classmethod
    def timeslices(
        cls, t_s: np.ndarray, values: np.ndarray, condition: Condition, interval_s: float = 0.0
    ) -> EventSeries:
        """One bucket per run: good when the SLI meets the condition."""
        values = np.asarray(values, dtype="float64")
        good = condition.holds(values).astype("float64")
        return cls(np.asarray(t_s), good, np.ones_like(good), interval_s)

    @classmethod
    def empty(cls) -> EventSeries:
        return cls(np.array([]), np.array([]), np.array([]))

    def sums(self, at_s: float, window_s: float) -> tuple[float, float]:
        """``(good, total)`` over buckets ending in ``(at - window, at]``."""
        window_s = max(window_s, self.interval_s)
        hi = int(np.searchsorted(self.t_s, at_s, side="right"))
        lo = int(np.searchsorted(self.t_s, at_s - window_s, side="right"))
        return float(self._cum_good[hi] - self._cum_good[lo]), float(
            self._cum_total[hi] - self._cum_total[lo]
        )

    def sums_many(self, at_s: float, windows_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`sums` for many windows at once."""
        windows_s = np.maximum(np.asarray(windows_s, dtype="float64"), self.interval_s)
        hi = np.searchsorted(self.t_s, at_s, side="right")
        lo = np.searchsorted(self.t_s, at_s - windows_s, side="right")
        return self._cum_good[hi] - self._cum_good[lo], self._cum_total[hi] - self._cum_total[lo]

    def burn_start(self, until_s: float, objective: float) -> float | None:
        """When the bad stretch that runs up to ``until_s`` began: the end time of its first
        bucket, walking back over consecutive bad buckets (more bad events than the objective
        allows, ``bad / total > 1 - objective``; for timeslices, a bad slice). Buckets without
        events are skipped; None when the newest bucket up to ``until_s`` is not bad."""
        allowed = 1.0 - objective
        hi = int(np.searchsorted(self.t_s, until_s, side="right"))
        start = None
        for i in range(hi - 1, -1, -1):
            total = self.total[i]
            if total <= 0:
                continue
            if (total - self.good[i]) / total <= allowed:
                break
            start = float(self.t_s[i])
        return start
