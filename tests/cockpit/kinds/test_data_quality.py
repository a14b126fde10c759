"""The data-quality kind's section of the service page (cockpit/kinds/data_quality.py), read
from a real store built by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit.config.models import Config
from cockpit.kinds.data_quality import data_quality_shares, data_quality_summary
from cockpit.read.panels import reader
from cockpit.store import Store
from tests.read.stored import fill


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A real SQLite file, and a real PostgreSQL when COCKPIT_TEST_DATABASE_URL is set."""
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Store) -> tuple[Config, Store]:
    return fill(store)


def test_data_quality_shares_and_summary(filled: tuple[Config, Store]) -> None:
    config, store = filled
    shares = data_quality_shares(reader(store, config, "svc-0", "quality"))
    assert set(shares["check"]) == {"out_of_range", "missing"}
    summary = data_quality_summary(shares)
    assert summary.loc["x", "worst out_of_range"] == pytest.approx(0.5)
    assert summary.loc["x", "latest out_of_range"] == pytest.approx(0.5)
    assert summary.loc["y", "worst missing"] == 0.0
