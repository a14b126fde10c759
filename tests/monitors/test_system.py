"""System SLIs from the log, pinned to numpy and pandas; Prometheus answers parsed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitors.system import SystemSpec, evaluate, prometheus_result_value, prometheus_window_query

END = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)
START = END - timedelta(minutes=5)


def log(n: int = 600, seed: int = 5) -> pd.DataFrame:
    """n requests over the window, the newest 30 s before its end; ~2% fail."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, END - timedelta(seconds=30), periods=n, tz="UTC")
    return pd.DataFrame(
        {"ts": ts, "latency_ms": rng.lognormal(4.5, 0.8, n), "error": rng.random(n) < 0.02}
    )


SPEC = SystemSpec(metric="latency", threshold_ms=150, error_column="error")


def run(frame: pd.DataFrame, spec: SystemSpec = SPEC):
    return evaluate(frame, spec, window_start=START, window_end=END)


@pytest.mark.parametrize("seed", [5, 6, 7], ids=lambda s: f"seed {s}")
def test_latency_percentiles_equal_numpy_and_pandas(seed: int) -> None:
    frame = log(seed=seed)
    result = run(frame)
    for q in (50, 95, 99):
        value = result.slis[f"latency_p{q}"]
        assert value == pytest.approx(np.percentile(frame["latency_ms"], q), abs=1e-12, rel=0)
        assert value == pytest.approx(frame["latency_ms"].quantile(q / 100), abs=1e-9, rel=0)
        assert result.details[f"latency_p{q}"] == value


def test_percentiles_leave_out_requests_without_a_latency() -> None:
    frame = log()
    frame.loc[:49, "latency_ms"] = np.nan
    result = run(frame)
    assert result.slis["latency_p99"] == pytest.approx(
        np.percentile(frame["latency_ms"].iloc[50:], 99), abs=1e-12, rel=0
    )


def test_good_events_are_fast_requests_that_did_not_fail() -> None:
    frame = log()
    result = run(frame)
    latency, failed = frame["latency_ms"].to_numpy(), frame["error"].to_numpy()
    good = np.sum((latency < 150) & ~failed)
    assert np.sum((latency < 150) & failed) > 0  # the data has fast failures to leave out
    assert (result.good, result.total) == (good, len(frame))
    assert result.slis["good_share"] == good / len(frame)
    assert result.details["bad_requests"] == len(frame) - good


@pytest.mark.parametrize(
    ("latency_ms", "good"),
    [(149.999, 1), (150.0, 0), (150.001, 0)],
    ids=[
        "a request just under the threshold is good",
        "a request at the threshold is not under it",
        "a request over the threshold is bad",
    ],
)
def test_the_threshold_is_strict(latency_ms: float, good: int) -> None:
    frame = pd.DataFrame({"ts": [START], "latency_ms": [latency_ms], "error": [False]})
    assert run(frame).good == good


def test_a_request_without_latency_is_not_fast() -> None:
    frame = log(10).assign(error=False, latency_ms=[10.0] * 7 + [np.nan, np.inf, -np.inf])
    result = run(frame)
    assert (result.good, result.total) == (7, 10)
    assert result.details["missing_latency"] == 3
    assert result.slis["latency_p99"] == 10.0


def test_without_a_threshold_latency_has_no_events() -> None:
    result = run(log(), dataclasses.replace(SPEC, threshold_ms=None))
    assert result.good is None and result.total is None and "good_share" not in result.slis
    assert result.slis["latency_p50"] is not None


def test_error_rate_and_its_good_events() -> None:
    frame = log()
    result = run(frame, SystemSpec(metric="error_rate", error_column="error"))
    failed = int(frame["error"].sum())
    assert failed > 0
    assert result.slis["error_rate"] == failed / len(frame)
    assert (result.good, result.total) == (len(frame) - failed, len(frame))


