"""The data-quality kind's section of the service page (cockpit/kinds/data_quality.py), read
from a real store built by hand."""

from __future__ import annotations

import pytest

from cockpit.config.models import Config
from cockpit.kinds.data_quality import data_quality_shares, data_quality_summary
from cockpit.read.panels import StoreReader
from cockpit.store import Store


def test_data_quality_shares_and_summary(filled: tuple[Config, Store]) -> None:
    config, store = filled
    shares = data_quality_shares(StoreReader(store, config, "svc-0", "quality"))
    assert set(shares["check"]) == {"out_of_range", "missing"}
    summary = data_quality_summary(shares)
    assert summary.loc["x", "worst out_of_range"] == pytest.approx(0.5)
    assert summary.loc["x", "latest out_of_range"] == pytest.approx(0.5)
    assert summary.loc["y", "worst missing"] == 0.0
