"""The terms of :mod:`monitors.query` as SQL text, for the engines that speak SQL.

One :class:`Dialect` says how a database quotes a name, tests a float for NaN, turns a time into
nanoseconds and computes exact quantiles; everything else is the SQL every one of them reads
(``COUNT(*) FILTER``, ``MAX``, ``COALESCE``). :class:`SqlWindow` is one window of one source
as such a database sees it: an engine supplies how a statement runs, the window supplies the
profile's aggregates.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cockpit.errors import SourceError
from monitors import query as q


@dataclass(frozen=True)
class Dialect:
    quote_char: str = '"'

    def quote(self, name: str) -> str:
        c = self.quote_char
        return f"{c}{name.replace(c, c + c)}{c}"

    def nan(self, column: str) -> str:
        return f"isnan({column})"

    def infinite(self, column: str) -> str:
        return f"isinf({column})"

    def epoch_ns(self, expression: str) -> str:
        """A time as integer nanoseconds since the epoch (times come back exact, not as a
        driver's microsecond datetime)."""
        return f"epoch_ns({expression})"

    def quantiles(self, column: str, qs: list[float], where: str | None) -> str:
        values = ", ".join(repr(float(x)) for x in qs)
        return f"quantile_cont({column}, [{values}]){_filter(where)}"

    def to_double(self, expression: str) -> str:
        """``expression`` as a 64-bit float, the type a frame's numerical column is read as."""
        return f"CAST({expression} AS DOUBLE)"

    def double(self, value: float) -> str:
        """A finite float as a 64-bit float literal, exactly: the shortest text that reads back
        as the same float, parsed as a float (a bare ``0.1`` may be read as a decimal)."""
        return self.to_double(f"'{float(value)!r}'")

    def to_time(self, expression: str) -> str:
        """``expression`` (a text) as an instant, the type a window's bounds compare with."""
        return f"CAST({expression} AS TIMESTAMPTZ)"

    def time_literal(self, moment: datetime) -> str:
        return f"TIMESTAMPTZ '{moment.isoformat()}'"

    def ordered_rows(self) -> int | None:
        """How many values one ordered pass over a column (a window function) may hold; a
        larger column is ordered range by range (None: the database spills such a pass)."""
        return ORDERED_PASS_ROWS

    def approx_quantiles(self, column: str, qs: list[float], where: str | None) -> str:
        """Approximate quantiles, in one pass and little memory: where to cut value ranges."""
        values = ", ".join(repr(float(x)) for x in qs)
        return f"approx_quantile({column}, [{values}]){_filter(where)}"


class PostgresDialect(Dialect):
    """PostgreSQL: NaN equals NaN, no ``isnan``; exact quantiles are an ordered-set aggregate."""

    def ordered_rows(self) -> int | None:
        return None  # a window function's sort spills to disk beyond work_mem

    def nan(self, column: str) -> str:
        return f"{column} = 'NaN'::FLOAT8"

    def infinite(self, column: str) -> str:
        return f"{column} IN ('Infinity'::FLOAT8, '-Infinity'::FLOAT8)"

    def epoch_ns(self, expression: str) -> str:
        # PostgreSQL keeps microseconds: the seconds since the epoch are exact as NUMERIC
        return f"CAST(EXTRACT(EPOCH FROM {expression}) * 1000000 AS BIGINT) * 1000"

    def quantiles(self, column: str, qs: list[float], where: str | None) -> str:
        values = ", ".join(repr(float(x)) for x in qs)
        return (
            f"percentile_cont(ARRAY[{values}]::FLOAT8[]) WITHIN GROUP "
            f"(ORDER BY CAST({column} AS FLOAT8)){_filter(where)}"
        )

    def to_double(self, expression: str) -> str:
        return f"CAST({expression} AS FLOAT8)"


# DuckDB's window operator keeps a partition in memory: a column ordered in one pass must fit
# in engines.duckdb.memory_limit (about 12M distinct values do not fit in 1 GB)
ORDERED_PASS_ROWS = 5_000_000
DUCKDB = Dialect()
POSTGRES = PostgresDialect()
# the name of the relation an engine uploads for one statement (SqlWindow._fetch_with)
REFERENCE = "cockpit_reference"


def _filter(where: str | None) -> str:
    return f" FILTER (WHERE {where})" if where else ""


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def literal(value: Any, dialect: Dialect = DUCKDB) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            text = "NaN" if math.isnan(value) else f"{'-' if value < 0 else ''}Infinity"
            return dialect.to_double(f"'{text}'")
        return repr(value)
    if isinstance(value, datetime):
        return dialect.time_literal(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


def time_bounds(
    dialect: Dialect,
    label: str,
    dtypes: Mapping[str, q.DType],
    columns: Sequence[str],
    timestamp: str | None,
    naive: bool,
    start: datetime | None,
    end: datetime | None,
) -> str | None:
    """``start <= timestamp < end`` as SQL (None: no bound), after checking that ``columns``
    are in the data. ``naive``: the timestamp column has no zone and holds UTC; a text column
    is cast to a time."""
    missing = [c for c in columns if c not in dtypes]
    if missing:
        raise SourceError(
            f"{label}: column {missing[0]!r} not found (the data has: "
            f"{', '.join(list(dtypes)[:12])}); fix the column name in the config or the data"
        )
    if not timestamp or not (start or end):
        return None
    if timestamp not in dtypes:
        raise SourceError(f"{label}: timestamp column {timestamp!r} is not in the data")
    column = dialect.quote(timestamp)
    if dtypes[timestamp] == "text":
        column = dialect.to_time(column)
    bounds = []
    for op, moment in ((">=", start), ("<", end)):
        if moment is None:
            continue
        utc = moment.astimezone(UTC)
        value = (
            f"TIMESTAMP '{utc.replace(tzinfo=None).isoformat()}'"
            if naive
            else literal(utc, dialect)
        )
        bounds.append(f"{column} {op} {value}")
    return " AND ".join(bounds)


class Compiler:
    """SQL for conditions and aggregates over columns of known types."""

    def __init__(self, dialect: Dialect, dtypes: Mapping[str, q.DType]):
        self.dialect = dialect
        self.dtypes = dtypes

    def column(self, name: str) -> str:
        return self.dialect.quote(name)

    def floating(self, name: str) -> bool:
        return self.dtypes.get(name) == "float"

    def condition(self, c: q.Condition) -> str:
        d = self.dialect
        if isinstance(c, q.Missing | q.Finite):
            col = self.column(c.column)
            if isinstance(c, q.Missing):
                test = f"{col} IS NULL" + (f" OR {d.nan(col)}" if self.floating(c.column) else "")
            else:
                test = f"{col} IS NOT NULL" + (
                    f" AND NOT {d.nan(col)} AND NOT {d.infinite(col)}"
                    if self.floating(c.column)
                    else ""
                )
            return f"({test})"
        if isinstance(c, q.Compare):
            value = c.value
            if isinstance(value, q.Col):
                right = self.column(value.name)
            elif isinstance(value, q.Lit | q.Sub | q.Mul | q.Div | q.Abs | q.Greatest):
                right = self.expression(value)
            else:
                right = literal(value, self.dialect)
            left = self.column(c.column) if isinstance(c.column, str) else self.expression(c.column)
            return f"COALESCE({left} {c.op} {right}, FALSE)"
        if isinstance(c, q.In):
            if not c.values:
                return "FALSE"
            listed = ", ".join(literal(v, self.dialect) for v in c.values)
            return f"COALESCE({self.column(c.column)} IN ({listed}), FALSE)"
        if isinstance(c, q.Fractional):
            col = self.column(c.column)
            if self.dtypes.get(c.column) != "float":
                return "FALSE"
            finite = self.condition(q.Finite(c.column))
            return f"({finite} AND {col} <> FLOOR({col}))"
        if isinstance(c, q.Truthy):
            col = self.column(c.column)
            if self.dtypes.get(c.column) == "bool":
                return f"(COALESCE({col}, FALSE))"
            return f"(COALESCE({col} <> 0, FALSE))"
        if isinstance(c, q.All):
            return "(" + " AND ".join(self.condition(x) for x in c.conditions) + ")"
        if isinstance(c, q.AnyOf):
            return "(" + " OR ".join(self.condition(x) for x in c.conditions) + ")"
        if isinstance(c, q.Not):
            return f"(NOT {self.condition(c.condition)})"
        raise TypeError(f"not a condition: {c!r}")

    def where(self, c: q.Condition | None) -> str | None:
        return None if c is None else self.condition(c)

    def expression(self, e: q.Expr | str) -> str:
        """An expression over a row's numbers, as 64-bit floats (a name: that column's value)."""
        d = self.dialect
        if isinstance(e, str | q.Col):
            return d.to_double(self.column(e if isinstance(e, str) else e.name))
        if isinstance(e, q.Lit):
            return d.double(e.value)
        if isinstance(e, q.Abs):
            return f"ABS({self.expression(e.of)})"
        if isinstance(e, q.Sub | q.Mul | q.Div):
            op = {q.Sub: "-", q.Mul: "*", q.Div: "/"}[type(e)]
            return f"({self.expression(e.left)} {op} {self.expression(e.right)})"
        if isinstance(e, q.Greatest):
            return f"GREATEST({self.expression(e.left)}, {self.expression(e.right)})"
        raise TypeError(f"not an expression: {e!r}")

    def aggregate(self, a: q.Aggregate) -> str:
        where = self.where(a.where)
        if isinstance(a, q.Count):
            return f"COUNT(*){_filter(where)}"
        if isinstance(a, q.Max):
            sql = f"MAX({self.column(a.column)}){_filter(where)}"
            return self.dialect.epoch_ns(sql) if self.dtypes.get(a.column) == "time" else sql
        if isinstance(a, q.Sum):
            return f"COALESCE(SUM({self.expression(a.column)}){_filter(where)}, 0)"
        if isinstance(a, q.CentredSquares):
            # n * population variance: each engine's VAR_POP is a one-pass centred update
            x = self.expression(a.column)
            return f"COALESCE(VAR_POP({x}){_filter(where)} * COUNT({x}){_filter(where)}, 0)"
        if isinstance(a, q.SumLogClipped):
            x = self.dialect.to_double(self.column(a.column))
            p_true = f"CASE WHEN {self.condition(a.positive)} THEN {x} ELSE 1 - {x} END"
            clipped = f"LEAST(GREATEST({p_true}, {literal(a.low, self.dialect)}), {literal(a.high, self.dialect)})"
            return f"COALESCE(SUM(LN({clipped})){_filter(where)}, 0)"
        if isinstance(a, q.Quantiles):
            return self.dialect.quantiles(self.column(a.column), list(a.qs), where)
        raise TypeError(f"not an aggregate: {a!r}")

    def select(self, aggregates: Mapping[str, q.Aggregate]) -> str:
        return ", ".join(self.aggregate(a) for a in aggregates.values())


class SqlWindow:
    """The rows of one source between two times, inside a database that speaks SQL: a profile
    is computed by aggregates over them, and only the aggregates come back.

    ``relation``: the rows as a FROM item (a table, a scan of files, a subquery); ``where``: the
    window's time bounds as SQL (None: every row); ``dtypes``: each column's kind of values.
    An engine implements :meth:`_fetch`, which runs one statement and returns its rows, turning
    the database's errors into messages that name the source.
    """

    def __init__(
        self,
        dialect: Dialect,
        relation: str,
        where: str | None,
        label: str,
        dtypes: Mapping[str, q.DType],
    ):
        self.relation = relation
        self.where_sql = where
        self.label = label
        self.dtypes = dict(dtypes)
        self.compiler = Compiler(dialect, self.dtypes)

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _from(self, extra: str | None = None) -> str:
        clauses = [c for c in (self.where_sql, extra) if c]
        return f"FROM {self.relation}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")

    def aggregate(self, aggregates: Mapping[str, q.Aggregate]) -> dict[str, Any]:
        """One value per aggregate, computed in one scan."""
        rows = self._fetch(f"SELECT {self.compiler.select(aggregates)} {self._from()}")
        return dict(zip(aggregates, rows[0], strict=True))

    def grouped(
        self, column: str, aggregates: Mapping[str, q.Aggregate]
    ) -> list[tuple[Any, dict[str, Any]]]:
        """``(value, {name: aggregate})`` per distinct value of ``column`` (NULL one group)."""
        col = self.compiler.column(column)
        sql = f"SELECT {col}, {self.compiler.select(aggregates)} {self._from()} GROUP BY {col}"
        return [(row[0], dict(zip(aggregates, row[1:], strict=True))) for row in self._fetch(sql)]

    def auc(
        self, score: str, positive: q.Condition, where: q.Condition, by: str | None = None
    ) -> dict[Any, float | None]:
        """The area under the ROC curve of ``score`` for ``positive`` rows among those where
        ``where`` holds (ties count half), per value of ``by`` (None: one group, key None):
        the Mann-Whitney statistic from counts per distinct score, exact."""
        c = self.compiler
        s, pos, ok = c.column(score), c.condition(positive), c.condition(where)
        group = c.column(by) if by else "NULL"
        sql = f"""
            SELECT g, SUM(pos * (below - neg / 2.0)), SUM(pos), SUM(neg) FROM (
                SELECT g, pos, neg, SUM(neg) OVER (
                    PARTITION BY g ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                ) AS below FROM (
                    SELECT {group} AS g, {s} AS s, COUNT(*) FILTER (WHERE {pos}) AS pos,
                        COUNT(*) FILTER (WHERE NOT {pos}) AS neg
                    {self._from(ok)} GROUP BY 1, 2
                ) AS counted
            ) AS ranked GROUP BY g"""
        out: dict[Any, float | None] = {}
        for g, area, n_pos, n_neg in self._fetch(sql):
            n_pos, n_neg = int(n_pos or 0), int(n_neg or 0)
            out[g] = float(area) / (n_pos * n_neg) if n_pos and n_neg else None
        return out

    def distinct(self, column: str) -> list[Any]:
        """The column's distinct present values (NULL left out)."""
        col = self.compiler.column(column)
        rows = self._fetch(f"SELECT DISTINCT {col} {self._from(f'{col} IS NOT NULL')}")
        return [row[0] for row in rows]

    def groups(self, columns: Sequence[str]) -> int:
        """How many distinct rows of ``columns`` (NULLs equal, as GROUP BY has them)."""
        listed = ", ".join(self.compiler.column(c) for c in columns)
        rows = self._fetch(
            f"SELECT COUNT(*) FROM (SELECT 1 AS one {self._from()} GROUP BY {listed}) AS g"
        )
        return int(rows[0][0])

    def counts(self, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """``(*values, rows)`` per distinct row of ``columns``, missing values included (NULL one
        value, as GROUP BY has it): e.g. a classifier's rows per (label, prediction) pair."""
        listed = ", ".join(self.compiler.column(c) for c in columns)
        rows = self._fetch(f"SELECT {listed}, COUNT(*) {self._from()} GROUP BY {listed}")
        return [(*row[:-1], int(row[-1])) for row in rows]

    def over(self, relation: str, dtypes: Mapping[str, q.DType]) -> SqlWindow:
        """A window of the same database over another FROM item built from this one's rows
        (a join of this window with another source), bounds included in ``relation``."""
        other = copy.copy(self)
        other.__dict__.pop("rows", None)  # counted once per relation
        other.relation, other.where_sql, other.dtypes = relation, None, dict(dtypes)
        other.compiler = Compiler(self.compiler.dialect, other.dtypes)
        return other

    def first(self, column: str, where: q.Condition, limit: int) -> list[Any]:
        """Up to ``limit`` values of ``column`` from rows where ``where`` holds, in scan order."""
        col = self.compiler.column(column)
        sql = f"SELECT {col} {self._from(self.compiler.condition(where))} LIMIT {int(limit)}"
        return [row[0] for row in self._fetch(sql)]

    def _frame(self, sql: str) -> pd.DataFrame:
        """The statement's rows as a frame, typed as the in-process read types them."""
        raise NotImplementedError

    def series(self, column: str) -> pd.Series:
        """One column of the window, as a frame read in process would hold it."""
        frame = self._frame(f"SELECT {self.compiler.column(column)} {self._from()}")
        return frame.iloc[:, 0].rename(column)

    def value_counts(self, column: str) -> pd.Series:
        """Rows per present value, counted by the database (``value_counts(dropna=True)``)."""
        col = self.compiler.column(column)
        present = self.compiler.condition(q.Not(q.Missing(column)))
        frame = self._frame(f"SELECT {col}, COUNT(*) AS n {self._from(present)} GROUP BY {col}")
        return pd.Series(
            frame["n"].to_numpy(dtype="int64"), index=pd.Index(frame.iloc[:, 0], name=column)
        )

    # -- a numerical column's drift profile: what the statistics need, never the values --------
    # Finite values only (NULL, NaN and +-inf left out), each read as a 64-bit float, as the
    # in-process path reads a frame's column (monitors.drift.prepare).

    def _finite(self, column: str) -> tuple[str, str]:
        """The column as a 64-bit float, and the condition that it holds a finite value."""
        c = self.compiler
        return c.dialect.to_double(c.column(column)), c.condition(q.Finite(column))

    def finite_range(self, column: str) -> tuple[int, float | None, float | None, int]:
        """Rows with a finite value, the smallest and the largest of them, and rows with no value
        (NULL), in one scan. A column of another kind than numbers has no finite value."""
        missing = f"COUNT(*) FILTER (WHERE {self.compiler.column(column)} IS NULL)"
        if self.dtypes.get(column) not in ("int", "float"):
            row = self._fetch(f"SELECT {missing} {self._from()}")[0]
            return 0, None, None, int(row[0])
        x, finite = self._finite(column)
        sql = (
            f"SELECT COUNT(*) FILTER (WHERE {finite}), MIN({x}) FILTER (WHERE {finite}), "
            f"MAX({x}) FILTER (WHERE {finite}), {missing} {self._from()}"
        )
        n, low, high, nulls = self._fetch(sql)[0]
        return int(n), _float(low), _float(high), int(nulls)

    def bin_counts(self, column: str, edges: Sequence[float]) -> np.ndarray:
        """``np.histogram(values, edges)[0]`` of the finite values, all within [edges[0],
        edges[-1]]: bins [e_k, e_k+1), the last one closed.

        A value's bin is how many inner edges it is at or above, as ``searchsorted(edges, x,
        "right") - 1`` counts them; leaving the last edge out closes the last bin. Comparisons
        with the literal edges, not ``FLOOR((x - lo) / width)``, whose rounding can put a value
        next to an edge in the neighbouring bin.
        """
        x, finite = self._finite(column)
        d = self.compiler.dialect
        inner = [f"CASE WHEN {x} >= {d.double(e)} THEN 1 ELSE 0 END" for e in edges[1:-1]]
        sql = f"SELECT {' + '.join(inner) or '0'} AS bin, COUNT(*) {self._from(finite)} GROUP BY 1"
        counts = np.zeros(len(edges) - 1, dtype=np.int64)
        for index, n in self._fetch(sql):
            counts[int(index)] += int(n)
        return counts

    def finite_values(self, column: str) -> np.ndarray:
        """The finite values, sorted: for a window known to be small."""
        x, finite = self._finite(column)
        rows = self._fetch(f"SELECT {x} {self._from(finite)}")
        return np.sort(np.array([row[0] for row in rows], dtype=np.float64))

    def distinct_outside(self, column: str, values: Sequence[float]) -> int:
        """How many distinct finite values are none of ``values``."""
        x, finite = self._finite(column)
        d = self.compiler.dialect
        if len(values):
            finite += f" AND {x} NOT IN ({', '.join(d.double(v) for v in values)})"
        return int(self._fetch(f"SELECT COUNT(DISTINCT {x}) {self._from(finite)}")[0][0])

    def ecdf_distances(
        self, column: str, reference: np.ndarray, finite_rows: int | None = None
    ) -> tuple[float, float]:
        """The two-sample KS statistic D = max |F_ref - F_cur| and the Wasserstein-1 distance
        = sum |F_ref - F_cur| * (next value - value) between the finite ``reference`` values and
        the window's (``finite_rows`` of them, counted if not given), exact: the reference is
        handed to the engine as (value, count) pairs, both sides are counted per distinct value
        (ties together), and the empirical CDFs are cumulative counts over the values in order,
        each divided by its side's total, as ``scipy.stats.ks_2samp`` and
        ``wasserstein_distance`` compute them.

        A column larger than one ordered pass may hold (:meth:`Dialect.ordered_rows`) is
        ordered range by range, cut at approximate quantiles of the window: each range's CDFs
        start from the counts below it, and the step from one range's last value to the next
        range's first is added between them, so the result is the same."""
        x, finite = self._finite(column)
        d = self.compiler.dialect
        values, counts = np.unique(np.asarray(reference, dtype=np.float64), return_counts=True)
        n_ref = int(counts.sum())
        if finite_rows is None:
            finite_rows = self.finite_range(column)[0]
        limit = d.ordered_rows()
        cuts: list[float] = []
        if limit is not None and finite_rows > limit:
            parts = -(-finite_rows // limit)
            qs = [k / parts for k in range(1, parts)]
            row = self._fetch(f"SELECT {d.approx_quantiles(x, qs, finite)} {self._from()}")[0]
            cuts = sorted({float(v) for v in row[0] or [] if v is not None and math.isfinite(v)})
        below = [0]  # the window's values below each cut
        if cuts:
            counted = ", ".join(f"COUNT(*) FILTER (WHERE {x} < {d.double(c)})" for c in cuts)
            below += [int(n) for n in self._fetch(f"SELECT {counted} {self._from(finite)}")[0]]
        below.append(finite_rows)
        bounds = [-math.inf, *cuts, math.inf]
        ks, w1 = 0.0, 0.0
        previous: tuple[float, float, float] | None = None  # last value, F_ref, F_cur there
        for k in range(len(bounds) - 1):
            low, high = bounds[k], bounds[k + 1]
            inside = (values >= low) & (values < high)
            ref_below = int(counts[values < low].sum())
            ranged = finite + "".join(
                f" AND {x} {op} {d.double(v)}"
                for op, v in ((">=", low), ("<", high))
                if math.isfinite(v)
            )
            part = self._ordered_part(x, ranged, ref_below, below[k], n_ref, finite_rows)
            biggest, area, first, last = self._fetch_with(
                part, {"v": values[inside], "n": counts[inside].astype(np.int64)}
            )[0]
            if first is None:  # nothing in this range on either side
                continue
            if previous is not None:
                w1 += abs(previous[1] - previous[2]) * (float(first) - previous[0])
            ks = max(ks, float(biggest))
            w1 += 0.0 if area is None else float(area)
            upto_ref = ref_below + int(counts[inside].sum())
            previous = (float(last), upto_ref / n_ref, below[k + 1] / finite_rows)
        return ks, w1

    def _ordered_part(
        self, x: str, where: str, ref_below: int, cur_below: int, n_ref: int, n_cur: int
    ) -> str:
        """The largest |F_ref - F_cur|, the area between the CDFs up to the last value, and the
        first and last value, over the values where ``where`` holds and the uploaded
        reference's, the CDFs starting from the counts below them."""
        d = self.compiler.dialect
        upto = "OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        f_ref = f"{d.to_double(f'{ref_below} + SUM(r) {upto}')} / {d.to_double(str(n_ref))}"
        f_cur = f"{d.to_double(f'{cur_below} + SUM(c) {upto}')} / {d.to_double(str(n_cur))}"
        return f"""
            SELECT MAX(ABS(f_ref - f_cur)), SUM(ABS(f_ref - f_cur) * (next_v - v)), MIN(v),
                MAX(v) FROM (
                SELECT v, {f_ref} AS f_ref, {f_cur} AS f_cur, LEAD(v) OVER (ORDER BY v) AS next_v
                FROM (
                    SELECT v, SUM(r) AS r, SUM(c) AS c FROM (
                        SELECT v, n AS r, 0 AS c FROM {REFERENCE}
                        UNION ALL
                        SELECT {x} AS v, 0 AS r, COUNT(*) AS c {self._from(where)} GROUP BY 1
                    ) AS sides GROUP BY v
                ) AS per_value
            ) AS cdfs"""

    def _fetch_with(self, sql: str, arrays: Mapping[str, np.ndarray]) -> list[tuple[Any, ...]]:
        """:meth:`_fetch`, with :data:`REFERENCE` in ``sql`` a relation of the columns
        ``arrays`` (float64 or int64), which the engine uploads for this statement."""
        raise NotImplementedError

    @cached_property
    def rows(self) -> int:
        """Rows in the window (counted once)."""
        return int(self._fetch(f"SELECT COUNT(*) {self._from()}")[0][0])

    def has(self, column: str) -> bool:
        return column in self.dtypes
