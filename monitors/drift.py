"""Drift: has each column's distribution in the window moved away from the reference?

Fit once per reference version, evaluate every window (NannyML's fit-then-calculate):

    fitted = fit_reference(reference, DriftSpec(columns=("age", "income", "score")))
    result = evaluate(window, fitted)

Every number equals Evidently 0.7's ``ValueDrift(column=..., method=...)`` on the same data
(``evidently/legacy/calculations/stattests/*.py``, ``registry.py``, ``utils.py`` and
``legacy/calculations/data_drift.py``; the tests compare them within 1e-9). What that means:

- NaN and +-inf are dropped from both sides before any test (``get_one_column_drift``), in every
  column type. A column with no value left in the window is reported with a ``problem`` and
  left out of ``drift_share``; Evidently raises there.
- ``auto`` (``_get_default_stattest``), with ``n`` the distinct values of reference and window
  together and the reference counted after dropping NaN/inf:

  | reference rows | numerical, n > 5 | numerical, n <= 5 | categorical |
  |---|---|---|---|
  | <= 1000 | ``ks`` | ``chisquare``, ``z`` when n <= 2 | ``chisquare``, ``z`` when n <= 2 |
  | > 1000 | ``wasserstein`` | ``jensenshannon`` | ``jensenshannon`` |

  ``n`` involves the window, so a low-cardinality column is only resolved per window.
- Thresholds default to the stattest's own: 0.05 for the p-values of ``ks``, ``chisquare`` and
  ``z``; 0.1 for ``wasserstein``, ``psi`` and ``jensenshannon``. Drift when ``p <= threshold``
  for ``ks``, ``p < threshold`` for ``chisquare`` and ``z``, ``score >= threshold`` otherwise.
- ``ks`` and ``wasserstein`` apply to numerical columns only, ``chisquare`` and ``z`` to
  categorical ones only (Evidently refuses the other type: so does ``fit_reference``);
  ``psi`` and ``jensenshannon`` to both.
- A column is categorical when listed in ``DriftSpec.categorical``, else by Evidently's
  inference (``evidently.core.datasets.infer_column_type``): floats are numerical, integers with
  at most 10 distinct values categorical, bool/category/strings categorical. Evidently infers
  from the current dataset and calls high-cardinality strings text; here the reference decides
  and strings are always categorical.

SLIs: ``drift_share`` (drifted / tested columns), ``drifted_columns`` and, per column,
``drift_score[<column>]`` (the p-value for ``ks``, ``chisquare`` and ``z``, the distance for the
others). ``details["columns"][<column>]`` holds ``method``, ``score``, ``p_value`` (None for
distances), ``statistic`` (KS D, chi-square, z, or the unnormed Wasserstein distance),
``threshold``, ``drifted``, ``categorical``, ``current_rows`` (values left after dropping NaN and
+-inf) and ``problem`` when the column could not be tested; ``details["top_drifted"]`` lists up
to five drifted columns, furthest past their threshold first (threshold / p-value, or
distance / threshold). ``good``/``total`` stay None: drift SLOs are timeslice SLOs.

Speed (issue 8): the reference is reduced once to its sorted finite values, its standard
deviation, value counts and block edges for KS; a window then costs, per column:

- ``ks``: one sort of the window. D is bounded block by block from the counts at the reference's
  block edges, and only the few blocks that can hold the maximum are evaluated exactly, at the
  same points and with the same arithmetic as ``ks_2samp`` (so D is the same float). The
  p-value is scipy's own (``ks_2samp`` itself when max(n1, n2) <= 10,000, else its asymptotic
  ``kstwo.sf(D, round(n1 n2 / (n1 + n2)))``), except that its exact Smirnov series for a
  moderately drifted column is summed vectorised (``_kstwo_sf``: 4 ms instead of 80 for n =
  100,000).
- ``wasserstein``: one sort. The area between the two quantile functions is cut into blocks of
  W1_BLOCK values; where the functions cannot cross within a block, its area comes from prefix
  sums (the reference's computed at fit), and only the blocks where they may cross are summed
  segment by segment (equal to scipy's to ~1e-12 relative; see ``_w1``).
- ``psi``, ``jensenshannon``: Evidently bins reference *and* window together (Sturges edges of
  both), so the edges cannot be fixed at fit time; the window is sorted and both are counted
  with two binary searches per edge. Numerical columns with at most 20 distinct reference
  values are counted per value, as Evidently does.
- ``chisquare``, ``z`` and categorical columns: one count of the window, by object identity
  first (``monitors.counting``: a few ms for a million strings instead of 30).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.spatial import distance

from monitors.base import MonitorResult, finite_or_none
from monitors.counting import value_counts

METHODS = ("auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z")
# Each stattest's default_threshold in evidently/legacy/calculations/stattests/*.py.
DEFAULT_THRESHOLDS = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "psi": 0.1,
    "jensenshannon": 0.1,
}
P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
NUMERICAL_ONLY = frozenset({"ks", "wasserstein"})
CATEGORICAL_ONLY = frozenset({"chisquare", "z"})
AUTO_SMALL_REFERENCE_ROWS = 1000  # registry._get_default_stattest: reference_data.shape[0] <= 1000
AUTO_FEW_VALUES = 5  # ... numerical with n_values <= 5 is tested like a categorical column
AUTO_BINARY_VALUES = 2  # ... and n_values <= 2 picks the Z-test
BINNED_MIN_DISTINCT = 20  # utils.get_binned_data: numerical with > 20 reference values is binned
INTEGER_CARDINALITY_LIMIT = 10  # core/datasets.py: ints with <= 10 values are categorical
# scipy.stats.ks_2samp(method="auto"): the exact p-value when max(n1, n2) <= 10,000
KS_EXACT_MAX_N = 10_000
KS_BLOCK = 32  # reference values per block when bounding the KS statistic (see _ks_statistic)
W1_BLOCK = 32  # values of the larger sample per block when bounding Wasserstein areas (see _w1)
W1_CENTER_RATIO = 10.0  # centre the sums when |median| > this many standard deviations
MISSING_IN_WINDOW = "all values missing in the current window"
MISSING_IN_REFERENCE = "all values missing in the reference"
NOT_NUMERIC_IN_WINDOW = "values are not numeric in the current window"
TOP_DRIFTED = 5


@dataclass(frozen=True)
class DriftSpec:
    """Which columns to test, and how."""

    columns: tuple[str, ...]  # features and, optionally, the prediction column
    method: str = "auto"  # auto | ks | wasserstein | psi | jensenshannon | chisquare | z
    threshold: float | None = None  # None: Evidently's default for the method used
    categorical: tuple[
        str, ...
    ] = ()  # forced categorical; other columns inferred as Evidently does
    drift_share: float = 0.5  # reported only (dataset_drift = drift_share >= this, as Evidently)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
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
    """What the tests need from one reference column, computed once.

    ``values``: sorted finite values (numerical columns); ``counts``: value -> count of the
    finite values (categorical columns, and numerical ones with at most 20 distinct values,
    which PSI, Jensen-Shannon and an auto-picked chi-square/Z-test count rather than bin).
    """

    name: str
    categorical: bool
    method: str  # resolved stattest, or "auto" when it depends on the window's distinct values
    threshold: float | None  # the spec's, else the method's default; None: auto, not resolved
    rows: int  # finite values
    distinct: int
    integer: bool = False  # integer dtype: numpy's Sturges bins use a width of at least 1
    values: np.ndarray | None = None
    minimum: float | None = None
    maximum: float | None = None
    std_norm: float | None = None  # wasserstein_distance_norm: max(std, 0.001)
    center: float | None = None  # what Wasserstein's sums are centred on: 0, or the median
    block_prefix: np.ndarray | None = None  # sums of values - center below every W1_BLOCK-th value
    block_first: np.ndarray | None = None  # the first and last value of each W1_BLOCK block
    block_last: np.ndarray | None = None
    counts: pd.Series | None = None
    block_edges: np.ndarray | None = None  # distinct values among every KS_BLOCK-th value
    block_below: np.ndarray | None = None  # how many reference values lie below each edge
    run_ends: np.ndarray | None = None  # last index of each run of equal values; None: no ties
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


@dataclass(frozen=True)
class _Outcome:
    method: str
    score: float | None
    p_value: float | None
    statistic: float | None
    threshold: float | None
    drifted: bool
    current_rows: int
    problem: str | None = None


# ---------------------------------------------------------------------------------------------
# fit


def reference_version(reference: pd.DataFrame, spec: DriftSpec) -> str:
    """A fingerprint of the spec and the reference's tested columns: equal inputs, equal text."""
    digest = hashlib.sha256(repr(spec).encode())
    digest.update(str(len(reference)).encode())
    for name in spec.columns:
        if name not in reference.columns:
            raise ValueError(f"column {name!r} not in the reference")
        column = reference[name]
        digest.update(f"|{name}|{column.dtype}|".encode())
        digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()[:32]}"


