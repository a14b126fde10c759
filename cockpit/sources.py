"""Data sources: read one window of one source, only the rows and columns a monitor needs.

- CSV: a file or a glob; the time filter is applied after reading (CSV has no index).
- Parquet: a file or a glob over many files, read through ``pyarrow.dataset`` with the time
  filter and the column projection pushed down, so only the window's row groups are decoded.
- SQL: any SQLAlchemy URL; the time filter goes into the ``WHERE`` clause, the projection into
  the ``SELECT``. A ``query`` is wrapped as a subquery.

Windows are half-open, ``[start, end)``, in UTC. Timestamps come back as
``datetime64[ns, UTC]``; naive timestamps in the data are read as UTC. Every failure a user can
cause is a :class:`SourceError` naming the source (and the column).
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from cockpit.config import models as cfg
from cockpit.errors import SourceError


def _wanted(columns: Sequence[str] | None, timestamp: str | None) -> list[str] | None:
    if columns is None:
        return None
    wanted = list(dict.fromkeys(columns))
    if timestamp and timestamp not in wanted:
        wanted.append(timestamp)
    return wanted


def _to_utc(series: pd.Series, label: str, column: str) -> pd.Series:
    try:
        converted = pd.to_datetime(
            series, utc=True, format="mixed" if series.dtype == object else None
        )
    except (ValueError, TypeError) as exc:
        raise SourceError(f"{label}: column {column!r} is not a timestamp ({exc})") from None
    return converted.astype("datetime64[ns, UTC]")


def _check_time_bounds(start: datetime | None, end: datetime | None) -> None:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: windows are timezone-aware UTC")


def _missing(label: str, available: Sequence[str], wanted: Sequence[str] | None) -> None:
    if wanted is None:
        return
    missing = [c for c in wanted if c not in set(available)]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        sample = ", ".join(list(available)[:12])
        raise SourceError(
            f"{label}: column {names} not found (the data has: {sample}); "
            "fix the column name in the config or the data"
        )


def _filter_frame(
    frame: pd.DataFrame, timestamp: str | None, start: datetime | None, end: datetime | None
) -> pd.DataFrame:
    if timestamp is None or (start is None and end is None):
        return frame
    ts = frame[timestamp]
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= (ts >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (ts < pd.Timestamp(end)).to_numpy()
    return frame.loc[keep]


class DataSource:
    """Reads rows of one source: the window's bounds checked once, then the source's own
    ``_read``."""

    label: str
    timestamp: str | None

    def read(
        self,
        columns: Sequence[str] | None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> pd.DataFrame:
        """Rows with ``start <= timestamp < end`` (no bound when ``None``), only ``columns``
        (all when ``None``) plus the timestamp column."""
        _check_time_bounds(start, end)
        return self._read(columns, start, end)

    def _read(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> pd.DataFrame:
        raise NotImplementedError

    def fingerprint(self) -> str | None:
        """A text that changes whenever the rows may have, known without reading them; None
        where only the rows themselves tell (a database table)."""
        return None


@dataclass
class FileDataSource(DataSource):
    kind: str  # csv | parquet
    pattern: str
    label: str
    timestamp: str | None = None

    def files(self) -> list[str]:
        if any(ch in self.pattern for ch in "*?["):
            found = sorted(glob.glob(self.pattern, recursive=True))
            if not found:
                raise SourceError(
                    f"{self.label}: no files match {self.pattern!r}; check `path` (relative paths "
                    "start at the config file's folder)"
                )
            return found
        if not os.path.exists(self.pattern):
            raise SourceError(
                f"{self.label}: file {self.pattern!r} does not exist; check `path` (relative "
                "paths start at the config file's folder)"
            )
        return [self.pattern]

    def fingerprint(self) -> str | None:
        """The files' paths, sizes and modification times."""
        try:
            stats = [(path, os.stat(path)) for path in self.files()]
        except (SourceError, OSError):
            return None  # the read says what is wrong
        digest = hashlib.sha256()
        for path, stat in stats:
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        return f"files:{digest.hexdigest()[:32]}"

    def _read(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> pd.DataFrame:
        files = self.files()
        wanted = _wanted(columns, self.timestamp if (start or end) or columns is not None else None)
        if self.timestamp and wanted is not None and self.timestamp not in wanted:
            wanted.append(self.timestamp)
        frame = (
            self._read_parquet(files, wanted, start, end)
            if self.kind == "parquet"
            else self._read_csv(files, wanted)
        )
        if wanted is not None:
            frame = frame[wanted]
        if self.timestamp and self.timestamp in frame.columns:
            frame[self.timestamp] = _to_utc(frame[self.timestamp], self.label, self.timestamp)
            frame = _filter_frame(frame, self.timestamp, start, end)
        elif (start or end) and self.timestamp is None:
            raise SourceError(
                f"{self.label}: a time window was asked for but the source has no `timestamp`"
            )
        return frame.reset_index(drop=True)

    def _read_csv(self, files: list[str], wanted: list[str] | None) -> pd.DataFrame:
        frames = []
        for path in files:
            try:
                header = pd.read_csv(path, nrows=0).columns
            except (
                OSError,
                pd.errors.ParserError,
                pd.errors.EmptyDataError,
                UnicodeDecodeError,
            ) as exc:
                raise SourceError(f"{self.label}: cannot read {path!r}: {exc}") from None
            _missing(f"{self.label} ({path})", list(header), wanted)
            try:
                frames.append(pd.read_csv(path, usecols=wanted, low_memory=False))
            except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
                raise SourceError(f"{self.label}: cannot read {path!r}: {exc}") from None
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def _read_parquet(
        self,
        files: list[str],
        wanted: list[str] | None,
        start: datetime | None,
        end: datetime | None,
    ) -> pd.DataFrame:
        try:
            dataset = pads.dataset(files, format="parquet")
        except (OSError, pa.ArrowInvalid) as exc:
            raise SourceError(f"{self.label}: cannot read parquet: {exc}") from None
        _missing(self.label, dataset.schema.names, wanted)
        condition = None
        if self.timestamp and (start or end):
            _missing(self.label, dataset.schema.names, [self.timestamp])
            condition = arrow_time_filter(
                dataset.schema.field(self.timestamp).type, self.timestamp, start, end
            )
        try:
            table = dataset.to_table(columns=wanted, filter=condition)
        except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SourceError(f"{self.label}: cannot read parquet: {exc}") from None
        return table.to_pandas()


def arrow_time_filter(
    type_: pa.DataType, column: str, start: datetime | None, end: datetime | None
) -> pc.Expression | None:
    if not pa.types.is_timestamp(type_):
        return None  # strings or dates: filtered after reading
    condition = None
    for bound, op in ((start, "ge"), (end, "lt")):
        if bound is None:
            continue
        value = pd.Timestamp(bound)
        if type_.tz is None:
            value = value.tz_convert("UTC").tz_localize(None)
        scalar = pa.scalar(value, type=type_)
        term = pc.field(column) >= scalar if op == "ge" else pc.field(column) < scalar
        condition = term if condition is None else condition & term
    return condition


@dataclass
class SqlDataSource(DataSource):
    url: str
    label: str
    table: str | None = None
    query: str | None = None
    timestamp: str | None = None
    _engine: sa.Engine | None = field(default=None, repr=False)

    def engine(self) -> sa.Engine:
        if self._engine is None:
            try:
                self._engine = sa.create_engine(self.url)
            except (SQLAlchemyError, ImportError, ValueError) as exc:
                raise SourceError(
                    f"{self.label}: cannot open {safe_url(self.url)}: {exc}"
                ) from None
        return self._engine

    def _table(self, conn: sa.Connection) -> sa.Table:
        schema, _, name = (self.table or "").rpartition(".")
        try:
            return sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
        except sa.exc.NoSuchTableError:
            raise SourceError(f"{self.label}: table {self.table!r} does not exist") from None

    def _read(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> pd.DataFrame:
        wanted = _wanted(columns, self.timestamp)
        try:
            with self.engine().connect() as conn:
                if self.table is not None:
                    source = self._table(conn)
                    names = [c.name for c in source.columns]
                    _missing(self.label, names, wanted)
                    cols = [source.c[n] for n in (wanted or names)]
                    statement = sa.select(*cols)
                    ts_col = source.c[self.timestamp] if self.timestamp else None
                else:
                    probe = conn.execute(sa.text(f"SELECT * FROM ({self.query}) AS q WHERE 1 = 0"))
                    names = list(probe.keys())
                    _missing(self.label, names, wanted)
                    sub = (
                        sa.text(self.query or "")
                        .columns(*[sa.column(n) for n in names])
                        .subquery("q")
                    )
                    cols = [sub.c[n] for n in (wanted or names)]
                    statement = sa.select(*cols)
                    ts_col = sub.c[self.timestamp] if self.timestamp else None
                if ts_col is not None:
                    typed = sa.type_coerce(ts_col, sa.DateTime())
                    if start is not None:
                        statement = statement.where(typed >= _naive_utc(start, conn))
                    if end is not None:
                        statement = statement.where(typed < _naive_utc(end, conn))
                frame = pd.read_sql(statement, conn)
        except SourceError:
            raise
        except SQLAlchemyError as exc:
            raise SourceError(
                f"{self.label}: query failed on {safe_url(self.url)}: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}"
            ) from None
        if self.timestamp and self.timestamp in frame.columns:
            frame[self.timestamp] = _to_utc(frame[self.timestamp], self.label, self.timestamp)
        return _share_strings(frame)


def _share_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of text hold each distinct string once, as Parquet and CSV windows do.

    A database driver builds one string object per row; the monitors count categories by
    object identity (``monitors.counting``), which is only fast when equal strings are one
    object. Only columns of nothing but strings (and missing values) are touched, so no value
    changes type.
    """
    for name in frame.columns:
        column = frame[name]
        if column.dtype != np.dtype(object) or len(column) < 2:
            continue
        if pd.api.types.infer_dtype(column, skipna=True) != "string":
            continue
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        if len(uniques) * 2 > len(column):
            continue  # mostly distinct values (ids, free text): nothing to share
        shared = np.append(uniques.astype(object), None)[codes]  # code -1: missing
        missing = codes < 0
        if missing.any():
            shared[missing] = column.to_numpy()[missing]  # None stays None, NaN stays NaN
        frame[name] = shared
    return frame


def _naive_utc(value: datetime, conn: sa.Connection) -> datetime:
    """SQLite keeps no zone: compare naive UTC. PostgreSQL takes the aware value."""
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


def safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url.split("@")[-1]


@dataclass
class TableDataSource(DataSource):
    """A table of a Spark catalog (``ml.predictions``): only the ``spark`` engine reads it."""

    table: str
    label: str
    timestamp: str | None = None

    def _read(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> pd.DataFrame:
        raise SourceError(
            f"{self.label}: a `kind: table` source is a Spark catalog table, read only by the "
            "spark engine: set the service's `engine: spark` (or `auto`)"
        )


def is_url(path: str) -> bool:
    """A path an engine resolves itself (``s3a://lake/preds/*.parquet``), not a local file."""
    return "://" in path


def build_source(
    spec: cfg.FileSource | cfg.SqlSource | cfg.TableSource, base_dir: Path, label: str
) -> FileDataSource | SqlDataSource | TableDataSource:
    """A source from its config; relative file paths start at the config file's folder."""
    if isinstance(spec, cfg.TableSource):
        return TableDataSource(spec.table, f"{label} (table {spec.table!r})", spec.timestamp)
    if isinstance(spec, cfg.FileSource):
        absolute = os.path.isabs(spec.path) or is_url(spec.path)
        pattern = spec.path if absolute else str(base_dir / spec.path)
        return FileDataSource(
            spec.kind, pattern, f"{label} ({spec.kind} {spec.path!r})", spec.timestamp
        )
    url = spec.url
    if spec.url_env is not None:
        url = os.environ.get(spec.url_env)
        if not url:
            raise SourceError(
                f"{label}: environment variable {spec.url_env} is not set (it holds the database URL)"
            )
    assert url is not None
    url = cfg.resolve_sqlite_url(url, base_dir)
    what = f"table {spec.table!r}" if spec.table else "query"
    return SqlDataSource(url, f"{label} (sql {what})", spec.table, spec.query, spec.timestamp)


class PreloadedSource(DataSource):
    """A source read once over a long span and sliced per window (backfills).

    ``read`` with a window inside the preloaded span costs two binary searches.
    """

    def __init__(
        self,
        inner: FileDataSource | SqlDataSource,
        columns: Sequence[str] | None,
        start: datetime,
        end: datetime,
    ):
        self.inner = inner
        self.label = inner.label
        self.timestamp = inner.timestamp
        self.columns = None if columns is None else list(columns)
        self.start, self.end = start, end
        frame = inner.read(columns, start, end)
        if self.timestamp:
            frame = frame.sort_values(self.timestamp, kind="stable").reset_index(drop=True)
            self._times = frame[self.timestamp].to_numpy(dtype="datetime64[ns]")
        self.frame = frame
        self._views: dict[tuple[str, ...], pd.DataFrame] = {}

    def bounds(self, start: datetime | None, end: datetime | None) -> tuple[int, int]:
        """Row positions ``[lo, hi)`` of the window in the preloaded (time-sorted) frame."""
        lo = int(np.searchsorted(self._times, _np_time(start), side="left"))
        hi = int(np.searchsorted(self._times, _np_time(end), side="left"))
        return lo, hi

    def covers(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> bool:
        if start is None or end is None or self.timestamp is None:
            return False
        if (
            columns is not None
            and self.columns is not None
            and not set(columns) <= set(self.columns)
        ):
            return False
        return self.start <= start and end <= self.end

    def _read(
        self, columns: Sequence[str] | None, start: datetime | None, end: datetime | None
    ) -> pd.DataFrame:
        if not self.covers(columns, start, end):
            return self.inner.read(columns, start, end)
        lo, hi = self.bounds(start, end)
        part = self.frame.iloc[lo:hi]
        if columns is not None:
            part = self._view(columns).iloc[lo:hi]
        return part.reset_index(drop=True)

    def _view(self, columns: Sequence[str]) -> pd.DataFrame:
        """The preloaded frame with only ``columns`` (and the timestamp), made once per set of
        columns: a window is then a slice of it, not a copy of every column."""
        wanted = _wanted(columns, self.timestamp) or []
        key = tuple(wanted)
        if key not in self._views:
            _missing(self.label, list(self.frame.columns), wanted)
            self._views[key] = self.frame[wanted]
        return self._views[key]


def _np_time(value: datetime | None) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value).tz_convert("UTC").tz_localize(None), "ns")
