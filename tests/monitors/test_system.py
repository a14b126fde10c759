"""System SLIs from the log, pinned to numpy; Prometheus answers parsed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from monitors.system import SystemSpec, evaluate, prometheus_result_value, prometheus_window_query

END = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)
START = END - timedelta(minutes=5)


def frame(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    ts = pd.date_range(START, END - timedelta(seconds=30), periods=n, tz="UTC")
    return pd.DataFrame(
        {"ts": ts, "latency_ms": rng.lognormal(4, 0.8, n), "error": rng.random(n) < 0.02}
    )


SPEC = SystemSpec(metric="latency", threshold_ms=150, error_column="error")


def test_latency_percentiles_and_good_events() -> None:
    data = frame()
    result = evaluate(data, SPEC, window_start=START, window_end=END)
    latency = data["latency_ms"].to_numpy()
    for q in (50, 95, 99):
        assert result.slis[f"latency_p{q}"] == pytest.approx(np.percentile(latency, q))
        assert result.slis[f"latency_p{q}"] == pytest.approx(data["latency_ms"].quantile(q / 100))
    fast = (latency < 150) & ~data["error"].to_numpy()
    assert (result.good, result.total) == (fast.sum(), len(data))
    assert result.slis["error_rate"] == data["error"].mean()
    assert result.slis["throughput_rps"] == pytest.approx(len(data) / 300)
    assert result.slis["freshness_s"] == pytest.approx(30)


def test_a_request_without_latency_is_not_fast() -> None:
    data = frame(10).assign(error=False, latency_ms=[10.0] * 9 + [np.nan])
    result = evaluate(data, SPEC, window_start=START, window_end=END)
    assert result.good == 9 and result.details["missing_latency"] == 1


def test_an_empty_window_is_no_data() -> None:
    assert evaluate(frame().iloc[:0], SPEC, window_start=START, window_end=END).status == "no_data"


def test_a_missing_latency_column_is_named() -> None:
    with pytest.raises(ValueError, match="'latency_ms'"):
        evaluate(frame().drop(columns=["latency_ms"]), SPEC, window_start=START, window_end=END)


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        (
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {}, "value": [1.7e9, "0.0123"]}],
                },
            },
            0.0123,
        ),
        ({"status": "success", "data": {"resultType": "scalar", "result": [1.7e9, "42"]}}, 42.0),
        ({"status": "success", "data": {"resultType": "vector", "result": []}}, None),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {}, "value": [1.7e9, "NaN"]}],
                },
            },
            None,
        ),
    ],
    ids=["a one-sample vector", "a scalar", "an empty vector is no data", "NaN is no data"],
)
def test_prometheus_answers(answer: dict, value: float | None) -> None:
    assert prometheus_result_value(answer) == value


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": "error", "errorType": "bad_data", "error": "parse error"}, "bad_data"),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [
                        {"metric": {"a": "1"}, "value": [0, "1"]},
                        {"metric": {"a": "2"}, "value": [0, "2"]},
                    ],
                },
            },
            "2 series",
        ),
        ({"status": "success", "data": {"resultType": "matrix", "result": []}}, "matrix"),
    ],
    ids=["an error answer", "several series", "a range vector"],
)
def test_prometheus_problems_say_what_was_wrong(answer: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        prometheus_result_value(answer)


def test_the_window_goes_into_the_query() -> None:
    assert prometheus_window_query("sum(rate(x[$window]))", "1h") == "sum(rate(x[1h]))"
