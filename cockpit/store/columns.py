"""How the migrations spell a table: its ``id`` key, required and optional columns, and the
column types the models in ``tables.py`` use, named once.

Migrations take all of it (``from cockpit.store.columns import *``), so a table reads as its
columns. A migration that has shipped must keep its meaning, so what is here only ever gains names;
a test checks that the migrated schema is exactly the models'.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "KEY",
    "KIND",
    "NAME",
    "SHORT",
    "STATUS",
    "TEXT",
    "TS",
    "create_table",
    "optional",
    "refers",
    "required",
]

TS = sa.DateTime(timezone=True)
INT = sa.Integer()
FLOAT = sa.Float()
TEXT = sa.Text()
BOOL = sa.Boolean()
NAME = sa.String(200)
SHORT = sa.String(20)
STATUS = sa.String(30)
KIND = sa.String(40)
KEY = sa.String(100)


def required(name: str, type_: Any, *args: Any, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, *args, nullable=False, **options)


def optional(name: str, type_: Any, *args: Any, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, *args, nullable=True, **options)


def refers(table: str, **options: Any) -> sa.ForeignKey:
    """A foreign key to ``table``'s ``id``."""
    return sa.ForeignKey(f"{table}.id", **options)


def create_table(name: str, *columns: Any) -> None:
    """``op.create_table`` with the ``id`` integer key every table of the store has."""
    op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True), *columns)
