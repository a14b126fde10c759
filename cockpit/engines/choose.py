"""Which engine computes a service's window.

``engine: auto`` (the default) keeps a window in process when it fits comfortably in memory and
sends it to DuckDB when it does not, judged before reading anything: the rows in the window
from Parquet metadata (row-group statistics of the timestamp; no data page is read), or the
size of CSV files. A user with a 100M-row day needs no setting on one machine. A SQL source is
computed inside its own database (``sql``) when the engine speaks its dialect.
"""

from __future__ import annotations

import os
from datetime import datetime

import pyarrow.dataset as pads

from cockpit.config import models as cfg
from cockpit.errors import SourceError
from cockpit.sources import (
    DataSource,
    FileDataSource,
    SqlDataSource,
    TableDataSource,
    arrow_time_filter,
)

# a window estimated above this many bytes in memory goes to DuckDB under `engine: auto`
AUTO_IN_PROCESS_BYTES = 1 << 30
BYTES_PER_VALUE = 8  # float64, or a pointer to a shared string


def estimated_bytes(
    source: FileDataSource, columns: int, start: datetime | None, end: datetime | None
) -> int:
    """How much memory the window's ``columns`` would take as a frame, from metadata only."""
    files = source.files()
    if source.kind != "parquet":
        return sum(os.path.getsize(f) for f in files) * 2  # text to values: about twice

    try:
        dataset = pads.dataset(files, format="parquet")
        condition = None
        if source.timestamp and (start or end):
            condition = arrow_time_filter(
                dataset.schema.field(source.timestamp).type, source.timestamp, start, end
            )
        rows = dataset.count_rows(filter=condition)
    except (OSError, KeyError, ValueError) as exc:
        raise SourceError(f"{source.label}: cannot read parquet metadata: {exc}") from None
    return rows * max(columns, 1) * BYTES_PER_VALUE


def engine_for(
    service: cfg.Service,
    source: DataSource,
    columns: int,
    start: datetime | None,
    end: datetime | None,
) -> str:
    """``pandas``, ``duckdb``, ``sql`` or ``spark`` for this service's window: under ``auto``, a
    SQL source in a database the ``sql`` engine speaks is computed there."""
    if service.engine != "auto":
        return service.engine
    if isinstance(source, TableDataSource):
        return "spark"
    if isinstance(source, SqlDataSource):
        from cockpit.engines.database import dialect_of

        return "sql" if dialect_of(source) is not None else "pandas"
    if not isinstance(source, FileDataSource):
        return "pandas"
    if estimated_bytes(source, columns, start, end) > AUTO_IN_PROCESS_BYTES:
        return "duckdb"
    return "pandas"


def missing_for(engine: str, spark: cfg.SparkSettings | None = None) -> list[str]:
    """What this machine lacks to run ``engine``, as what to install (none: nothing). A Spark
    Connect client is Python only; Java is needed to start a local server (``local[N]``)."""
    if engine != "spark":
        return []
    import importlib.util
    import shutil

    missing = []
    from cockpit.engines.spark import remote_of, shown

    remote = shown(remote_of(spark or cfg.SparkSettings()))
    if (
        remote.startswith("local")
        and shutil.which("java") is None
        and not os.environ.get("JAVA_HOME")
    ):
        missing.append(
            f"engine spark with remote {remote} starts a local Spark Connect server, which "
            "needs Java 17: install it (Debian: apt-get install openjdk-17-jre-headless) or set "
            "JAVA_HOME"
        )
    if importlib.util.find_spec("pyspark") is None:
        missing.append(
            "engine spark needs PySpark with its Connect client: pip install 'pyspark[connect]'"
        )
    return missing
