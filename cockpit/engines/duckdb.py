"""The ``duckdb`` engine: a window of CSV or Parquet files computed inside embedded DuckDB.

DuckDB reads the files itself, out of core and on ``engines.duckdb.threads`` threads, with the
time filter and the column projection pushed into the scan; only the aggregates of a profile
come back into Python. Its memory is bounded by ``engines.duckdb.memory_limit``: a window that
needs more fails its run with a message naming that key. Times compare in UTC; a column of
naive timestamps is read as UTC, as the in-process path reads it (DuckDB runs in UTC without
its time-zone extension, which is not loaded).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from cockpit.config import models as cfg
from cockpit.engines.sqltext import DUCKDB, Compiler, literal
from cockpit.errors import MonitorError, SourceError
from cockpit.sources import FileDataSource
from monitors import query as q

MEMORY_KEY = "engines.duckdb.memory_limit"


def dtype_of(sql_type: str) -> q.DType:
    """The kind of values a DuckDB column type holds."""
    name = sql_type.upper()
    if name.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC")):
        return "float"
    if name.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT")) or (
        name.startswith("U") and name.endswith("INT")
    ):
        return "int"
    if name == "BOOLEAN":
        return "bool"
    if name.startswith("VARCHAR") or name == "ENUM" or name.startswith("ENUM("):
        return "text"
    if name.startswith(("TIMESTAMP", "DATE")):
        return "time"
    return "other"


class DuckDBEngine:
    """One embedded DuckDB database for the process; a cursor per window."""

    name = "duckdb"

    def __init__(self, settings: cfg.DuckDBSettings):
        self.settings = settings
        self._conn: Any = None
        self._lock = threading.Lock()

    def connection(self) -> Any:
        with self._lock:
            if self._conn is None:
                try:
                    import duckdb
                except ImportError:
                    raise MonitorError(
                        "engine duckdb: the duckdb package is not installed (pip install duckdb)"
                    ) from None
                config = {
                    "memory_limit": self.settings.memory_limit,
                    "threads": self.settings.threads,
                }
                if self.settings.temp_directory:
                    config["temp_directory"] = self.settings.temp_directory
                try:
                    self._conn = duckdb.connect(":memory:", config=config)
                except duckdb.Error as exc:
                    raise MonitorError(
                        f"engine duckdb: cannot start with engines.duckdb: {exc}"
                    ) from None
            return self._conn.cursor()

    def window(
        self,
        source: FileDataSource,
        columns: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> DuckDBWindow:
        """The rows of ``source`` with ``start <= timestamp < end``, as DuckDB sees them."""
        files = source.files()
        listed = "[" + ", ".join(literal(f) for f in files) + "]"
        scan = (
            f"read_parquet({listed}, union_by_name = true)"
            if source.kind == "parquet"
            else f"read_csv({listed}, union_by_name = true)"
        )
        cursor = self.connection()
        try:
            described = cursor.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        except Exception as exc:  # duckdb.Error: the files cannot be read
            raise SourceError(f"{source.label}: cannot read with DuckDB: {exc}") from None
        ts = source.timestamp
        detected = {str(row[0]): str(row[1]).upper() for row in described}
        if source.kind == "csv" and ts and detected.get(ts) == "TIMESTAMP":
            # DuckDB detects microseconds; nanoseconds in the text are kept, as pandas keeps them
            scan = f"read_csv({listed}, union_by_name = true, types = {{{literal(ts)}: 'TIMESTAMP_NS'}})"
            described = cursor.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        dtypes = {str(row[0]): dtype_of(str(row[1])) for row in described}
        naive = {
            str(row[0])
            for row in described
            if str(row[1]).upper().startswith("TIMESTAMP")
            and "TZ" not in str(row[1]).upper()
            and "TIME ZONE" not in str(row[1]).upper()
        }
        missing = [c for c in columns if c not in dtypes]
        if missing:
            raise SourceError(
                f"{source.label}: column {missing[0]!r} is not in the data "
                f"(columns: {', '.join(dtypes)})"
            )
        where = None
        if ts and (start or end):
            if ts not in dtypes:
                raise SourceError(f"{source.label}: timestamp column {ts!r} is not in the data")
            column = DUCKDB.quote(ts)
            if dtypes[ts] == "text":
                column = f"CAST({column} AS TIMESTAMPTZ)"
            bounds = []
            for op, moment in ((">=", start), ("<", end)):
                if moment is None:
                    continue
                value = (
                    f"TIMESTAMP '{moment.astimezone(UTC).replace(tzinfo=None).isoformat()}'"
                    if ts in naive
                    else literal(moment.astimezone(UTC))
                )
                bounds.append(f"{column} {op} {value}")
            where = " AND ".join(bounds)
        return DuckDBWindow(cursor, scan, where, source.label, dtypes)


class DuckDBWindow:
    """One window of one source inside DuckDB: profiles are aggregates over it."""

    engine = "duckdb"

    def __init__(
        self, cursor: Any, scan: str, where: str | None, label: str, dtypes: dict[str, q.DType]
    ):
        self.cursor = cursor
        self.scan = scan
        self.where_sql = where
        self.label = label
        self.dtypes = dtypes
        self.compiler = Compiler(DUCKDB, dtypes)

    def _from(self, extra: str | None = None) -> str:
        clauses = [c for c in (self.where_sql, extra) if c]
        return f"FROM {self.scan}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")

    def _run(self, sql: str) -> Any:
        try:
            return self.cursor.execute(sql)
        except Exception as exc:  # duckdb.Error
            name = type(exc).__name__
            if name == "OutOfMemoryException" or "out of memory" in str(exc).lower():
                raise MonitorError(
                    f"{self.label}: engine duckdb ran out of memory ({MEMORY_KEY}): raise "
                    f"{MEMORY_KEY} or shorten the window: {exc}"
                ) from None
            raise SourceError(f"{self.label}: engine duckdb: {name}: {exc}") from None

    def aggregate(self, aggregates: Mapping[str, q.Aggregate]) -> dict[str, Any]:
        """One value per aggregate, computed in one scan."""
        row = self._run(f"SELECT {self.compiler.select(aggregates)} {self._from()}").fetchone()
        return dict(zip(aggregates, row, strict=True))

    def value_counts(self, column: str, where: q.Condition | None = None) -> pd.Series:
        """Each present value of ``column`` (where ``where`` holds) and how many rows hold it."""
        col = DUCKDB.quote(column)
        present = q.all_of(q.Not(q.Missing(column)), where)
        frame = self._run(
            f"SELECT {col} AS value, COUNT(*) AS n {self._from(self.compiler.where(present))} "
            f"GROUP BY {col}"
        ).df()
        return pd.Series(frame["n"].to_numpy(dtype=np.int64), index=pd.Index(frame["value"]))

    def values(self, column: str, where: q.Condition | None = None) -> np.ndarray:
        """The values of ``column`` where ``where`` holds, ascending, as float64."""
        col = DUCKDB.quote(column)
        table = self._run(
            f"SELECT CAST({col} AS DOUBLE) AS v {self._from(self.compiler.where(where))} ORDER BY v"
        ).arrow()
        column_data = table.column(0)
        return np.asarray(column_data.to_numpy(), dtype=np.float64)

    def grouped(
        self, by: str, aggregates: Mapping[str, str], where: q.Condition | None = None
    ) -> pd.DataFrame:
        """``aggregates`` (SQL over the window) per value of the SQL expression ``by``."""
        select = ", ".join(f"{sql} AS {DUCKDB.quote(name)}" for name, sql in aggregates.items())
        return self._run(
            f"SELECT {by} AS key, {select} {self._from(self.compiler.where(where))} GROUP BY key"
        ).df()
