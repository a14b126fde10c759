"""A numerical window column held by an engine: its profile queried, its values never fetched.

Every numerical method reads a window column through :class:`~monitors.drift.prepare.WindowColumn`;
:class:`QueriedColumn` is one whose answers come from the engine that holds the window
(DuckDB, a database; see ``cockpit/engines/sqltext.py``), each a few rows at most:

- ``rows``, ``range``, ``integer``: one aggregate query over the finite values (what the
  binned methods' edges need), made before any method runs;
- ``histogram(edges)``: counts per bin at the edges the in-process code computes from those
  (PSI, Jensen-Shannon on many distinct values);
- ``distances(reference)``: the KS statistic and the Wasserstein-1 distance between the
  reference's values (uploaded to the engine) and the window's, exact (KS, Wasserstein);
- ``counts``, ``unseen``: value counts, and distinct values outside a few reference values
  (auto's choice, the methods that compare counts per value);
- ``sorted``: the values themselves, only for a window of at most :data:`FETCH_MAX_ROWS`
  finite values (scipy's exact KS p-value needs the samples; it is used up to 10,000 rows).

The statistics are then the same functions as in process. Values are dropped exactly as
``prepare.clean`` and ``finite_and_private`` drop them: NULL, NaN and +-inf.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from monitors.drift.prepare import (
    MISSING_IN_WINDOW,
    NOT_NUMERIC_IN_WINDOW,
    WindowColumn,
    clean,
    prepare_window,
)

# The most finite values ever fetched from an engine: scipy's ks_2samp computes its exact
# p-value from the samples when both have at most 10,000 values (ks.KS_EXACT_MAX_N).
FETCH_MAX_ROWS = 10_000
NUMBERS = ("int", "float")  # kinds of columns whose values the engine compares as numbers
NOT_NUMBERS = ("text", "time")  # kinds a frame holds as non-numeric dtypes


class NumericalQueries(Protocol):
    """What an engine answers about one column of its window (``SqlWindow`` implements it)."""

    rows: int
    dtypes: Mapping[str, str]  # column -> int, float, bool, text, time or other

    def series(self, name: str) -> pd.Series: ...

    def value_counts(self, name: str) -> pd.Series: ...

    def finite_range(self, name: str) -> tuple[int, float | None, float | None, int]:
        """Finite values: how many, the smallest, the largest; and rows with no value."""
        ...

    def bin_counts(self, name: str, edges: Sequence[float]) -> np.ndarray: ...

    def finite_values(self, name: str) -> np.ndarray: ...

    def distinct_outside(self, name: str, values: Sequence[float]) -> int: ...

    def ecdf_distances(
        self, name: str, reference: np.ndarray, finite_rows: int | None = None
    ) -> tuple[float, float]:
        """KS D and Wasserstein-1 between the sorted finite ``reference`` and the window."""
        ...


@dataclass(frozen=True)
class Distances:
    """Between the empirical CDFs of reference and window: their largest gap (the KS
    statistic) and the area between them (the Wasserstein-1 distance)."""

    ks: float
    w1: float


def queried_column(held: NumericalQueries, name: str) -> WindowColumn | str:
    """The window's numerical column ``name`` as the methods read it, or why it cannot be
    tested, from one aggregate query."""
    kind = held.dtypes.get(name)
    finite, low, high, missing = held.finite_range(name)
    if kind in NUMBERS:
        if finite == 0:
            return MISSING_IN_WINDOW
        assert low is not None and high is not None
        # a frame holds an integer column with a missing value as floats (or nullable ints):
        # not a plain integer dtype (prepare.is_integer)
        return QueriedColumn(held, name, finite, kind == "int" and missing == 0, (low, high))
    if kind in NOT_NUMBERS:  # all missing reads as all-NaN in a frame, else as not numeric
        return MISSING_IN_WINDOW if missing == held.rows else NOT_NUMERIC_IN_WINDOW
    # booleans and unknown kinds: read as a frame would hold them, and prepared in process
    return prepare_window(held.series(name), categorical=False)


class QueriedColumn(WindowColumn):
    """A numerical window column whose profile the engine holding it computes."""

    def __init__(
        self,
        held: NumericalQueries,
        name: str,
        rows: int,
        integer: bool,
        value_range: tuple[float, float],
    ) -> None:
        super().__init__(rows, integer)
        self.held = held
        self.name = name
        self._range = value_range
        self._distances: dict[int, tuple[np.ndarray, Distances]] = {}

    @property
    def values(self) -> np.ndarray:
        raise ValueError(f"column {self.name!r}: the window's values stay in the engine")

    @property
    def sorted(self) -> np.ndarray:
        """The finite values, sorted: fetched, for a small window only."""
        if self._sorted is None:
            if self.rows > FETCH_MAX_ROWS:
                raise ValueError(
                    f"column {self.name!r}: {self.rows} values stay in the engine (at most "
                    f"{FETCH_MAX_ROWS} are fetched)"
                )
            self._sorted = self.held.finite_values(self.name)
        return self._sorted

    @property
    def counts(self) -> pd.Series:
        """Rows per finite value, as floats (as a frame's column is read), counted by the engine."""
        if self._counts is None:
            counts = clean(self.held.value_counts(self.name))
            index = pd.Index(counts.index.to_numpy(dtype=np.float64), name=None)
            self._counts = pd.Series(counts.to_numpy(dtype=np.int64), index=index)
        return self._counts

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        return self.held.bin_counts(self.name, [float(e) for e in edges])

    def unseen(self, values: pd.Index) -> int:
        listed = [float(v) for v in values]
        return self.held.distinct_outside(self.name, listed)

    def distances(self, reference: np.ndarray) -> Distances:
        """KS statistic and Wasserstein-1 distance from the sorted finite ``reference``."""
        kept = self._distances.get(id(reference))
        if kept is None or kept[0] is not reference:
            ks, w1 = self.held.ecdf_distances(self.name, reference, self.rows)
            kept = (reference, Distances(ks, w1))
            self._distances[id(reference)] = kept
        return kept[1]
