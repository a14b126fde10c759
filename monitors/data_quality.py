"""Data quality: each row checked against the schema.

A row is good when every checked column passes its rule: the value is present (unless the
column is ``nullable``), has the column's type, lies within ``[min, max]`` (infinities never
do), and is one of ``allowed`` when that is set. SLIs:

- ``valid_rows_share`` = good rows / rows (the occurrence SLI: good and total are row counts);
- ``missing_share``, ``type_error_share``, ``out_of_range_share``, ``unexpected_share``: bad
  cells / checked cells over all columns, and per column as ``missing_share[column]`` etc.;
- ``duplicate_share`` = rows identical to an earlier row of the window / rows;
- ``volume_ratio`` = rows / rows expected from the reference's rate over the window length;
- ``rows``.

A missing value in a ``nullable`` column is counted in ``missing_share`` but does not make the
row bad.

Speed: the checks of a column of categories run once per distinct object of the column
(``monitors.counting``), not once per cell. Duplicates are found from a 64-bit key per row,
built from each column's values (float bits, integer values, category codes); rows whose key
repeats are the only candidates, and pandas' own ``duplicated`` decides among them, so a
collision of keys costs time, never a wrong count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitors import query as q
from monitors.base import MonitorResult, finite_or_none
from monitors.counting import distinct_objects, factorize

CHECKS = ("missing", "type_error", "out_of_range", "unexpected")
_TRUE = {True, "true", "True", "TRUE", "1", "yes"}
_FALSE = {False, "false", "False", "FALSE", "0", "no"}


@dataclass(frozen=True)
class ColumnRule:
    name: str
    type: str  # float | int | category | str | bool
    min: float | None = None
    max: float | None = None
    allowed: tuple[Any, ...] | None = None
    nullable: bool = True


@dataclass(frozen=True)
class DataQualitySpec:
    columns: tuple[ColumnRule, ...]
    duplicate_columns: tuple[str, ...] | None = None  # None: every column of the window
    max_examples: int = 3


@dataclass(frozen=True)
class _ColumnCheck:
    missing: np.ndarray
    type_error: np.ndarray
    out_of_range: np.ndarray
    unexpected: np.ndarray


def evaluate(
    window: pd.DataFrame,
    spec: DataQualitySpec,
    *,
    window_s: float,
    reference_rate_per_s: float | None = None,
) -> MonitorResult:
    """Check ``window`` against ``spec``. ``reference_rate_per_s``: rows per second expected."""
    if len(window) == 0:
        return MonitorResult.no_data("no rows in the window", rows=0)
    return RowChecks.of(window, spec).summarize(
        0, len(window), window_s=window_s, reference_rate_per_s=reference_rate_per_s
    )


@dataclass(frozen=True)
class RowChecks:
    """Every row's checks over a long frame, as boolean masks (a byte a row and check), so that
    any run of rows (a window of a time-sorted frame) is summarised by summing mask slices,
    without checking a row twice.

    Duplicates are found over the whole frame: rows identical in every column, timestamp
    included, always fall in the same window.
    """

    frame: pd.DataFrame
    spec: DataQualitySpec
    masks: dict[tuple[str, str], np.ndarray]  # (column, check) -> rows failing it
    bad_by_column: dict[str, np.ndarray]  # column -> rows bad because of it
    bad: np.ndarray  # rows bad for any column
    duplicates: np.ndarray  # rows identical to an earlier row

    @classmethod
    def of(cls, frame: pd.DataFrame, spec: DataQualitySpec) -> RowChecks:
        for rule in spec.columns:
            if rule.name not in frame.columns:
                raise ValueError(f"column {rule.name!r} not in the current window")
        n = len(frame)
        bad_row = np.zeros(n, dtype=bool)
        bad_by_column, masks = {}, {}
        for rule in spec.columns:
            check = _check_column(frame[rule.name], rule)
            row_fails = check.type_error | check.out_of_range | check.unexpected
            if not rule.nullable:
                row_fails = row_fails | check.missing
            bad_row |= row_fails
            for name in CHECKS:
                masks[(rule.name, name)] = getattr(check, name)
            bad_by_column[rule.name] = row_fails
        columns = spec.duplicate_columns
        duplicated = _duplicated(frame[list(columns)] if columns else frame)
        return cls(frame, spec, masks, bad_by_column, bad_row, duplicated)

    def summarize(
        self, lo: int, hi: int, *, window_s: float, reference_rate_per_s: float | None = None
    ) -> MonitorResult:
        """The result for rows ``[lo, hi)``."""
        return statistics(
            self.profile(lo, hi),
            self.spec,
            window_s=window_s,
            reference_rate_per_s=reference_rate_per_s,
        )

    def profile(self, lo: int, hi: int) -> DataQualityProfile:
        """The counts of rows ``[lo, hi)``."""
        counts, bad_by_column, examples = {}, {}, {}
        for rule in self.spec.columns:
            for name in CHECKS:
                counts[(rule.name, name)] = int(
                    np.count_nonzero(self.masks[(rule.name, name)][lo:hi])
                )
            bad_by_column[rule.name] = int(np.count_nonzero(self.bad_by_column[rule.name][lo:hi]))
            if bad_by_column[rule.name]:
                examples[rule.name] = self._examples(rule.name, lo, hi)
        return DataQualityProfile(
            rows=max(hi - lo, 0),
            counts=counts,
            bad_by_column=bad_by_column,
            bad=int(np.count_nonzero(self.bad[lo:hi])),
            duplicates=int(np.count_nonzero(self.duplicates[lo:hi])),
            examples=examples,
        )

    def _examples(self, column: str, lo: int, hi: int) -> dict[str, list[str]]:
        raw = self.frame[column].iloc[lo:hi]
        out = {}
        for name in ("type_error", "out_of_range", "unexpected"):
            mask = self.masks[(column, name)][lo:hi]
            if mask.any():
                out[name] = _examples(raw, mask, self.spec.max_examples)
        return out


@dataclass(frozen=True)
class DataQualityProfile:
    """What the data-quality SLIs of one window are computed from, wherever it was computed:
    rows failing each ``(column, check)``, rows bad because of each column, rows bad for any,
    rows identical to an earlier one, and a few example values per column and check."""

    rows: int
    counts: dict[tuple[str, str], int]
    bad_by_column: dict[str, int]
    bad: int
    duplicates: int
    examples: dict[str, dict[str, list[str]]]


def statistics(
    profile: DataQualityProfile,
    spec: DataQualitySpec,
    *,
    window_s: float,
    reference_rate_per_s: float | None = None,
) -> MonitorResult:
    """The data-quality SLIs from a window's profile."""
    rows = profile.rows
    if rows <= 0:
        return MonitorResult.no_data("no rows in the window", rows=0)
    totals = dict.fromkeys(CHECKS, 0)
    slis: dict[str, float | None] = {}
    columns: dict[str, dict[str, Any]] = {}
    for rule in spec.columns:
        found = {name: profile.counts[(rule.name, name)] for name in CHECKS}
        for name, count in found.items():
            totals[name] += count
            slis[f"{name}_share[{rule.name}]"] = count / rows
        bad = profile.bad_by_column[rule.name]
        columns[rule.name] = {
            **found,
            "bad_rows": bad,
            "bad_share": bad / rows,
            "examples": profile.examples.get(rule.name, {}) if bad else {},
        }
    good = rows - profile.bad
    cells = rows * max(len(spec.columns), 1)
    expected = reference_rate_per_s * window_s if reference_rate_per_s else None
    failing = sorted(
        (name for name, c in columns.items() if c["bad_rows"]),
        key=lambda n: -columns[n]["bad_rows"],
    )
    slis = {
        "valid_rows_share": good / rows,
        "rows": float(rows),
        "duplicate_share": profile.duplicates / rows,
        "volume_ratio": finite_or_none(rows / expected) if expected else None,
        **{f"{name}_share": totals[name] / cells for name in CHECKS},
        **slis,
    }
    details = {
        "rows": rows,
        "bad_rows": rows - good,
        "duplicates": profile.duplicates,
        "expected_rows": finite_or_none(expected),
        "failing_columns": failing,
        "columns": columns,
    }
    return MonitorResult(
        status="ok", slis=slis, good=float(good), total=float(rows), details=details
    )


