"""Click-through rate is the same in process and on each engine (DuckDB over Parquet and CSV, a
real PostgreSQL): the rate, the rows left out, and every model version's and slice's rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.engines.conftest import Place, assert_same_runs

MONITORS = """\
- {name: ctr, kind: prediction_quality, metric: ctr, numerator: clicks, denominator: impressions, slices: [country, placement], every: 1h, window: 1d}
- {name: ctr-6h, kind: prediction_quality, metric: ctr, numerator: clicks, denominator: impressions, every: 1h, window: 6h}
"""


def events(n: int = 20_000, seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    impressions = rng.integers(1, 20, n).astype(float)
    clicks = rng.binomial(impressions.astype(int), 0.1).astype(float)
    clicks[rng.random(n) < 0.01] = np.nan  # left out: missing
    clicks[:30] = -1  # left out: negative
    clicks[30:60] = impressions[30:60] + 1  # left out: more clicks than impressions
    version = rng.choice(np.array(["v6", "v7", None], dtype=object), n, p=[0.7, 0.29, 0.01])
    country = rng.choice(
        np.array(["DE", "FR", "US", "LU"], dtype=object), n, p=[0.4, 0.3, 0.2995, 0.0005]
    )
    return pd.DataFrame(
        {
            "ts": ts,
            "clicks": clicks,
            "impressions": impressions,
            "model_version": version,
            "country": country,
            "placement": rng.integers(1, 4, n),
        }
    )


def test_ctr_is_the_same_on_the_engine_as_in_process(place: Place) -> None:
    source = f"data:\n  current: {place.write(events())}"
    ours, theirs = place.runs(source, MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    a, b = ours["ctr"]["details"], theirs["ctr"]["details"]
    assert a["invalid_rows"] == b["invalid_rows"] > 60
    assert a["skipped_slices"] == b["skipped_slices"] == {"country": 1}  # LU: too few rows
    assert a["by_slice"].keys() == b["by_slice"].keys() == {"country", "placement"}
    for column, groups in a["by_slice"].items():
        assert groups.keys() == b["by_slice"][column].keys(), column
    assert a["worst_slice"]["slice"] == b["worst_slice"]["slice"]
    assert a["worst_model_version"]["value"] == b["worst_model_version"]["value"]
    assert set(a["by_model_version"]) == {"v6", "v7", "(missing)"}
    for name, entry in a["by_model_version"].items():
        got = b["by_model_version"][name]
        assert entry["rows"] == got["rows"] and abs(entry["ctr"] - got["ctr"]) < 1e-12, name
    assert "ctr[placement=2]" in ours["ctr"]["slis"]


CLASSIFIER = """\
prediction: {column: score, kind: binary_classification, threshold: 0.5, label: defaulted}
"""
QUALITY = """\
- {name: auc, kind: prediction_quality, metric: roc_auc, slices: [plan], every: 1h, window: 1d}
- {name: accuracy, kind: prediction_quality, metric: accuracy, every: 1h, window: 6h}
"""


def predictions(n: int = 20_000, seed: int = 4, *, infinities: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    truth = rng.random(n) < 0.3
    score = np.clip(np.where(truth, 0.65, 0.35) + rng.normal(0, 0.2, n), 0, 1).round(2)  # ties
    score[rng.random(n) < 0.01] = np.nan
    if infinities:
        score[:5] = np.inf
    label = truth.astype(float)
    label[rng.random(n) < 0.2] = np.nan  # not labelled yet
    return pd.DataFrame(
        {
            "ts": ts,
            "score": score,
            "defaulted": label,
            "model_version": rng.choice(np.array(["v1", "v2"], dtype=object), n, p=[0.8, 0.2]),
            "plan": rng.choice(np.array(["basic", "pro", None], dtype=object), n),
        }
    )


def test_a_binary_classifier_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    frame = predictions(infinities=place.kind != "csv")
    source = CLASSIFIER + f"data:\n  current: {place.write(frame)}"
    ours, theirs = place.runs(source, QUALITY)
    assert_same_runs(ours, theirs, place.engine)
    a, b = ours["auc"], theirs["auc"]
    for sli in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"):
        assert a["slis"][sli] is not None, sli
    assert "roc_auc[plan=(missing)]" in a["slis"] and "roc_auc[model_version=v2]" in a["slis"]
    for part in ("invalid_predictions", "labelled_rows", "evaluated_rows"):
        assert a["details"][part] == b["details"][part], part
    assert a["details"]["invalid_predictions"] > 100
