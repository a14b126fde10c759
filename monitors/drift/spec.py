"""What to test (``DriftSpec``) and what a fit keeps of the reference (``FittedReference``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from monitors.drift import registry


@dataclass(frozen=True)
class DriftSpec:
    """Which columns to test, and how."""

    columns: tuple[str, ...]  # features and, optionally, the prediction column
    method: str = "auto"  # "auto" or a registered method: ks, wasserstein, psi, ... (METHODS)
    threshold: float | None = None  # None: Evidently's default for the method used
    categorical: tuple[
        str, ...
    ] = ()  # forced categorical; other columns inferred as Evidently does
    drift_share: float = 0.5  # reported only (dataset_drift = drift_share >= this, as Evidently)

    def __post_init__(self) -> None:
        methods = registry.names()
        if self.method not in methods:
            raise ValueError(f"method must be one of {', '.join(methods)}, got {self.method!r}")
        if not self.columns:
            raise ValueError("columns must name at least one column")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"columns must be distinct, got {list(self.columns)!r}")
        if self.threshold is not None and not (
            math.isfinite(self.threshold) and self.threshold >= 0
        ):
            raise ValueError(f"threshold must be a finite number >= 0, got {self.threshold!r}")
        if not 0 <= self.drift_share <= 1:
            raise ValueError(f"drift_share must be between 0 and 1, got {self.drift_share!r}")


@dataclass(frozen=True, eq=False)
class ColumnReference:
    """One reference column, fitted: its common facts and its method's own fitted state.

    ``states`` maps the method to what its ``fit`` kept; when ``method`` is "auto" (the window's
    distinct values decide, see ``monitors.drift.auto``) it holds every method the window can
    lead to, and ``values`` the reference's distinct values that decision counts.
    """

    name: str
    categorical: bool
    method: str  # resolved stattest, or "auto" when it depends on the window's distinct values
    threshold: float | None  # the spec's, else the method's default; None: auto, not resolved
    rows: int  # finite values
    distinct: int
    states: Mapping[str, Any] = field(default_factory=dict)
    values: pd.Index | None = None  # the reference's distinct values, while auto waits
    problem: str | None = None


@dataclass(frozen=True, eq=False)
class FittedReference:
    """A reference fitted for one spec. ``version`` identifies spec and content (for caching)."""

    spec: DriftSpec
    columns: tuple[ColumnReference, ...]
    rows: int
    version: str

    def column(self, name: str) -> ColumnReference:
        for col in self.columns:
            if col.name == name:
                return col
        raise ValueError(f"column {name!r} is not in this fitted reference")