def fit_reference(reference: pd.DataFrame, spec: DriftSpec) -> FittedReference:
    """Reduce ``reference`` to what every later window needs (once per reference version)."""
    version = reference_version(reference, spec)
    columns = tuple(_fit_column(reference[name], spec) for name in spec.columns)
    return FittedReference(spec=spec, columns=columns, rows=len(reference), version=version)


def _fit_column(raw: pd.Series, spec: DriftSpec) -> ColumnReference:
    name = str(raw.name)
    categorical = name in spec.categorical or _infer_categorical(raw)
    method = spec.method
    if method in NUMERICAL_ONLY and categorical:
        raise ValueError(
            f"method {method!r} applies to numerical columns only, and column {name!r} is "
            "categorical (use chisquare, psi, jensenshannon or auto)"
        )
    if method in CATEGORICAL_ONLY and not categorical:
        raise ValueError(
            f"method {method!r} applies to categorical columns only, and column {name!r} is "
            "numerical (list it in categorical, or use ks, wasserstein, psi, jensenshannon or auto)"
        )
    if categorical:
        counts = _clean_counts(raw)
        fitted: dict[str, Any] = {"rows": int(counts.sum()), "distinct": len(counts)}
        fitted["counts"] = counts
    else:
        if not pd.api.types.is_numeric_dtype(raw):
            raise ValueError(f"column {name!r} is numerical but has dtype {raw.dtype}")
        fitted = _fit_numerical(raw, areas=method in ("wasserstein", "auto"))
    if fitted["rows"] == 0:
        return ColumnReference(
            name, categorical, method, spec.threshold, rows=0, distinct=0,
            problem=MISSING_IN_REFERENCE,
        )  # fmt: skip
    if method == "auto":
        method = _auto_at_fit(fitted["rows"], categorical, fitted["distinct"])
    threshold = spec.threshold
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS.get(method)  # None while auto waits for the window
    return ColumnReference(name, categorical, method, threshold, **fitted)