# --- on an engine ---------------------------------------------------------------------------
#
# A column of numbers checked as numbers, and a column that is checked for presence only, are
# compiled to conditions (``monitors.query``) the engine evaluates row by row. Every other
# column (text checked against `allowed`, text or booleans that must read as numbers, values
# that must read as booleans) is checked as the in-process path checks it: the engine returns
# the column's distinct values, ``_check_column`` decides each one, and the engine counts the
# rows holding a failing value. Either way a row's checks are the in-process path's.

NUMBERS = ("float", "int")


def checked_by_value(rule: ColumnRule, dtype: q.DType | None) -> bool:
    """Whether a column of ``dtype`` is checked value by value (its distinct values fetched)."""
    if rule.type in NUMBERS:
        return dtype not in NUMBERS
    if rule.type == "bool":
        return dtype != "bool"
    return rule.allowed is not None


def failing_values(rule: ColumnRule, values: list[Any]) -> dict[str, tuple[Any, ...]]:
    """Of a column's distinct present ``values``: those failing each value check."""
    distinct = pd.Series(values) if values else pd.Series([], dtype=object)
    check = _check_column(distinct, rule)
    return {
        name: tuple(v for v, bad in zip(values, getattr(check, name), strict=True) if bad)
        for name in ("type_error", "out_of_range", "unexpected")
    }


