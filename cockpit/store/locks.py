"""Who runs the monitors for one store: one active scheduler per store, the others standby.

PostgreSQL: a session advisory lock held on a dedicated connection; SQLite: an exclusive
``flock`` beside the database file. Both are dropped by the system when the process dies, so a
standby takes over without anyone cleaning up.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from cockpit.errors import CockpitError
from cockpit.store.database import Store


class Leadership:
    """Who runs the monitors for one store."""

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class FileLock(Leadership):
    """SQLite: an exclusive ``flock`` on ``<database>.lock``; the kernel drops it when the
    process dies."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class AdvisoryLock(Leadership):
    """PostgreSQL: a session advisory lock held on a dedicated connection; the server drops it
    when the connection dies with the process. Keyed by the store's schema as well: stores in
    two schemas of one database each have their own scheduler."""

    KEY = 0x636F636B  # "cock"; the second key is the hash of the store's schema

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                return True
            except sa.exc.SQLAlchemyError:
                self._conn = None  # lost the connection, so lost the lock
        conn = self.engine.connect()
        got = conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"), {"k": self.KEY}
        ).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"),
                    {"k": self.KEY},
                )
                self._conn.close()
            except sa.exc.SQLAlchemyError:
                pass
            self._conn = None


def leadership_for(store: Store) -> Leadership:
    """The lock that fits the store's backend."""
    if store.engine.dialect.name == "postgresql":
        return AdvisoryLock(store.engine)
    database = store.engine.url.database
    if not database or database == ":memory:":
        raise CockpitError(
            "serve needs a file or PostgreSQL store (an in-memory SQLite cannot coordinate)"
        )
    return FileLock(Path(database + ".lock"))
