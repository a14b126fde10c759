"""Columns cleaned once, for whichever method fits or tests them.

NaN and +-inf are dropped from both sides before any test, in every column type, as Evidently's
``get_one_column_drift`` drops them. A numerical window column is then made finite and sorted
once, and every numerical method works on that sorted array: it is sorted in place when dropping
NaN already made a private copy, else copied, so a window is never modified. Categorical columns
(and numerical ones counted per value) are value counts, through ``monitors.counting``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitors.bucketing import Buckets
from monitors.counting import value_counts

MISSING_IN_WINDOW = "all values missing in the current window"
MISSING_IN_REFERENCE = "all values missing in the reference"
NOT_NUMERIC_IN_WINDOW = "values are not numeric in the current window"


class ReferenceColumn:
    """One reference column, as every method's ``fit`` receives it.

    Numerical: ``finite`` (the finite values in the frame's order, possibly the frame's own
    memory: read them only), ``sorted`` (a sorted read-only copy, which fitted states may keep),
    ``integer`` (an integer dtype). Both types: ``rows`` (finite values), ``distinct`` and
    ``counts`` (value -> count; for numerical columns counted from ``sorted`` when first asked).
    """

    def __init__(self, raw: pd.Series, categorical: bool) -> None:
        self.name = str(raw.name)
        self.categorical = categorical
        self.integer = False
        self.finite: np.ndarray | None = None
        self.sorted: np.ndarray | None = None
        self._counts: pd.Series | None = None
        if categorical:
            self._counts = clean_counts(raw)
            self.rows = int(self._counts.sum())
            self.distinct = len(self._counts)
            return
        if not pd.api.types.is_numeric_dtype(raw):
            raise ValueError(f"column {self.name!r} is numerical but has dtype {raw.dtype}")
        self.finite = finite_and_private(raw)[0]
        self.rows = int(self.finite.size)
        self.integer = is_integer(raw)
        self.sorted = frozen(np.sort(self.finite))
        ties = int(np.count_nonzero(self.sorted[1:] == self.sorted[:-1]))
        self.distinct = self.rows - ties

    @property
    def counts(self) -> pd.Series:
        if self._counts is None:
            assert self.sorted is not None
            keys, n = np.unique(self.sorted, return_counts=True)
            self._counts = pd.Series(n, index=keys)
        return self._counts


class WindowColumn:
    """One window column, as every method's ``test`` receives it: ``rows`` finite values.

    ``sorted``: the finite values, sorted on first use (numerical columns). ``counts``: value ->
    count, in order of first appearance when asked before ``sorted`` (as ``evaluate`` does when
    auto needs the window's distinct values). ``integer``: the window's dtype is an integer one.
    """

    def __init__(
        self,
        rows: int,
        integer: bool = False,
        values: np.ndarray | None = None,
        private: bool = False,
        counts: pd.Series | None = None,
    ) -> None:
        self.rows = rows
        self.integer = integer
        self._values = values
        self._private = private
        self._sorted: np.ndarray | None = None
        self._counts = counts
        self._blocks: dict[int, tuple[Buckets, np.ndarray]] = {}
        self._range: tuple[float, float] | None = None

    @property
    def values(self) -> np.ndarray:
        """The finite values in the frame's order (read only: may be the frame's memory)."""
        if self._values is None:
            raise ValueError("a categorical window column has no numerical values")
        return self._values

    @property
    def range(self) -> tuple[float, float]:
        """The smallest and the largest value."""
        if self._range is None:
            if self._sorted is not None:
                self._range = (float(self._sorted[0]), float(self._sorted[-1]))
            else:
                self._range = (float(self.values.min()), float(self.values.max()))
        return self._range

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        """``np.histogram(values, edges)[0]``, for values within [edges[0], edges[-1]]."""
        return bin_counts(self.values, edges)

    def unseen(self, values: pd.Index) -> int:
        """How many distinct values of the window are none of ``values``."""
        return int((~self.counts.index.isin(values)).sum())

    def blocks(self, buckets: Buckets) -> np.ndarray:
        """Each value's block between the reference's ``buckets`` edges: 0 below the first edge,
        ``k`` in [edges[k-1], edges[k]) (kept for the values in chosen blocks)."""
        kept = self._blocks.get(id(buckets))
        if kept is None or kept[0] is not buckets:
            kept = (buckets, buckets.index(self.values) + 1)
            self._blocks[id(buckets)] = kept
        return kept[1]

    def values_in(self, buckets: Buckets, chosen: np.ndarray) -> np.ndarray:
        """The values in the blocks ``chosen``, in the frame's order (a copy)."""
        block = self.blocks(buckets)
        wanted = np.zeros(buckets.edges.size + 1, dtype=bool)
        wanted[chosen] = True
        return self.values[wanted[block]]

    def sorted_in(self, buckets: Buckets, chosen: np.ndarray) -> np.ndarray:
        """The values in the blocks ``chosen`` (ascending), sorted: blocks are value intervals in
        order, so they come block after block."""
        picked = self.values_in(buckets, chosen)
        picked.sort()
        return picked

    @property
    def sorted(self) -> np.ndarray:
        if self._sorted is None:
            if self._values is None:
                raise ValueError("a categorical window column has no numerical values to sort")
            self._sorted = _sorted(self._values, self._private)  # the one sort of the window
        return self._sorted

    @property
    def counts(self) -> pd.Series:
        if self._counts is None:
            assert self._values is not None
            self._counts = pd.Series(self._values).value_counts(sort=False)
        return self._counts


