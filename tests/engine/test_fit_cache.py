"""Fitted references across processes: a new runner (a new ``run-once``) neither reads nor
fits a reference it fitted before, and a changed reference, config or cache file is fitted
again. Real Parquet files, a real SQLite store, the real fit cache beside the config."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import monitors.drift as drift
from cockpit.config.loader import load_config
from cockpit.engine.runner import Runner, backfill
from cockpit.sources import FileDataSource
from cockpit.store import Store

AT = datetime(2026, 10, 2, 12, tzinfo=UTC)


def _config(folder: Path, method: str = "ks", reference: str = "reference.parquet") -> Path:
    path = folder / "cockpit.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: cockpit/v1
        store: sqlite:///cockpit.db
        services:
          - name: svc
            data:
              current: {{kind: parquet, path: current.parquet, timestamp: ts}}
              reference: {{kind: parquet, path: {reference}}}
            schema: {{x: {{type: float}}, y: {{type: float}}}}
            monitors:
              - {{name: drift, kind: drift, method: {method}, every: 1h, window: 1h}}
        """)
    )
    return path


def _write(folder: Path, name: str, shift: float, seed: int, start: str = "2026-10-02") -> None:
    rng = np.random.default_rng(seed)
    n = 20_000
    pd.DataFrame(
        {
            "x": rng.normal(shift, 1, n),
            "y": rng.lognormal(0, 1, n),
            "ts": pd.date_range(start, periods=n, freq="1s", tz="UTC"),
        }
    ).to_parquet(folder / name)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _write(tmp_path, "reference.parquet", 0.0, 1)
    _write(tmp_path, "current.parquet", 0.05, 2, start="2026-10-02 11:00")
    return _config(tmp_path)


def _run(config: Path) -> dict:
    loaded = load_config(config)
    [record] = Runner(loaded, Store(loaded.store_url())).run_once(AT).runs
    assert record.status == "ok", record.error
    return {"slis": record.slis, "version": record.reference_version, "details": record.details}


class _Reads:
    """Counts the reads of the reference file and the fits, as a new process would do them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reference = 0
        self.fits = 0
        read, fit = FileDataSource._read, drift.fit_reference

        def counted_read(source: FileDataSource, *args: object, **kwargs: object) -> object:
            if source.pattern.endswith("reference.parquet"):
                self.reference += 1
            return read(source, *args, **kwargs)

        def counted_fit(*args: object, **kwargs: object) -> object:
            self.fits += 1
            return fit(*args, **kwargs)

        monkeypatch.setattr(FileDataSource, "_read", counted_read)
        monkeypatch.setattr(drift, "fit_reference", counted_fit)


def test_a_new_runner_reuses_the_fit_without_reading_the_reference(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _Reads(monkeypatch)
    first = _run(project)
    assert (reads.reference, reads.fits) == (1, 1)
    [kept] = (project.parent / ".cockpit-cache" / "fitted" / "svc" / "drift").glob("*.pickle")
    second = _run(project)  # a new runner, as a new process has
    assert (reads.reference, reads.fits) == (1, 1)  # neither read nor fitted again
    assert second == first  # the same scores and the same reference version
    assert first["version"].startswith("fixed:")
    assert kept.exists()


def test_a_changed_reference_or_method_is_fitted_again_and_one_fit_is_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _Reads(monkeypatch)
    first = _run(project)
    _write(project.parent, "reference.parquet", 1.0, 3)  # new rows, new size and time
    os.utime(project.parent / "reference.parquet", ns=(1, 1))  # even an older time
    moved = _run(project)
    assert reads.fits == 2 and moved["version"] != first["version"]
    assert moved["details"]["columns"]["x"]["drifted"] is True  # x moved by a whole sigma
    assert moved["slis"]["drift_score[x]"] != first["slis"]["drift_score[x]"]
    _config(project.parent, method="wasserstein")
    other = _run(project)
    assert reads.fits == 3 and other["details"]["method"] == "wasserstein"
    kept = list((project.parent / ".cockpit-cache" / "fitted" / "svc" / "drift").iterdir())
    assert len(kept) == 1  # the newest fit only


def test_a_torn_cache_file_is_fitted_again_and_replaced(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _Reads(monkeypatch)
    first = _run(project)
    [kept] = (project.parent / ".cockpit-cache" / "fitted" / "svc" / "drift").glob("*.pickle")
    kept.write_bytes(kept.read_bytes()[:100])  # a write cut short
    assert _run(project) == first
    assert reads.fits == 2
    assert _run(project) == first and reads.fits == 2  # the new file serves the next


def test_an_unwritable_cache_folder_does_not_fail_the_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.parent / ".cockpit-cache").write_text("a file where the folder would be")
    reads = _Reads(monkeypatch)
    assert _run(project) == _run(project)
    assert reads.fits == 2  # kept in memory only, per runner


def test_a_backfill_keeps_its_fits_in_memory(project: Path) -> None:
    loaded = load_config(project)
    records = backfill(Runner(loaded, Store(loaded.store_url())), AT - timedelta(hours=1), AT)
    assert [r.status for r in records] == ["ok"]
    assert not (project.parent / ".cockpit-cache").exists()


def test_a_runner_imports_what_its_kinds_run_and_no_more(project: Path, tmp_path: Path) -> None:
    """Imports are paid when the runner starts, not inside the first run's duration_s; a
    config without drift or prediction quality never imports scipy.stats."""
    system = tmp_path / "system.yaml"
    system.write_text(
        textwrap.dedent("""\
        version: cockpit/v1
        store: sqlite:///system.db
        services:
          - name: svc
            data:
              current: {kind: parquet, path: current.parquet, timestamp: ts}
            schema: {x: {type: float}}
            monitors:
              - {name: quality, kind: data_quality, every: 1h, window: 1h}
        """)
    )
    probe = (
        "import sys; from cockpit.config.loader import load_config; "
        "from cockpit.engine.runner import Runner; from cockpit.store import Store; "
        "c = load_config(sys.argv[1]); Runner(c, Store(c.store_url())); "
        "print(sorted(m for m in ('monitors.drift', 'monitors.data_quality', 'scipy.stats') "
        "if m in sys.modules))"
    )
    out = {
        name: subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
        ).stdout.strip()
        for name, path in (("drift", project), ("quality", system))
    }
    assert out["drift"] == "['monitors.drift', 'scipy.stats']"
    assert out["quality"] == "['monitors.data_quality']"


def test_one_runner_reads_a_rewritten_reference_again(project: Path) -> None:
    """A daemon's runner keeps the reference's rows; rewritten files are read and fitted again,
    never filed under their new fingerprint with the old rows."""
    loaded = load_config(project)
    runner = Runner(loaded, Store(loaded.store_url()))
    [first] = runner.run_once(AT).runs
    _write(project.parent, "reference.parquet", 1.0, 3)
    [moved] = runner.run_once(AT).runs
    assert moved.reference_version != first.reference_version
    assert moved.details["columns"]["x"]["drifted"] is True
    assert _run(project)["version"] == moved.reference_version  # what the cache kept
