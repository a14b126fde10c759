"""Alembic environment: migrations run on the connection the Store hands over."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the cockpit always passes its connection
    raise RuntimeError("run migrations through cockpit (Store.upgrade or `cockpit db upgrade`)")

context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
