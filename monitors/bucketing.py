"""Which bucket each value falls in, between sorted edges fixed in advance, without a sort.

``Buckets(edges).index(values)`` equals ``np.searchsorted(edges, values, side="right") - 1``
(-1 below the first edge, ``len(edges) - 1`` at or above the last), for any float values,
but costs a few passes over the values instead of a binary search each (a binary search over
thirty thousand edges costs about a hundred nanoseconds a value on this machine kind).

Two lookup tables, built once with the edges, give each value's bucket up to the few edges its
cell may hold: equal-width cells over ``[edges[0], edges[-1]]``, and, inside each cell that
holds two edges or more (where a skewed distribution crowds its edges), equal-width sub-cells.
Each cell keeps the bucket of a point just below it (a lower bound whatever the rounding of
``(value - lo) * scale``) and how many edges lie from there to just past it: none, and the
bound is the bucket; one, and one comparison decides; more, and the value goes to the finer
table, or, past that one, to ``searchsorted``. The tables leave out the outermost edges (one in
:data:`TAIL_EDGES` at each end): a long tail would otherwise stretch every cell, and the few
values out there are binary-searched. With the counts and sums per bucket
(``np.bincount``), a window's distribution is known at the reference's edges in O(n), which is
all the KS and Wasserstein statistics need away from the few buckets where the samples
interleave.

NaN is placed above every edge, as ``searchsorted`` places it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELLS_PER_EDGE = 16  # lookup cells per edge, in each table
MAX_CELLS = 1 << 24  # per table
ULPS_PER_CELL = 64  # a cell is at least this many float steps wide
MARGIN_ULPS = 8  # float steps a value's cell may be off by rounding, allowed for on each side
TAIL_EDGES = 200  # one edge in this many, at each end, is left out of the tables


@dataclass(frozen=True, eq=False)
class _Table:
    """Equal-width cells over [lo, lo + cells / scale): per cell a lower bound of the bucket of
    any value placed in it and how many edges may lie above that bound for such a value."""

    lo: float
    scale: float
    cells: int
    guess: np.ndarray  # int64
    reach: np.ndarray  # uint8: 0 exact, 1 one comparison, 2 look closer (small: cache-friendly)


def _bounds(
    edges: np.ndarray, starts: np.ndarray, width: np.ndarray | float, margin: float
) -> tuple:
    """For cells [start, start + width): the bucket of a point just below the start, and how
    many edges lie from there to just past the end ("just": ``margin``, more than the rounding
    of a value's cell, which ULPS_PER_CELL keeps far below a cell's width)."""
    guess = np.searchsorted(edges, starts - margin, side="right") - 1
    bound = np.searchsorted(edges, starts + width + margin, side="right") - 1
    return guess.astype(np.int64), (bound - guess).astype(np.int64)


def _cells_within(span: float, narrowest: float, wanted: int) -> int:
    """At most ``wanted`` cells over ``span``, none narrower than ``narrowest``; 0 where the
    span is not usable."""
    if not (span > 0 and np.isfinite(span) and np.isfinite(min(wanted, MAX_CELLS) / span)):
        return 0  # no span, or cells so narrow that their scale overflows
    return int(max(0, min(wanted, MAX_CELLS, span // narrowest)))


def _kinds(reach: np.ndarray) -> np.ndarray:
    """How many edges may lie above a cell's guess, as the lookup needs it: 0, 1 or 2 (more)."""
    return np.minimum(reach, 2).astype(np.uint8)


