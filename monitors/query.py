"""What a monitor asks of a window that is not in memory: conditions and aggregates, as data.

A monitor kind computes its *profile* (counts, sums, extremes, percentiles) next to the data:
in process from a frame, or by an engine (DuckDB, a SQL database, Spark) that compiles these
terms to its own language and returns one value per aggregate. The statistics are then the same
pure functions of the profile wherever it was computed, so an SLI never depends on the engine.

Missing means what it means in pandas: NULL, or NaN in a floating column. ``Finite`` is a
present value that is not NaN or an infinity. Every condition is true or false, never unknown:
a comparison with a missing value is false, as it is in numpy (SQL's NULL does not leak out).

Expressions (:data:`Expr`: columns, constants, ``-``, ``*``, ``/``, ``abs``, the greater of two)
are arithmetic on a row's numbers as 64-bit floats, so that a profile can hold sums of them (a
regression's absolute and squared errors); they are evaluated on rows where they are defined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

DType = Literal["float", "int", "bool", "text", "time", "other"]


# --- conditions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _OfColumn:
    column: str


class Missing(_OfColumn):
    """NULL, or NaN in a floating column."""


class Finite(_OfColumn):
    """Present, and not NaN or an infinity."""


class Truthy(_OfColumn):
    """A boolean True, or a number other than 0 (a missing value is not)."""


class Fractional(_OfColumn):
    """A finite number that is not whole (2.5, not 2.0)."""


# --- expressions: arithmetic over a row's numbers, as 64-bit floats ---------------------------


@dataclass(frozen=True)
class Col:
    """A column's value (as a float inside an expression; as it is on the right of a
    :class:`Compare`)."""

    name: str


@dataclass(frozen=True)
class Lit:
    """A constant number."""

    value: float


@dataclass(frozen=True)
class Sub:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Mul:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Div:
    """``left / right``; the caller keeps ``right`` away from 0 (as with :class:`Greatest`)."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Abs:
    of: Expr


@dataclass(frozen=True)
class Greatest:
    """The larger of two values, as ``np.maximum`` of two present numbers."""

    left: Expr
    right: Expr


Expr = Col | Lit | Sub | Mul | Div | Abs | Greatest


@dataclass(frozen=True)
class Compare:
    """``column op value``: op one of ``<``, ``<=``, ``>``, ``>=``, ``=``; ``column`` a column's
    name or an expression, ``value`` a constant, a :class:`Col` or an expression."""

    column: str | Expr
    op: Literal["<", "<=", ">", ">=", "="]
    value: Any


@dataclass(frozen=True)
class In:
    """The value is one of ``values`` (none: never)."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class All:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Missing | Finite | Fractional | Compare | In | Truthy | All | AnyOf | Not


def all_of(*conditions: Condition | None) -> Condition | None:
    kept = tuple(c for c in conditions if c is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else All(kept)


def any_of(*conditions: Condition | None) -> Condition | None:
    kept = tuple(c for c in conditions if c is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AnyOf(kept)


# --- aggregates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """Rows (where ``where`` holds)."""

    where: Condition | None = None


@dataclass(frozen=True)
class Max:
    column: str
    where: Condition | None = None


@dataclass(frozen=True)
class Sum:
    """The sum of ``column`` (a column's name or an expression, as floats) where ``where``
    holds; 0 when no row holds."""

    column: str | Expr
    where: Condition | None = None


@dataclass(frozen=True)
class CentredSquares:
    """``sum((x - mean(x))^2)`` of ``column`` (a name or an expression) where ``where`` holds,
    the mean over those rows; 0 when no row holds. Computed in a numerically sound form (the
    engine's population variance times the count, not ``sum(x^2) - sum(x)^2 / n``, which
    cancels catastrophically when the mean is large against the spread)."""

    column: str | Expr
    where: Condition | None = None


@dataclass(frozen=True)
class SumLogClipped:
    """``sum(log(clip(x if positive else 1 - x, low, high)))`` of ``column`` where ``where``
    holds: a log-likelihood (log loss is its negative mean)."""

    column: str
    positive: Condition
    low: float
    high: float
    where: Condition | None = None


@dataclass(frozen=True)
class Quantiles:
    """Exact quantiles ``qs`` (in [0, 1]) of ``column`` where ``where`` holds, interpolated
    linearly between order statistics (numpy's default); None each when no row holds."""

    column: str
    qs: Sequence[float]
    where: Condition | None = None


Aggregate = Count | Max | Sum | CentredSquares | SumLogClipped | Quantiles
