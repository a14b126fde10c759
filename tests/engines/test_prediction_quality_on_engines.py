"""Prediction quality is the same in process and on each engine (DuckDB over Parquet and CSV, a
real PostgreSQL, Spark Connect): the click-through rate, a classifier's or a regressor's metrics
and a shadow model's beside them, the rows left out, and every model version's and slice's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

from tests.engines.conftest import AT, Place, assert_same_runs, same

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


# --- labels from their own source ------------------------------------------------------------
# AT is 2026-10-02T00:00; with `delay: 12h` a 1d window is [09-30T12:00, 10-01T12:00) and its
# labels are those that arrived in [09-30T12:00, AT).

WINDOW_START = pd.Timestamp("2026-09-30T12:00", tz="UTC")
WINDOW_END = pd.Timestamp("2026-10-01T12:00", tz="UTC")
ARRIVED_BY = pd.Timestamp(AT)
LABELLED = """\
- {name: accuracy, kind: prediction_quality, metric: accuracy, slices: [plan], every: 1h, window: 1d}
- {name: auc, kind: prediction_quality, metric: roc_auc, every: 1h, window: 6h}
"""


def labels_source(place: Place, labels: pd.DataFrame) -> str:
    """The labels as the place keeps them, joined by ``request_id``, arriving at ``ts``."""
    return place.write(labels, "labels").removesuffix("}") + ", key: request_id, delay: 12h}"


def with_labels(
    n: int = 20_000, seed: int = 6, *, infinities: bool = True, conflicts: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions (with a stale label column of their own, which the labels replace) and
    their labels, out of time order: some never arrive, some arrive after AT, some are
    corrected by a later label (some corrections after AT), some are sent twice, some have no
    key, some were stamped before the window opened; ``conflicts`` keys get two different
    labels at the same instant."""
    rng = np.random.default_rng(seed)
    frame = predictions(n, seed, infinities=infinities)
    frame["ts"] = pd.Timestamp("2026-09-30T06:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    frame["request_id"] = np.arange(n) + 1000
    truth = (frame["score"].fillna(0.5) + rng.normal(0, 0.25, n) > 0.5).astype(float)
    frame["defaulted"] = 1.0 - truth  # stale and wrong: the labels source wins

    def arrivals(after: pd.Series, hours: float) -> pd.Series:
        return after + pd.to_timedelta(rng.uniform(0.5, hours, len(after)) * 3600, unit="s").round(
            "ms"
        )

    sent = rng.random(n) < 0.85  # the others never get a label
    first = pd.DataFrame(
        {"request_id": frame["request_id"][sent], "defaulted": truth[sent]}
    ).assign(ts=arrivals(frame["ts"][sent], 30))
    fixed = first.sample(frac=0.1, random_state=seed)
    fixed = fixed.assign(defaulted=1.0 - fixed["defaulted"], ts=arrivals(fixed["ts"], 12))
    twice = first.sample(frac=0.05, random_state=seed + 1)
    keyless = first.sample(n=50, random_state=seed + 2).assign(request_id=np.nan)
    unlabelled = frame.loc[~sent & (frame["ts"] >= WINDOW_START + pd.Timedelta(hours=2))]
    early = pd.DataFrame(
        {"request_id": unlabelled["request_id"][:40], "defaulted": 1.0, "ts": WINDOW_START}
    ).assign(ts=lambda f: f["ts"] - pd.Timedelta(hours=1))
    parts = [first, fixed, twice, keyless, early]
    if conflicts:  # in the last 6 hours of the window, arrived by AT, never corrected
        made = frame.set_index("request_id")["ts"].reindex(first["request_id"]).to_numpy()
        inside = first[
            (made >= WINDOW_END - pd.Timedelta(hours=6))
            & (made < WINDOW_END)
            & (first["ts"] < ARRIVED_BY)
            & ~first["request_id"].isin(fixed["request_id"])
        ]
        clash = inside.sample(n=conflicts, random_state=seed + 3)
        parts.append(clash.assign(defaulted=1.0 - clash["defaulted"]))
    labels = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed + 4)
    return frame, labels.reset_index(drop=True)


