"""The drift methods, each registered by its own module (NannyML's ``MethodFactory``).

A method is a key, the column types it accepts, a default threshold, whether its score is a
p-value or a distance, the comparison that turns a score and a threshold into "drifted", and
two functions:

    fit(reference: ReferenceColumn) -> state     # once per reference version
    test(state, window: WindowColumn) -> Score   # once per window

``fit`` keeps only what ``test`` needs, in a small frozen dataclass of its own. ``test`` reads
the window through the prepared column every method shares (``monitors.drift.prepare``: the
finite values sorted once, or the value counts), so a method adds no pass over the window
unless it needs one.

Adding a method is one module whose test function is decorated with :func:`method` (its key,
the column types it accepts, its default threshold, how its score decides, its fit) and one
import line in ``monitors/drift/__init__.py``; nothing else in the cockpit names it. ``"auto"`` is not a
method but a rule that picks one (``monitors.drift.auto``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from monitors.drift.prepare import ReferenceColumn, WindowColumn

AUTO = "auto"
FeatureType = Literal["numerical", "categorical"]
NUMERICAL: frozenset[FeatureType] = frozenset({"numerical"})
CATEGORICAL: frozenset[FeatureType] = frozenset({"categorical"})
BOTH: frozenset[FeatureType] = NUMERICAL | CATEGORICAL


@dataclass(frozen=True)
class Score:
    """What a method's test gives for one window."""

    value: float  # the p-value or the distance: the column's drift score
    statistic: float | None = None  # what the p-value comes from (KS D, chi-square, z), if any


@dataclass(frozen=True)
class DriftMethod:
    """One statistical test: what it accepts, how it decides, and its fit and test."""

    key: str
    accepts: frozenset[FeatureType]
    default_threshold: float
    p_value: bool  # the score is a p-value (drift when small), else a distance (when large)
    drifted: Callable[[float, float], bool]  # (score, threshold) -> drifted, the test's own way
    fit: Callable[[ReferenceColumn], Any]
    test: Callable[[Any, WindowColumn], Score]

    def __post_init__(self) -> None:
        if not self.key or self.key == AUTO:
            raise ValueError(f"a drift method needs a key other than {AUTO!r}, got {self.key!r}")
        if not self.accepts or not self.accepts <= BOTH:
            raise ValueError(
                f"method {self.key!r}: accepts must name numerical and/or categorical, "
                f"got {sorted(self.accepts)!r}"
            )
        if not (math.isfinite(self.default_threshold) and self.default_threshold >= 0):
            raise ValueError(
                f"method {self.key!r}: default_threshold must be a finite number >= 0, "
                f"got {self.default_threshold!r}"
            )

    def accepts_column(self, categorical: bool) -> bool:
        return ("categorical" if categorical else "numerical") in self.accepts


# The comparisons the stattests use: Evidently's ks_stattest.py drifts at p <= threshold,
# chisquare and z at p < threshold, the distances at value >= threshold.
def below(score: float, threshold: float) -> bool:
    return score < threshold


def at_or_below(score: float, threshold: float) -> bool:
    return score <= threshold


def at_or_above(score: float, threshold: float) -> bool:
    return score >= threshold


@dataclass(frozen=True)
class Decision:
    """How a test's score decides: a p-value (drift when small) or a distance (when large),
    and the comparison with the threshold."""

    p_value: bool
    drifted: Callable[[float, float], bool]


P_AT_OR_BELOW = Decision(True, at_or_below)  # ks
P_BELOW = Decision(True, below)  # chisquare, z
DISTANCE = Decision(False, at_or_above)  # wasserstein, psi, jensenshannon

_METHODS: dict[str, DriftMethod] = {}


def register(method: DriftMethod) -> DriftMethod:
    """Add ``method`` under its key (refused if the key is taken); returns it."""
    if method.key in _METHODS:
        raise ValueError(f"a drift method {method.key!r} is already registered")
    _METHODS[method.key] = method
    return method


def method(
    key: str,
    accepts: frozenset[FeatureType],
    threshold: float,
    decision: Decision,
    *,
    fit: Callable[[ReferenceColumn], Any],
) -> Callable[[Callable[[Any, WindowColumn], Score]], Callable[[Any, WindowColumn], Score]]:
    """Register the decorated test function as the drift method ``key``."""

    def decorate(
        test: Callable[[Any, WindowColumn], Score],
    ) -> Callable[[Any, WindowColumn], Score]:
        register(
            DriftMethod(key, accepts, threshold, decision.p_value, decision.drifted, fit, test)
        )
        return test

    return decorate


def unregister(key: str) -> None:
    """Remove the method registered under ``key``."""
    get(key)
    del _METHODS[key]


def get(key: str) -> DriftMethod:
    try:
        return _METHODS[key]
    except KeyError:
        raise ValueError(
            f"no drift method {key!r} is registered (known: {', '.join(_METHODS)})"
        ) from None


def names() -> tuple[str, ...]:
    """What ``DriftSpec.method`` accepts: "auto", then every method in registration order."""
    return (AUTO, *_METHODS)


def accepting(categorical: bool) -> tuple[str, ...]:
    """The methods that test a column of this type, in registration order."""
    return tuple(key for key, m in _METHODS.items() if m.accepts_column(categorical))


def is_p_value(key: str) -> bool:
    """Whether ``key``'s score is a p-value (drift when small); False for "auto" and unknowns."""
    method = _METHODS.get(key)
    return method is not None and method.p_value


def default_threshold(key: str) -> float | None:
    """The method's own threshold; None for "auto" (it depends on the method picked)."""
    method = _METHODS.get(key)
    return None if method is None else method.default_threshold
