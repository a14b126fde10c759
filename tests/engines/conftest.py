"""One window, every engine: the same rows written where each engine reads them, and the same
monitors run in process and on the engine.

A :class:`Place` is where the rows live (Parquet or CSV files, a table in a real PostgreSQL)
and which engine computes there (``duckdb`` for files, ``sql`` for the database, chosen by
``engine: auto``). :meth:`Place.runs` runs a config's monitors once with ``engine: pandas``
(the in-process path, the reference) and once on the engine, from the same source; each run is
its ``run-once --json`` form with the run's ``details`` beside it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cockpit.config.loader import load_config
from cockpit.engine.runner import Runner, run_json
from cockpit.store import Store
from tests.conftest import PG_URL, _pg_schema_url

AT = datetime(2026, 10, 2, tzinfo=UTC)


@dataclass
class Place:
    kind: str  # parquet | csv | postgresql | spark (Parquet read by a Spark Connect server)
    engine: str  # the engine that computes there
    folder: Path
    url: str | None = None  # the database, for postgresql
    remote: str | None = None  # the Spark Connect server, for spark

    @property
    def settings(self) -> str:
        """The config's `engines:` line."""
        if not self.remote:
            return ""
        # a few thousand rows: two shuffle partitions (still merged), no adaptive re-planning
        conf = '{spark.sql.shuffle.partitions: "2", spark.sql.adaptive.enabled: "false"}'
        return f'engines: {{spark: {{remote: "{self.remote}", conf: {conf}}}}}'

    def write(self, frame: pd.DataFrame, name: str = "logs") -> str:
        """The rows as this place keeps them; returns the source's YAML."""
        if self.kind == "parquet":
            frame.to_parquet(self.folder / f"{name}.parquet")
            return f"{{kind: parquet, path: {name}.parquet, timestamp: ts}}"
        if self.kind == "spark":  # Spark keeps microseconds, as a lake written by Spark does
            out = frame.copy()
            for column in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[column]):
                    out[column] = out[column].dt.floor("us")
            out.to_parquet(self.folder / f"{name}.parquet", coerce_timestamps="us")
            return f"{{kind: parquet, path: {name}.parquet, timestamp: ts}}"
        if self.kind == "csv":
            out = frame.copy()
            for column in out.columns:  # naive in the text: read as UTC by every path
                if isinstance(out[column].dtype, pd.DatetimeTZDtype):
                    out[column] = out[column].dt.tz_localize(None)
            out.to_csv(self.folder / f"{name}.csv", index=False)
            return f"{{kind: csv, path: {name}.csv, timestamp: ts}}"
        engine = sa.create_engine(self.url)
        frame.to_sql(name, engine, index=False, if_exists="replace")
        with engine.begin() as conn:  # statistics, as autovacuum keeps them for a real table
            conn.exec_driver_sql(f'ANALYZE "{name}"')
        engine.dispose()
        return f'{{kind: sql, url: "{self.url}", table: {name}, timestamp: ts}}'

    def config(self, engine: str, source: str, monitors: str, extra: str = "") -> Path:
        file = self.folder / f"{engine}.yaml"
        (self.folder / f"{engine}.db").unlink(missing_ok=True)
        file.write_text(
            textwrap.dedent(f"""\
            version: cockpit/v1
            store: sqlite:///{engine}.db
            {extra}
            services:
              - name: svc
                engine: {engine}
            """)
            + textwrap.indent(source.strip("\n"), "    ")
            + "\n    monitors:\n"
            + textwrap.indent(textwrap.dedent(monitors).strip("\n"), "      ")
            + "\n"
        )
        return file

    def run(self, engine: str, source: str, monitors: str, extra: str = "") -> dict[str, dict]:
        loaded = load_config(self.config(engine, source, monitors, extra or self.settings))
        result = Runner(loaded, Store(loaded.store_url())).run_once(AT)
        return {r.monitor: {**run_json(r), "details": r.details} for r in result.runs}

    def runs(self, source: str, monitors: str) -> tuple[dict[str, dict], dict[str, dict]]:
        """The runs in process and on this place's engine (``engine: auto`` for a database)."""
        ours = self.run("pandas", source, monitors)
        theirs = self.run("auto" if self.engine == "sql" else self.engine, source, monitors)
        return ours, theirs


@pytest.fixture(
    params=[
        "parquet",
        "csv",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("spark", marks=pytest.mark.spark),
    ]
)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    """Files read by DuckDB, a table in a real PostgreSQL computed by the database, or Parquet
    read by a real Spark Connect server (one for the whole run)."""
    if request.param == "spark":
        remote = request.getfixturevalue("spark_remote")
        yield Place("spark", "spark", tmp_path, remote=remote)
        return
    if request.param != "postgresql":
        yield Place(request.param, "duckdb", tmp_path)
        return
    if not PG_URL:
        pytest.skip("COCKPIT_TEST_DATABASE_URL is not set (.ci/run sets it)")
    for url in _pg_schema_url(PG_URL):
        yield Place("postgresql", "sql", tmp_path, url)


def same(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


def assert_same_runs(ours: dict[str, dict], theirs: dict[str, dict], engine: str) -> None:
    """Every run ok on both paths, the engine named, and every SLI, good and total equal."""
    assert set(ours) == set(theirs)
    for name in ours:
        a, b = ours[name], theirs[name]
        assert (a["engine"], b["engine"]) == ("pandas", engine), name
        assert a["status"] == b["status"] == "ok", (name, a["error"], b["error"])
        assert set(a["slis"]) == set(b["slis"]), (name, set(a["slis"]) ^ set(b["slis"]))
        for sli, value in a["slis"].items():
            assert same(value, b["slis"][sli]), (name, sli, value, b["slis"][sli])
        assert same(a["good"], b["good"]) and same(a["total"], b["total"]), name
