"""``cockpit slo export --format prometheus``: Sloth's rule shape with the cockpit's own tiers
and factors; ``promtool`` accepts it; Prometheus evaluating it over the cockpit's counter gives
the cockpit's own error ratios and alerts (``promtool test rules`` on synthetic counters, and a
real Prometheus scraping a running ``cockpit serve``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from cockpit.config.loader import parse_config
from cockpit.durations import format_duration
from cockpit.engine.slos import slo_spec
from cockpit.interop import prometheus_rules
from cockpit.store import Store
from slo.engine import BURN_WINDOWS, evaluate
from slo.series import EventSeries

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
needs_promtool = pytest.mark.skipif(
    not Path(PROMTOOL).exists(), reason="promtool is not installed (make test-deps installs it)"
)
WORKBOOK_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]

BASE = """\
version: cockpit/v1
services:
  - name: loan
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      x: {type: float, min: 0, max: 10, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
      - {name: hourly, kind: data_quality, every: 1h, window: 1h}
      - name: availability
        kind: system
        metric: error_rate
        every: 5m
        prometheus:
          url: http://prometheus.internal:9090
          good_query: 'sum(increase(http_requests_total{code!~"5.."}[$window]))'
          total_query: 'sum(increase(http_requests_total[$window]))'
    slos:
"""


def export(slos: str, tmp_path: Path | None = None) -> dict[str, Any]:
    """The rules (parsed) of BASE with these SLO lines."""
    text = BASE + slos
    source = (tmp_path or Path("/nonexistent")) / "cockpit.yaml"
    return yaml.safe_load(
        prometheus_rules.export(parse_config(text, "cockpit.yaml", source_file=source))
    )


def rules_of(rules: dict[str, Any], slo: str) -> dict[str, dict[str, Any]]:
    """``{record or "alert:<severity>": rule}`` of one SLO."""
    out = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule["labels"].get("slo") != slo:
                continue
            key = rule.get("record") or f"alert:{rule['labels']['severity']}"
            assert key not in out, f"{key} twice for {slo}"
            out[key] = rule
    return out


# --- the shape -----------------------------------------------------------------------------


def test_an_slo_gets_sloths_recording_rules_meta_rules_and_the_cockpits_tiers() -> None:
    rules = export("      - {name: valid, monitor: quality, objective: 0.99}\n")
    assert [g["name"] for g in rules["groups"]] == ["cockpit-slo-loan-valid"]
    mine = rules_of(rules, "valid")
    # Sloth's order in one group: what the alerts read is recorded before them
    assert [k.split(":")[0] for k in mine] == ["slo"] * 14 + ["alert"] * 2
    records = [f"slo:sli_error:ratio_rate{w}" for w in [*WORKBOOK_WINDOWS, "28d"]]
    assert [k for k in mine if k.startswith("slo:sli_error")] == records
    five = mine["slo:sli_error:ratio_rate5m"]
    assert five["labels"] == {"service": "loan", "slo": "valid", "window": "5m"}
    assert five["expr"] == (
        'sum(rate(cockpit_slo_events_total{service="loan", slo="valid", result="bad"}[5m]))\n/\n'
        'sum(rate(cockpit_slo_events_total{service="loan", slo="valid"}[5m]))'
    )
    assert "[28d]" in mine["slo:sli_error:ratio_rate28d"]["expr"]  # the true ratio, not a mean
    assert mine["slo:objective:ratio"]["expr"] == "vector(0.99)"
    assert mine["slo:error_budget:ratio"]["expr"] == "vector(0.01)"
    assert mine["slo:time_period:days"]["expr"] == "vector(28)"
    assert "ratio_rate28d" in mine["slo:period_burn_rate:ratio"]["expr"]
    assert "slo:period_error_budget_remaining:ratio" in mine

    page, ticket = mine["alert:page"], mine["alert:ticket"]
    assert page["alert"] == ticket["alert"] == "SloErrorBudgetBurn"
    assert page["labels"] == {"severity": "page", "service": "loan", "slo": "valid"}
    # Sloth's 28-day factors, the cockpit's own (slo/rules.py), each pair of windows ANDed
    assert page["expr"] == (
        "(\n"
        '  max(slo:sli_error:ratio_rate1h{service="loan", slo="valid"} > (13.44 * 0.01)) without (window)\n'
        "  and\n"
        '  max(slo:sli_error:ratio_rate5m{service="loan", slo="valid"} > (13.44 * 0.01)) without (window)\n'
        ")\nor\n(\n"
        '  max(slo:sli_error:ratio_rate6h{service="loan", slo="valid"} > (5.6 * 0.01)) without (window)\n'
        "  and\n"
        '  max(slo:sli_error:ratio_rate30m{service="loan", slo="valid"} > (5.6 * 0.01)) without (window)\n'
        ")"
    )
    assert "(2.8 * 0.01)" in ticket["expr"] and "(0.933333333333 * 0.01)" in ticket["expr"]
    assert "ratio_rate1d" in ticket["expr"] and "ratio_rate3d" in ticket["expr"]


@pytest.mark.parametrize(
    ("slo", "expect"),
    [
        pytest.param(
            "{name: s, monitor: quality, objective: 0.999, window: 30d}",
            {"page": ["(14.4 * 0.001)", "(6 * 0.001)"], "ticket": ["(3 * 0.001)", "(1 * 0.001)"]},
            id="a 30-day window gives the Workbook's 14.4, 6, 3 and 1",
        ),
        pytest.param(
            "{name: s, monitor: quality, objective: 0.99, tiers: ["
            "{severity: page, long_window: 20m, short_window: 2m, budget_share: 0.01}, "
            "{severity: ticket, long_window: 12h, short_window: 1h, factor: 2}]}",
            {"page": ["ratio_rate20m", "ratio_rate2m", "(20.16 * 0.01)"], "ticket": ["(2 * 0.01)"]},
            id="custom tiers keep their windows and factors",
        ),
        pytest.param(
            "{name: s, monitor: quality, objective: 0.99, window: calendar_month}",
            {"page": ["(0.48 * scalar(days_in_month()) * 0.01)"]},
            id="a calendar month scales its factors by the days of the month",
        ),
        pytest.param(
            "{name: s, monitor: quality, objective: 0.99, min_events: 50}",
            {
                "page": [
                    ">= 50)",
                    'sum(increase(cockpit_slo_events_total{service="loan", slo="s"}[1h]))',
                ]
            },
            id="min_events asks each window for that many events",
        ),
    ],
)
def test_alert_rules_carry_the_slos_own_tiers(slo: str, expect: dict[str, list[str]]) -> None:
    mine = rules_of(export(f"      - {slo}\n"), "s")
    for severity, parts in expect.items():
        for part in parts:
            assert part in mine[f"alert:{severity}"]["expr"], (severity, part)


def test_custom_tier_windows_get_their_own_recording_rules() -> None:
    mine = rules_of(
        export(
            "      - {name: s, monitor: quality, objective: 0.99, tiers: ["
            "{severity: page, long_window: 20m, short_window: 2m, budget_share: 0.01}]}\n"
        ),
        "s",
    )
    windows = [k.removeprefix("slo:sli_error:ratio_rate") for k in mine if "sli_error" in k]
    assert windows == ["2m", "5m", "20m", "30m", "1h", "2h", "6h", "1d", "3d", "28d"]
    assert "alert:ticket" not in mine  # no ticket tier, no ticket alert
    # 2m is shorter than the monitor's 5m: it reads one interval, as the cockpit widens it
    assert "[5m]" in mine["slo:sli_error:ratio_rate2m"]["expr"]


def test_a_calendar_month_has_no_slo_window_rule() -> None:
    mine = rules_of(
        export("      - {name: s, monitor: quality, objective: 0.99, window: calendar_month}\n"),
        "s",
    )
    assert mine["slo:time_period:days"]["expr"] == "days_in_month()"
    assert not [k for k in mine if k.startswith("slo:period")]
    assert [k for k in mine if "sli_error" in k][-1] == "slo:sli_error:ratio_rate3d"


def test_a_timeslice_slo_reads_at_least_one_monitor_interval() -> None:
    mine = rules_of(
        export(
            "      - {name: s, monitor: hourly, objective: 0.9, good: 'valid_rows_share >= 0.5'}\n"
        ),
        "s",
    )
    assert "[1h]" in mine["slo:sli_error:ratio_rate5m"]["expr"]
    assert "[1h]" in mine["slo:sli_error:ratio_rate30m"]["expr"]
    assert "[6h]" in mine["slo:sli_error:ratio_rate6h"]["expr"]
    assert mine["slo:sli_error:ratio_rate5m"]["labels"]["window"] == "5m"


def test_a_promql_slo_is_read_from_the_teams_own_queries() -> None:
    text = prometheus_rules.export(
        parse_config(
            BASE + "      - {name: s, monitor: availability, objective: 0.999}\n", "cockpit.yaml"
        )
    )
    mine = rules_of(yaml.safe_load(text), "s")
    assert mine["slo:sli_error:ratio_rate30m"]["expr"] == (
        "1 - (\n"
        '  sum(sum(increase(http_requests_total{code!~"5.."}[30m])))\n'
        "  /\n"
        "  sum(sum(increase(http_requests_total[30m])))\n"
        ")"
    )
    assert "http_requests_total[28d]" in mine["slo:sli_error:ratio_rate28d"]["expr"]
    assert "cockpit_slo_events_total" not in json.dumps(mine)
    assert "loan/s: the monitor's own PromQL" in text


def test_a_promql_slo_whose_queries_have_no_window_falls_back_to_the_counter() -> None:
    fixed = BASE.replace("[$window]", "[5m]")
    text = prometheus_rules.export(
        parse_config(
            fixed + "      - {name: s, monitor: availability, objective: 0.999}\n", "c.yaml"
        )
    )
    mine = rules_of(yaml.safe_load(text), "s")
    assert "cockpit_slo_events_total" in mine["slo:sli_error:ratio_rate1h"]["expr"]
    assert "write $window in them" in text  # the file says why, and what to do


def test_label_values_are_quoted_for_promql() -> None:
    text = BASE.replace("name: loan", 'name: "lo\\"an"')
    rules = yaml.safe_load(
        prometheus_rules.export(
            parse_config(
                text + "      - {name: valid, monitor: quality, objective: 0.99}\n", "c.yaml"
            )
        )
    )
    record = rules["groups"][0]["rules"][0]
    assert record["labels"]["service"] == 'lo"an'
    assert 'service="lo\\"an"' in record["expr"]


@needs_promtool
def test_promtool_accepts_the_file(tmp_path: Path) -> None:
    slos = (
        "      - {name: valid, monitor: quality, objective: 0.99, min_events: 10}\n"
        "      - {name: mostly-valid, monitor: hourly, objective: 0.9, good: 'valid_rows_share >= 0.5'}\n"
        "      - {name: available, monitor: availability, objective: 0.999}\n"
        "      - {name: monthly, monitor: quality, objective: 0.95, window: calendar_month, tiers: ["
        "{severity: page, long_window: 10m, short_window: 1m, budget_share: 0.02}, "
        "{severity: ticket, long_window: 1d, short_window: 2h, factor: 2}]}\n"
    )
    config = tmp_path / "cockpit.yaml"
    config.write_text(BASE + slos)
    out = tmp_path / "rules.yml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit.cli",
            "slo",
            "export",
            str(config),
            "--format",
            "prometheus",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    checked = subprocess.run(
        [PROMTOOL, "check", "rules", str(out)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


# --- promtool test rules: the rules' numbers are the cockpit's --------------------------------

UNIT_SLOS = (
    "      - {name: valid, monitor: quality, objective: 0.99}\n"
    "      - {name: quick, monitor: quality, objective: 0.95, min_events: 250, tiers: ["
    "{severity: page, long_window: 20m, short_window: 10m, budget_share: 0.001}, "
    "{severity: ticket, long_window: 2h, short_window: 30m, factor: 1.5}]}\n"
)
BUCKET_S = 300  # the monitor's `every`
SCRAPE_S = 60
HOURS = 10
START_GOOD, START_BAD = 1_000_000, 100_000  # what the counters hold before: see below


def buckets() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded 5-minute buckets over ten hours: ends (s), good, total; about 1% bad, with a burst
    of 30% from hour 4 to 5 and 8% from hour 7 to 8."""
    rng = np.random.default_rng(16)
    ends = np.arange(1, HOURS * 3600 // BUCKET_S + 1) * BUCKET_S
    total = rng.integers(80, 160, ends.size).astype(float)
    share = np.full(ends.size, 0.01)
    share[(ends > 4 * 3600) & (ends <= 5 * 3600)] = 0.3
    share[(ends > 7 * 3600) & (ends <= 8 * 3600)] = 0.08
    bad = rng.binomial(total.astype(int), share).astype(float)
    return ends, total - bad, total


@needs_promtool
def test_prometheus_evaluating_the_rules_gives_the_cockpits_ratios_and_alerts(
    tmp_path: Path,
) -> None:
    """The counters as Prometheus scrapes them (every minute, stepping at each bucket's end),
    run through the exported rules by ``promtool test rules``, against the cockpit's engine on
    the same buckets at every 25 minutes: each window's error ratio and which severities fire.

    Exact up to float rounding (compared to 1e-9): each window whose range
    starts inside the data has a sample on its start and end, so ``rate()`` extrapolates
    nothing; one that reaches before the data extrapolates good and bad by the same half
    interval (the counters start high, so neither is cut at its zero), and the factors cancel
    in bad / total. The windows tile the buckets as the cockpit's ``(at - w, at]`` does."""
    config = parse_config(BASE + UNIT_SLOS, "cockpit.yaml", source_file=tmp_path / "cockpit.yaml")
    (tmp_path / "rules.yml").write_text(prometheus_rules.export(config))
    ends, good, total = buckets()
    minutes = np.arange(0, HOURS * 3600 + 1, SCRAPE_S)
    seen = np.searchsorted(ends, minutes, side="right")  # buckets stored by each scrape
    cum_good = START_GOOD + np.concatenate(([0.0], np.cumsum(good)))[seen]
    cum_bad = START_BAD + np.concatenate(([0.0], np.cumsum(total - good)))[seen]
    series = EventSeries(ends.astype(float), good, total, BUCKET_S)

    def values(counts: np.ndarray) -> str:
        return " ".join(f"{v:.0f}" for v in counts)

    inputs = []
    for slo in ("valid", "quick"):
        for result, counts in (("good", cum_good), ("bad", cum_bad)):
            labels = f'{{service="loan", slo="{slo}", result="{result}", instance="c:9464", job="cockpit"}}'
            inputs.append({"series": f"cockpit_slo_events_total{labels}", "values": values(counts)})

    def close_to(expr: str, minute: int, labels: str, expected: float) -> dict[str, Any]:
        """``expr`` is within 1e-9 of ``expected`` at ``minute`` (a bool comparison: 1)."""
        return {
            "expr": f"abs({expr} - {expected!r}) < bool 1e-9",
            "eval_time": f"{minute}m",
            "exp_samples": [{"labels": labels, "value": 1}],
        }

    checks, compared, fired = [], 0, set()
    for minute in range(25, HOURS * 60 + 1, 25):
        at = datetime.fromtimestamp(minute * 60, UTC)
        for slo_config in config.services[0].slos:
            name_ = slo_config.name
            spec = slo_spec(slo_config)
            state = evaluate(series, spec, at)
            selector = f'{{service="loan", slo="{name_}"}}'
            windows = {
                **BURN_WINDOWS,
                **{
                    format_duration(timedelta(seconds=s)): s
                    for t in spec.tiers
                    for s in (t.long_window_s, t.short_window_s)
                },
            }
            for window, window_s in windows.items():
                g, t = series.sums(at.timestamp(), window_s)
                assert t > 0
                expected = float((t - g) / t)
                if window in state.burn_rates:  # the cockpit's own burn rate, times the budget
                    assert expected == pytest.approx(
                        state.burn_rates[window] * (1 - spec.objective)
                    )
                checks.append(
                    close_to(
                        f"slo:sli_error:ratio_rate{window}{selector}",
                        minute,
                        f'{{service="loan", slo="{name_}", window="{window}"}}',
                        expected,
                    )
                )
                compared += 1
            assert state.error_budget_remaining is not None
            checks.append(
                close_to(
                    f"slo:period_error_budget_remaining:ratio{selector}",
                    minute,
                    f'{{service="loan", slo="{name_}"}}',
                    float(state.error_budget_remaining),
                )
            )
            firing = sorted({s.tier.severity for s in state.tiers if s.firing})
            fired.update((name_, f) for f in firing)
            alerts = f'ALERTS{{alertname="SloErrorBudgetBurn", alertstate="firing", slo="{name_}"}}'
            checks.append(
                {
                    "expr": alerts,
                    "eval_time": f"{minute}m",
                    "exp_samples": [
                        {
                            "labels": f'ALERTS{{alertname="SloErrorBudgetBurn", alertstate="firing", '
                            f'severity="{f}", service="loan", slo="{name_}"}}',
                            "value": 1,
                        }
                        for f in firing
                    ],
                }
            )
    # the scenario is worth testing: both SLOs page and ticket at some moments, not at others
    assert fired == {("valid", "page"), ("valid", "ticket"), ("quick", "page"), ("quick", "ticket")}
    assert compared > 300
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": inputs, "promql_expr_test": checks}],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [PROMTOOL, "test", "rules", "test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]


# --- a real Prometheus scraping a running `cockpit serve` ---------------------------------------

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
LIVE = """\
version: cockpit/v1
services:
  - name: live
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      x: {type: float, min: 0, max: 10, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 1s, window: 1s}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
      - {name: mostly-valid, monitor: quality, objective: 0.9, good: "valid_rows_share >= 0.8"}
"""
BURST_BAD = [2, 6, 0, 4, 1, 8, 3, 0, 5, 2]  # bad rows of 20 in each second of the burst
ROWS_PER_S = 20


def rows(start: datetime, bad_per_s: list[int]) -> pd.DataFrame:
    """``ROWS_PER_S`` rows a second from ``start``; in second k the first ``bad_per_s[k]`` are
    out of the schema's range."""
    ts, x = [], []
    for k, bad in enumerate(bad_per_s):
        for j in range(ROWS_PER_S):
            ts.append(start + timedelta(seconds=k + j / ROWS_PER_S))
            x.append(20.0 if j < bad else 5.0)
    return pd.DataFrame({"ts": pd.to_datetime(ts, utc=True), "x": x})


@pytest.fixture
def prometheus_with(tmp_path: Path) -> Iterator[Any]:
    """``start(target, rules)``: a real Prometheus scraping ``target`` every second and
    evaluating ``rules`` every second; gives ``query(promql) -> [(labels, value)]``."""
    from tests.cockpit.test_prometheus_real import free_port

    procs = []

    def start(target: str, rules: Path) -> Any:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{rules}']\n"
            f"scrape_configs:\n  - job_name: cockpit\n    static_configs: [{{targets: ['{target}']}}]\n"
        )
        procs.append(
            subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / "prometheus.log").open("w"),
            )
        )
        url = f"http://127.0.0.1:{port}"

        def query(promql: str) -> list[tuple[dict[str, str], float]]:
            with urllib.request.urlopen(
                f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}", timeout=5
            ) as r:
                body = json.loads(r.read())
            assert body["status"] == "success", body
            return [(s["metric"], float(s["value"][1])) for s in body["data"]["result"]]

        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return query
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        (tmp_path / "prometheus.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.3)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def until(check: Any, what: str, timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(
    not Path(PROMETHEUS).exists(), reason="prometheus is not installed (make test-deps)"
)
def test_a_real_prometheus_scraping_the_cockpit_gives_its_burn_rates_back(
    tmp_path: Path, store_url: str, prometheus_with: Any
) -> None:
    """The daemon runs a monitor every second; Prometheus scrapes its /metrics every second
    and evaluates the exported rules every second. After a 10-second burst of rows (15.5% bad)
    the counters stop moving, and every window's ratio Prometheus recorded is the cockpit's own
    burn rate times the budget; the severities firing in Prometheus are the cockpit's.

    The tolerance is float rounding (1e-9 relative), and it is honest because of how the test
    is laid out: Prometheus sees both counters at 0 before the first event (the burst is
    written only then), so every window from 5m up holds the counters' whole history. For a
    counter whose first sample is 0, ``rate()`` extrapolates nothing back before it, and good and
    bad are scraped at the same instants, so the extrapolation to the window's end is one factor
    that cancels in ``rate(bad) / rate(all)``; the cockpit's windows hold the same buckets. In
    general (windows that start inside the history, events arriving while a rule is evaluated)
    the two agree to about one scrape interval over the window (1s / 5m = 0.3%)."""
    from tests.e2e.test_daemon import Serve

    (tmp_path / "logs").mkdir()
    rows(datetime.now(UTC) - timedelta(hours=2), [0] * 10).to_parquet(
        tmp_path / "logs" / "old.parquet"
    )
    config = tmp_path / "cockpit.yaml"
    config.write_text(LIVE)
    rules = tmp_path / "rules.yml"
    exported = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit.cli",
            "slo",
            "export",
            str(config),
            "--format",
            "prometheus",
            "--out",
            str(rules),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr

    daemon = Serve(config, {"COCKPIT_DATABASE_URL": store_url}, tmp_path / "serve.log")
    try:
        query = prometheus_with(f"127.0.0.1:{daemon.port}", rules)
        daemon.wait_until(lambda: daemon.health()["role"] == "active")
        # both SLOs' good and bad counters scraped at 0: no event yet (the windows have no rows)
        until(lambda: len(query("cockpit_slo_events_total == 0")) == 4, "the counters at 0")

        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        rows(start, BURST_BAD).to_parquet(tmp_path / "logs" / "burst.parquet")
        store = Store(store_url)
        end = start + timedelta(seconds=len(BURST_BAD))

        def settled() -> bool:
            """Every burst second is in a stored run, the daemon has evaluated after it, and
            Prometheus holds the store's totals."""
            newest = store.latest_run("live", "quality")
            if newest is None or newest.window_end < end + timedelta(seconds=2):
                return False
            total = sum(t for _e, _g, t in store.occurrences("live", "quality"))
            latest = store.latest_slo_evaluation("live", "valid")
            scraped = query('sum(cockpit_slo_events_total{slo="valid"})')
            return bool(
                latest is not None and latest.total == total and scraped and scraped[0][1] == total
            )

        until(settled, "the burst stored, evaluated and scraped")
        assert sum(t for _e, _g, t in store.occurrences("live", "quality")) == ROWS_PER_S * len(
            BURST_BAD
        )
        time.sleep(3)  # three rule evaluations after the last change

        for slo in ("valid", "mostly-valid"):
            latest = store.latest_slo_evaluation("live", slo)
            burns = json.loads(latest.burn_rates)
            budget = 1 - latest.objective
            for window in WORKBOOK_WINDOWS:
                found = query(f'slo:sli_error:ratio_rate{window}{{service="live", slo="{slo}"}}')
                assert len(found) == 1, (slo, window, found)
                assert found[0][0]["window"] == window
                assert found[0][1] / budget == pytest.approx(burns[window], rel=1e-9), (slo, window)
            remaining = query(f'slo:period_error_budget_remaining:ratio{{slo="{slo}"}}')
            assert remaining[0][1] == pytest.approx(latest.error_budget_remaining, rel=1e-9)
            firing = {
                labels["severity"]
                for labels, _ in query(
                    f'ALERTS{{alertname="SloErrorBudgetBurn", alertstate="firing", slo="{slo}"}}'
                )
            }
            # the cockpit notifies its most severe firing tier; Prometheus fires each severity
            # (an Alertmanager inhibits the ticket while the page fires)
            most_severe = min(firing, key=["page", "ticket"].index) if firing else None
            assert most_severe == latest.alert_severity, (slo, firing)
        assert store.latest_slo_evaluation("live", "valid").alert_severity == "page"  # 15.5% bad
        assert json.loads(store.latest_slo_evaluation("live", "valid").burn_rates)["5m"] == (
            pytest.approx(sum(BURST_BAD) / (ROWS_PER_S * len(BURST_BAD)) / 0.01)
        )
    finally:
        daemon.stop()
