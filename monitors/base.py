"""What every monitor returns."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "no_data"]


@dataclass(frozen=True)
class MonitorResult:
    """The outcome of one monitor over one window.

    ``slis`` maps SLI names to values (``None`` when undefined for this window). ``good`` and
    ``total`` are the window's event counts for occurrence SLOs (valid rows, fast requests,
    correct predictions); ``None`` when the monitor has no events (timeslice-only monitors).
    ``details`` is JSON-serialisable evidence: per-column scores, the worst slice, and so on.
    """

    status: Status
    slis: Mapping[str, float | None] = field(default_factory=dict)
    good: float | None = None
    total: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def no_data(cls, reason: str, **details: Any) -> MonitorResult:
        return cls(status="no_data", details={"reason": reason, **details})


def finite_or_none(value: Any) -> float | None:
    """A float for storage and JSON: NaN and infinities become ``None``."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def require_columns(window: Any, columns: Iterable[str | None]) -> None:
    """ValueError naming the first column (not None) the window lacks, and what it has."""
    for column in columns:
        if column is not None and column not in window.columns:
            raise ValueError(
                f"column {column!r} is not in the window (columns: {', '.join(map(str, window.columns))})"
            )
