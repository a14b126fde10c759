"""The store on a real SQLite file and a real PostgreSQL: migrations, unique runs, UTC."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from cockpit.errors import StoreError
from cockpit.store import RunRecord, Store, run_details
from tests.conftest import PG_URL, _pg_schema_url

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
    assert store.current_revision() == "0008"
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


def test_the_migrations_create_exactly_the_models_schema(store_url: str) -> None:
    """Tables, columns, types, nullability, indexes, unique and foreign keys: what Alembic's
    autogenerate would find to change between the migrated store and the models is nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    store = Store(store_url)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    inspector = sa.inspect(store.engine)
    assert set(inspector.get_table_names()) - {"alembic_version"} == set(SQLModel.metadata.tables)


def test_replicas_upgrading_a_new_store_together_all_succeed(
    new_store_url: Callable[[], str], tmp_path: Path
) -> None:
    """Three replicas started at once on a store that does not exist yet: one migrates, the
    others wait for it and find the store at head (five rounds, a new store each)."""
    config = tmp_path / "cockpit.yaml"
    config.write_text("version: cockpit/v1\n")
    for round_ in range(5):
        url = new_store_url()
        env = {**os.environ, "COCKPIT_DATABASE_URL": url}
        replicas = [
            subprocess.Popen(
                [sys.executable, "-m", "cockpit.cli", "db", "upgrade", str(config)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outcomes = [(*replica.communicate(timeout=120), replica.returncode) for replica in replicas]
        for out, err, code in outcomes:
            assert (code, out) == (0, "store at revision 0008\n"), f"round {round_}: {err}"
        assert Store(url, migrate=False).current_revision() == "0008"


def test_a_store_opens_while_a_daemon_holds_the_leader_lock(store_url: str) -> None:
    """The migration lock is not the leader's: a replica starting next to the active daemon
    migrates and opens (with a lock timeout, a shared key would fail here instead of waiting
    forever)."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the advisory locks are PostgreSQL's; SQLite's leader lock is another file")
    from cockpit.store.locks import AdvisoryLock

    leader_engine = sa.create_engine(store_url)
    leader = AdvisoryLock(leader_engine)
    assert leader.try_acquire()
    try:
        url = sa.engine.make_url(store_url)
        url = url.update_query_dict({"options": f"{url.query['options']} -c lock_timeout=10s"})
        assert Store(url.render_as_string(hide_password=False)).current_revision() == "0008"
    finally:
        leader.release()
        leader_engine.dispose()


@pytest.mark.postgres
def test_the_leader_lock_is_one_per_schema_not_one_per_database() -> None:
    """Two stores in two schemas of one database each get a scheduler; a second daemon on the
    same schema does not."""
    if not PG_URL:
        pytest.skip("COCKPIT_TEST_DATABASE_URL is not set (.ci/run sets it)")
    from cockpit.store.locks import AdvisoryLock

    with ExitStack() as stack:
        first, second = (stack.enter_context(contextmanager(_pg_schema_url)(PG_URL)) for _ in "ab")
        engines = [sa.create_engine(url) for url in (first, first, second)]
        for engine in engines:
            stack.callback(engine.dispose)
        locks = [AdvisoryLock(engine) for engine in engines]
        for lock in locks:
            stack.callback(lock.release)
        assert [lock.try_acquire() for lock in locks] == [True, False, True]
        locks[0].release()
        assert locks[1].try_acquire()  # the standby of the first schema takes over


def _newer_revision(url: str) -> None:
    Store(url).close()
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))


def _foreign_table(url: str) -> None:
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("CREATE TABLE monitor_run (id INTEGER PRIMARY KEY, note TEXT)"))


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (_newer_revision, "Can't locate revision identified by '0099'"),
        (_foreign_table, "monitor_run"),
    ],
    ids=[
        "a store migrated by a newer cockpit",
        "a database that already has a table of the same name",
    ],
)
def test_a_store_that_cannot_be_migrated_is_one_plain_error(
    store_url: str, tmp_path: Path, prepare: Callable[[str], None], reason: str
) -> None:
    prepare(store_url)
    config = tmp_path / "cockpit.yaml"
    config.write_text("version: cockpit/v1\n")
    done = subprocess.run(
        [sys.executable, "-m", "cockpit.cli", "db", "upgrade", str(config)],
        env={**os.environ, "COCKPIT_DATABASE_URL": store_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"error: cannot migrate the store {store_url} to revision 'head': ")
    assert reason in first and first.endswith("run `cockpit db upgrade CONFIG`")


def test_only_an_existing_store_opens_as_existing(store_url: str) -> None:
    with pytest.raises(StoreError, match="^no store at "):
        Store.existing(store_url)
    if store_url.startswith("sqlite"):
        assert not Path(sa.engine.make_url(store_url).database).exists()
    Store(store_url).close()
    assert Store.existing(store_url).current_revision() == "0008"


def test_a_missing_store_is_named_without_its_password(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("a SQLite URL carries no password")
    url = sa.engine.make_url(store_url).set(password="hunter2")  # trust auth ignores it
    with pytest.raises(StoreError) as caught:
        Store.existing(url.render_as_string(hide_password=False))
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith(f"no store at {url.render_as_string(hide_password=True)}: ")