class Buckets:
    """Sorted ``edges`` (non-decreasing float64) and their lookup tables."""

    def __init__(self, edges: np.ndarray, cells_per_edge: int = CELLS_PER_EDGE) -> None:
        edges = np.asarray(edges, dtype=np.float64)
        if edges.ndim != 1 or edges.size == 0:
            raise ValueError("buckets need at least one edge")
        if not np.all(np.isfinite(edges)) or bool(np.any(edges[1:] < edges[:-1])):
            raise ValueError("bucket edges must be finite and sorted")
        self.edges = edges
        # the tables span the edges but the few outermost on each side, where a long tail
        # would stretch every cell: values out there are binary-searched
        trim = edges.size // TAIL_EDGES
        self.lo = float(edges[trim])
        hi = float(edges[edges.size - 1 - trim])
        magnitude = max(abs(self.lo), abs(hi))
        self._margin = float(np.spacing(magnitude)) * MARGIN_ULPS
        self._narrowest = float(np.spacing(magnitude)) * ULPS_PER_CELL
        cells = _cells_within(hi - self.lo, self._narrowest, cells_per_edge * edges.size)
        self._top: _Table | None = None
        self._fine: _Table | None = None
        if cells < 2:
            return  # one point, or a span too small or too large for cells: binary searches
        scale = cells / (hi - self.lo)
        starts = self.lo + np.arange(cells) / scale
        guess, reach = _bounds(edges, starts, 1 / scale, self._margin)
        self._top = _Table(self.lo, scale, cells, guess, _kinds(reach))
        self._refine(starts, scale, cells_per_edge, reach)

    def _refine(
        self, starts: np.ndarray, scale: float, cells_per_edge: int, top_reach: np.ndarray
    ) -> None:
        """Sub-cells in each cell that may hold two edges or more (``top_reach``: how many)."""
        top = self._top
        assert top is not None
        dense = np.flatnonzero(top_reach >= 2)
        if dense.size == 0:
            return
        width = 1 / scale
        most = _cells_within(width, self._narrowest, MAX_CELLS)
        sub = np.minimum(top_reach[dense] * cells_per_edge, most).astype(np.int64)
        if int(sub.sum()) > MAX_CELLS:
            sub = np.maximum(sub * MAX_CELLS // int(sub.sum()), 0)
        with np.errstate(over="ignore"):
            keep = (sub >= 2) & np.isfinite(sub / width)
        dense, sub = dense[keep], sub[keep]
        if dense.size == 0:
            return
        offset = np.cumsum(sub) - sub
        cell_of = np.repeat(np.arange(dense.size), sub)
        position = np.arange(int(sub.sum())) - offset[cell_of]
        sub_width = width / sub[cell_of]
        sub_starts = starts[dense][cell_of] + position * sub_width
        guess, reach = _bounds(self.edges, sub_starts, sub_width, self._margin)
        # the first and last sub-cells also take what rounding put in their cell from outside
        first, last = offset, offset + sub - 1
        bound = guess + reach
        guess[first] = np.minimum(guess[first], top.guess[dense])
        bound[last] = np.maximum(bound[last], (top.guess + top_reach)[dense])
        # per top cell: where its sub-cells start (-1: none), their start and scale
        self._sub_offset = np.full(top.cells, -1, dtype=np.int64)
        self._sub_offset[dense] = offset
        self._sub_count = np.zeros(top.cells, dtype=np.int64)
        self._sub_count[dense] = sub
        self._sub_scale = np.zeros(top.cells)
        self._sub_scale[dense] = sub / width
        self._starts = starts
        self._fine = _Table(0.0, 0.0, int(sub.sum()), guess, _kinds(bound - guess))

    def index(self, values: np.ndarray) -> np.ndarray:
        """``np.searchsorted(edges, values, side="right") - 1``, as int64."""
        values = np.asarray(values, dtype=np.float64)
        top = self._top
        if top is None or values.size == 0:
            return np.searchsorted(self.edges, values, side="right").astype(np.int64) - 1
        cell = values - top.lo
        cell *= top.scale
        outside = cell < 0  # below, above or NaN: binary-searched, as few as the tails hold
        outside |= ~(cell < top.cells)
        far = np.flatnonzero(outside)
        del outside
        if far.size:
            cell[far] = 0
        at = cell.astype(np.int64)
        del cell
        guess = top.guess[at]
        reach = top.reach[at]
        if far.size:
            reach[far] = 0
        self._one_step(values, guess, np.flatnonzero(reach == 1))
        closer = np.flatnonzero(reach >= 2)
        if closer.size:
            guess[closer] = self._closer(values[closer], at[closer])
        if far.size:
            guess[far] = np.searchsorted(self.edges, values[far], side="right") - 1
        return guess

    def _one_step(self, values: np.ndarray, guess: np.ndarray, which: np.ndarray) -> None:
        """Where one edge may lie above the guess: step over it when it is <= the value."""
        if which.size:
            g = guess[which]
            g += self.edges[g + 1] <= values[which]
            guess[which] = g

    def _closer(self, values: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The buckets of values whose top cell holds several edges: by the sub-cells, or by
        binary search where there are none or they hold several edges too."""
        fine = self._fine
        if fine is None:
            return np.searchsorted(self.edges, values, side="right").astype(np.int64) - 1
        offset = self._sub_offset[at]
        refined = offset >= 0
        out = np.empty(values.size, dtype=np.int64)
        rest = np.flatnonzero(~refined)
        if rest.size:
            out[rest] = np.searchsorted(self.edges, values[rest], side="right") - 1
        inside = np.flatnonzero(refined)
        if not inside.size:
            return out
        v, c = values[inside], at[inside]
        position = v - self._starts[c]
        position *= self._sub_scale[c]
        np.clip(position, 0, self._sub_count[c] - 1, out=position)
        sub = offset[inside] + position.astype(np.int64)
        guess = fine.guess[sub]
        reach = fine.reach[sub]
        self._one_step(v, guess, np.flatnonzero(reach == 1))
        far = np.flatnonzero(reach >= 2)
        if far.size:
            guess[far] = np.searchsorted(self.edges, v[far], side="right") - 1
        out[inside] = guess
        return out

    def counts(self, values: np.ndarray) -> np.ndarray:
        """How many values fall in each bucket: index -1 .. len(edges) - 1, so
        ``len(edges) + 1`` counts, the first below ``edges[0]``."""
        return np.bincount(self.index(values) + 1, minlength=self.edges.size + 1)
