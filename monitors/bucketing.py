"""Which bucket each value falls in, between sorted edges fixed in advance, without a sort.

``Buckets(edges).index(values)`` equals ``np.searchsorted(edges, values, side="right") - 1``
(-1 below the first edge, ``len(edges) - 1`` at or above the last), for any float values,
but costs a few passes over the values instead of a binary search each: a lookup table over
equal-width cells of ``[edges[0], edges[-1]]``, built once with the edges, gives each value's
bucket up to a step or two, and vectorised comparisons with the edges fix it up exactly. With
the counts and sums per bucket (``np.bincount``), a window's distribution is known at the
reference's edges in O(n), which is all the KS and Wasserstein statistics need away from the few
buckets where the two samples interleave.

NaN is placed above every edge, as ``searchsorted`` places it.
"""

from __future__ import annotations

import numpy as np

CELLS_PER_EDGE = (
    8  # lookup cells per edge: a value's first guess is then rarely off by more than one
)


class Buckets:
    """Sorted ``edges`` (non-decreasing float64) and their lookup table."""

    def __init__(self, edges: np.ndarray, cells_per_edge: int = CELLS_PER_EDGE) -> None:
        edges = np.asarray(edges, dtype=np.float64)
        if edges.ndim != 1 or edges.size == 0:
            raise ValueError("buckets need at least one edge")
        if not np.all(np.isfinite(edges)) or bool(np.any(edges[1:] < edges[:-1])):
            raise ValueError("bucket edges must be finite and sorted")
        self.edges = edges
        self.lo = float(edges[0])
        span = float(edges[-1]) - self.lo
        usable = span > 0 and np.isfinite(span)
        self.cells = max(1, min(cells_per_edge * edges.size, 1 << 24)) if usable else 1
        self.scale = self.cells / span if usable else 0.0
        # Each cell's guess is the bucket of the previous cell's start: below every value of the
        # cell whatever the rounding of (value - lo) * scale, so a guess only ever steps up.
        starts = self.lo + (np.arange(self.cells) - 1) / self.scale if usable else np.zeros(1)
        table = np.searchsorted(edges, starts, side="right") - 1
        self._table = np.maximum(table, 0).astype(np.int64)
        # Where many edges share a cell (a heavy tail squeezes most of them into a few cells),
        # stepping costs more than a binary search: those edges are searched instead.
        steps = np.diff(np.append(self._table, edges.size - 1))
        self._search = bool(steps.max(initial=0) > 16)

    def index(self, values: np.ndarray) -> np.ndarray:
        """``np.searchsorted(edges, values, side="right") - 1``, as int64."""
        values = np.asarray(values, dtype=np.float64)
        if self._search:
            return np.searchsorted(self.edges, values, side="right").astype(np.int64) - 1
        edges, last = self.edges, self.edges.size - 1
        cell = values - self.lo
        cell *= self.scale
        np.clip(cell, 0, self.cells - 1, out=cell)  # NaN stays NaN: handled below
        nan = np.isnan(cell)
        if nan.any():
            cell[nan] = self.cells - 1
        guess = self._table[cell.astype(np.int64)]
        top = edges[np.minimum(guess + 1, last)]
        # whole-array steps while many values move, then only the few still moving
        for _ in range(4):
            step = (guess < last) & ~(values < top)  # NaN steps to the end
            moved = int(np.count_nonzero(step))
            if not moved:
                return self._below(values, guess)
            guess += step
            if moved * 16 < values.size:
                break
            np.take(edges, np.minimum(guess + 1, last), out=top)
        moving = np.flatnonzero(guess < last)
        moving = moving[~(values[moving] < edges[guess[moving] + 1])]
        while moving.size:
            guess[moving] += 1
            at = guess[moving]
            keep = at < last
            moving, at = moving[keep], at[keep]
            moving = moving[~(values[moving] < edges[at + 1])]
        return self._below(values, guess)

    def _below(self, values: np.ndarray, guess: np.ndarray) -> np.ndarray:
        below = values < self.lo
        if below.any():
            guess[below] = -1
        return guess

    def counts(self, values: np.ndarray) -> np.ndarray:
        """How many values fall in each bucket: index -1 .. len(edges) - 1, so
        ``len(edges) + 1`` counts, the first below ``edges[0]``."""
        return np.bincount(self.index(values) + 1, minlength=self.edges.size + 1)
