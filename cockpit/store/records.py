"""What callers hand the store and get back: plain values, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RunRecord:
    """What the runner hands the store for one run."""

    service: str
    monitor: str
    kind: str
    window_start: datetime
    window_end: datetime
    status: str
    slis: dict[str, float | None] = field(default_factory=dict)
    good: float | None = None
    total: float | None = None
    duration_s: float = 0.0
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    reference_version: str | None = None
    engine: str = "pandas"  # where the window was computed: pandas | duckdb | spark | sql
    started_at: datetime | None = None  # when the run began (None: when it is saved)
