"""The Grafana dashboard: one row per service in config order, panels that select their
service, queries over metrics the cockpit's collector really exposes (scraped from a real
store after a replay), PromQL that promtool accepts, a grid without overlaps, and a golden
file (rewritten with COCKPIT_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay
from cockpit.interop import grafana
from cockpit.metrics import registry
from cockpit.store import Store
from tests.engine.test_runner import T0, make_logs

GOLDEN = Path(__file__).parent / "golden"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

CONFIG = """\
version: cockpit/v1
alerting: {at_risk_below: 0.3}
services:
  - name: loan
    owner: risk-ml
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      height_cm: {type: float, min: 30, max: 300, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
      - {name: hourly, kind: data_quality, every: 1h, window: 1h}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
      - {name: mostly-valid, monitor: hourly, objective: 0.9, good: "valid_rows_share >= 0.5"}
  - name: 'ads "eu"'
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      height_cm: {type: float, min: 30, max: 300, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
  - name: loan-shadow
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      height_cm: {type: float, min: 30, max: 300, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
    slos:
      - {name: valid, monitor: quality, objective: 0.995, window: 7d}
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    make_logs(tmp_path, days=1)
    path = tmp_path / "cockpit.yaml"
    path.write_text(CONFIG)
    return path


def exposed(config_path: Path, tmp_path: Path) -> set[str]:
    """The sample names a scrape of the cockpit shows after two hours of replayed runs."""
    config = load_config(config_path)
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")
    replay(config, store, T0, T0 + timedelta(hours=2))
    text = generate_latest(registry(config, store)).decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def rows(dashboard: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each row with the panels after it, up to the next row."""
    out: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            out.append((panel, []))
        else:
            out[-1][1].append(panel)
    return out


def test_one_row_per_service_in_config_order_each_panel_selecting_its_service(
    config_path: Path,
) -> None:
    config = load_config(config_path)
    dashboard = grafana.export(config)
    found = rows(dashboard)
    assert [row["title"] for row, _ in found] == ["loan (risk-ml)", 'ads "eu"', "loan-shadow"]
    for (row, panels), service in zip(found, config.services, strict=True):
        assert panels, row["title"]
        selector = f"{{service={grafana.label_value(service.name)}}}"
        for panel in panels:
            [target] = panel["targets"]
            assert selector in target["expr"], (row["title"], target["expr"])
            assert target["expr"].count("service=") == 1
            assert panel["datasource"] == target["datasource"] == grafana.DATASOURCE
            assert row["gridPos"]["y"] < panel["gridPos"]["y"]
        titles = {p["title"] for p in panels}
        has_slos = {"Error budget left", "Burn rate per window", "Alerts firing"} <= titles
        assert has_slos == bool(service.slos), row["title"]
        assert "SLIs" in titles
    # the SLIs are drawn with the per-column label when there is one, and without it otherwise
    sli = next(p for _, ps in found for p in ps if p["title"] == "SLIs")
    assert sli["targets"][0]["legendFormat"] == "{{monitor}} {{sli}} {{column}}"
    # the budget's orange threshold is the config's at_risk_below
    budget = next(p for _, ps in found for p in ps if p["title"] == "Error budget left")
    steps = budget["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [
        {"color": "red", "value": None},
        {"color": "orange", "value": 0},
        {"color": "green", "value": 0.3},
    ]


def test_every_query_reads_a_metric_the_cockpit_exposes(config_path: Path, tmp_path: Path) -> None:
    names = exposed(config_path, tmp_path)
    dashboard = grafana.export(load_config(config_path))
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        for name in re.findall(r"\bcockpit_[a-z_]+\b", target["expr"])
    }
    assert used == set(grafana.METRICS)
    assert used <= names, used - names


@pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool is not installed")
def test_every_query_is_promql_that_promtool_accepts(config_path: Path, tmp_path: Path) -> None:
    dashboard = grafana.export(load_config(config_path))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)
                ],
            }
        ]
    }
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    done = subprocess.run(
        [PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in done.stdout


def test_ids_are_unique_and_the_grid_has_no_overlaps(config_path: Path) -> None:
    panels = grafana.export(load_config(config_path))["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    boxes = [p["gridPos"] for p in panels]
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["w"] <= grafana.WIDTH and box["h"] > 0
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, (a, b)


def test_the_dashboard_has_a_prometheus_datasource_variable_and_matches_its_golden_file(
    config_path: Path,
) -> None:
    dashboard = grafana.export(load_config(config_path))
    [variable] = dashboard["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    assert dashboard["schemaVersion"] == grafana.SCHEMA_VERSION
    text = json.dumps(dashboard, indent=2) + "\n"
    path = GOLDEN / "dashboard.json"
    if os.environ.get("COCKPIT_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_the_cli_prints_the_dashboard_json(config_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboards", "export", str(config_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == grafana.export(load_config(config_path))
