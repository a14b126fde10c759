"""Data sources: one window, only the needed columns, clear errors naming source and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cockpit.config import models as cfg
from cockpit.errors import SourceError
from cockpit.sources import PreloadedSource, build_source
from monitors import counting

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def rows(days: int = 3) -> pd.DataFrame:
    ts = pd.date_range(T0, periods=days * 24, freq="1h", tz="UTC")
    return pd.DataFrame(
        {"ts": ts, "x": range(len(ts)), "y": [float(i) / 2 for i in range(len(ts))], "z": "a"}
    )


def write_parquet_days(folder: Path, frame: pd.DataFrame) -> None:
    folder.mkdir(parents=True)
    for day, part in frame.groupby(frame["ts"].dt.date):
        part.to_parquet(folder / f"day-{day}.parquet", index=False)


WINDOW = (T0 + timedelta(hours=30), T0 + timedelta(hours=36))


def check_window(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["x", "ts"]
    assert frame["x"].tolist() == [30, 31, 32, 33, 34, 35]
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"


def test_parquet_glob_reads_the_window_and_columns(tmp_path: Path) -> None:
    write_parquet_days(tmp_path / "logs", rows())
    spec = cfg.FileSource(kind="parquet", path="logs/*.parquet", timestamp="ts")
    check_window(build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW))


def test_parquet_with_naive_timestamps_is_read_as_utc(tmp_path: Path) -> None:
    frame = rows()
    frame["ts"] = frame["ts"].dt.tz_localize(None)
    write_parquet_days(tmp_path / "logs", frame)
    spec = cfg.FileSource(kind="parquet", path="logs/*.parquet", timestamp="ts")
    check_window(build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW))


def test_csv_reads_the_window_and_columns(tmp_path: Path) -> None:
    rows().to_csv(tmp_path / "log.csv", index=False)
    spec = cfg.FileSource(kind="csv", path="log.csv", timestamp="ts")
    check_window(build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW))


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_file_windows_share_their_string_objects(tmp_path: Path, kind: str) -> None:
    # the monitors count categories by object identity (monitors.counting): that is only fast
    # when a source hands over each distinct string once, as pyarrow and pandas' CSV parser do
    frame = rows(days=30).assign(z=lambda f: [f"plan-{i % 3}" for i in range(len(f))])
    if kind == "parquet":
        write_parquet_days(tmp_path / "logs", frame)
        spec = cfg.FileSource(kind="parquet", path="logs/*.parquet", timestamp="ts")
    else:
        frame.to_csv(tmp_path / "log.csv", index=False)
        spec = cfg.FileSource(kind="csv", path="log.csv", timestamp="ts")
    window = build_source(spec, tmp_path, "data.current").read(["z"], None, None)
    values = window["z"].to_numpy()
    assert len(values) == 30 * 24 and len({id(v) for v in values}) <= 3 * 30
    assert counting._shared(counting._identities(values))


def test_sql_windows_share_their_strings_and_keep_every_value(
    tmp_path: Path, store_url: str
) -> None:
    frame = rows(days=10).assign(
        z=lambda f: [None if i % 11 == 0 else f"plan-{i % 3}" for i in range(len(f))],
        id=lambda f: [f"req-{i}" for i in range(len(f))],  # all distinct: left as read
        mixed=lambda f: ["a" if i % 2 else str(i % 5) for i in range(len(f))],
    )
    frame.to_sql("predictions", sa.create_engine(store_url), index=False)
    spec = cfg.SqlSource(kind="sql", url=store_url, table="predictions", timestamp="ts")
    window = build_source(spec, tmp_path, "data.current").read(["z", "id", "mixed"])
    for name in ("z", "id", "mixed"):
        assert window[name].tolist() == frame[name].tolist()
    values = window["z"].to_numpy()
    assert len({id(v) for v in values}) == 4  # three plans and None, each one object
    assert counting._shared(counting._identities(values))


def test_sql_puts_the_window_in_the_where_clause(tmp_path: Path, store_url: str) -> None:
    engine = sa.create_engine(store_url)
    rows().to_sql("predictions", engine, index=False)
    statements: list[str] = []
    spec = cfg.SqlSource(kind="sql", url=store_url, table="predictions", timestamp="ts")
    source = build_source(spec, tmp_path, "data.current")
    sa.event.listen(source.engine(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    check_window(source.read(["x"], *WINDOW))
    select = next(s for s in statements if "FROM predictions" in s and "WHERE" in s)
    assert "ts >=" in select and "ts <" in select and " y" not in select


def test_sql_query_is_wrapped_and_filtered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'src.db'}"
    rows().to_sql("predictions", sa.create_engine(url), index=False)
    spec = cfg.SqlSource(
        kind="sql", url=url, query="SELECT ts, x, y FROM predictions WHERE z = 'a'", timestamp="ts"
    )
    check_window(build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            cfg.FileSource(kind="parquet", path="nothing/*.parquet", timestamp="ts"),
            r"no files match '.*nothing/\*\.parquet'",
        ),
        (
            cfg.FileSource(kind="csv", path="missing.csv", timestamp="ts"),
            "file '.*missing.csv' does not exist",
        ),
    ],
    ids=["a glob matching nothing names the glob", "a missing file names the file"],
)
def test_missing_files_name_the_source(tmp_path: Path, spec: cfg.FileSource, message: str) -> None:
    with pytest.raises(SourceError, match=f"data.current .*{message}"):
        build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW)


@pytest.mark.parametrize("kind", ["csv", "parquet", "sql"])
def test_a_missing_column_names_the_source_and_the_column(tmp_path: Path, kind: str) -> None:
    frame = rows()
    if kind == "csv":
        frame.to_csv(tmp_path / "log.csv", index=False)
        spec = cfg.FileSource(kind="csv", path="log.csv", timestamp="ts")
    elif kind == "parquet":
        frame.to_parquet(tmp_path / "log.parquet", index=False)
        spec = cfg.FileSource(kind="parquet", path="log.parquet", timestamp="ts")
    else:
        url = f"sqlite:///{tmp_path / 'src.db'}"
        frame.to_sql("predictions", sa.create_engine(url), index=False)
        spec = cfg.SqlSource(kind="sql", url=url, table="predictions", timestamp="ts")
    with pytest.raises(
        SourceError, match=r"services\[0\]\.data\.current.*column 'height_cm' not found"
    ):
        build_source(spec, tmp_path, "services[0].data.current").read(["x", "height_cm"], *WINDOW)


def test_a_missing_sql_table_is_named(tmp_path: Path) -> None:
    spec = cfg.SqlSource(
        kind="sql", url=f"sqlite:///{tmp_path / 'empty.db'}", table="predictions", timestamp="ts"
    )
    with pytest.raises(SourceError, match="table 'predictions' does not exist"):
        build_source(spec, tmp_path, "data.current").read(["x"], *WINDOW)


def test_an_empty_window_is_an_empty_frame(tmp_path: Path) -> None:
    write_parquet_days(tmp_path / "logs", rows())
    spec = cfg.FileSource(kind="parquet", path="logs/*.parquet", timestamp="ts")
    frame = build_source(spec, tmp_path, "x").read(
        ["x"], T0 + timedelta(days=10), T0 + timedelta(days=11)
    )
    assert frame.empty and list(frame.columns) == ["x", "ts"]


def test_preloaded_source_slices_exactly_what_a_read_returns(tmp_path: Path) -> None:
    write_parquet_days(tmp_path / "logs", rows())
    spec = cfg.FileSource(kind="parquet", path="logs/*.parquet", timestamp="ts")
    source = build_source(spec, tmp_path, "x")
    preloaded = PreloadedSource(source, None, T0, T0 + timedelta(days=3))
    for start_h, end_h in [(0, 5), (30, 36), (70, 72), (71, 80)]:
        window = (T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h))
        pd.testing.assert_frame_equal(
            preloaded.read(["x", "y"], *window), source.read(["x", "y"], *window)
        )
