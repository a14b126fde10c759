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
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cockpit.config import models as cfg
from cockpit.engines.sqltext import DUCKDB, REFERENCE, SqlWindow, literal, time_bounds
from cockpit.errors import MonitorError, SourceError
from cockpit.sources import FileDataSource
from monitors import query as q

MEMORY_KEY = "engines.duckdb.memory_limit"
# the texts pandas' read_csv takes as missing by default, so that a CSV reads the same either way
CSV_MISSING = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


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


def _texts(values: Sequence[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


class DuckDBEngine:
    """One embedded DuckDB database for the process; a cursor per window."""

    def __init__(self, settings: cfg.DuckDBSettings):
        self.settings = settings
        self._conn: Any = None
        self._lock = threading.Lock()
        self._described: dict[str, dict[str, str]] = {}  # scan -> column -> DuckDB type

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

    def _describe(self, cursor: Any, scan: str, label: str) -> dict[str, str]:
        """Each column's DuckDB type, read from the files' headers once per set of files."""
        if scan not in self._described:
            try:
                rows = cursor.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
            except Exception as exc:  # duckdb.Error: the files cannot be read
                raise SourceError(f"{label}: cannot read with DuckDB: {exc}") from None
            self._described[scan] = {str(row[0]): str(row[1]).upper() for row in rows}
        return self._described[scan]

    def window(
        self,
        source: FileDataSource,
        columns: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> DuckDBWindow:
        """The rows of ``source`` with ``start <= timestamp < end``, as DuckDB sees them."""
        files = source.files()
        listed = _texts(files)
        scan = (
            # can_have_nan: Parquet's min/max leave NaN out, and without it DuckDB's optimizer
            # takes a float column with those statistics for one without NaN (`isnan(x)` folded
            # to false when a statement tests it twice: NaN counted as finite)
            f"read_parquet({listed}, union_by_name = true, can_have_nan = true)"
            if source.kind == "parquet"
            else f"read_csv({listed}, union_by_name = true, nullstr = {_texts(CSV_MISSING)})"
        )
        cursor = self.connection()
        ts = source.timestamp
        types = self._describe(cursor, scan, source.label)
        if source.kind == "csv" and ts and types.get(ts) == "TIMESTAMP":
            # DuckDB detects microseconds; nanoseconds in the text are kept, as pandas keeps them
            scan = (
                f"read_csv({listed}, union_by_name = true, nullstr = {_texts(CSV_MISSING)}, "
                f"types = {{{literal(ts)}: 'TIMESTAMP_NS'}})"
            )
            types = self._describe(cursor, scan, source.label)
        dtypes = {name: dtype_of(t) for name, t in types.items()}
        naive = {
            name
            for name, t in types.items()
            if t.startswith("TIMESTAMP") and "TZ" not in t and "TIME ZONE" not in t
        }
        where = time_bounds(DUCKDB, source.label, dtypes, columns, ts, ts in naive, start, end)
        return DuckDBWindow(cursor, scan, where, source.label, dtypes)


class DuckDBWindow(SqlWindow):
    """One window of one source inside DuckDB."""

    def __init__(
        self, cursor: Any, scan: str, where: str | None, label: str, dtypes: dict[str, q.DType]
    ):
        super().__init__(DUCKDB, scan, where, label, dtypes)
        self.cursor = cursor

    def groups(self, columns: Sequence[str]) -> int:
        """Distinct rows of ``columns``, as :meth:`SqlWindow.groups` counts them, in two steps
        that stay within ``memory_limit``: an aggregate over all the window's columns (text
        among them) ran out of 1 GB at 100M rows instead of spilling, while one over a 64-bit
        row hash does not. A row whose hash no other row has is a group of its own (rows equal
        as GROUP BY has them, NULL, NaN and -0.0 included, hash equal); the rows sharing a hash
        are grouped by their values."""
        listed = ", ".join(self.compiler.column(c) for c in columns)
        shared = f"hash({listed}) IN (SELECT h FROM keyed WHERE n > 1)"
        rows = self._fetch(
            f"WITH keyed AS (SELECT hash({listed}) AS h, COUNT(*) AS n {self._from()} GROUP BY 1) "
            "SELECT (SELECT COUNT(*) FROM keyed WHERE n = 1) + (SELECT COUNT(*) FROM "
            f"(SELECT 1 AS one {self._from(shared)} GROUP BY {listed}) AS g)"
        )
        return int(rows[0][0])

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self._run(sql).fetchall()

    def _frame(self, sql: str) -> pd.DataFrame:
        return self._run(sql).df()

    def _fetch_with(self, sql: str, arrays: Mapping[str, np.ndarray]) -> list[tuple[Any, ...]]:
        import pyarrow as pa

        # registered on this window's own cursor, for this statement only
        self.cursor.register(REFERENCE, pa.table(dict(arrays)))
        try:
            return self._fetch(sql)
        finally:
            self.cursor.unregister(REFERENCE)

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
