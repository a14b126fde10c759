"""The drift kind's section of the service page (cockpit/kinds/drift.py), read from a real
store built by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config.models import Config
from cockpit.kinds.drift import drift_latest, drift_matrix, drift_report, drift_scores
from cockpit.read.panels import StoreReader
from cockpit.store import RunRecord, Store
from tests.read.stored import END, drift_run, make_config


def test_drift_scores_matrix_and_latest(filled: tuple[Config, Store]) -> None:
    config, store = filled
    scores = drift_scores(StoreReader(store, config, "svc-0", "drift"))
    matrix = drift_matrix(scores)
    assert list(matrix.columns) == ["x", "y"]
    assert matrix.loc[END].tolist() == [0.01, 0.3]
    latest = drift_latest(StoreReader(store, config, "svc-0", "drift"))
    assert latest.iloc[0]["column"] == "x" and bool(latest.iloc[0]["drifted"])
    # ks is a p-value test: severity = threshold / p, above 1 when drifted
    newest = scores[scores["at"] == END].set_index("column")["severity"]
    assert newest["x"] == pytest.approx(0.05 / 0.01)
    assert newest["y"] == pytest.approx(0.05 / 0.3)


def test_drift_report_is_none_without_a_stored_report(filled: tuple[Config, Store]) -> None:
    config, store = filled
    assert drift_report(StoreReader(store, config, "svc-0", "drift")) is None


def test_drift_report_reads_the_newest_stored_html(store: Store, tmp_path: Path) -> None:
    config = make_config(1)
    report = tmp_path / "report.html"
    report.write_text("<html>drift report</html>")
    run = drift_run("svc-0", END, 0.1, {"x": 0.5})
    store.save_run(RunRecord(**{**run.__dict__, "details": {"report_path": str(report)}}))
    found = drift_report(StoreReader(store, config, "svc-0", "drift"))
    assert found is not None and found["html"] == "<html>drift report</html>"
    report.unlink()
    assert drift_report(StoreReader(store, config, "svc-0", "drift")) is None


def test_the_config_accepts_every_registered_drift_method_and_no_other() -> None:
    import typing

    from cockpit.kinds.drift import DriftMonitor
    from monitors.drift import registry

    accepted = typing.get_args(DriftMonitor.model_fields["method"].annotation)
    assert accepted == registry.names()
