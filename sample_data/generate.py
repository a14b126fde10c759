"""The sample scenario: a month of two ML services, with incidents written into the data.

Two services log one row per request, arriving as a Poisson process with a daily cycle (busiest
at 14:00 UTC):

- ``loan`` (loan-default, about 1 request a minute): an applicant's age, income, height, plan
  and credit score. Their true risk of default is a logistic function of the features (height
  plays no part); model ``v1`` estimates it closely (``score``, accuracy about 0.9 at 0.5), and
  the label, drawn from the true risk, arrives about a day later.
- ``ads`` (ad-ctr, about 2 requests a minute): one impression in a country on a device. The
  click is drawn from the true click probability (CTR about 0.2); model ``v6`` estimates it
  (``ctr_pred``).

The seven clean days before ``start`` are each service's reference. Into the month the story
writes five incidents (offsets from ``start``; the default start is 2026-10-01T00:00Z):

    from - to        service  kind                 what the cockpit should see
    9d14h - 10d10h   loan     unit_change          height in metres, every row out of range:
                                                   the data-quality SLO collapses within hours
    14d - end        loan     covariate_drift      income +4 %/day, credit score -6 points/day:
                                                   the drift SLO burns, a retrain fires
    16d10h - 17d16h  ads      bad_model_version    v7, CTR about 0.08: a rollback fires
    19d9h - 21d9h    loan     bad_model_version    v2, accuracy about 0.65: a rollback fires
    23d12h - 24d6h   ads      latency_regression   median about 350 ms: the latency SLO burns
    26d10h - 27d4h   ads      canary_rollout       v8 on 10 % of requests, clicked half as often:
                                                   the canary is worse, it is rolled back to v6

Files under ``out_dir`` (timestamps ``datetime64[ns, UTC]``, rows sorted by time)::

    scenario.json                             the summary generate() returns
    loan/reference.parquet, ads/reference.parquet
    loan/logs/day-YYYY-MM-DD.parquet          one file per UTC day of ``ts``
    loan/labels/day-YYYY-MM-DD.parquet        one file per UTC day of ``labelled_at``
    ads/logs/day-YYYY-MM-DD.parquet

Labels are those that have arrived by the end of the scenario. Everything is vectorised and each
stream has its own generator spawned from the seed, so the default month takes about a second
and the same seed writes the same bytes. Run ``python -m sample_data.generate --out DIR``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_START = datetime(2026, 10, 1, tzinfo=UTC)
DEFAULT_DAYS = 30
REFERENCE_DAYS = 7

NS_PER_MS = 10**6
NS_PER_MINUTE = 60 * 10**9
NS_PER_HOUR = 60 * NS_PER_MINUTE
NS_PER_DAY = 24 * NS_PER_HOUR
MINUTES_PER_DAY = 24 * 60
ID_DIGITS = 7

# Arrivals: rate(t) = mean * (1 + DAILY_SWING * cos(2 pi (hour - BUSIEST_HOUR_UTC) / 24)).
LOAN_REQUESTS_PER_MINUTE = 1.0
ADS_REQUESTS_PER_MINUTE = 2.0
DAILY_SWING = 0.5
BUSIEST_HOUR_UTC = 14
ERROR_RATE = 0.001

# Loan applicants.
AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX = 42.0, 13.0, 18, 90
INCOME_MEDIAN, INCOME_LOG_SD = 50_000.0, 0.5
HEIGHT_MEAN_CM, HEIGHT_SD_CM, HEIGHT_MIN_CM, HEIGHT_MAX_CM = 170.0, 10.0, 140.0, 210.0
PLANS = ("basic", "pro", "premium")
PLAN_SHARES = (0.6, 0.3, 0.1)
CREDIT_MEAN, CREDIT_SD, CREDIT_MIN, CREDIT_MAX = 680.0, 60.0, 300.0, 850.0

# True risk: logit(p) = INTERCEPT + PER_CREDIT_SD * (credit - CREDIT_MEAN) / CREDIT_SD
#   + PER_LOG_INCOME * ln(income / INCOME_MEDIAN) + PER_YEAR * (age - AGE_MEAN) + PLAN[plan].
RISK_INTERCEPT = -3.5
RISK_PER_CREDIT_SD = -5.0
RISK_PER_LOG_INCOME = -3.0
RISK_PER_YEAR = -0.05
RISK_PER_PLAN = (0.4, 0.0, -0.6)

# Models: v1 = sigmoid(logit + N(0, V1_NOISE)); v2 = sigmoid(V2_SLOPE * logit + V2_BIAS + N(0, V2_NOISE)).
V1_NOISE = 0.4
V2_SLOPE, V2_BIAS, V2_NOISE = 0.25, 1.0, 1.5

LOAN_LATENCY_MEDIAN_MS, LOAN_LATENCY_LOG_SD = 80.0, 0.35
LABEL_DELAY_NS = NS_PER_DAY
LABEL_JITTER_NS = 4 * NS_PER_HOUR  # labelled_at = ts + 1 day +- up to 4 hours

# Ads impressions: logit(ctr) = logit(CTR_TYPICAL) + COUNTRY[c] + DEVICE[d] + N(0, CTR_SPREAD).
COUNTRIES = ("US", "IN", "BR", "DE", "GB", "FR")
COUNTRY_SHARES = (0.35, 0.2, 0.15, 0.1, 0.1, 0.1)
CTR_PER_COUNTRY = (0.0, 0.2, 0.1, -0.15, -0.1, -0.2)
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARES = (0.6, 0.3, 0.1)
CTR_PER_DEVICE = (0.1, -0.2, 0.0)
CTR_TYPICAL = 0.2
CTR_SPREAD = 0.5
V6_NOISE = 0.15
V7_CLICK_FACTOR = 0.4  # v7 ranks badly: users click 40 % as often
V7_PRED_BIAS = 0.7  # ... while it over-predicts
ADS_LATENCY_MEDIAN_MS, ADS_LATENCY_LOG_SD = 40.0, 0.4
SLOW_LATENCY_MEDIAN_MS, SLOW_LATENCY_LOG_SD = 350.0, 0.6

# Incidents.
CM_PER_M = 100.0
DRIFT_INCOME_GROWTH_PER_DAY = 0.04
DRIFT_CREDIT_POINTS_PER_DAY = -6.0
LOAN_MODEL, LOAN_BAD_MODEL = "v1", "v2"
ADS_MODEL, ADS_BAD_MODEL, ADS_CANARY_MODEL = "v6", "v7", "v8"
CANARY_SHARE = 0.10  # v8 serves this share of requests during its canary
CANARY_CLICK_FACTOR = 0.5  # ... and its ads are clicked half as often


@dataclass(frozen=True)
class Event:
    """One incident written into the data, over ``[start, end)``."""

    service: str
    kind: str
    start: datetime
    end: datetime
    description: str

    def covers(self, ts_ns: np.ndarray) -> np.ndarray:
        """Which of the timestamps (ns since the epoch) fall within the incident."""
        return (ts_ns >= _ns(self.start)) & (ts_ns < _ns(self.end))

    def as_dict(self) -> dict[str, str]:
        return {
            "service": self.service,
            "kind": self.kind,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "description": self.description,
        }


@dataclass(frozen=True)
class _Script:
    service: str
    kind: str
    after: timedelta
    until: timedelta | None  # None: to the end of the scenario
    description: str


# (service, kind, from, until or None for the scenario's end, what happens), offsets from start
_H = timedelta(hours=1)
_D = timedelta(days=1)
# fmt: off
STORY = tuple(_Script(*row) for row in (
    ("loan", "unit_change", 9 * _D + 14 * _H, 10 * _D + 10 * _H,
     "upstream reports height_cm in metres: every row is out of the schema's range"),
    ("loan", "covariate_drift", 14 * _D, None,
     "income grows 4 %/day and credit_score drops 6 points/day"),
    ("ads", "bad_model_version", 16 * _D + 10 * _H, 17 * _D + 16 * _H,
     "model v7 deployed, then rolled back to v6: CTR falls to about 0.08"),
    ("loan", "bad_model_version", 19 * _D + 9 * _H, 21 * _D + 9 * _H,
     "model v2 deployed, then rolled back to v1: noisy scores, accuracy about 0.65"),
    ("ads", "latency_regression", 23 * _D + 12 * _H, 24 * _D + 6 * _H,
     "latency regression: median about 350 ms, most requests over 300 ms"),
    ("ads", "canary_rollout", 26 * _D + 10 * _H, 27 * _D + 4 * _H,
     "model v8 canary on 10 % of requests, clicked half as often: rolled back to v6"),
))
# fmt: on


def scenario_events(start: datetime, end: datetime) -> list[Event]:
    """The story's incidents within ``[start, end)``, clipped to it, in order of start."""
    events = []
    for script in STORY:
        begins = start + script.after
        ends = end if script.until is None else min(end, start + script.until)
        if begins < ends:
            events.append(Event(script.service, script.kind, begins, ends, script.description))
    return sorted(events, key=lambda event: event.start)


