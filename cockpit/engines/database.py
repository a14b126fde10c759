"""The ``sql`` engine: a SQL source's profile computed inside its own database.

Instead of fetching a window's rows, the aggregates of a profile (``COUNT(*) FILTER``, ``MAX``,
``percentile_cont``) run where the rows are, and one row comes back. The window is the table or
the source's ``query`` (as a subquery) with the time bounds in its ``WHERE`` clause, as the
in-process read has them.

PostgreSQL is the dialect spoken today (:data:`DIALECTS`); under ``engine: auto`` a SQL source in
another database is read in process. Column kinds come from the driver's description of an
empty result (PostgreSQL type OIDs), so a query's columns are typed as well as a table's.
A column of naive timestamps is compared in UTC, as the in-process read compares it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from cockpit.engines.sqltext import POSTGRES, REFERENCE, Dialect, SqlWindow, time_bounds
from cockpit.errors import SourceError
from cockpit.sources import SqlDataSource, safe_url
from monitors import query as q

DIALECTS: dict[str, Dialect] = {"postgresql": POSTGRES}

# PostgreSQL's type OIDs (pg_type.oid): the kinds of values the profiles care about
_PG_KINDS: dict[int, q.DType] = {
    16: "bool",
    20: "int",
    21: "int",
    23: "int",
    700: "float",
    701: "float",
    1700: "float",
    25: "text",
    1042: "text",
    1043: "text",
    19: "text",
    1082: "time",
    1114: "time",
    1184: "time",
}
_PG_NAIVE = {1082, 1114}  # date, timestamp without time zone


def dialect_of(source: SqlDataSource) -> Dialect | None:
    """The dialect this engine speaks for the source's database, or None."""
    try:
        backend = sa.engine.make_url(source.url).get_backend_name()
    except (SQLAlchemyError, ValueError):
        return None
    return DIALECTS.get(backend)


class DatabaseWindow(SqlWindow):
    """One window of a SQL source, computed by its database."""

    def __init__(self, source: SqlDataSource, relation: str, where: str | None, dtypes: dict):
        dialect = dialect_of(source)
        assert dialect is not None
        super().__init__(dialect, relation, where, source.label, dtypes)
        self.source = source

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return _execute(self.source, sql)[1]

    def _fetch_with(self, sql: str, arrays: Mapping[str, np.ndarray]) -> list[tuple[Any, ...]]:
        # the arrays as array parameters, unnested into rows by a WITH in front of the statement
        # (`%` doubled: the driver's parameter style reads it, a source's query may hold one)
        types = {name: "FLOAT8" if a.dtype.kind == "f" else "BIGINT" for name, a in arrays.items()}
        unnested = ", ".join(f"CAST(%({name})s AS {t}[])" for name, t in types.items())
        front = f"WITH {REFERENCE} AS (SELECT * FROM unnest({unnested}) AS r({', '.join(types)})) "
        params = {name: a.tolist() for name, a in arrays.items()}
        return _execute(self.source, front + sql.replace("%", "%%"), params)[1]

    def _frame(self, sql: str) -> pd.DataFrame:
        try:
            with self.source.engine().connect() as conn:
                return pd.read_sql(sa.text(sql), conn)
        except SQLAlchemyError as exc:
            raise _failed(self.source, exc) from None


def window(
    source: SqlDataSource, columns: Sequence[str], start: datetime | None, end: datetime | None
) -> DatabaseWindow:
    """The rows of ``source`` with ``start <= timestamp < end``, inside its database."""
    dialect = dialect_of(source)
    if dialect is None:
        raise SourceError(
            f"{source.label}: engine sql computes profiles in PostgreSQL only; this source's "
            f"database ({safe_url(source.url)}) is read in process (engine: pandas)"
        )
    if source.table is not None:
        relation = ".".join(dialect.quote(part) for part in source.table.split("."))
    else:
        relation = f"({source.query}) AS q"
    oids = _described(source, relation)
    dtypes: dict[str, q.DType] = {name: _PG_KINDS.get(oid, "other") for name, oid in oids.items()}
    ts = source.timestamp
    naive = bool(ts) and oids.get(ts or "") in _PG_NAIVE
    where = time_bounds(dialect, source.label, dtypes, columns, ts, naive, start, end)
    return DatabaseWindow(source, relation, where, dtypes)


_DESCRIBED: dict[tuple[str, str], dict[str, int]] = {}  # (url, relation) -> column -> type OID


def _described(source: SqlDataSource, relation: str) -> dict[str, int]:
    """Each column's type OID, asked of the database once per relation in a process."""
    key = (source.url, relation)
    if key not in _DESCRIBED:
        description, _ = _execute(source, f"SELECT * FROM {relation} WHERE 1 = 0")
        _DESCRIBED[key] = {str(d[0]): int(d[1]) for d in description}
    return _DESCRIBED[key]


def _execute(
    source: SqlDataSource, sql: str, params: Mapping[str, Any] | None = None
) -> tuple[Any, list[tuple[Any, ...]]]:
    """The driver's description of the result, and its rows."""
    try:
        with source.engine().connect() as conn:
            result = conn.exec_driver_sql(sql, params) if params else conn.exec_driver_sql(sql)
            description = result.cursor.description if result.cursor is not None else ()
            return description, [tuple(row) for row in result.fetchall()]
    except SQLAlchemyError as exc:
        raise _failed(source, exc) from None


def _failed(source: SqlDataSource, exc: SQLAlchemyError) -> SourceError:
    return SourceError(
        f"{source.label}: engine sql: query failed on {safe_url(source.url)}: "
        f"{exc.__class__.__name__}: {getattr(exc, 'orig', exc)}"
    )
