"""Value counts of a reference column, and a window's counts aligned to them.

The state of the tests that compare counts per value: chi-square, the Z-test, and PSI and
Jensen-Shannon on categorical columns (and on numerical ones with few distinct values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitors.drift.prepare import ReferenceColumn


@dataclass(frozen=True, eq=False)
class ValueCounts:
    """The reference's finite values counted: value -> count, and their total."""

    counts: pd.Series
    rows: int


def fit_counts(reference: ReferenceColumn) -> ValueCounts:
    return ValueCounts(reference.counts, reference.rows)


def aligned(ref: ValueCounts, current: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The values of both sides (the reference's first, then those only the window has) and
    each side's counts over them, zero where a side lacks the value."""
    keys = ref.counts.index.append(current.index[~current.index.isin(ref.counts.index)])
    ref_counts = ref.counts.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    cur_counts = current.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    return keys, ref_counts, cur_counts
