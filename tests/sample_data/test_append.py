"""The demo's live tail: fresh traffic appended with the scenario's columns and types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from sample_data.generate import append_traffic, generate


def test_appended_traffic_lies_in_its_window_with_the_same_columns(tmp_path: Path) -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    generate(tmp_path, start=start, days=1)
    tail_start = start + timedelta(days=1)
    counts = append_traffic(tmp_path, tail_start, tail_start + timedelta(hours=1), seed=1)
    assert counts["loan"] > 15 and counts["ads"] > 30  # about 1 and 2 a minute, fewer at night
    for stream in ("loan", "ads"):
        day = pd.read_parquet(next((tmp_path / stream / "logs").glob("day-*.parquet")))
        tail = pd.read_parquet(next((tmp_path / stream / "logs").glob("tail-*.parquet")))
        assert dict(tail.dtypes) == dict(day.dtypes)
        assert tail["ts"].min() >= pd.Timestamp(tail_start)
        assert tail["ts"].max() < pd.Timestamp(tail_start + timedelta(hours=1))
        assert not set(tail["request_id"]) & set(day["request_id"])
    labels = pd.read_parquet(next((tmp_path / "loan" / "labels").glob("tail-*.parquet")))
    assert len(labels) == counts["loan"]  # every label is written; each arrives a day later
    assert (labels["labelled_at"] > pd.Timestamp(tail_start + timedelta(hours=20))).all()
