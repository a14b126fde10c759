"""The benchmarks at toy sizes: each case still agrees with its baseline, and the table and
JSON carry every case. (Times are never asserted; ``make bench`` measures them.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import bench_backfill, bench_data_quality, bench_drift, bench_overview, bench_slo
from bench.common import print_table, write_json

# one worker sets up the module's shared fixtures once (pytest -n spreads tests over workers)
pytestmark = pytest.mark.xdist_group("bench")


@pytest.fixture(scope="module")
def drift_rows() -> list:
    return bench_drift.run(12_000, repeat=1, evidently_repeat=1)  # KS past its exact range


def test_every_drift_method_equals_evidentlys_values_and_flags(drift_rows: list) -> None:
    measured = [r for r in drift_rows if r.case.startswith("drift ")]
    assert [r.case.split()[1] for r in measured] == list(bench_drift.METHODS)
    for row in measured:
        assert row.max_abs_diff <= 1e-9, row.case
        assert "differ" not in row.note, row.note
        assert row.baseline_s > 0 and row.ours_s > 0 and row.data_mb > 0


def test_data_quality_counts_equal_evidentlys() -> None:
    (row,) = bench_data_quality.run(3000, repeat=1, evidently_repeat=1)
    assert row.max_abs_diff == 0


def test_slo_evaluation_equals_the_mask_and_sum_baseline() -> None:
    (row,) = bench_slo.run(5, 28, repeat=1)
    assert row.max_abs_diff == pytest.approx(0, abs=1e-12)


def test_backfill_and_overview_cases_report_their_rates(tmp_path: Path) -> None:
    rows = bench_backfill.run(1, baseline_days=1)
    rows += bench_overview.run(2, days=2, repeat=1, page=False)
    assert "runs/s" in rows[0].note and rows[0].speedup
    assert rows[1].case.startswith("overview: 2 services") and rows[1].baseline_s > 0


def test_the_table_and_the_json_hold_every_row(drift_rows: list, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    print_table(drift_rows)
    printed = capsys.readouterr().out
    assert all(r.case in printed for r in drift_rows)
    write_json(drift_rows, tmp_path / "out.json", {"quick": True})
    payload = json.loads((tmp_path / "out.json").read_text())
    assert [r["case"] for r in payload["rows"]] == [r.case for r in drift_rows]
    assert {"speedup", "peak_per_data", "max_abs_diff"} <= set(payload["rows"][0])
    machine = payload["meta"]["machine"]  # every result says where it ran
    assert machine["cores"] >= 1 and machine["cpu"] and machine["numpy_sort_1m_ms"] > 0
    assert {"numpy", "pandas", "scipy", "evidently"} <= {
        name for name, version in machine["versions"].items() if version
    }
    assert isinstance(machine["numpy_simd"], list)


def test_the_store_case_reports_bytes_per_run_and_every_table() -> None:
    from bench import bench_store

    (row,), size = bench_store.run(1)
    assert size.runs > 0 and size.file_bytes > 0 and "bytes/run" in row.note
    assert {"monitor_run", "sli_measurement", "slo_evaluation"} <= set(size.table_bytes)
    assert size.rows["sli_measurement"] > size.runs  # several SLIs a run
    assert sum(size.table_bytes.values()) + sum(size.index_bytes.values()) <= size.file_bytes


def test_the_scale_case_runs_the_cockpit_on_each_engine_with_equal_slis(tmp_path: Path) -> None:
    from bench import bench_scale

    cases = bench_scale.run_cases((6_000,), cache=tmp_path, rows_per_file=3_000)
    assert [(c.engine, c.rows) for c in cases] == [("duckdb", 6_000), ("pandas", 6_000)]
    for case in cases:
        assert case.ok, case.error
        assert case.seconds > 0 and case.peak_rss_mb > 0 and case.data_mb > 0
        assert set(case.monitor_s) == {"drift-auto", "drift-psi", "drift-ks", "quality"}
        ks = case.slis["drift-ks"]
        assert ks[f"drift_score[{bench_scale.SHIFTED}]"] < 1e-6  # the shifted column drifts
        assert case.slis["quality"]["missing_share[num_0]"] > 0  # NaN in the files
    assert cases[1].same_as_duckdb is not None and cases[1].same_as_duckdb <= 1e-9
    assert len(list((tmp_path / "current").glob("*.parquet"))) == 2  # two hours of rows
    rows = bench_scale.rows_of(cases)
    assert "rows/s" in rows[0].note and "peak RSS" in rows[0].note
    assert rows[1].max_abs_diff <= 1e-9  # pandas beside duckdb at the same size


def test_the_cold_case_runs_processes_that_reuse_the_first_ones_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import bench_cold

    monkeypatch.setattr(bench_cold, "CACHE", tmp_path)
    written: list[float] = []
    run_once = bench_cold.run_once

    def watched(config: Path) -> tuple[float, float]:
        out = run_once(config)
        [fit] = (config.parent / ".cockpit-cache" / "fitted" / "svc" / "drift").glob("*.pickle")
        written.append(fit.stat().st_mtime_ns)
        return out

    monkeypatch.setattr(bench_cold, "run_once", watched)
    rows = bench_cold.run(20_000, repeat=2)
    assert [r.case.split(",")[0] for r in rows] == ["drift run", "run-once", "run-once"]
    assert len(written) == 3 and len(set(written)) == 1  # filed once, loaded by the next two
    assert all(r.ours_s > 0 for r in rows)
