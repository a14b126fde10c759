"""The ``spark`` engine: a window computed by a Spark cluster through Spark Connect.

The cockpit speaks to the cluster as a Spark Connect client (``engines.spark.remote``: an
``sc://host:port`` URL, as Databricks Connect and Spark 3.4+ servers take; ``local[N]`` starts
a local server, which needs Java 17 here). A source becomes a temporary view of the cockpit's
own Spark session, read by Spark where the data lives (Parquet or CSV paths, globs and
``s3a://`` URLs as the cluster sees them, or a catalog table); the profile's aggregates are
Spark SQL over that view, and only they come back. Times compare in UTC (the session's time
zone is set to UTC); Spark keeps microseconds, so Parquet timestamps must be written in
microseconds (Spark refuses nanoseconds).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cockpit.config import models as cfg
from cockpit.engines.sqltext import REFERENCE, Dialect, SqlWindow, _filter, time_bounds
from cockpit.errors import MonitorError, SourceError
from cockpit.sources import DataSource, FileDataSource, TableDataSource
from monitors import query as q

DEFAULT_REMOTE = "sc://spark-connect.internal:15002"
# an unreachable remote fails its runs after about 4 s of retries, not Spark's default 10 minutes
RETRIES = {"max_retries": 3, "initial_backoff": 200, "backoff_multiplier": 4.0, "max_backoff": 4000}
# after that, the other monitors of the cycle fail at once with the same error, for this long
DOWN_SECONDS = 60.0


class SparkDialect(Dialect):
    """Spark SQL: names in backticks, NaN by ``isnan`` (NaN equals NaN and sorts above every
    number, as in DuckDB), exact percentiles by ``percentile``, instants as ``TIMESTAMP``."""

    def infinite(self, column: str) -> str:
        return f"{column} IN (CAST('Infinity' AS DOUBLE), CAST('-Infinity' AS DOUBLE))"

    def epoch_ns(self, expression: str) -> str:
        return f"unix_micros(CAST({expression} AS TIMESTAMP)) * 1000"

    def quantiles(self, column: str, qs: list[float], where: str | None) -> str:
        values = ", ".join(self.double(x) for x in qs)
        return f"percentile({self.to_double(column)}, array({values})){_filter(where)}"

    def to_time(self, expression: str) -> str:
        return f"CAST({expression} AS TIMESTAMP)"

    def ordered_rows(self) -> int | None:
        return None  # Spark's window operator spills what does not fit to disk

    def time_literal(self, moment: datetime) -> str:
        return f"TIMESTAMP '{moment.isoformat()}'"


SPARK = SparkDialect(quote_char="`")


def remote_of(settings: cfg.SparkSettings) -> str:
    """The Spark Connect URL: ``engines.spark.remote``, else ``$SPARK_REMOTE``, else the
    default; the token named by ``token_env`` is added, never written into the config."""
    remote = settings.remote or os.environ.get("SPARK_REMOTE") or DEFAULT_REMOTE
    if settings.token_env and os.environ.get(settings.token_env):
        remote = f"{remote.rstrip('/')}/;token={os.environ[settings.token_env]}"
    return remote


def shown(remote: str) -> str:
    """The remote as messages show it: a token in the URL is hidden."""
    return re.sub(r"(token=)[^;/]*", r"\1***", remote)


def dtype_of(type_name: str) -> q.DType:
    """The kind of values a Spark type (``DataType.typeName()``) holds."""
    name = type_name.lower()
    if name in ("double", "float") or name.startswith("decimal"):
        return "float"
    if name in ("byte", "short", "integer", "long"):
        return "int"
    if name == "boolean":
        return "bool"
    if name in ("string", "varchar", "char"):
        return "text"
    if name in ("timestamp", "timestamp_ntz", "date"):
        return "time"
    return "other"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SparkEngine:
    """One Spark Connect session for the process, opened on first use."""

    def __init__(self, settings: cfg.SparkSettings):
        self.settings = settings
        self.remote = remote_of(settings)
        self._session: Any = None
        self._lock = threading.Lock()
        self.upload_lock = threading.Lock()  # the one reference relation of the session
        self._down: tuple[float, MonitorError] | None = None

    def unreachable(self, exc: BaseException) -> MonitorError:
        error = MonitorError(
            f"engine spark: Spark Connect at {shown(self.remote)} failed: {_first_line(exc)}; "
            "check engines.spark.remote and that the server is up"
        )
        self._down = (time.monotonic(), error)
        return error

    def session(self) -> Any:
        if self._down is not None and time.monotonic() - self._down[0] < DOWN_SECONDS:
            raise self._down[1]
        with self._lock:
            if self._session is None:
                try:
                    from pyspark.sql import SparkSession
                    from pyspark.sql.connect.client.retries import DefaultPolicy
                except ImportError:
                    raise MonitorError(
                        "engine spark: PySpark with its Connect client is not installed "
                        "(pip install 'pyspark[connect]')"
                    ) from None
                # the server's own messages are the run's error; not a second copy in the log
                logging.getLogger("pyspark").setLevel(logging.CRITICAL)
                logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
                try:
                    with warnings.catch_warnings():  # retries exceeded: said by the error
                        warnings.simplefilter("ignore")
                        builder = SparkSession.builder.remote(self.remote)
                        session = builder.create()
                        session.client.set_retry_policies([DefaultPolicy(**RETRIES)])
                        session.conf.set("spark.sql.session.timeZone", "UTC")
                        for key, value in self.settings.conf.items():
                            session.conf.set(key, value)
                except Exception as exc:  # grpc and pyspark errors: the server is not there
                    raise self.unreachable(exc) from None
                self._session = session
            return self._session

    def run(self, label: str, action: Any) -> Any:
        """``action()`` against the cluster; a query Spark refuses names the source, a server
        that does not answer names the remote."""
        from pyspark.errors import AnalysisException, PySparkException

        try:
            return action()
        except AnalysisException as exc:
            message = _first_line(exc)
            if "NANOS" in message.upper():
                message += " (write the Parquet timestamps in microseconds: Spark has no ns)"
            raise SourceError(f"{label}: Spark cannot read it: {message}") from None
        except PySparkException as exc:
            status = str(getattr(exc, "getGrpcStatusCode", lambda: "")() or "")
            if "UNAVAILABLE" in status or "UNAVAILABLE" in str(exc)[:400]:
                raise self.unreachable(exc) from None
            raise SourceError(f"{label}: Spark failed: {_first_line(exc)}") from None
        except Exception as exc:  # grpc's own errors: the connection
            raise self.unreachable(exc) from None

    def frame_of(self, source: DataSource) -> Any:
        """The source as a Spark DataFrame, read by the cluster."""
        session = self.session()
        if isinstance(source, TableDataSource):
            return session.table(source.table)
        assert isinstance(source, FileDataSource)
        if source.kind == "parquet":
            return session.read.parquet(source.pattern)
        return session.read.options(header=True, inferSchema=True, nanValue="NaN").csv(
            source.pattern
        )

    def window(
        self,
        source: DataSource,
        columns: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> SparkWindow:
        """The rows of ``source`` with ``start <= timestamp < end``, as Spark sees them."""
        if not isinstance(source, FileDataSource | TableDataSource):
            raise MonitorError(f"{source.label}: engine spark reads files and catalog tables")
        read = f"{type(source).__name__}:{getattr(source, 'pattern', '')}:{source.label}"
        view = "cockpit_" + hashlib.sha1(read.encode()).hexdigest()[:16]  # one per source

        def describe() -> list[tuple[str, str]]:
            frame = self.frame_of(source)
            frame.createOrReplaceTempView(view)  # read again each window: new files are seen
            return [(f.name, f.dataType.typeName()) for f in frame.schema.fields]

        fields = self.run(source.label, describe)
        dtypes = {name: dtype_of(t) for name, t in fields}
        naive = {name for name, t in fields if t == "timestamp_ntz"}
        ts = source.timestamp
        bounds = time_bounds(SPARK, source.label, dtypes, columns, ts, ts in naive, start, end)
        return SparkWindow(self, f"`{view}`", bounds, source.label, dtypes)


class SparkWindow(SqlWindow):
    """One window of one source inside Spark."""

    def __init__(
        self,
        engine: SparkEngine,
        relation: str,
        where: str | None,
        label: str,
        dtypes: Mapping[str, q.DType],
    ):
        super().__init__(SPARK, relation, where, label, dtypes)
        self.engine = engine

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        session = self.engine.session()
        return self.engine.run(self.label, lambda: [tuple(r) for r in session.sql(sql).collect()])

    def _frame(self, sql: str) -> pd.DataFrame:
        session = self.engine.session()
        return self.engine.run(self.label, lambda: session.sql(sql).toPandas())

    def _fetch_with(self, sql: str, arrays: Mapping[str, np.ndarray]) -> list[tuple[Any, ...]]:
        import pyarrow as pa

        session = self.engine.session()

        def upload_and_fetch() -> list[tuple[Any, ...]]:
            session.createDataFrame(pa.table(dict(arrays))).createOrReplaceTempView(REFERENCE)
            return [tuple(r) for r in session.sql(sql).collect()]

        with self.engine.upload_lock:
            return self.engine.run(self.label, upload_and_fetch)