@pytest.mark.parametrize(
    ("flags", "failed", "missing"),
    [
        (pd.Series([True, False, None, False], dtype="boolean"), 1, 1),
        (pd.Series([1, 0, np.nan, 1]), 2, 1),
        (pd.Series([True, None, False, False], dtype=object), 1, 1),
    ],
    ids=[
        "a nullable boolean flag, missing means not failed",
        "a 0/1 flag with a gap",
        "python booleans with a gap",
    ],
)
def test_error_flags_of_several_types(flags: pd.Series, failed: int, missing: int) -> None:
    frame = pd.DataFrame({"ts": [START] * 4, "error": flags})
    result = run(frame, SystemSpec(metric="error_rate", error_column="error"))
    assert result.total - result.good == failed
    assert result.details["missing_error_flag"] == missing


def test_a_text_error_column_is_refused_not_guessed() -> None:
    frame = pd.DataFrame({"ts": [START] * 2, "error": ["False", "True"]})
    with pytest.raises(ValueError, match="error column 'error' must be boolean"):
        run(frame, SystemSpec(metric="error_rate", error_column="error"))


@pytest.mark.parametrize(
    ("latency_ms", "example"),
    [
        (["120 ms", "95 ms", "310 ms"], "'120 ms'"),
        (["120", "95", "310 ms"], "'310 ms'"),
        ([True, False, True], "True"),
        (pd.Series(["120 ms", "95 ms", "310 ms"], dtype="string"), "'120 ms'"),
        (pd.Series(["120 ms", "95 ms", "95 ms"], dtype="category"), "'120 ms'"),
        (pd.to_timedelta([120, 95, 310], unit="ms"), "Timedelta"),
    ],
    ids=[
        "latencies written with their unit are refused, not counted slow",
        "one value that is not a number refuses the whole column",
        "booleans are refused",
        "pandas text is refused the same",
        "categories of text are refused the same",
        "durations are refused (their nanoseconds are not milliseconds)",
    ],
)
def test_a_latency_column_that_is_not_numbers_is_refused(latency_ms: Any, example: str) -> None:
    frame = pd.DataFrame({"ts": [START] * 3, "latency_ms": latency_ms, "error": False})
    with pytest.raises(ValueError, match="latency column 'latency_ms' must be numbers") as caught:
        run(frame)
    assert example in str(caught.value)


@pytest.mark.parametrize(
    "latency_ms",
    [
        ["120", "95.5", "3.1e2", None],
        [Decimal("120"), Decimal("95.5"), Decimal("310"), None],
        pd.Series(["120", "95.5", "3.1e2", None], dtype="string"),
        pd.Series([120, 95, 310, None], dtype="Int64"),
    ],
    ids=[
        "numbers kept as text (a CSV read as strings) are read as numbers",
        "decimals (a SQL NUMERIC column) are read as numbers",
        "pandas text of numbers too",
        "nullable integers with a gap",
    ],
)
def test_numbers_in_other_types_count_as_their_float_values(latency_ms: Any) -> None:
    frame = pd.DataFrame({"ts": [START] * 4, "latency_ms": latency_ms, "error": False})
    floats = frame.assign(latency_ms=[120.0, float(pd.Series(latency_ms)[1]), 310.0, np.nan])
    result, expected = run(frame), run(floats)
    assert (result.good, result.total, result.details) == (
        expected.good,
        expected.total,
        expected.details,
    )
    assert result.details["missing_latency"] == 1 and result.good == 2


def test_throughput_is_rows_per_second_of_window() -> None:
    result = run(log(600), SystemSpec(metric="throughput"))
    assert result.slis["throughput_rps"] == 600 / 300
    assert result.good is None and result.total is None


@pytest.mark.parametrize(
    ("newest_before_end", "ts_tz"),
    [(timedelta(seconds=30), "UTC"), (timedelta(minutes=4), "UTC"), (timedelta(seconds=30), None)],
    ids=[
        "rows 30 s old",
        "rows four minutes old",
        "naive timestamps read as UTC",
    ],
)
def test_freshness_is_the_age_of_the_newest_row(newest_before_end: timedelta, ts_tz) -> None:
    ts = pd.date_range(START, END - newest_before_end, periods=20, tz="UTC")
    frame = pd.DataFrame({"ts": ts if ts_tz else ts.tz_localize(None)})
    result = run(frame, SystemSpec(metric="freshness", latency_column=None))
    assert result.slis["freshness_s"] == newest_before_end.total_seconds()


