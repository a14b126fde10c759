"""Column types of the store: times go in and come out as timezone-aware UTC, whatever the
backend keeps (SQLite has no time zones)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from cockpit.timefmt import utcnow  # noqa: F401 - the store stamps rows with it


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store takes timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# What every repository function takes: callers outside the store name it without importing
# SQLAlchemy (``with store.begin() as conn: ...``).
Connection = sa.Connection
