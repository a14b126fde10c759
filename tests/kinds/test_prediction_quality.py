"""The prediction-quality kind's section of the service page (cockpit/kinds/prediction_quality.py),
read from a real store built by hand; a shadow model's SLOs, panel and evidence."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cockpit.config.loader import parse_config
from cockpit.errors import ConfigError
from cockpit.kinds.panels import Caption, Lines, Metric, Row, Rule, Table
from cockpit.kinds.prediction_quality import evidence, panel, prediction_quality
from cockpit.read.panels import StoreReader
from cockpit.store import RunRecord, Store
from monitors.prediction_quality import PredictionQualitySpec, evaluate
from tests.read.models import CONFIG, END, fill


def test_the_newest_run_with_its_breakdowns(store: Store) -> None:
    config = fill(store)
    latest = prediction_quality(StoreReader(store, config, "loan", "accuracy"))
    assert (latest["metric"], latest["at"], latest["value"]) == ("accuracy", END, 0.75)
    assert latest["by_model_version"].to_dict("records") == [
        {"model_version": "v1", "accuracy": 0.75, "rows": 900}
    ]
    assert latest["by_slice"]["slice"].tolist() == ["plan=basic"]


def test_the_panel_shows_the_value_the_series_against_its_slo_and_the_breakdowns(
    store: Store,
) -> None:
    config = fill(store)
    metric, lines, row = panel(StoreReader(store, config, "loan", "accuracy"))
    assert metric == Metric("accuracy (newest run, 2026-10-20 12:00 UTC)", "0.7500")
    assert isinstance(lines, Lines) and lines.title == "accuracy per window"
    assert lines.data["value"].tolist() == [0.9, 0.75]
    assert lines.rules == (Rule(0.8, "accurate: accuracy >= 0.8"),)  # the SLO's line
    assert isinstance(row, Row)
    assert [t.title for t in row.blocks if isinstance(t, Table)] == ["By model version", "By slice"]


def test_before_any_ok_run_the_panel_says_why(store: Store) -> None:
    blocks = panel(StoreReader(store, parse_config(CONFIG), "loan", "accuracy"))
    assert blocks == [Caption("No successful run yet (labels may not have arrived).")]


# --- a shadow model beside the live one ------------------------------------------------------

SHADOW_CONFIG = CONFIG.replace(
    "label: defaulted}", "label: defaulted, shadow: {column: score_v7, version: v7}}"
).replace(
    "      - {name: fast,",
    '      - {name: shadow-close, monitor: accuracy, good: "shadow_delta >= -0.02", objective: 0.9}\n'
    '      - {name: shadow-accurate, monitor: accuracy, good: "accuracy[shadow=v7] >= 0.8", '
    "objective: 0.9}\n"
    "      - {name: fast,",
)


def test_slos_on_the_shadow_load() -> None:
    config = parse_config(SHADOW_CONFIG)
    service = config.service("loan")
    assert service.prediction is not None and service.prediction.shadow is not None
    assert (service.prediction.shadow.column, service.prediction.shadow.version) == (
        "score_v7",
        "v7",
    )
    goods = {slo.name: slo.good for slo in service.slos}
    assert goods["shadow-close"] == "shadow_delta >= -0.02"
    assert goods["shadow-accurate"] == "accuracy[shadow=v7] >= 0.8"


def test_an_unknown_shadow_sli_is_refused() -> None:
    with pytest.raises(ConfigError, match="no SLI 'shadow_gap'"):
        parse_config(SHADOW_CONFIG.replace("shadow_delta >=", "shadow_gap >="))


def scored_run(at: datetime, seed: int, *, shadow: bool = True) -> RunRecord:
    """A run as the monitor stores it: the details and SLIs of a real evaluation."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400)
    frame = pd.DataFrame(
        {
            "score": np.clip(y * 0.5 + rng.normal(0.25, 0.25, 400), 0, 1),
            "score_v7": np.clip(y * 0.7 + rng.normal(0.15, 0.2, 400), 0, 1),
            "defaulted": y.astype(float),
            "model_version": "v1",
            "plan": rng.choice(["basic", "pro"], 400),
        }
    )
    spec = PredictionQualitySpec(
        metric="accuracy",
        kind="binary_classification",
        prediction="score",
        label="defaulted",
        slices=("plan",),
        shadow="score_v7" if shadow else None,
        shadow_version="v7" if shadow else None,
    )
    result = evaluate(frame, spec)
    return RunRecord(
        service="loan",
        monitor="accuracy",
        kind="prediction_quality",
        window_start=at - timedelta(days=1),
        window_end=at,
        status="ok",
        slis=dict(result.slis),
        good=result.good,
        total=result.total,
        details=dict(result.details),
    )


