"""Shared fixtures: stores on a real SQLite file and a real PostgreSQL, the sample scenario."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "sample_data" / "cockpit.yaml"
PG_URL = os.environ.get("COCKPIT_TEST_DATABASE_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n`` (``make test``), every Spark test goes to one worker, so one Spark
    Connect server serves the whole run (``--dist loadgroup``)."""
    for item in items:
        if item.get_closest_marker("spark") or "spark_remote" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("spark"))


def _pg_schema_url(base: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = f"cockpit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test against a real SQLite file and a real PostgreSQL (when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cockpit.db'}"
        return
    if not PG_URL:
        pytest.skip("COCKPIT_TEST_DATABASE_URL is not set (.ci/run sets it)")
    yield from _pg_schema_url(PG_URL)


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    """A migrated store on ``store_url``: a real SQLite file, and a real PostgreSQL."""
    from cockpit.store import Store

    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Any) -> tuple[Any, Any]:
    """The config and the store of ``tests/read/stored.py``: three services' runs by hand."""
    from tests.read.stored import fill

    return fill(store)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A maker of stores that do not exist yet, one backend per test: each call gives a new
    SQLite path (no file) or a new, empty PostgreSQL schema (dropped afterwards)."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("COCKPIT_TEST_DATABASE_URL is not set (.ci/run sets it)")
    with ExitStack() as schemas:

        def make() -> str:
            if request.param == "sqlite":
                return f"sqlite:///{tmp_path / f'cockpit-{uuid.uuid4().hex[:8]}.db'}"
            assert PG_URL is not None
            return schemas.enter_context(contextmanager(_pg_schema_url)(PG_URL))

        yield make


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated 30-day sample scenario with the sample config beside it (read-only)."""
    from sample_data.generate import generate

    root = tmp_path_factory.mktemp("scenario")
    generate(root / "generated", seed=7)
    shutil.copyfile(SAMPLE_CONFIG, root / "cockpit.yaml")
    return root


@pytest.fixture
def scenario(scenario_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config over the shared scenario data with a store of its own; returns the config."""
    config = tmp_path / "cockpit.yaml"
    text = SAMPLE_CONFIG.read_text().replace("generated/", f"{scenario_dir}/generated/")
    config.write_text(text)
    monkeypatch.setenv("COCKPIT_DATABASE_URL", f"sqlite:///{tmp_path / 'cockpit.db'}")
    return config


@pytest.fixture(scope="session")
def spark_remote() -> Iterator[str]:
    """The Spark Connect URL of one real local server, shared by the whole test run."""
    from tests.spark_server import SparkConnectServer

    server = SparkConnectServer()
    try:
        yield server.remote
    finally:
        server.stop()
