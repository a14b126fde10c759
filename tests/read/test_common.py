"""What every page's read model shares (cockpit/read/common.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.read import common

END = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def make_config(services: int) -> Config:
    lines = ["version: cockpit/v1", "services:"]
    for i in range(services):
        lines += [
            f"  - name: svc-{i}",
            f"    owner: team-{i}",
            "    data:",
            '      current: {kind: parquet, path: "none/*.parquet", timestamp: ts}',
            "      reference: {window: 7d, offset: 7d}",
            "    schema:",
            "      x: {type: float, min: 0, max: 1}",
            "      y: {type: float, min: 0, max: 1}",
            "    monitors:",
            "      - {name: quality, kind: data_quality, every: 5m}",
            "      - {name: drift, kind: drift, every: 1h, window: 1d}",
            "    slos:",
            "      - {name: valid, monitor: quality, objective: 0.99}",
            '      - {name: no-drift, monitor: drift, good: "drift_share <= 0.3", objective: 0.95}',
        ]
    return parse_config("\n".join(lines) + "\n")


def test_unknown_service_names_it_and_the_services() -> None:
    config = make_config(2)
    assert common.unknown_service(config, None) is None  # no link: the picker chooses
    assert common.unknown_service(config, "svc-1") is None
    message = common.unknown_service(config, "svc-9")
    assert message is not None
    assert "'svc-9'" in message and "svc-0, svc-1" in message
