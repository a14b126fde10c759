"""The store behind one URL: the engine, its migrations, and the repositories' reads and
writes as methods.

SQLite by default, PostgreSQL in production. The schema is owned by Alembic migrations
(``cockpit/store/migrations``), applied when a :class:`Store` opens and by ``cockpit db
upgrade``. Each aggregate has its repository module (``runs``, ``evaluations``, ``alerts``,
``outbox``, ``actions``, ``incidents``, ``audit``, ``heartbeats``) of functions taking a
connection, so that several writes share one transaction (an alert and the outbox rows it
causes): ``with store.begin() as conn: ...``. The methods here are those functions on a
connection of their own, for callers that read or write one thing.

Timestamps are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cockpit.errors import NoStoreError, StoreError
from cockpit.store import actions as _actions
from cockpit.store import alerts as _alerts
from cockpit.store import evaluations as _evaluations
from cockpit.store import heartbeats as _heartbeats
from cockpit.store import incidents as _incidents
from cockpit.store import outbox as _outbox
from cockpit.store import overview as _overview
from cockpit.store import runs as _runs
from cockpit.store import versions as _versions

MIGRATIONS = Path(__file__).parent / "migrations"
P = ParamSpec("P")
R = TypeVar("R")


def _on_own_connection(
    fn: Callable[Concatenate[sa.Connection, P], R], *, write: bool = False
) -> Callable[Concatenate[Store, P], R]:
    """A repository function as a method: on a connection of its own (a transaction of its
    own for a write)."""

    def method(self: Store, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.begin() if write else self.connect() as conn:
            return fn(conn, *args, **kwargs)

    method.__doc__ = fn.__doc__
    return method


def _reading(fn: Callable[Concatenate[sa.Connection, P], R]) -> Callable[Concatenate[Store, P], R]:
    return _on_own_connection(fn)


def _writing(fn: Callable[Concatenate[sa.Connection, P], R]) -> Callable[Concatenate[Store, P], R]:
    return _on_own_connection(fn, write=True)


class Store:
    """The store behind one URL. Opening it applies pending migrations."""

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False):
        self.url = url
        try:
            self.engine: Engine = sa.create_engine(
                url, echo=echo, future=True, **_engine_options(url)
            )
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store {_safe_url(url)}: {exc}") from None
        if url.startswith("sqlite"):
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.upgrade()

    @classmethod
    def existing(cls, url: str, *, echo: bool = False) -> Store:
        """The store at ``url`` if one was ever created there, migrated to head when it is
        behind (as any open does); else NoStoreError, and nothing is created.

        A SQLite store exists when its file does (checked before connecting: connecting
        creates the file); a server's when its schema has Alembic's ``alembic_version`` table,
        which the first migration writes.
        """
        if url.startswith("sqlite"):
            try:
                database = sa.engine.make_url(url).database
            except (SQLAlchemyError, ValueError) as exc:
                raise StoreError(f"cannot open the store {_safe_url(url)}: {exc}") from None
            if not database or database == ":memory:" or not Path(database).is_file():
                raise _no_store(url)
            return cls(url, echo=echo)
        store = cls(url, migrate=False, echo=echo)
        try:
            with store._connect() as connection:
                migrated = sa.inspect(connection).has_table("alembic_version")
        except SQLAlchemyError as exc:
            store.close()
            raise StoreError(f"cannot read the store {_safe_url(url)}: {exc}") from None
        except StoreError:
            store.close()
            raise
        if not migrated:
            store.close()
            raise _no_store(url)
        store.upgrade()
        return store

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision``, one process at a time.

        Replicas starting together on a new store would each create the tables, and all but
        one die on the duplicate. So Alembic reads the revision and migrates under a lock
        (:func:`_migration_transaction`): a process that waited finds the store at head and does
        nothing. Raises StoreError when the store cannot be reached or migrated.
        """
        from alembic import command
        from alembic.util import CommandError

        with self._connect() as connection:
            try:
                with _migration_transaction(connection):
                    command.upgrade(_alembic_config(connection), revision)
            except (SQLAlchemyError, CommandError) as exc:
                reason = getattr(exc, "orig", None) or exc
                raise StoreError(
                    f"cannot migrate the store {_safe_url(self.url)} to revision {revision!r}: "
                    f"{reason}; fix that, then run `cockpit db upgrade CONFIG`"
                ) from None

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot reach the store {_safe_url(self.url)}: {reason}") from None

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection for reads."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self.engine.begin() as conn:
            yield conn

    # --- the repositories' reads and writes, one connection each ------------------------------

    save_runs = _writing(_runs.save)
    runs = _reading(_runs.runs)
    latest_run = _reading(_runs.latest)
    run_facts = _reading(_runs.facts)
    last_ok_end = _reading(_runs.last_ok_end)
    measurements = _reading(_runs.measurements)
    event_buckets = _reading(_runs.event_buckets)
    changed_runs = _reading(_runs.changed)
    run_counts = _reading(_runs.counts)
    is_empty = _reading(_runs.is_empty)
    latest_runs = _reading(_runs.latest_of)
    run_values = _reading(_runs.values_of)
    data_end = _reading(_runs.newest_end)
    occurrences = _reading(_runs.occurrences)
    latest_errors = _reading(_runs.latest_errors)
    run_slis = _reading(_runs.all_values)
    run_history = _reading(_runs.history)
    save_slo_evaluations = _writing(_evaluations.save)
    slo_evaluations = _reading(_evaluations.history)
    latest_slo_evaluation = _reading(_evaluations.latest)
    latest_slo_evaluations = _reading(_evaluations.latest_of)
    overview_facts = _reading(_overview.facts)
    firing_at = _reading(_alerts.firing_at)
    beat = _writing(_heartbeats.beat)
    record_traffic = _writing(_versions.record)
    record_traffic_windows = _writing(_versions.record_windows)
    version_traffic = _reading(_versions.history)
    traffic_end = _reading(_versions.newest_end)
    heartbeats = _reading(_heartbeats.all_beats)

    def save_run(self, record: Any) -> int:
        """Insert or replace the run for (service, monitor, window_end); returns its id.

        Replacing keeps a moment from counting twice when it is run again (``run-once`` at
        the same ``--at``, a backfill over stored history).
        """
        return self.save_runs([record])[0]

    def ping(self) -> None:
        """Raise StoreError when the store cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot reach the store {_safe_url(self.url)}: {exc}") from None

    # --- alerts, silences, the outbox, actions, incidents: reads -------------------------------

    alerts = _reading(_alerts.listing)
    active_silences = _reading(_alerts.active_silences)
    silences_after = _reading(_alerts.silences_after)
    incident_alerts = _reading(_alerts.of_incident)
    alerts_of_incidents = _reading(_alerts.of_incidents)
    outbox_log = _reading(_outbox.log)
    delivery_attempts = _reading(_outbox.attempts)
    actions = _reading(_actions.listing)
    action_calls = _reading(_actions.calls)
    last_action = _reading(_actions.last_of_rule)
    incident = _reading(_incidents.get)
    incidents = _reading(_incidents.listing)
    incident_events = _reading(_incidents.events)
    newest_window_end = _reading(_incidents.newest_window_end)


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The key of the PostgreSQL advisory lock migrations run under. Not the daemon's leader lock
# (``AdvisoryLock.KEY``): the leader holds that for as long as it runs, and a replica starting
# meanwhile must still be able to open the store.
MIGRATION_LOCK_KEY = 0x636F6D69  # "comi"


@contextmanager
def _migration_transaction(connection: sa.Connection) -> Iterator[None]:
    """A transaction on ``connection`` that holds the store's migration lock until it has
    committed: on PostgreSQL a transaction-level advisory lock, which the commit releases; on
    SQLite an exclusive ``flock`` on ``<database>.migrate.lock`` beside the file, released
    after the commit (before it, the next process would read the old revision). An in-memory
    SQLite is one process's own: no lock."""
    if connection.dialect.name == "postgresql":
        with connection.begin():
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            yield
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        with connection.begin():
            yield
        return
    with open(database + ".migrate.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file is closed
        with connection.begin():
            yield


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _no_store(url: str) -> NoStoreError:
    return NoStoreError(f"no store at {_safe_url(url)}: nothing has written to it yet")


def _safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL we cannot parse is shown without its credentials
        return url.split("@")[-1]
