"""What only the spark engine does, against the real local Spark Connect server of the run: a
``kind: table`` source read from Spark's catalog (chosen by ``engine: auto``), Parquet with
nanosecond timestamps refused naming the source, and a token that never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config.loader import load_config
from cockpit.errors import ConfigError
from tests.engines.conftest import Place, assert_same_runs
from tests.engines.test_system_on_engines import MONITORS, log_frame

pytestmark = pytest.mark.spark
LATENCY = MONITORS.splitlines()[0]


@pytest.fixture
def spark_place(spark_remote: str, tmp_path: Path) -> Place:
    return Place("spark", "spark", tmp_path, remote=spark_remote)


def test_a_catalog_table_is_read_by_spark_under_auto(spark_place: Place) -> None:
    """The same rows as a Parquet file (in process) and as a table of Spark's catalog: with
    `engine: auto`, the table goes to Spark, and every SLI is the same."""
    from pyspark.sql import SparkSession

    files = spark_place.write(log_frame(), "logs")
    path = spark_place.folder / "logs.parquet"
    session = SparkSession.builder.remote(spark_place.remote).create()
    try:
        session.sql("CREATE DATABASE IF NOT EXISTS ml")
        session.read.parquet(str(path)).write.mode("overwrite").saveAsTable("ml.predictions")
    finally:
        session.stop()
    ours = spark_place.run("pandas", f"data:\n  current: {files}", MONITORS)
    table = "{kind: table, table: ml.predictions, timestamp: ts}"
    theirs = spark_place.run("auto", f"data:\n  current: {table}", MONITORS)
    assert_same_runs(ours, theirs, "spark")
    assert 0 < ours["latency"]["good"] < ours["latency"]["total"]


def test_a_table_without_spark_is_refused_naming_the_source(spark_place: Place) -> None:
    table = "{kind: table, table: ml.predictions, timestamp: ts}"
    runs = spark_place.run("pandas", f"data:\n  current: {table}", LATENCY)
    assert runs["latency"]["status"] == "failed"
    error = runs["latency"]["error"]
    assert "ml.predictions" in error and "engine: spark" in error, error


def test_nanosecond_parquet_is_refused_naming_the_source_and_what_to_do(
    spark_place: Place,
) -> None:
    log_frame().to_parquet(spark_place.folder / "ns.parquet")  # pandas writes nanoseconds
    source = "data:\n  current: {kind: parquet, path: ns.parquet, timestamp: ts}"
    runs = spark_place.run("spark", source, LATENCY)
    error = runs["latency"]["error"]
    assert runs["latency"]["status"] == "failed"
    assert "ns.parquet" in error and "microseconds" in error, error


def test_the_token_is_named_by_environment_variable_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARK_TOKEN", "s3cr3t-t0ken")
    place = Place("spark", "spark", tmp_path)
    files = place.write(log_frame(), "logs")
    settings = 'engines: {spark: {remote: "sc://127.0.0.1:1", token_env: SPARK_TOKEN}}'
    runs = place.run("spark", f"data:\n  current: {files}", MONITORS, settings)
    for run in runs.values():
        assert run["status"] == "failed" and "sc://127.0.0.1:1" in run["error"]
        assert "s3cr3t" not in run["error"] and "token=***" in run["error"], run["error"]
    # a token written into the config itself is refused, with where to put it instead
    inline = 'engines: {spark: {remote: "sc://h:15002/;token=abc"}}'
    with pytest.raises(ConfigError) as refused:
        load_config(place.config("spark", f"data:\n  current: {files}", "[]", inline))
    assert "token_env" in str(refused.value)
