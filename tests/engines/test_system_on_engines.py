"""The system monitor's SLIs are the same wherever its window is computed: in process, in a
real embedded DuckDB (Parquet with aware timestamps, CSV with naive ones read as UTC) and inside
a real PostgreSQL (a SQL source's profile computed by the database)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cockpit.config.loader import load_config
from cockpit.engine.runner import Runner, run_json
from cockpit.engines import choose
from cockpit.store import Store
from tests.engines.conftest import Place, assert_same_runs

AT = datetime(2026, 10, 2, tzinfo=UTC)
MONITORS = """\
      - {name: latency, kind: system, metric: latency, column: latency_ms, threshold_ms: 200, error_column: failed, every: 1h, window: 1d}
      - {name: errors, kind: system, metric: error_rate, error_column: failed, every: 1h, window: 1d}
      - {name: fresh, kind: system, metric: freshness, every: 1h, window: 6h}
      - {name: volume, kind: system, metric: throughput, every: 1h, window: 2h}
"""


def log_frame(seed: int = 3, *, infinities: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 30_000
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)), unit="s"
    )
    latency = rng.lognormal(5, 0.6, n)
    latency[rng.random(n) < 0.02] = np.nan
    if infinities:
        latency[:5] = np.inf
        latency[5:8] = -np.inf
    failed = pd.array(rng.random(n) < 0.03, dtype="boolean")
    failed[rng.random(n) < 0.01] = pd.NA
    return pd.DataFrame({"ts": ts, "latency_ms": latency, "failed": failed})


def make_logs(folder: Path, kind: str, seed: int = 3) -> str:
    frame = log_frame(seed)
    if kind == "parquet":
        frame.to_parquet(folder / "logs.parquet")
        return "logs.parquet"
    frame["ts"] = frame["ts"].dt.tz_localize(None)  # naive: read as UTC by both paths
    frame[np.isfinite(frame["latency_ms"]) | frame["latency_ms"].isna()].to_csv(
        folder / "logs.csv", index=False
    )
    return "logs.csv"


def config(folder: Path, engine: str, path: str, kind: str, extra: str = "") -> Path:
    file = folder / f"{engine}.yaml"
    file.write_text(
        textwrap.dedent(f"""\
        version: cockpit/v1
        store: sqlite:///{engine}.db
        {extra}
        services:
          - name: svc
            engine: {engine}
            data:
              current: {{kind: {kind}, path: {path}, timestamp: ts}}
            monitors:
        """)
        + MONITORS
    )
    return file


def run(file: Path) -> dict[str, dict]:
    loaded = load_config(file)
    result = Runner(loaded, Store(loaded.store_url())).run_once(AT)
    return {r.monitor: run_json(r) for r in result.runs}


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def test_every_system_sli_is_the_same_on_the_engine_as_in_process(place: Place) -> None:
    frame = log_frame(infinities=place.kind != "csv")  # CSV: NaN but no infinities
    if place.kind == "csv":
        frame = frame[np.isfinite(frame["latency_ms"]) | frame["latency_ms"].isna()]
    source = f"data:\n  current: {place.write(frame)}"
    ours, theirs = place.runs(source, MONITORS)
    assert set(ours) == {"latency", "errors", "fresh", "volume"}
    assert_same_runs(ours, theirs, place.engine)
    # the counts are not trivial: missing latencies, missing error flags
    assert 0 < ours["latency"]["good"] < ours["latency"]["total"]
    assert ours["latency"]["slis"]["latency_p99"] > ours["latency"]["slis"]["latency_p50"]


def test_the_engine_is_stored_with_the_run(tmp_path: Path) -> None:
    path = make_logs(tmp_path, "parquet")
    loaded = load_config(config(tmp_path, "duckdb", path, "parquet"))
    store = Store(loaded.store_url())
    Runner(loaded, store).run_once(AT)
    stored = store.latest_run("svc", "latency")
    assert stored is not None and json.loads(stored.details or "{}")["engine"] == "duckdb"


def test_a_duckdb_memory_limit_hit_is_a_failed_run_naming_the_key(tmp_path: Path) -> None:
    path = make_logs(tmp_path, "parquet")
    extra = "engines: {duckdb: {memory_limit: 1MB, threads: 1}}"
    runs = run(config(tmp_path, "duckdb", path, "parquet", extra))
    latency = runs["latency"]
    assert latency["status"] == "failed"
    assert "engines.duckdb.memory_limit" in latency["error"], latency["error"]


def test_spark_without_a_server_fails_each_run_naming_the_engine_and_the_remote(
    tmp_path: Path,
) -> None:
    path = make_logs(tmp_path, "parquet")
    extra = 'engines: {spark: {remote: "sc://127.0.0.1:1"}}'
    runs = run(config(tmp_path, "spark", path, "parquet", extra))
    for name in ("latency", "errors", "fresh", "volume"):
        assert runs[name]["status"] == "failed"
        assert "engine spark" in runs[name]["error"] and "sc://127.0.0.1:1" in runs[name]["error"]


def test_text_latencies_are_refused_on_duckdb_as_in_process(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "ts": pd.date_range("2026-10-01T01:00", periods=50, freq="min", tz="UTC"),
            "latency_ms": ["120 ms"] * 50,
            "failed": [False] * 50,
        }
    )
    frame.to_parquet(tmp_path / "text.parquet")
    for engine in ("pandas", "duckdb"):
        latency = run(config(tmp_path, engine, "text.parquet", "parquet"))["latency"]
        assert latency["status"] == "failed"
        assert "latency column 'latency_ms' must be numbers" in latency["error"], engine
        assert "services[0].data.current" in latency["error"], engine


def test_auto_sends_a_window_too_large_for_memory_to_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_logs(tmp_path, "parquet")
    runs = run(config(tmp_path, "auto", path, "parquet"))
    assert {r["engine"] for r in runs.values()} == {"pandas"}
    # the same window judged too large (from Parquet metadata): the same SLIs, from DuckDB
    monkeypatch.setattr(choose, "AUTO_IN_PROCESS_BYTES", 1000)
    (tmp_path / "auto.db").unlink()
    large = run(config(tmp_path, "auto", path, "parquet"))
    assert {r["engine"] for r in large.values()} == {"duckdb"}
    for name, r in large.items():
        assert all(same(v, r["slis"][k]) for k, v in runs[name]["slis"].items()), name


def test_validate_says_what_to_install_for_spark(tmp_path: Path) -> None:
    """The real CLI, with Java hidden from PATH (and no JAVA_HOME): a local Spark Connect server
    (`remote: local[2]`) needs Java, named with what to install at the line of `engine: spark`;
    a remote server needs no Java here. PySpark is named when it is not installed."""
    path = make_logs(tmp_path, "parquet")
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_REMOTE")}
    env["PATH"] = str(Path(sys.executable).parent)  # python, not java

    def validate(remote: str) -> subprocess.CompletedProcess[str]:
        file = config(
            tmp_path, "spark", path, "parquet", f'engines: {{spark: {{remote: "{remote}"}}}}'
        )
        return subprocess.run(
            [sys.executable, "-m", "cockpit.cli", "validate", str(file)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    result = validate("local[2]")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    line = next(x for x in lines if "openjdk-17-jre-headless" in x)
    assert "services[0].engine" in line and "local[2]" in line, line
    assert line.startswith(f"{tmp_path / 'spark.yaml'}:6: "), line  # `engine: spark`: line 6
    pyspark_missing = importlib.util.find_spec("pyspark") is None
    if pyspark_missing:
        assert any("pip install 'pyspark[connect]'" in x for x in lines), lines
    # a Spark Connect server elsewhere: its client is Python, Java is not asked for
    remote = validate("sc://spark.example.internal:15002")
    assert "openjdk" not in remote.stderr, remote.stderr
    assert remote.returncode == (2 if pyspark_missing else 0), remote.stderr
