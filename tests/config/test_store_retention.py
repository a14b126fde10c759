"""``store_retention``: its defaults, its durations, and runs kept at least as long as the
longest SLO window reads them, each problem at its line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.config.loader import parse_config
from tests.config.test_config import GOOD, problems


def with_retention(line: str) -> str:
    return GOOD.replace("store: sqlite:///cockpit.db\n", f"store: sqlite:///cockpit.db\n{line}\n")


def test_without_the_key_runs_are_kept_90_days_and_slo_history_its_window_plus_7() -> None:
    retention = parse_config(GOOD, "cockpit.yaml").store_retention
    assert retention.runs == timedelta(days=90)
    assert retention.slo_history_margin == timedelta(days=7)
    assert retention.every == timedelta(hours=1)


def test_the_keys_are_durations() -> None:
    text = with_retention("store_retention: {runs: 60d, slo_history_margin: 1d, every: 10m}")
    retention = parse_config(text, "cockpit.yaml").store_retention
    assert (retention.runs, retention.slo_history_margin, retention.every) == (
        timedelta(days=60),
        timedelta(days=1),
        timedelta(minutes=10),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "store_retention: {runs: 7d}",
            "cockpit.yaml:3: store_retention.runs: keeps runs 7d, less than the window of SLO "
            "loan/valid (28d), which is computed from them: write at least 28d",
            id="runs shorter than an SLO window are refused, naming the SLO",
        ),
        pytest.param(
            "store_retention: {runs: 90}",
            "cockpit.yaml:3: store_retention.runs: durations are strings with a unit, got 90 "
            "(write '90s' or '90m')",
            id="a number without a unit is refused",
        ),
        pytest.param(
            "store_retention: {runs_days: 90}",
            "cockpit.yaml:3: store_retention.runs_days: unknown key",
            id="an unknown key is refused",
        ),
    ],
)
def test_a_wrong_retention_is_reported_at_its_line(line: str, expected: str) -> None:
    found = problems(with_retention(line))
    assert any(p.startswith(expected) for p in found), found


def test_a_calendar_month_slo_needs_31_days_of_runs() -> None:
    text = with_retention("store_retention: {runs: 30d}").replace(
        "objective: 0.99, window: 28d", "objective: 0.99, window: calendar_month"
    )
    assert any("write at least 31d" in p for p in problems(text))
    parse_config(text.replace("runs: 30d", "runs: 31d"), "cockpit.yaml")