def test_the_panel_shows_the_shadow_beside_the_live_model(store: Store) -> None:
    runs = [scored_run(END - timedelta(hours=1), 1), scored_run(END, 2)]
    store.save_runs(runs)
    reader = StoreReader(store, parse_config(SHADOW_CONFIG), "loan", "accuracy")
    value, delta, lines, table, row = panel(reader)
    newest = runs[-1]
    assert value == Metric(
        "accuracy (newest run, 2026-10-20 12:00 UTC)", f"{newest.slis['accuracy']:.4f}"
    )
    assert delta == Metric("shadow_delta (v7 minus live)", f"{newest.slis['shadow_delta']:+.4f}")
    assert newest.slis["shadow_delta"] > 0  # the shadow separates the classes better

    # both lines, each with its SLO's threshold
    assert isinstance(lines, Lines) and lines.title == "accuracy per window, live and shadow v7"
    for name in ("accuracy", "accuracy[shadow=v7]"):
        shown = lines.data[lines.data["name"] == name]["value"].tolist()
        assert shown == pytest.approx([run.slis[name] for run in runs], abs=1e-12), name
    assert lines.rules == (
        Rule(0.8, "accurate: accuracy >= 0.8"),
        Rule(0.8, "shadow-accurate: accuracy[shadow=v7] >= 0.8"),
    )

    # one row per model, with every metric
    assert isinstance(table, Table) and table.title == "Live against shadow"
    records = table.data.to_dict("records")
    assert [(r["model"], r["version"]) for r in records] == [("live", "v1"), ("shadow", "v7")]
    shadow = newest.details["shadow"]
    assert records[1]["rows"] == shadow["rows"] == 400
    for metric in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"):
        assert records[0][metric] == pytest.approx(newest.slis[metric], abs=1e-12), metric
        assert records[1][metric] == pytest.approx(shadow[metric], abs=1e-12), metric
    assert table.formats["roc_auc"] == "%.4f"
    assert isinstance(row, Row)

    latest = prediction_quality(reader)
    assert latest["shadow"] == "v7"
    assert latest["shadow_delta"] == pytest.approx(newest.slis["shadow_delta"], abs=1e-12)


def test_without_a_shadow_in_the_newest_run_the_panel_shows_the_live_model_only(
    store: Store,
) -> None:
    store.save_runs([scored_run(END - timedelta(hours=1), 1), scored_run(END, 2, shadow=False)])
    blocks = panel(StoreReader(store, parse_config(SHADOW_CONFIG), "loan", "accuracy"))
    assert [type(b) for b in blocks] == [Metric, Lines, Row]
    lines = blocks[1]
    assert isinstance(lines, Lines) and set(lines.data["name"]) == {"accuracy"}
    assert prediction_quality(StoreReader(store, parse_config(SHADOW_CONFIG), "loan", "accuracy"))[
        "live_vs_shadow"
    ].empty


def test_the_evidence_names_the_shadow() -> None:
    details = scored_run(END, 2).details
    lines = evidence(details)
    shadow = details["shadow"]
    assert f"shadow v7: accuracy {shadow['accuracy']:.3g} (400 rows)" in lines
    assert not any("shadow" in line for line in evidence(scored_run(END, 2, shadow=False).details))