def _fit_numerical(raw: pd.Series, areas: bool) -> dict[str, Any]:
    """Sorted values and what KS, PSI and Jensen-Shannon need; prefix sums when ``areas``."""
    finite = _finite(raw)
    rows = int(finite.size)
    if rows == 0:
        return {"rows": 0}
    values = np.sort(finite)
    ties = values[1:] == values[:-1]
    distinct = rows - int(np.count_nonzero(ties))
    block_edges = values[::KS_BLOCK]
    block_edges = block_edges[np.concatenate(([True], block_edges[1:] != block_edges[:-1]))]
    counts = None
    if distinct <= BINNED_MIN_DISTINCT:
        keys, n = np.unique(values, return_counts=True)
        counts = pd.Series(n, index=keys)
    std = float(np.std(pd.Series(finite)))
    return {
        "rows": rows,
        "distinct": distinct,
        "integer": _is_integer(raw),
        "values": _frozen(values),
        "minimum": float(values[0]),
        "maximum": float(values[-1]),
        # wasserstein_distance_norm.py: norm = max(float(np.std(reference_data)), 0.001)
        "std_norm": max(std, 0.001),
        "counts": counts,
        "block_edges": _frozen(block_edges),
        "block_below": _frozen(np.searchsorted(values, block_edges, side="left")),
        "run_ends": (
            _frozen(np.append(np.flatnonzero(~ties), rows - 1)) if distinct < rows else None
        ),
        **_fit_areas(values, std, areas),
    }