def column_conditions(
    rule: ColumnRule, dtype: q.DType | None, failing: dict[str, tuple[Any, ...]] | None
) -> dict[str, q.Condition | None]:
    """Each check of one column as a condition on a row (None: no row fails it).

    ``failing``: for a column checked value by value, :func:`failing_values` of it."""
    column = rule.name
    missing = q.Missing(column)
    out: dict[str, q.Condition | None] = dict.fromkeys(CHECKS)
    out["missing"] = missing
    if failing is not None:
        for name, values in failing.items():
            out[name] = q.In(column, values) if values else None
        return out
    if rule.type not in NUMBERS:
        return out  # present or not: the only check of this column
    type_error = q.Fractional(column) if rule.type == "int" and dtype == "float" else None
    ok = q.all_of(q.Not(missing), q.Not(type_error) if type_error else None)
    beyond = q.any_of(
        q.Not(q.Finite(column)),
        q.Compare(column, "<", rule.min) if rule.min is not None else None,
        q.Compare(column, ">", rule.max) if rule.max is not None else None,
    )
    out["type_error"] = type_error
    out["out_of_range"] = q.all_of(ok, beyond)
    if rule.allowed is not None:
        allowed = tuple(float(a) for a in rule.allowed if _is_number(a))
        out["unexpected"] = q.all_of(ok, q.Not(beyond), q.Not(q.In(column, allowed)))
    return out


def row_bad(rule: ColumnRule, conditions: dict[str, q.Condition | None]) -> q.Condition | None:
    """A row bad because of this column: a failed check, or missing where it may not be."""
    return q.any_of(
        conditions["type_error"],
        conditions["out_of_range"],
        conditions["unexpected"],
        None if rule.nullable else conditions["missing"],
    )


def profile_query(
    spec: DataQualitySpec, conditions: dict[str, dict[str, q.Condition | None]]
) -> dict[str, q.Aggregate]:
    """The counts of :class:`DataQualityProfile` as aggregates, from each column's
    :func:`column_conditions` (keys ``rows``, ``bad``, ``column/check``, ``column/bad``)."""
    aggregates: dict[str, q.Aggregate] = {"rows": q.Count()}
    bads = []
    for rule in spec.columns:
        for name, condition in conditions[rule.name].items():
            if condition is not None:
                aggregates[f"{rule.name}/{name}"] = q.Count(condition)
        bad = row_bad(rule, conditions[rule.name])
        if bad is not None:
            aggregates[f"{rule.name}/bad"] = q.Count(bad)
            bads.append(bad)
    if bads:
        aggregates["bad"] = q.Count(q.any_of(*bads))
    return aggregates


def profile_of(
    spec: DataQualitySpec,
    values: dict[str, Any],
    *,
    groups: int,
    examples: dict[str, dict[str, list[Any]]],
) -> DataQualityProfile:
    """The profile from :func:`profile_query`'s values, the number of distinct rows
    (duplicates are the rest) and example values of failing cells."""
    rows = int(values["rows"])
    return DataQualityProfile(
        rows=rows,
        counts={
            (rule.name, name): int(values.get(f"{rule.name}/{name}") or 0)
            for rule in spec.columns
            for name in CHECKS
        },
        bad_by_column={
            rule.name: int(values.get(f"{rule.name}/bad") or 0) for rule in spec.columns
        },
        bad=int(values.get("bad") or 0),
        duplicates=rows - groups if rows else 0,
        examples={
            column: {
                check: [text[:60] for text in dict.fromkeys(map(repr, found))][: spec.max_examples]
                for check, found in checks.items()
                if found
            }
            for column, checks in examples.items()
        },
    )


