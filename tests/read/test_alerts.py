"""The alerts page's read models (cockpit/read/alerts.py) on a real store built by hand."""

from __future__ import annotations

import pytest

from cockpit.read import alerts
from cockpit.store import Store
from tests.read.stored import fire_valid_page


@pytest.fixture
def firing(store: Store) -> Store:
    """svc-0's valid page fires, with one evidence line."""
    fire_valid_page(store)
    return store


def test_alerts_table_joins_evidence_and_links(firing: Store) -> None:
    table = alerts.alerts_table(firing)
    assert table.iloc[0]["evidence"] == "x: 50% out of range"
    assert table.iloc[0]["link"] == "/service?service=svc-0"
    assert alerts.alert_choices(table)[int(table.iloc[0]["id"])].startswith(
        "#1 svc-0 / valid (page"
    )


def test_an_alert_lists_as_the_json_contract_says(firing: Store) -> None:
    [alert] = alerts.list_alerts(firing)
    assert list(alert) == [
        "id",
        "service",
        "slo",
        "severity",
        "state",
        "fingerprint",
        "started_at",
        "resolved_at",
        "acked_by",
        "silenced",
        "burn_rate",
        "long_window",
        "short_window",
        "budget_remaining",
        "evidence",
        "notifications",
    ]
    assert (alert["started_at"], alert["evidence"], alert["silenced"]) == (
        "2026-10-20T12:00:00Z",
        ["x: 50% out of range"],
        False,
    )