def test_an_empty_window_is_no_data_with_unknown_freshness() -> None:
    result = run(log().iloc[:0])
    assert result.status == "no_data" and result.details["reason"] == "no requests in the window"
    assert result.details["freshness_s"] is None
    assert result.details["freshness_at_least_s"] == 300


@pytest.mark.parametrize(
    ("drop", "spec"),
    [
        ("latency_ms", SPEC),
        ("error", SPEC),
        ("ts", SystemSpec(metric="freshness")),
    ],
    ids=[
        "a missing latency column is named",
        "a missing error column is named",
        "a missing timestamp column is named",
    ],
)
def test_a_missing_column_is_named(drop: str, spec: SystemSpec) -> None:
    with pytest.raises(ValueError, match=f"column '{drop}' is not in the window"):
        run(log().drop(columns=[drop]), spec)


def test_an_error_rate_without_an_error_column_is_refused() -> None:
    with pytest.raises(ValueError, match="needs error_column"):
        run(log(), SystemSpec(metric="error_rate"))


# --- Prometheus ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("promql", "expected"),
    [
        (
            'sum(rate(http_requests_total{code=~"5.."}[$window])) / sum(rate(http_requests_total[$window]))',
            'sum(rate(http_requests_total{code=~"5.."}[1h])) / sum(rate(http_requests_total[1h]))',
        ),
        ("sum(increase(x[${window}]))", "sum(increase(x[1h]))"),
        ("sum(increase(x[$__range]))", "sum(increase(x[1h]))"),
        ('up{job="$windows"}', 'up{job="$windows"}'),
        ("up", "up"),
    ],
    ids=[
        "every $window becomes the window",
        "the braced ${window} too",
        "Grafana's $__range too",
        "a longer name that starts with window is left alone",
        "a query without a placeholder is unchanged",
    ],
)
def test_the_window_goes_into_the_query(promql: str, expected: str) -> None:
    assert prometheus_window_query(promql, "1h") == expected


def test_a_window_that_is_not_a_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="'1 hour'"):
        prometheus_window_query("rate(x[$window])", "1 hour")


def vector(*values: str) -> dict[str, Any]:
    """An answer shaped like Prometheus 2.x/3.x's /api/v1/query for an instant vector."""
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"job": "serving", "instance": f"10.0.0.{i}:9090"},
                    "value": [1760097600.123, v],
                }
                for i, v in enumerate(values)
            ],
        },
    }


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        (vector("0.0123"), 0.0123),
        (
            {"status": "success", "data": {"resultType": "scalar", "result": [1760097600, "42"]}},
            42.0,
        ),
        (vector(), None),
        (vector("NaN"), None),
        (vector("+Inf"), None),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {}, "value": [1760097600, "7e-3"]}],
                },
                "warnings": ["PromQL info: metric might not be a counter"],
            },
            0.007,
        ),
    ],
    ids=[
        "a one-sample vector gives its value",
        "a scalar gives its value",
        "an empty vector is no data",
        "NaN (0/0) is no data",
        "infinity is no data",
        "warnings do not hide the value",
    ],
)
def test_prometheus_answers(answer: dict[str, Any], value: float | None) -> None:
    assert prometheus_result_value(answer) == value


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {
                "status": "error",
                "errorType": "bad_data",
                "error": 'invalid parameter "query": 1:6: parse error: unexpected end of input',
            },
            "status 'error': bad_data: invalid parameter",
        ),
        (vector("1", "2"), r"2 series \(\{instance=\"10.0.0.0:9090\", job=\"serving\"\}"),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [{"metric": {}, "values": [[1760097600, "1"], [1760097615, "2"]]}],
                },
            },
            "range vector",
        ),
        ({"status": "success", "data": {"resultType": "string", "result": [0, "hi"]}}, "'string'"),
        (vector("fast"), "not a number: 'fast'"),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {}, "histogram": [0, {"count": "3", "sum": "1"}]}],
                },
            },
            "native histogram",
        ),
    ],
    ids=[
        "an error answer says what Prometheus said",
        "several series are refused with their labels",
        "a range vector is refused",
        "a string is refused",
        "a value that is not a number is refused",
        "a native histogram sample is refused",
    ],
)
def test_prometheus_problems_say_what_was_wrong(answer: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        prometheus_result_value(answer)
