"""``method="auto"``: the stattest Evidently picks for a column (``registry._get_default_stattest``).

With ``n`` the distinct values of reference and window together and the reference's rows
counted after dropping NaN/inf:

| reference rows | numerical, n > 5 | numerical, n <= 5 | categorical |
|---|---|---|---|
| <= 1000 | ``ks`` | ``chisquare``, ``z`` when n <= 2 | ``chisquare``, ``z`` when n <= 2 |
| > 1000 | ``wasserstein`` | ``jensenshannon`` | ``jensenshannon`` |

``n`` involves the window, so a low-cardinality column is only resolved per window: the fit then
keeps every method the window could lead to.
"""

from __future__ import annotations

AUTO_SMALL_REFERENCE_ROWS = 1000  # registry._get_default_stattest: reference_data.shape[0] <= 1000
AUTO_FEW_VALUES = 5  # ... numerical with n_values <= 5 is tested like a categorical column
AUTO_BINARY_VALUES = 2  # ... and n_values <= 2 picks the Z-test


def auto_method(rows: int, categorical: bool, n_values: int) -> str:
    """registry._get_default_stattest; ``n_values``: distinct values of reference and window."""
    if rows <= AUTO_SMALL_REFERENCE_ROWS:
        if categorical or n_values <= AUTO_FEW_VALUES:
            return "chisquare" if n_values > AUTO_BINARY_VALUES else "z"
        return "ks"
    if categorical or n_values <= AUTO_FEW_VALUES:
        return "jensenshannon"
    return "wasserstein"


def candidates(rows: int, categorical: bool, distinct: int) -> tuple[str, ...]:
    """Every method ``auto_method`` can pick once a window is known: one when the reference
    alone decides.

    A window can only add distinct values, and the rules change at 2 and 5 of them.
    """
    reachable = {distinct} | {
        n for n in (AUTO_BINARY_VALUES + 1, AUTO_FEW_VALUES + 1) if n > distinct
    }
    return tuple(sorted({auto_method(rows, categorical, n) for n in reachable}))