def _check_column(raw: pd.Series, rule: ColumnRule) -> _ColumnCheck:
    n = len(raw)
    type_error = np.zeros(n, dtype=bool)
    out_of_range = np.zeros(n, dtype=bool)
    unexpected = np.zeros(n, dtype=bool)

    if rule.type in ("float", "int"):
        missing = raw.isna().to_numpy()
        present = ~missing
        numeric = _as_numeric(raw)
        values = numeric.to_numpy(dtype="float64", na_value=np.nan)
        type_error = present & np.isnan(values)
        if rule.type == "int":
            with np.errstate(invalid="ignore"):
                type_error |= present & np.isfinite(values) & (np.floor(values) != values)
        ok = present & ~type_error
        with np.errstate(invalid="ignore"):
            out_of_range = ok & ~np.isfinite(values)  # infinities are never in range
            if rule.min is not None:
                out_of_range |= ok & (values < rule.min)
            if rule.max is not None:
                out_of_range |= ok & (values > rule.max)
        if rule.allowed is not None:
            allowed = np.array([float(a) for a in rule.allowed if _is_number(a)], dtype="float64")
            unexpected = ok & ~out_of_range & ~np.isin(values, allowed)
        return _ColumnCheck(missing, type_error, out_of_range, unexpected)

    distinct = distinct_objects(raw)
    missing = _per_cell(raw, distinct, lambda cells: cells.isna().to_numpy(), missing_code=True)
    if pd.api.types.is_bool_dtype(raw) or (rule.type != "bool" and rule.allowed is None):
        return _ColumnCheck(missing, type_error, out_of_range, unexpected)
    if rule.type == "bool":
        type_error = ~missing & ~_per_cell(raw, distinct, _is_boolean)
    else:  # category, str: the text of each value against the allowed texts
        allowed = {str(a) for a in rule.allowed or ()}
        unexpected = ~missing & ~_per_cell(raw, distinct, lambda cells: _text_in(cells, allowed))
    return _ColumnCheck(missing, type_error, out_of_range, unexpected)


def _per_cell(
    raw: pd.Series,
    distinct: tuple[np.ndarray, np.ndarray] | None,
    check: Callable[[pd.Series], np.ndarray],
    missing_code: bool = False,
) -> np.ndarray:
    """``check(raw)``, computed once per distinct object (``distinct``: codes and objects of
    ``raw``, None to check every cell); ``missing_code``: the answer for a categorical's
    missing values (code -1)."""
    if distinct is None:
        return check(raw)
    codes, objects = distinct
    return np.append(check(pd.Series(objects, dtype=object)), missing_code)[codes]


def _is_boolean(cells: pd.Series) -> np.ndarray:
    known = cells.map(lambda v: v in _TRUE or v in _FALSE if _hashable_value(v) else False)
    return known.to_numpy(dtype=bool, na_value=False)


def _text_in(cells: pd.Series, allowed: set[str]) -> np.ndarray:
    return cells.astype("string").isin(allowed).to_numpy(dtype=bool, na_value=False)


def _as_numeric(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype("float64", copy=False)
    return pd.to_numeric(raw.map(lambda v: np.nan if isinstance(v, bool) else v), errors="coerce")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hashable_value(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns with unhashable cells (lists from JSON, say) compared by their text."""
    out = frame
    for column in frame.columns:
        raw = frame[column]
        if raw.dtype != np.dtype(object):
            continue
        hashable = _per_cell(raw, distinct_objects(raw), _cells_hashable, missing_code=True)
        if not hashable.all():
            out = out.assign(**{column: raw.astype(str)})
    return out


def _cells_hashable(cells: pd.Series) -> np.ndarray:
    return cells.map(_hashable_value).to_numpy(dtype=bool)


_KEY_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: the row key is a polynomial in it
_NAN_KEY = np.uint64(0x7FF8DEADBEEF0001)


def _duplicated(frame: pd.DataFrame) -> np.ndarray:
    """``frame.duplicated()`` (rows identical to an earlier row; NaN equals NaN), by row keys.

    Rows pandas calls equal get equal keys; rows whose key repeats are checked by pandas itself.
    """
    n = len(frame)
    if n == 0 or frame.shape[1] == 0:
        return np.zeros(n, dtype=bool)
    frame = _hashable(frame)
    key = np.zeros(n, dtype=np.uint64)
    for column in frame.columns:
        key *= _KEY_MULTIPLIER
        key += _column_key(frame[column])
    candidates = pd.Series(key, copy=False).duplicated(keep=False).to_numpy()
    duplicated = np.zeros(n, dtype=bool)
    if candidates.any():  # every earlier twin of a candidate row is a candidate too
        duplicated[candidates] = frame[candidates].duplicated().to_numpy()
    return duplicated


def _column_key(raw: pd.Series) -> np.ndarray:
    """A uint64 per value, equal for values pandas' ``duplicated`` treats as equal."""
    dtype = raw.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = raw.to_numpy(dtype=np.float64) + 0.0  # -0.0 becomes 0.0
        key = values.view(np.uint64)
        key[np.isnan(values)] = _NAN_KEY  # every NaN alike
        return key
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return raw.to_numpy().astype(np.int64, copy=False).view(np.uint64)
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        return raw.to_numpy().view(np.int64).view(np.uint64)
    codes, _ = factorize(raw)  # hashable: _duplicated made unhashable columns text
    return codes.astype(np.int64, copy=False).view(np.uint64)


def _examples(raw: pd.Series, mask: np.ndarray, limit: int) -> list[str]:
    values = raw.iloc[np.flatnonzero(mask)[:200]].map(repr).drop_duplicates().head(limit)
    return [text[:60] for text in values]