def _fit_areas(values: np.ndarray, std: float, areas: bool) -> dict[str, Any]:
    """Wasserstein's centre and the reference's sums at ``_w1``'s block boundaries."""
    if not areas:
        return {}
    # Sums of raw values lose about eps * |median| / std of the normed distance per block; far
    # from zero (timestamps, prices in cents) the values are centred on the median first.
    median = float(values[values.size // 2])
    center = median if abs(median) > W1_CENTER_RATIO * std else 0.0
    edges = _w1_edges(values.size)
    return {
        "center": center,
        "block_prefix": _frozen(_prefix_at(values, center, edges)),
        "block_first": _frozen(values[edges[:-1]]),
        "block_last": _frozen(values[edges[1:] - 1]),
    }


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _infer_categorical(raw: pd.Series) -> bool:
    """evidently.core.datasets.infer_column_type, with strings always categorical."""
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_float_dtype(dtype):
        return False
    if pd.api.types.is_integer_dtype(dtype):
        return bool(raw.nunique() <= INTEGER_CARDINALITY_LIMIT)
    if pd.api.types.is_string_dtype(dtype):  # object and string dtypes
        present = raw.dropna()
        if present.empty or isinstance(present.iloc[0], str):
            return True
    raise ValueError(
        f"cannot infer whether column {raw.name!r} (dtype {dtype}) is numerical or categorical: "
        "list it in categorical, or give it a numeric dtype"
    )


def _auto_method(rows: int, categorical: bool, n_values: int) -> str:
    """registry._get_default_stattest; ``n_values``: distinct values of reference and window."""
    if rows <= AUTO_SMALL_REFERENCE_ROWS:
        if categorical or n_values <= AUTO_FEW_VALUES:
            return "chisquare" if n_values > AUTO_BINARY_VALUES else "z"
        return "ks"
    if categorical or n_values <= AUTO_FEW_VALUES:
        return "jensenshannon"
    return "wasserstein"


def _auto_at_fit(rows: int, categorical: bool, distinct: int) -> str:
    """``_auto_method`` when only the reference is known, or "auto" if the window can change it.

    A window can only add distinct values, and the rules change at 2 and 5 of them.
    """
    reachable = {distinct} | {
        n for n in (AUTO_BINARY_VALUES + 1, AUTO_FEW_VALUES + 1) if n > distinct
    }
    methods = {_auto_method(rows, categorical, n) for n in reachable}
    return methods.pop() if len(methods) == 1 else "auto"


# ---------------------------------------------------------------------------------------------
# evaluate


def evaluate(window: pd.DataFrame, fitted: FittedReference) -> MonitorResult:
    """Test every column of ``fitted`` on ``window``; reads nothing but the window's columns."""
    spec = fitted.spec
    if len(window) == 0:
        return MonitorResult.no_data("no rows in the window", rows=0)
    for ref in fitted.columns:
        if ref.name not in window.columns:
            raise ValueError(f"column {ref.name!r} not in the current window")

    outcomes = {ref.name: _evaluate_column(window[ref.name], ref) for ref in fitted.columns}
    tested = [name for name, o in outcomes.items() if o.problem is None]
    drifted = [name for name in tested if outcomes[name].drifted]
    categorical = {ref.name: ref.categorical for ref in fitted.columns}
    columns: dict[str, dict[str, Any]] = {}
    for name, o in outcomes.items():
        entry: dict[str, Any] = {
            "method": o.method,
            "score": finite_or_none(o.score),
            "p_value": finite_or_none(o.p_value),
            "statistic": finite_or_none(o.statistic),
            "threshold": o.threshold,
            "drifted": o.drifted,
            "categorical": categorical[name],
            "current_rows": o.current_rows,
        }
        if o.problem is not None:
            entry["problem"] = o.problem
        columns[name] = entry
    if not tested:
        return MonitorResult.no_data(
            "no tested column has values", rows=len(window), columns=columns
        )

    top = sorted(drifted, key=lambda n: (-_severity(outcomes[n]), n))[:TOP_DRIFTED]
    share = len(drifted) / len(tested)
    slis: dict[str, float | None] = {
        "drift_share": share,
        "drifted_columns": float(len(drifted)),
        **{f"drift_score[{name}]": finite_or_none(o.score) for name, o in outcomes.items()},
    }
    details = {
        "method": spec.method,
        "reference_version": fitted.version,
        "rows": len(window),
        "tested_columns": len(tested),
        "drift_share_threshold": spec.drift_share,
        "dataset_drift": share >= spec.drift_share,  # data_drift.get_dataset_drift
        "columns": columns,
        "top_drifted": top,
    }
    return MonitorResult(status="ok", slis=slis, details=details)


def _severity(o: _Outcome) -> float:
    """How far past its threshold a column is: threshold / p, or score / threshold."""
    threshold = o.threshold or 0.0
    score = o.score if o.score is not None and not math.isnan(o.score) else 0.0
    if o.method in P_VALUE_METHODS:
        return math.inf if score <= 0 else threshold / score
    return math.inf if threshold <= 0 else score / threshold


def _evaluate_column(raw: pd.Series, ref: ColumnReference) -> _Outcome:
    if ref.problem is not None:
        return _problem(ref, ref.problem)
    if ref.categorical:
        counts = _clean_counts(raw)
        rows = int(counts.sum())
        if rows == 0:
            return _problem(ref, MISSING_IN_WINDOW)
        method = ref.method
        if method == "auto":
            method = _auto_method(ref.rows, True, _union_size(ref, counts))
        return _from_counts(ref, counts, method)

    if not (pd.api.types.is_numeric_dtype(raw) or raw.isna().all()):
        return _problem(ref, NOT_NUMERIC_IN_WINDOW)
    values, private = _finite_and_private(raw)
    if values.size == 0:
        return _problem(ref, MISSING_IN_WINDOW)
    method = ref.method
    counts = None
    if method == "auto":
        counts = _numeric_counts(values)
        method = _auto_method(ref.rows, False, _union_size(ref, counts))
    if method in ("chisquare", "z") or (
        method in ("psi", "jensenshannon") and ref.distinct <= BINNED_MIN_DISTINCT
    ):
        return _from_counts(ref, _numeric_counts(values) if counts is None else counts, method)
    ordered = _sorted(values, private)  # the one sort of the window
    if method == "ks":
        return _ks(ref, ordered)
    if method == "wasserstein":
        return _wasserstein(ref, ordered)
    return _binned(ref, ordered, _is_integer(raw), method)


# ---------------------------------------------------------------------------------------------
# the stattests


def _decide(method: str, score: float, threshold: float | None) -> tuple[float, bool]:
    """The threshold used and whether the column drifted, each stattest's own way."""
    threshold = DEFAULT_THRESHOLDS[method] if threshold is None else threshold
    if method == "ks":
        drifted = score <= threshold  # ks_stattest.py: p_value <= threshold
    elif method in P_VALUE_METHODS:
        drifted = score < threshold  # chisquare / z: p_value < threshold
    else:
        drifted = score >= threshold  # wasserstein, psi, jensenshannon: value >= threshold
    return threshold, bool(drifted)


def _problem(ref: ColumnReference, problem: str) -> _Outcome:
    threshold = ref.threshold
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS.get(ref.method)
    return _Outcome(ref.method, None, None, None, threshold, False, 0, problem)


def _outcome(
    ref: ColumnReference, method: str, score: float, statistic: float | None, rows: int
) -> _Outcome:
    threshold, drifted = _decide(method, score, ref.threshold)
    p_value = score if method in P_VALUE_METHODS else None
    return _Outcome(method, float(score), p_value, statistic, threshold, drifted, rows)


def _ks(ref: ColumnReference, current: np.ndarray) -> _Outcome:
    """Two-sample Kolmogorov-Smirnov p-value exactly as scipy.stats.ks_2samp(method="auto");
    ``current``: the window's finite values, sorted."""
    assert ref.values is not None
    n1, n2 = ref.values.size, current.size
    if max(n1, n2) <= KS_EXACT_MAX_N:  # small: the exact distribution, by scipy itself
        result = stats.ks_2samp(ref.values, current)
        return _outcome(ref, "ks", float(result.pvalue), float(result.statistic), n2)
    d = _ks_statistic(ref, current)
    # ks_2samp, mode "asymp": kstwo.sf(d, round(m*n/(m+n))), clipped to [0, 1]
    m, n = sorted([float(n1), float(n2)], reverse=True)
    p_value = float(np.clip(_kstwo_sf(d, float(np.round(m * n / (m + n)))), 0, 1))
    return _outcome(ref, "ks", p_value, d, n2)


def _kstwo_sf(d: float, n: float) -> float:
    """scipy.stats.kstwo.sf(d, n), with its slowest branch computed here.

    scipy's ``_kolmogn(n, d, cdf=False)`` answers 2 * smirnov(n, d) when n > 140, 1 < n d < n - 1,
    d < 0.5 and 2.2 <= n d^2 < 370: a moderately drifted column. ``scipy.special.smirnov``
    then sums the n(1 - d) terms one by one (80 ms for n = 100,000, 0.9 s for 1,000,000);
    ``_smirnov`` sums the same series vectorised (4 ms and 50 ms). Elsewhere scipy decides.
    """
    t = n * d
    if n > 140 and d < 0.5 and 1 < t < n - 1 and 2.2 <= t * d < 370:
        return min(max(2 * _smirnov(n, d), 0.0), 1.0)  # _kolmogn: _clip_prob(2 * smirnov)
    return float(stats.kstwo.sf(d, n))


def _smirnov(n: float, d: float) -> float:
    """P(D+_n > d), the one-sided Smirnov survival function (scipy.special.smirnov).

    Birnbaum and Tingey (1951): d * sum over v = 0..floor(n (1 - d)) of
    C(n, v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v), every term positive, summed in log space
    (log C(n, v) = -log(n + 1) - betaln(n - v + 1, v + 1)) and rescaled by the largest term.
    Equal to scipy's within 1e-9 relative (tests/monitors/test_drift.py).
    """
    v = np.arange(0, math.floor(n * (1 - d)) + 1, dtype=np.float64)
    at = d + v / n
    keep = at < 1
    v, at = v[keep], at[keep]
    log_terms = (
        -math.log1p(n)
        - special.betaln(n - v + 1, v + 1)
        + (v - 1) * np.log(at)
        + (n - v) * np.log1p(-at)
    )
    top = float(log_terms.max())
    return float(math.exp(top) * np.exp(log_terms - top).sum() * d)


def _ks_statistic(ref: ColumnReference, cur: np.ndarray) -> float:
    """ks_2samp's two-sided D for the reference and a sorted window, the same float.

    ks_2samp evaluates cdf1 - cdf2 = #ref <= x / n1 - #cur <= x / n2 at every data point x.
    Between two reference block edges (every KS_BLOCK-th reference value) the counts lie between
    their values at the edges, which bounds |cdf1 - cdf2| there from above; just below an edge
    it equals its value at the data point before it, a bound from below for D. Only the blocks
    whose upper bound reaches that lower bound can hold D, and only their points are evaluated
    exactly (the last of each run of equal values: where ks_2samp's counts are). When the two
    samples are so alike that most blocks qualify, the samples are merged whole instead.
    """
    assert ref.values is not None and ref.block_edges is not None
    values = ref.values
    n1, n2 = values.size, cur.size
    ref_below = np.concatenate(([0], ref.block_below, [n1]))  # #ref < edge, -inf and +inf added
    cur_below = np.concatenate(([0], np.searchsorted(cur, ref.block_edges, side="left"), [n2]))
    lower = float(np.abs(ref_below / n1 - cur_below / n2).max())
    upper = np.maximum(
        ref_below[1:] / n1 - cur_below[:-1] / n2, cur_below[1:] / n2 - ref_below[:-1] / n1
    )
    blocks = np.flatnonzero(upper >= lower - 1e-12)
    cur_ends = None
    if n2 > 1 and bool((cur[1:] == cur[:-1]).any()):
        cur_ends = np.append(np.flatnonzero(cur[1:] != cur[:-1]), n2 - 1)
    ref_spans = _end_spans(ref.run_ends, ref_below[blocks], ref_below[blocks + 1])
    cur_spans = _end_spans(cur_ends, cur_below[blocks], cur_below[blocks + 1])
    if sum(int((stop - start).sum()) for start, stop in (ref_spans, cur_spans)) > (n1 + n2) // 4:
        return _ks_statistic_merged(values, cur)
    ref_pick = _pick(ref.run_ends, *ref_spans)
    cur_pick = _pick(cur_ends, *cur_spans)
    count_ref = np.concatenate((ref_pick + 1, np.searchsorted(values, cur[cur_pick], "right")))
    count_cur = np.concatenate((np.searchsorted(cur, values[ref_pick], "right"), cur_pick + 1))
    return _d_from_counts(count_ref / n1 - count_cur / n2)


def _end_spans(
    ends: np.ndarray | None, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where the run ends (``ends``; None: every index) within [starts[k], stops[k]) lie."""
    if ends is None:
        return starts, stops
    return np.searchsorted(ends, starts), np.searchsorted(ends, stops)


def _pick(ends: np.ndarray | None, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    index = _ranges(starts, stops)
    return index if ends is None else ends[index]


def _ks_statistic_merged(ref: np.ndarray, cur: np.ndarray) -> float:
    """D from the whole merged sample: a stable argsort of two sorted runs is a merge."""
    n1 = ref.size
    both = np.concatenate((ref, cur))
    order = np.argsort(both, kind="stable")
    merged = both[order]
    count_cur = np.cumsum(order >= n1)
    del order, both
    ends = np.empty(merged.size, dtype=bool)
    np.not_equal(merged[1:], merged[:-1], out=ends[:-1])
    ends[-1] = True
    del merged
    count_cur = count_cur[ends]
    count_ref = np.flatnonzero(ends) + 1 - count_cur
    return _d_from_counts(count_ref / n1 - count_cur / cur.size)


def _d_from_counts(cddiffs: np.ndarray) -> float:
    # ks_2samp: minS = clip(-min(cddiffs), 0, 1); maxS = max(cddiffs); d = larger of the two
    min_s = min(max(-float(cddiffs.min()), 0.0), 1.0)
    max_s = float(cddiffs.max())
    return min_s if min_s > max_s else max_s


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The concatenated aranges [starts[k], stops[k])."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _prefix_at(values: np.ndarray, center: float, index: np.ndarray) -> np.ndarray:
    """Sums of ``values - center`` below each of ``index`` (sorted positions in [0, size],
    repeats allowed), without the whole cumsum.

    A full prefix sum is a sequential pass (2.4 ms for a million values); the sums between the
    positions asked for are one ``add.reduceat`` (0.6 ms), accumulated over the few positions.
    With a non-zero ``center`` the values are centred first: summing raw values far from zero
    (timestamps, say) would lose the differences the areas are made of.
    """
    if center:
        values = np.subtract(values, center)
    size = values.size
    new = np.empty(index.size, dtype=bool)
    new[:1] = True
    np.not_equal(index[1:], index[:-1], out=new[1:])
    distinct = index[new]
    inner = distinct[(distinct > 0) & (distinct < size)]
    at = np.cumsum(np.add.reduceat(values, np.concatenate(([0], inner))))  # at inner..., size
    table = np.concatenate(
        (
            [0.0] if distinct[0] == 0 else [],
            at[: inner.size],
            at[-1:] if distinct[-1] == size else [],
        )
    )
    return table[np.cumsum(new) - 1]


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """np.unique for a few integers (numpy 2's hash-based unique is 20x slower than a sort)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def _wasserstein(ref: ColumnReference, cur: np.ndarray) -> _Outcome:
    """scipy.stats.wasserstein_distance / max(std(reference), 0.001), as Evidently norms it;
    ``cur``: the window's finite values, sorted."""
    assert ref.values is not None and ref.std_norm is not None and ref.center is not None
    if ref.values.size >= cur.size:  # the reference's block sums were kept at fit
        blocks = (ref.block_prefix, ref.block_first, ref.block_last)
        distance_w1 = _w1(ref.values, blocks, cur, ref.center)
    else:
        distance_w1 = _w1(cur, None, ref.values, ref.center)
    score = distance_w1 / ref.std_norm  # wasserstein_distance_norm.py
    return _outcome(ref, "wasserstein", score, distance_w1, cur.size)


def _w1_edges(n: int) -> np.ndarray:
    """Block boundaries for ``_w1``: every W1_BLOCK-th index of the larger sample, and its end."""
    return np.append(np.arange(0, n, W1_BLOCK, dtype=np.int64), n)


def _w1(
    p: np.ndarray, p_blocks: tuple[np.ndarray | None, ...] | None, q: np.ndarray, center: float
) -> float:
    """W1 of two sorted samples, ``p`` the larger: the area between their quantile functions.

    W1 = integral of |F_p - F_q| dx (what scipy sums along the values) = integral over [0, 1)
    of |Q_p(t) - Q_q(t)| dt, with Q_p(t) = p[floor(t n)] and Q_q(t) = q[floor(t m)].

    The t-axis is cut into blocks of W1_BLOCK values of ``p``. In a block where the smallest
    value of one sample is at least the largest of the other, the sign of Q_p - Q_q is fixed and
    the block's area is a difference of the two samples' integrals, read off their prefix sums
    (``p_blocks``, when known: p's sums at the block boundaries and each block's first and last
    value). Only the blocks where the quantile functions may cross are summed segment by
    segment on the merged breakpoints {i/n} U {j/m}. Two samples of one distribution cross
    about sqrt(n) times, so a window costs a sort, one pass of sums and a few thousand segments
    (the whole merge when they interleave everywhere, never more).
    """
    n, m = p.size, q.size
    # block boundaries in p's indices; on the integer scale t * n * m they are e * m
    edges = _w1_edges(n)
    if p_blocks is None:
        p_blocks = (_prefix_at(p, center, edges), p[edges[:-1]], p[edges[1:] - 1])
    p_at_edges, p_first, p_last = p_blocks
    scaled = edges * m
    q_at = scaled // n  # q's index at each boundary: floor(e m / n)
    q_rem = (scaled - q_at * n) / n  # the fraction of q's value interval before the boundary
    # H(e) = integral_0^t (Q_p - Q_q), t = e / n: p's prefix sum minus q's (with the partial value)
    partial = q_rem * (q[np.minimum(q_at, m - 1)] - center)
    area = p_at_edges / n - (_prefix_at(q, center, q_at) + partial) / m
    q_lo = q_at[:-1]  # q's values met in block k: indices q_lo[k] ..= q_hi[k]
    q_hi = (scaled[1:] - 1) // n
    above = p_first >= q[q_hi]  # Q_p >= Q_q throughout the block
    below = p_last <= q[q_lo]  # Q_p <= Q_q throughout
    steps = np.diff(area)
    total = float(steps[above].sum()) - float(steps[below & ~above].sum())
    mixed = np.flatnonzero(~(above | below))
    if mixed.size:
        total += _w1_segments(p, q, edges[mixed], edges[mixed + 1], q_lo[mixed], q_hi[mixed])
    return max(total, 0.0)


def _w1_segments(
    p: np.ndarray,
    q: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    q_lo: np.ndarray,
    q_hi: np.ndarray,
) -> float:
    """The area |Q_p - Q_q| over p-index blocks [starts[k], stops[k]), segment by segment.

    On the integer scale s = t * n * m, p's value i starts at i m and q's value j at j n; a
    segment starting at s sees p[s // m] and q[s // n].
    """
    n, m = p.size, q.size
    block_start, block_stop = starts * m, stops * m
    points = np.concatenate(
        (
            _ranges(starts, stops) * m,  # p's breakpoints (the block starts among them)
            _ranges(q_lo + 1, q_hi + 1) * n,  # q's breakpoints strictly inside the blocks
            block_stop,
        )
    )
    points = _sorted_distinct(points)
    left, lengths = points[:-1], np.diff(points)
    block = np.searchsorted(block_start, left, side="right") - 1
    inside = left < block_stop[block]  # not the gap between two blocks that do not touch
    left, lengths = left[inside], lengths[inside]
    gaps = np.abs(p[left // m] - q[left // n])
    return float(np.dot(gaps, lengths)) / n / m


def _sturges_edges(lo: Any, hi: Any, n: int, integer: bool) -> np.ndarray:
    """numpy.histogram_bin_edges(data, bins="sturges") from the data's min, max and size."""
    # numpy/lib/_histograms_impl.py: _hist_bin_sturges = ptp / (log2(n) + 1); for integer data
    # the width is at least 1; n_bins = ceil(ptp / width); edges = linspace(min, max, n_bins + 1)
    first, last = (int(lo), int(hi)) if integer else (float(lo), float(hi))
    ptp = last - first
    if ptp == 0:  # _get_outer_edges: expand an empty range
        first, last = first - 0.5, last + 0.5
    width = ptp / (np.log2(n) + 1.0)
    if width:
        if integer and width < 1:
            width = 1
        n_bins = int(np.ceil((last - first) / width))
    else:
        n_bins = 1
    return np.linspace(first, last, n_bins + 1, endpoint=True, dtype=np.float64)


def _binned(ref: ColumnReference, current: np.ndarray, integer: bool, method: str) -> _Outcome:
    """PSI / Jensen-Shannon over Sturges bins of reference and window together (get_binned_data);
    ``current``: the window's finite values, sorted."""
    assert ref.values is not None and ref.minimum is not None and ref.maximum is not None
    # np.histogram(sample, edges): bins [e_i, e_i+1), the last one closed; counted on the
    # sorted values (a sort of the window is faster than numpy's equal-width histogram pass)
    lo = min(ref.minimum, float(current[0]))
    hi = max(ref.maximum, float(current[-1]))
    edges = _sturges_edges(lo, hi, ref.rows + current.size, integer and ref.integer)
    ref_counts = _counts_between(ref.values, edges)
    cur_counts = _counts_between(current, edges)
    ref_percents = ref_counts / ref.rows
    cur_percents = cur_counts / current.size
    return _from_percents(ref, method, ref_percents, cur_percents, current.size)


def _counts_between(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """np.histogram(values, edges)[0] for sorted ``values``: two binary searches per edge."""
    cum = np.append(
        np.searchsorted(values, edges[:-1], side="left"),
        np.searchsorted(values, edges[-1:], side="right"),
    )
    return np.diff(cum)


def _from_counts(ref: ColumnReference, current: pd.Series, method: str) -> _Outcome:
    """The stattests over value counts: chi-square, Z-test, PSI and Jensen-Shannon (unbinned)."""
    assert ref.counts is not None
    keys = ref.counts.index.append(current.index[~current.index.isin(ref.counts.index)])
    ref_counts = ref.counts.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    cur_counts = current.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    n1, n2 = ref.rows, int(current.sum())
    if method == "chisquare":
        # chisquare_stattest.py: f_exp = reference counts * len(current) / len(reference)
        k_norm = n2 / n1
        with np.errstate(divide="ignore", invalid="ignore"):  # unseen category: f_exp 0, p 0
            result = stats.chisquare(cur_counts, ref_counts * k_norm)
        return _outcome(ref, method, float(result.pvalue), float(result.statistic), n2)
    if method == "z":
        return _z_test(ref, keys, ref_counts, cur_counts, n2)
    return _from_percents(ref, method, ref_counts / n1, cur_counts / n2, n2)


def _from_percents(
    ref: ColumnReference, method: str, ref_p: np.ndarray, cur_p: np.ndarray, rows: int
) -> _Outcome:
    if method == "jensenshannon":
        # jensenshannon.py: scipy.spatial.distance.jensenshannon(ref, cur), natural log
        return _outcome(ref, method, float(distance.jensenshannon(ref_p, cur_p)), None, rows)
    # psi.py: sum((ref - cur) * ln(ref / cur)), after get_binned_data(feel_zeroes=True)
    ref_p, cur_p = _fill_zeroes(ref_p), _fill_zeroes(cur_p)
    psi = float(np.sum((ref_p - cur_p) * np.log(ref_p / cur_p)))
    return _outcome(ref, method, psi, None, rows)


def _fill_zeroes(percents: np.ndarray) -> np.ndarray:
    # utils.get_binned_data: empty bins get min(non-zero) / 1e6 when that min <= 1e-4, else 1e-4
    smallest = percents[percents != 0].min()
    return np.where(percents == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001, percents)


def _z_test(
    ref: ColumnReference, keys: pd.Index, ref_counts: np.ndarray, cur_counts: np.ndarray, n2: int
) -> _Outcome:
    """z_stattest.py: two-proportion Z-test on "is not the smallest value"."""
    n1 = ref.rows
    ref_seen, cur_seen = ref_counts > 0, cur_counts > 0
    if ref_seen.sum() == 1 and cur_seen.sum() == 1 and (ref_seen == cur_seen).all():
        return _outcome(ref, "z", 1.0, 0.0, n2)  # one and the same value on both sides
    try:
        first = keys.get_loc(sorted(keys)[0])
    except TypeError:  # values of mixed types (Evidently would fail to sort them)
        first = keys.get_loc(sorted(keys, key=str)[0])
    p1 = float(n1 - ref_counts[first]) / n1
    p2 = float(n2 - cur_counts[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    # proportions_diff_z_stat_ind: z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2))
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    # proportions_diff_z_test, two-sided: 2 * (1 - Phi(|z|))
    p_value = 2 * (1 - stats.norm.cdf(np.abs(z)))
    return _outcome(ref, "z", float(p_value), float(z), n2)


# ---------------------------------------------------------------------------------------------
# cleaning: NaN and +-inf dropped, as get_one_column_drift does


def _finite(raw: pd.Series) -> np.ndarray:
    return _finite_and_private(raw)[0]


def _finite_and_private(raw: pd.Series) -> tuple[np.ndarray, bool]:
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


def _is_integer(raw: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(raw.dtype) and not pd.api.types.is_extension_array_dtype(
        raw.dtype
    )


def _clean_counts(raw: pd.Series) -> pd.Series:
    """Value counts without NaN, +-inf and unobserved categories."""
    counts = value_counts(raw)
    counts = counts[counts > 0]
    index = counts.index
    if index.dtype.kind in "fc" or index.dtype == object:
        infinite = index.isin([np.inf, -np.inf])
        if infinite.any():
            counts = counts[~infinite]
    return counts


def _numeric_counts(values: np.ndarray) -> pd.Series:
    return pd.Series(values).value_counts(sort=False)


def _union_size(ref: ColumnReference, current: pd.Series) -> int:
    """Distinct values of reference and window together (auto's n_values)."""
    assert ref.counts is not None
    return ref.distinct + int((~current.index.isin(ref.counts.index)).sum())