def prepare_window(raw: pd.Series, categorical: bool) -> WindowColumn | str:
    """The window column ready for any method, or why it cannot be tested."""
    if categorical:
        counts = clean_counts(raw)
        rows = int(counts.sum())
        return WindowColumn(rows, counts=counts) if rows else MISSING_IN_WINDOW
    if not (pd.api.types.is_numeric_dtype(raw) or raw.isna().all()):
        return NOT_NUMERIC_IN_WINDOW
    values, private = finite_and_private(raw)
    if values.size == 0:
        return MISSING_IN_WINDOW
    return WindowColumn(int(values.size), is_integer(raw), values, private)


def bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """np.histogram(values, edges)[0] for values within [edges[0], edges[-1]], in any order:
    bins [e_k, e_k+1), the last one closed."""
    index = Buckets(edges).index(values)
    np.minimum(index, edges.size - 2, out=index)  # the last edge closes the last bin
    return np.bincount(index, minlength=edges.size - 1)


def finite_and_private(raw: pd.Series) -> tuple[np.ndarray, bool]:
    """The finite values, and whether they are a private copy (made by dropping NaN/inf) that
    may be sorted in place; otherwise they may be the frame's own memory."""
    values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    return (values, False) if finite.all() else (values[finite], True)


def _sorted(values: np.ndarray, private: bool) -> np.ndarray:
    if not private:
        return np.sort(values)
    values.sort()
    return values


def is_integer(raw: pd.Series) -> bool:
    """A plain integer dtype (numpy's Sturges bins then use a width of at least 1)."""
    return pd.api.types.is_integer_dtype(raw.dtype) and not pd.api.types.is_extension_array_dtype(
        raw.dtype
    )


def clean_counts(raw: pd.Series) -> pd.Series:
    """Value counts without NaN, +-inf and unobserved categories."""
    return clean(value_counts(raw))


def clean(counts: pd.Series) -> pd.Series:
    """Value counts without +-inf and unobserved values."""
    counts = counts[counts > 0]
    index = counts.index
    if index.dtype.kind in "fc" or index.dtype == object:
        infinite = index.isin([np.inf, -np.inf])
        if infinite.any():
            counts = counts[~infinite]
    return counts


# ---------------------------------------------------------------------------------------------
# for methods that keep sorted arrays


def frozen(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only: fitted states share it between windows."""
    array.flags.writeable = False
    return array


def ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The concatenated aranges [starts[k], stops[k])."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + offsets