def generate(
    out_dir: Path,
    *,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    days: int = DEFAULT_DAYS,
) -> dict:
    """Write the scenario under ``out_dir`` and return its summary (also ``scenario.json``).

    The summary: ``{"seed", "start", "end", "rows": {"loan", "ads"}, "events": [...]}`` with
    ISO-8601 UTC times. Day files left by an earlier run in the same folders are replaced.
    """
    if start.tzinfo is None:
        raise ValueError(f"start must be timezone-aware UTC, got naive {start!r}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days!r}")
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    reference_start = start - timedelta(days=REFERENCE_DAYS)
    events = scenario_events(start, end)
    loan_events = [e for e in events if e.service == "loan"]
    ads_events = [e for e in events if e.service == "ads"]
    # a stream added later is spawned after the others: theirs stay the same
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    loan_ref_rng, loan_rng, label_rng, ads_ref_rng, ads_rng, canary_rng = streams

    out_dir = Path(out_dir)
    loan_reference, _ = _loan_logs(loan_ref_rng, reference_start, start, first_id=1, events=[])
    loan, true_risk = _loan_logs(
        loan_rng, start, end, first_id=len(loan_reference) + 1, events=loan_events
    )
    labels = _loan_labels(label_rng, loan, true_risk, until=end)
    _write(loan_reference, out_dir / "loan" / "reference.parquet")
    _write_daily(loan, "ts", out_dir / "loan" / "logs")
    _write_daily(labels, "labelled_at", out_dir / "loan" / "labels")

    ads_reference = _ads_logs(ads_ref_rng, reference_start, start, first_id=1, events=[])
    ads = _ads_logs(
        ads_rng,
        start,
        end,
        first_id=len(ads_reference) + 1,
        events=ads_events,
        canary_rng=canary_rng,
    )
    _write(ads_reference, out_dir / "ads" / "reference.parquet")
    _write_daily(ads, "ts", out_dir / "ads" / "logs")

    summary = {
        "seed": seed,
        "start": _iso(start),
        "end": _iso(end),
        "rows": {"loan": len(loan), "ads": len(ads)},
        "events": [event.as_dict() for event in events],
    }
    (out_dir / "scenario.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --- arrivals -------------------------------------------------------------------------------


def _arrivals(
    rng: np.random.Generator, start: datetime, end: datetime, per_minute: float
) -> np.ndarray:
    """Sorted request times (ns since the epoch, to the ms) of a Poisson process over
    ``[start, end)`` whose rate follows the daily cycle, drawn minute by minute."""
    first_minute = _ns(start) // NS_PER_MINUTE
    minutes = np.arange(first_minute, -(-_ns(end) // NS_PER_MINUTE), dtype=np.int64)
    hour = (minutes % MINUTES_PER_DAY) / 60.0
    rate = per_minute * (1 + DAILY_SWING * np.cos(2 * np.pi * (hour - BUSIEST_HOUR_UTC) / 24))
    counts = rng.poisson(rate)
    offsets = (rng.random(counts.sum()) * NS_PER_MINUTE).astype(np.int64)
    ts = np.repeat(minutes * NS_PER_MINUTE, counts) + offsets
    ts = np.sort(ts - ts % NS_PER_MS)
    return ts[(ts >= _ns(start)) & (ts < _ns(end))]


def _request_ids(prefix: str, first_id: int, n: int) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=object)
    numbers = np.arange(first_id, first_id + n).astype(str)
    return np.char.add(f"{prefix}-", np.char.zfill(numbers, ID_DIGITS)).astype(object)


def _latency_ms(normal: np.ndarray, median_ms: float, log_sd: float) -> np.ndarray:
    """Lognormal latencies from standard normal draws: median_ms * exp(log_sd * z)."""
    return np.round(median_ms * np.exp(log_sd * normal), 2)


# --- loan -----------------------------------------------------------------------------------


def _loan_logs(
    rng: np.random.Generator,
    start: datetime,
    end: datetime,
    *,
    first_id: int,
    events: Sequence[Event],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The loan service's request log over ``[start, end)`` and each request's true risk."""
    ts = _arrivals(rng, start, end, LOAN_REQUESTS_PER_MINUTE)
    n = len(ts)
    age = np.clip(np.round(rng.normal(AGE_MEAN, AGE_SD, n)), AGE_MIN, AGE_MAX).astype(np.int64)
    income = INCOME_MEDIAN * np.exp(rng.normal(0.0, INCOME_LOG_SD, n))
    height_cm = np.clip(rng.normal(HEIGHT_MEAN_CM, HEIGHT_SD_CM, n), HEIGHT_MIN_CM, HEIGHT_MAX_CM)
    plan = rng.choice(len(PLANS), size=n, p=PLAN_SHARES)
    credit = rng.normal(CREDIT_MEAN, CREDIT_SD, n)
    model_noise = rng.standard_normal(n)
    latency = rng.standard_normal(n)
    error = rng.random(n) < ERROR_RATE

    model = np.full(n, LOAN_MODEL, dtype=object)
    for event in events:
        if event.kind == "covariate_drift":
            days_in = np.maximum(ts - _ns(event.start), 0) / NS_PER_DAY * event.covers(ts)
            income = income * (1 + DRIFT_INCOME_GROWTH_PER_DAY * days_in)
            credit = credit + DRIFT_CREDIT_POINTS_PER_DAY * days_in
    credit = np.clip(credit, CREDIT_MIN, CREDIT_MAX)

    logit = _true_logit(age, income, plan, credit)
    score = _sigmoid(logit + V1_NOISE * model_noise)
    for event in events:
        during = event.covers(ts)
        if event.kind == "bad_model_version":
            model[during] = LOAN_BAD_MODEL
            bad_score = _sigmoid(V2_SLOPE * logit + V2_BIAS + V2_NOISE * model_noise)
            score = np.where(during, bad_score, score)
        elif event.kind == "unit_change":
            height_cm = np.where(during, height_cm / CM_PER_M, height_cm)

    frame = pd.DataFrame(
        {
            "ts": _timestamps(ts),
            "request_id": _request_ids("loan", first_id, n),
            "age": age,
            "income": np.round(income, 2),
            "height_cm": np.round(height_cm, 4),
            "plan": np.array(PLANS, dtype=object)[plan],
            "credit_score": np.round(credit, 1),
            "score": np.round(score, 6),
            "model_version": model,
            "latency_ms": _latency_ms(latency, LOAN_LATENCY_MEDIAN_MS, LOAN_LATENCY_LOG_SD),
            "error": error,
        }
    )
    return frame, _sigmoid(logit)


def _true_logit(
    age: np.ndarray, income: np.ndarray, plan: np.ndarray, credit: np.ndarray
) -> np.ndarray:
    return (
        RISK_INTERCEPT
        + RISK_PER_CREDIT_SD * (credit - CREDIT_MEAN) / CREDIT_SD
        + RISK_PER_LOG_INCOME * np.log(income / INCOME_MEDIAN)
        + RISK_PER_YEAR * (age - AGE_MEAN)
        + np.asarray(RISK_PER_PLAN)[plan]
    )


def _loan_labels(
    rng: np.random.Generator, logs: pd.DataFrame, true_risk: np.ndarray, *, until: datetime
) -> pd.DataFrame:
    """Whether each applicant defaulted (drawn from the true risk), as the labels arrive about a
    day after the prediction; only those that have arrived by ``until``."""
    n = len(logs)
    defaulted = (rng.random(n) < true_risk).astype(np.int64)
    jitter = rng.integers(-LABEL_JITTER_NS, LABEL_JITTER_NS, n, endpoint=True)
    labelled_at = _ns_of(logs["ts"]) + LABEL_DELAY_NS + jitter
    labelled_at -= labelled_at % NS_PER_MS
    arrived = labelled_at < _ns(until)
    order = np.argsort(labelled_at[arrived], kind="stable")
    return pd.DataFrame(
        {
            "request_id": logs["request_id"].to_numpy()[arrived][order],
            "defaulted": defaulted[arrived][order],
            "labelled_at": _timestamps(labelled_at[arrived][order]),
        }
    )


# --- ads ------------------------------------------------------------------------------------


def _ads_logs(
    rng: np.random.Generator,
    start: datetime,
    end: datetime,
    *,
    first_id: int,
    events: Sequence[Event],
    canary_rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """The ad service's impression log over ``[start, end)`` (``canary_rng`` draws which
    requests a canary serves, from a stream of its own)."""
    ts = _arrivals(rng, start, end, ADS_REQUESTS_PER_MINUTE)
    n = len(ts)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARES)
    device = rng.choice(len(DEVICES), size=n, p=DEVICE_SHARES)
    logit = (
        _logit(CTR_TYPICAL)
        + np.asarray(CTR_PER_COUNTRY)[country]
        + np.asarray(CTR_PER_DEVICE)[device]
        + CTR_SPREAD * rng.standard_normal(n)
    )
    pred_noise = V6_NOISE * rng.standard_normal(n)
    click_draw = rng.random(n)
    latency_normal = rng.standard_normal(n)
    error = rng.random(n) < ERROR_RATE

    model = np.full(n, ADS_MODEL, dtype=object)
    ctr_pred = _sigmoid(logit + pred_noise)
    click_p = _sigmoid(logit)
    latency = _latency_ms(latency_normal, ADS_LATENCY_MEDIAN_MS, ADS_LATENCY_LOG_SD)
    for event in events:
        during = event.covers(ts)
        if event.kind == "bad_model_version":
            model[during] = ADS_BAD_MODEL
            ctr_pred = np.where(during, _sigmoid(logit + V7_PRED_BIAS + pred_noise), ctr_pred)
            click_p = np.where(during, click_p * V7_CLICK_FACTOR, click_p)
        elif event.kind == "latency_regression":
            slow = _latency_ms(latency_normal, SLOW_LATENCY_MEDIAN_MS, SLOW_LATENCY_LOG_SD)
            latency = np.where(during, slow, latency)
        elif event.kind == "canary_rollout" and canary_rng is not None:
            canary = during & (canary_rng.random(n) < CANARY_SHARE)
            model[canary] = ADS_CANARY_MODEL
            click_p = np.where(canary, click_p * CANARY_CLICK_FACTOR, click_p)

    return pd.DataFrame(
        {
            "ts": _timestamps(ts),
            "request_id": _request_ids("ads", first_id, n),
            "country": np.array(COUNTRIES, dtype=object)[country],
            "device": np.array(DEVICES, dtype=object)[device],
            "ctr_pred": np.round(ctr_pred, 6),
            "model_version": model,
            "impressions": np.ones(n, dtype=np.int64),
            "clicks": (click_draw < click_p).astype(np.int64),
            "latency_ms": latency,
            "error": error,
        }
    )


# --- helpers --------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _ns(moment: datetime) -> int:
    return pd.Timestamp(moment).value


def _ns_of(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _timestamps(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(ns, unit="ns", utc=True))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def _write_daily(frame: pd.DataFrame, column: str, folder: Path) -> None:
    """One file per UTC day of ``column``, replacing the day (and tail) files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob("day-*.parquet"), *folder.glob("tail-*.parquet")]:
        stale.unlink()  # a demo's live tail included: a rerun never mixes old and new traffic
    for day, part in frame.groupby(frame[column].dt.floor("D"), sort=True):
        _write(part.reset_index(drop=True), folder / f"day-{day:%Y-%m-%d}.parquet")


def append_traffic(out_dir: Path, start: datetime, end: datetime, *, seed: int) -> dict[str, int]:
    """Clean traffic over ``[start, end)`` appended to a generated scenario (the demo's live
    tail): one ``tail-*.parquet`` file per stream, labels included (they arrive a day later,
    so a monitor sees them only once their time has come)."""
    out_dir = Path(out_dir)
    loan_rng, label_rng, ads_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    first_id = int(start.timestamp()) * 10  # unique across tail files, far above the scenario's ids
    stamp = f"{start:%Y%m%dT%H%M%S}"
    loan, true_risk = _loan_logs(loan_rng, start, end, first_id=first_id, events=[])
    ads = _ads_logs(ads_rng, start, end, first_id=first_id, events=[])
    if len(loan):
        labels = _loan_labels(label_rng, loan, true_risk, until=end + timedelta(days=365))
        _write(loan, out_dir / "loan" / "logs" / f"tail-{stamp}.parquet")
        _write(labels, out_dir / "loan" / "labels" / f"tail-{stamp}.parquet")
    if len(ads):
        _write(ads, out_dir / "ads" / "logs" / f"tail-{stamp}.parquet")
    return {"loan": len(loan), "ads": len(ads)}


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the scenario to")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="length (default 30)")
    args = parser.parse_args(argv)
    summary = generate(args.out, seed=args.seed, days=args.days)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
