"""The store on a real SQLite file and a real PostgreSQL: migrations, unique runs, UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from cockpit.errors import StoreError
from cockpit.store import RunRecord, Store, run_details

T = datetime(2026, 10, 10, 14, 0, tzinfo=UTC)


def record(value: float = 0.5, **overrides) -> RunRecord:
    fields = {
        "service": "loan",
        "monitor": "quality",
        "kind": "data_quality",
        "window_start": T - timedelta(minutes=5),
        "window_end": T,
        "status": "ok",
        "slis": {"valid_rows_share": value, "volume_ratio": None},
        "good": 5.0,
        "total": 10.0,
        "details": {"failing_columns": ["height_cm"]},
    }
    fields.update(overrides)
    return RunRecord(**fields)


def test_opening_a_store_applies_the_migrations(store_url: str) -> None:
    store = Store(store_url)
    assert store.current_revision() == "0005"
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"monitor_run", "sli_measurement", "slo_evaluation", "alembic_version"} <= tables
    Store(store_url)  # a second open is a no-op, not an error


def test_the_same_window_saved_twice_is_one_run_with_the_latest_values(store_url: str) -> None:
    store = Store(store_url)
    first = store.save_run(record(0.5))
    second = store.save_run(record(0.9))
    assert first == second
    runs = store.runs("loan", "quality")
    assert len(runs) == 1
    assert store.measurements("loan", "quality", ["valid_rows_share"]) == [
        (T, "quality", "valid_rows_share", 0.9)
    ]
    assert run_details(runs[0]) == {"failing_columns": ["height_cm"]}


def test_times_come_back_timezone_aware_utc(store_url: str) -> None:
    store = Store(store_url)
    plus_two = timezone(timedelta(hours=2))
    store.save_run(
        record(
            window_end=T.astimezone(plus_two),
            window_start=(T - timedelta(minutes=5)).astimezone(plus_two),
        )
    )
    run = store.latest_run("loan", "quality")
    assert run.window_end == T and run.window_end.tzinfo is not None
    assert run.window_end.utcoffset() == timedelta(0)


def test_latest_run_until_a_time(store_url: str) -> None:
    store = Store(store_url)
    store.save_runs([record(window_end=T + timedelta(minutes=5 * i)) for i in range(4)])
    assert store.latest_run("loan", "quality").window_end == T + timedelta(minutes=15)
    assert store.latest_run(
        "loan", "quality", until=T + timedelta(minutes=7)
    ).window_end == T + timedelta(minutes=5)
    assert store.latest_run("loan", "other") is None


def test_a_naive_time_is_refused(store_url: str) -> None:
    store = Store(store_url)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        store.save_run(record(window_end=datetime(2026, 10, 10, 14, 0)))


def test_an_unreachable_store_is_a_store_error() -> None:
    with pytest.raises(
        StoreError,
        match="cannot reach the store postgresql\\+psycopg://nobody:\\*\\*\\*@127.0.0.1:1/x",
    ):
        Store("postgresql+psycopg://nobody:secret@127.0.0.1:1/x?connect_timeout=2")


def test_the_migrations_create_exactly_the_models_tables_and_columns(store_url: str) -> None:
    from sqlmodel import SQLModel

    store = Store(store_url)
    inspector = sa.inspect(store.engine)
    for name, table in SQLModel.metadata.tables.items():
        migrated = {c["name"] for c in inspector.get_columns(name)}
        assert migrated == {c.name for c in table.columns}, name
    assert set(inspector.get_table_names()) - {"alembic_version"} == set(SQLModel.metadata.tables)