def joined_by_hand(
    frame: pd.DataFrame, labels: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The window's predictions with the label of their key that arrived last (by AT)."""
    window = frame[(frame["ts"] >= start) & (frame["ts"] < end)].drop(columns=["defaulted"])
    read = labels[(labels["ts"] >= start) & (labels["ts"] < ARRIVED_BY)].dropna(
        subset=["request_id"]
    )
    latest = read.sort_values("ts").groupby("request_id")["defaulted"].last()
    return window.assign(defaulted=window["request_id"].map(latest))


def test_labels_from_their_own_source_join_the_same_on_the_engine(place: Place) -> None:
    frame, labels = with_labels(infinities=place.kind != "csv")
    source = (
        CLASSIFIER
        + f"data:\n  current: {place.write(frame)}\n  labels: "
        + labels_source(place, labels)
    )
    ours, theirs = place.runs(source, LABELLED)
    assert_same_runs(ours, theirs, place.engine)
    a, b = ours["accuracy"]["details"], theirs["accuracy"]["details"]
    assert "engine_fallback" not in b
    for part in ("rows", "labelled_rows", "evaluated_rows", "invalid_predictions"):
        assert a[part] == b[part], part
    assert b["by_slice"]["plan"].keys() == {"(missing)", "basic", "pro"}

    # the latest label by arrival time wins, pinned to scikit-learn on a join made by hand
    joined = joined_by_hand(frame, labels, WINDOW_START, WINDOW_END)
    usable = joined[joined["defaulted"].notna() & np.isfinite(joined["score"])]
    assert b["labelled_rows"] == joined["defaulted"].notna().sum()
    assert theirs["accuracy"]["slis"]["accuracy"] == pytest.approx(
        accuracy_score(usable["defaulted"], usable["score"] >= 0.5), rel=1e-12
    )
    six_hours = joined_by_hand(frame, labels, WINDOW_END - pd.Timedelta(hours=6), WINDOW_END)
    usable = six_hours[six_hours["defaulted"].notna() & np.isfinite(six_hours["score"])]
    assert theirs["auc"]["slis"]["roc_auc"] == pytest.approx(
        roc_auc_score(usable["defaulted"], usable["score"]), rel=1e-12
    )


def test_labels_the_engine_cannot_read_with_the_predictions_are_joined_in_process(
    place: Place,
) -> None:
    frame, labels = with_labels(5_000, infinities=place.kind != "csv")
    database = place.folder / "labels.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    labels.to_sql("labels", engine, index=False)
    engine.dispose()
    source = (
        CLASSIFIER
        + f"data:\n  current: {place.write(frame)}\n  labels: "
        + f'{{kind: sql, url: "sqlite:///{database}", table: labels, timestamp: ts, '
        + "key: request_id, delay: 12h}"
    )
    ours, theirs = place.runs(source, LABELLED)
    assert_same_runs(ours, theirs, "pandas")  # joined in process, and said so
    fallback = theirs["accuracy"]["details"]["engine_fallback"]
    assert "labels" in fallback and "joined in process" in fallback
    assert "engine_fallback" not in ours["accuracy"]["details"]  # nothing asked of an engine


def test_different_labels_of_one_key_at_one_instant_are_joined_in_process(place: Place) -> None:
    frame, labels = with_labels(5_000, infinities=place.kind != "csv", conflicts=3)
    source = (
        CLASSIFIER
        + f"data:\n  current: {place.write(frame)}\n  labels: "
        + labels_source(place, labels)
    )
    ours, theirs = place.runs(source, LABELLED)
    assert_same_runs(ours, theirs, "pandas")
    assert "at the same time" in theirs["accuracy"]["details"]["engine_fallback"]


@pytest.mark.parametrize(
    ("prediction", "monitors"),
    [
        (
            "{column: tier, kind: multiclass_classification, label: defaulted}",
            "- {name: f1, kind: prediction_quality, metric: f1, slices: [plan], every: 1h, window: 1d}",
        ),
        (
            "{column: score, kind: regression, label: defaulted}",
            "- {name: r2, kind: prediction_quality, metric: r2, slices: [plan], tolerance: 0.3, every: 1h, window: 1d}",
        ),
    ],
    ids=["a multiclass classifier", "a regressor"],
)
def test_every_kind_joins_labels_from_their_own_source_the_same_on_the_engine(
    place: Place, prediction: str, monitors: str
) -> None:
    frame, labels = with_labels(10_000, infinities=place.kind != "csv")
    frame["tier"] = np.where(
        np.isinf(frame["score"]), np.inf, np.digitize(frame["score"], [0.4, 0.7])
    )
    frame.loc[frame["score"].isna(), "tier"] = np.nan  # classes 0, 1, 2 predicted; 0, 1 true
    labels["defaulted"] = labels["defaulted"].astype(int)  # floats once some rows miss a label
    source = f"prediction: {prediction}\ndata:\n  current: {place.write(frame)}\n  labels: "
    ours, theirs = place.runs(source + labels_source(place, labels), monitors)
    assert_same_runs(ours, theirs, place.engine)
    (a,), (b,) = ours.values(), theirs.values()
    assert "engine_fallback" not in b["details"]
    for part in ("labelled_rows", "evaluated_rows", "invalid_predictions"):
        assert a["details"][part] == b["details"][part], part
    assert a["details"]["by_slice"]["plan"].keys() == b["details"]["by_slice"]["plan"].keys()
    assert b["details"]["labelled_rows"] < b["details"]["rows"]  # some labels never arrived


MULTICLASS = "prediction: {column: predicted, kind: multiclass_classification, label: species}\n"
CLASSES = """\
- {name: f1, kind: prediction_quality, metric: f1, slices: [region], every: 1h, window: 1d}
- {name: accuracy, kind: prediction_quality, metric: accuracy, every: 1h, window: 6h}
"""


def species(n: int = 20_000, seed: int = 8) -> pd.DataFrame:
    """v2 guesses more often; "eel" is predicted but never true; missing predictions and labels."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    names = np.array(["bird", "cat", "dog", "eel"], dtype=object)
    truth = rng.choice(names[:3], n, p=[0.5, 0.3, 0.2])
    version = rng.choice(np.array(["v1", "v2"], dtype=object), n, p=[0.7, 0.3])
    right = rng.random(n) < np.where(version == "v1", 0.8, 0.5)
    predicted = np.where(right, truth, rng.choice(names, n))
    predicted[rng.random(n) < 0.01] = None
    label = truth.copy()
    label[rng.random(n) < 0.15] = None
    region = rng.choice(np.array(["north", "south", None], dtype=object), n, p=[0.5, 0.45, 0.05])
    return pd.DataFrame(
        {
            "ts": ts,
            "predicted": predicted,
            "species": label,
            "model_version": version,
            "region": region,
        }
    )


def test_a_multiclass_classifier_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    frame = species()
    ours, theirs = place.runs(MULTICLASS + f"data:\n  current: {place.write(frame)}", CLASSES)
    assert_same_runs(ours, theirs, place.engine)
    a, b = ours["f1"], theirs["f1"]
    for part in ("labelled_rows", "evaluated_rows", "invalid_predictions"):
        assert a["details"][part] == b["details"][part], part
    assert a["details"]["by_slice"]["region"].keys() == {"(missing)", "north", "south"}
    assert "f1[model_version=v2]" in b["slis"] and "f1[region=(missing)]" in b["slis"]
    assert b["details"]["worst_model_version"]["value"] == "v2"

    day = frame[frame["ts"] < pd.Timestamp(AT)]
    day = day[day["ts"] >= pd.Timestamp(AT) - pd.Timedelta(days=1)]
    usable = day.dropna(subset=["predicted", "species"])
    y, p = usable["species"].astype(str), usable["predicted"].astype(str)
    expected = {
        "accuracy": accuracy_score(y, p),
        "f1": f1_score(y, p, average="macro", zero_division=np.nan),
        "precision": precision_score(y, p, average="macro", zero_division=np.nan),
        "recall": recall_score(y, p, average="macro", zero_division=np.nan),
    }
    for name, value in expected.items():
        assert b["slis"][name] == pytest.approx(value, rel=1e-12), name
    assert b["good"] == (y == p).sum() and b["total"] == len(usable)


REGRESSOR = "prediction: {column: estimate, kind: regression, label: price}\n"
PRICES = """\
- {name: r2, kind: prediction_quality, metric: r2, slices: [region], tolerance: 8, every: 1h, window: 1d}
- {name: mae, kind: prediction_quality, metric: mae, every: 1h, window: 6h}
"""


def prices(n: int = 20_000, seed: int = 10, *, infinities: bool = True) -> pd.DataFrame:
    """Labels around a million with a spread of 10: a sum of squares taken as sum(y^2) -
    sum(y)^2 / n would keep none of R^2's digits. Missing and invalid predictions and labels."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    version = rng.choice(np.array(["v1", "v2"], dtype=object), n, p=[0.8, 0.2])
    price = 1e6 + rng.normal(0, 10, n)
    estimate = price + rng.normal(0, np.where(version == "v1", 4.0, 9.0), n)
    estimate[rng.random(n) < 0.01] = np.nan
    price[rng.random(n) < 0.1] = np.nan  # not labelled yet
    if infinities:
        estimate[:5] = np.inf
        price[5:10] = -np.inf  # labelled, but not a number to compare with
    region = rng.choice(np.array(["north", "south", None], dtype=object), n, p=[0.5, 0.45, 0.05])
    return pd.DataFrame(
        {"ts": ts, "estimate": estimate, "price": price, "model_version": version, "region": region}
    )


def test_a_regressor_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    frame = prices(infinities=place.kind != "csv")
    ours, theirs = place.runs(REGRESSOR + f"data:\n  current: {place.write(frame)}", PRICES)
    assert_same_runs(ours, theirs, place.engine)
    a, b = ours["r2"], theirs["r2"]
    for part in ("labelled_rows", "evaluated_rows", "invalid_predictions", "invalid_labels"):
        assert a["details"][part] == b["details"][part], part
    assert "r2[model_version=v2]" in b["slis"] and "r2[region=(missing)]" in b["slis"]
    assert b["details"]["worst_model_version"]["value"] == "v2"

    day = frame[frame["ts"] < pd.Timestamp(AT)]
    day = day[day["ts"] >= pd.Timestamp(AT) - pd.Timedelta(days=1)]
    usable = day[np.isfinite(day["estimate"]) & np.isfinite(day["price"])]
    y, p = usable["price"], usable["estimate"]
    expected = {
        "mae": mean_absolute_error(y, p),
        "rmse": np.sqrt(mean_squared_error(y, p)),
        "mape": mean_absolute_percentage_error(y, p),
        "r2": r2_score(y, p),
    }
    for name, value in expected.items():
        assert b["slis"][name] == pytest.approx(value, rel=1e-9), name
    assert 0.5 < b["slis"]["r2"] < 0.95
    assert b["good"] == (np.abs(p - y) <= 8).sum() and b["total"] == len(usable)


# --- a shadow model's score beside the live one ----------------------------------------------

SHADOW = "shadow: {column: score_v7, version: v7}"


def prediction_with_shadow(prediction: str) -> str:
    """A ``prediction:`` line (of the configs above) with the shadow."""
    return prediction.rstrip().removesuffix("}") + f", {SHADOW}}}\n"


def shadow_scores(frame: pd.DataFrame, seed: int, *, infinities: bool) -> pd.DataFrame:
    """A shadow's probability beside ``score``: close to it (rounded: ties), scored also where
    the live score is not (those rows are not the shadow's), missing or infinite in places."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    live = frame["score"].to_numpy(dtype=float)
    base = np.where(np.isfinite(live), live, rng.random(n))
    shadow = np.clip(base + rng.normal(0.02, 0.1, n), 0, 1).round(2)
    shadow[rng.random(n) < 0.02] = np.nan
    if infinities:
        shadow[5:15] = -np.inf
    return frame.assign(score_v7=shadow)


def assert_same_shadow(ours: dict[str, dict], theirs: dict[str, dict]) -> None:
    """Every run's shadow the same in process and on the engine: its rows, the rows left out
    and each metric (assert_same_runs compared the SLIs)."""
    for name in ours:
        a, b = ours[name]["details"], theirs[name]["details"]
        assert a["shadow"].keys() == b["shadow"].keys(), name
        for part, value in a["shadow"].items():
            got = b["shadow"][part]
            assert value == got if not isinstance(value, float) else same(value, got), (part, name)
        assert a["shadow_invalid_predictions"] == b["shadow_invalid_predictions"] > 0, name
        assert len(a["live_vs_shadow"]) == len(b["live_vs_shadow"]), name
        metric = a["metric"]
        assert f"{metric}[shadow=v7]" in ours[name]["slis"] and "shadow_delta" in ours[name]["slis"]


def test_a_binary_shadow_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    infinities = place.kind != "csv"
    frame = shadow_scores(predictions(infinities=infinities), 40, infinities=infinities)
    source = prediction_with_shadow(CLASSIFIER) + f"data:\n  current: {place.write(frame)}"
    ours, theirs = place.runs(source, QUALITY)
    assert_same_runs(ours, theirs, place.engine)
    assert_same_shadow(ours, theirs)

    # pinned to scikit-learn on the rows chosen by hand: labelled, both scores finite
    day = frame[(frame["ts"] >= pd.Timestamp(AT) - pd.Timedelta(days=1))]
    day = day[day["ts"] < pd.Timestamp(AT)]
    live = day[day["defaulted"].notna() & np.isfinite(day["score"])]
    rows = live[np.isfinite(live["score_v7"])]
    y, s = rows["defaulted"], rows["score_v7"]
    shadow = theirs["auc"]["details"]["shadow"]
    assert shadow["rows"] == len(rows)
    assert theirs["auc"]["details"]["shadow_invalid_predictions"] == len(live) - len(rows)
    for name, value in {
        "accuracy": accuracy_score(y, s >= 0.5),
        "precision": precision_score(y, s >= 0.5),
        "recall": recall_score(y, s >= 0.5),
        "f1": f1_score(y, s >= 0.5),
        "roc_auc": roc_auc_score(y, s),
    }.items():
        assert shadow[name] == pytest.approx(value, rel=1e-12), name
    auc = theirs["auc"]["slis"]
    assert auc["roc_auc[shadow=v7]"] == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    assert auc["shadow_delta"] == pytest.approx(
        roc_auc_score(y, s) - roc_auc_score(live["defaulted"], live["score"]), abs=1e-12
    )


def test_a_shadow_with_labels_from_their_own_source_joins_the_same_on_the_engine(
    place: Place,
) -> None:
    infinities = place.kind != "csv"
    frame, labels = with_labels(infinities=infinities)
    frame = shadow_scores(frame, 41, infinities=infinities)
    source = (
        prediction_with_shadow(CLASSIFIER)
        + f"data:\n  current: {place.write(frame)}\n  labels: "
        + labels_source(place, labels)
    )
    ours, theirs = place.runs(source, LABELLED)
    assert_same_runs(ours, theirs, place.engine)
    assert "engine_fallback" not in theirs["accuracy"]["details"]
    assert_same_shadow(ours, theirs)
    joined = joined_by_hand(frame, labels, WINDOW_START, WINDOW_END)
    rows = joined[
        joined["defaulted"].notna() & np.isfinite(joined["score"]) & np.isfinite(joined["score_v7"])
    ]
    shadow = theirs["accuracy"]["details"]["shadow"]
    assert shadow["rows"] == len(rows)
    assert shadow["accuracy"] == pytest.approx(
        accuracy_score(rows["defaulted"], rows["score_v7"] >= 0.5), rel=1e-12
    )


def test_a_multiclass_shadow_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    frame = species()
    rng = np.random.default_rng(42)
    truth = frame["species"].fillna("bird").to_numpy()
    shadow = np.where(rng.random(len(frame)) < 0.85, truth, rng.choice(["cat", "eel"], len(frame)))
    shadow = shadow.astype(object)
    shadow[rng.random(len(frame)) < 0.02] = None
    frame["score_v7"] = shadow
    ours, theirs = place.runs(
        prediction_with_shadow(MULTICLASS) + f"data:\n  current: {place.write(frame)}", CLASSES
    )
    assert_same_runs(ours, theirs, place.engine)
    assert_same_shadow(ours, theirs)

    day = frame[(frame["ts"] >= pd.Timestamp(AT) - pd.Timedelta(days=1))]
    day = day[day["ts"] < pd.Timestamp(AT)]
    rows = day.dropna(subset=["predicted", "species", "score_v7"])
    y, s = rows["species"].astype(str), rows["score_v7"].astype(str)
    got = theirs["f1"]["details"]["shadow"]
    assert got["rows"] == len(rows)
    for name, value in {
        "accuracy": accuracy_score(y, s),
        "f1": f1_score(y, s, average="macro", zero_division=np.nan),
        "precision": precision_score(y, s, average="macro", zero_division=np.nan),
        "recall": recall_score(y, s, average="macro", zero_division=np.nan),
    }.items():
        assert got[name] == pytest.approx(value, rel=1e-12), name
    assert theirs["f1"]["slis"]["shadow_delta"] > 0  # the shadow guesses less


def test_a_regression_shadow_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    infinities = place.kind != "csv"
    frame = prices(infinities=infinities)
    rng = np.random.default_rng(43)
    shadow = frame["price"].fillna(1e6).to_numpy() + rng.normal(0, 3.0, len(frame))
    shadow[rng.random(len(frame)) < 0.02] = np.nan
    if infinities:
        shadow[10:20] = np.inf
    frame["score_v7"] = shadow
    ours, theirs = place.runs(
        prediction_with_shadow(REGRESSOR) + f"data:\n  current: {place.write(frame)}", PRICES
    )
    assert_same_runs(ours, theirs, place.engine)
    assert_same_shadow(ours, theirs)

    day = frame[(frame["ts"] >= pd.Timestamp(AT) - pd.Timedelta(days=1))]
    day = day[day["ts"] < pd.Timestamp(AT)]
    usable = day[np.isfinite(day["estimate"]) & np.isfinite(day["price"])]
    rows = usable[np.isfinite(usable["score_v7"])]
    y, s = rows["price"], rows["score_v7"]
    got = theirs["r2"]["details"]["shadow"]
    assert got["rows"] == len(rows)
    assert theirs["r2"]["details"]["shadow_invalid_predictions"] == len(usable) - len(rows)
    for name, value in {
        "mae": mean_absolute_error(y, s),
        "rmse": np.sqrt(mean_squared_error(y, s)),
        "mape": mean_absolute_percentage_error(y, s),
        "r2": r2_score(y, s),
    }.items():
        assert got[name] == pytest.approx(value, rel=1e-9), name
    assert theirs["r2"]["slis"]["shadow_delta"] > 0  # higher R^2: the shadow errs less


def test_a_shadow_column_the_data_lacks_is_named_with_its_config_key(place: Place) -> None:
    frame = predictions(2_000, infinities=place.kind != "csv")
    source = prediction_with_shadow(CLASSIFIER) + f"data:\n  current: {place.write(frame)}"
    ours, theirs = place.runs(source, QUALITY)
    for runs in (ours, theirs):
        for name, run in runs.items():
            assert run["status"] == "failed", name
            assert "prediction.shadow.column 'score_v7' is not in" in run["error"], name


def test_ctr_ignores_a_shadow(place: Place) -> None:
    source = prediction_with_shadow(CLASSIFIER) + f"data:\n  current: {place.write(events(5_000))}"
    ours, theirs = place.runs(source, MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    for run in (*ours.values(), *theirs.values()):
        assert not any("shadow" in name for name in [*run["slis"], *run["details"]])


def test_a_shadow_is_scored_when_the_data_has_no_model_version(place: Place) -> None:
    infinities = place.kind != "csv"
    frame = shadow_scores(predictions(5_000, infinities=infinities), 44, infinities=infinities)
    source = (
        prediction_with_shadow(CLASSIFIER)
        + f"data:\n  current: {place.write(frame.drop(columns=['model_version']))}"
    )
    ours, theirs = place.runs(source, QUALITY)
    assert_same_runs(ours, theirs, place.engine)
    assert_same_shadow(ours, theirs)
    live, shadow = theirs["auc"]["details"]["live_vs_shadow"]
    assert (live["version"], shadow["version"]) == (None, "v7")
    assert theirs["auc"]["details"]["by_model_version"] == {}
