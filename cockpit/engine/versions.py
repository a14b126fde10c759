"""Model versions from the recorded traffic (:mod:`cockpit.engine.traffic`) and the runs: when
each version served, the one serving now, and the one to roll back to.

The version *serving now* is the newest version (by first request) among those with requests in
the newest hour of recorded traffic: after a full switch to v2 that is v2, during a canary the candidate. The
version to *roll back to* is the newest other version whose SLIs met the SLO that fired over
its last full window in service (a run of the SLO's monitor whose window lies inside the
span it served); a monitor that splits its SLIs by version judges the version on its own rows,
any other monitor only on windows the version served alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from cockpit.config import models as cfg
from cockpit.kinds.registry import KINDS
from cockpit.store import Connection, run_details
from cockpit.store import runs as run_repo
from cockpit.store import versions as repo
from cockpit.store.versions import TrafficRow
from slo.series import Condition

SERVING_SPAN = timedelta(hours=1)  # what served in the newest hour of traffic serves now
ALONE_SHARE = 0.99  # a version served a window "alone" when it had this share of its requests
FULL_SLACK = 0.05  # a window is full when the version served from its start to its last 5%
RUNS_LOOKED_AT = 200  # the newest runs of a monitor searched for a version's last full window


@dataclass(frozen=True)
class Share:
    """One recorded window of a version: its requests and their share of the window's."""

    start: datetime
    end: datetime
    rows: int
    share: float


@dataclass(frozen=True)
class Version:
    version: str
    first_seen: datetime
    last_seen: datetime
    rows: int
    windows: tuple[Share, ...]


def versions_of(traffic: Sequence[TrafficRow]) -> list[Version]:
    """Each version's span and windows, oldest first request first. A window counted by an
    engine has no request times: its bounds stand for them."""
    totals: dict[datetime, int] = {}
    for row in traffic:
        totals[row.window_start] = totals.get(row.window_start, 0) + row.rows
    spans: dict[str, dict[str, Any]] = {}
    for row in traffic:
        if row.rows <= 0:
            continue
        first = row.first_at or row.window_start
        last = row.last_at or row.window_end
        found = spans.setdefault(
            row.version, {"first": first, "last": last, "rows": 0, "windows": []}
        )
        found["first"] = min(found["first"], first)
        found["last"] = max(found["last"], last)
        found["rows"] += row.rows
        total = totals[row.window_start]
        found["windows"].append(
            Share(row.window_start, row.window_end, row.rows, row.rows / total if total else 0.0)
        )
    out = [
        Version(name, s["first"], s["last"], s["rows"], tuple(s["windows"]))
        for name, s in spans.items()
    ]
    return sorted(out, key=lambda v: (v.first_seen, v.version))


def recent(traffic: Sequence[TrafficRow], span: timedelta = SERVING_SPAN) -> dict[str, int]:
    """Requests per version in the windows ending within ``span`` of the newest recorded
    window's end: what serves now (a version on a small share of traffic may have no request
    in one short window)."""
    served = [row for row in traffic if row.rows > 0]
    if not served:
        return {}
    newest = max(row.window_end for row in served)
    out: dict[str, int] = {}
    for row in served:
        if row.window_end > newest - span:
            out[row.version] = out.get(row.version, 0) + row.rows
    return out


def serving_now(traffic: Sequence[TrafficRow], versions: Sequence[Version]) -> str | None:
    """The newest version (by first request) among those serving now (:func:`recent`)."""
    live = recent(traffic)
    ordered = [v.version for v in versions if v.version in live]
    return ordered[-1] if ordered else None


def history(conn: Connection, service: str, until: datetime | None = None) -> list[Version]:
    return versions_of(repo.history(conn, service, until))


# --- judging a version against an SLO ----------------------------------------------------------


def version_values(
    details: Mapping[str, Any], slis: Mapping[str, Any], column: str, version: str
) -> dict[str, float]:
    """A run's SLIs of one version: its entry in ``by_model_version`` and the SLIs named
    ``<sli>[<column>=<version>]``."""
    out: dict[str, float] = {}
    entry = (details.get("by_model_version") or {}).get(version)
    if isinstance(entry, Mapping):
        out.update(
            {k: float(v) for k, v in entry.items() if isinstance(v, int | float) and v is not None}
        )
    suffix = f"[{column}={version}]"
    out.update(
        {
            name[: -len(suffix)]: float(value)
            for name, value in slis.items()
            if name.endswith(suffix) and isinstance(value, int | float)
        }
    )
    return out


def met(
    slo: cfg.SLO, values: Mapping[str, float], good: float | None, total: float | None
) -> bool | None:
    """Whether one window's values met the SLO: the ``good`` condition (timeslices) or
    good / total against the objective (occurrences); None when they cannot say."""
    if slo.good is not None:
        condition = Condition.parse(slo.good)
        value = values.get(condition.sli)
        if value is None:
            return None
        return bool(condition.holds(np.array([value], dtype=float))[0])
    if good is None or not total:
        return None
    return good / total >= slo.objective


def _ratio_of(
    values: Mapping[str, float], details: Mapping[str, Any]
) -> tuple[float | None, float | None]:
    """A version's good and total events, from its entry: accuracy over its rows for a
    classifier, clicks over impressions for CTR."""
    rows = values.get("rows")
    if "numerator" in values and "denominator" in values:
        return values["numerator"], values["denominator"]
    if "good" in values and rows:
        return values["good"], rows
    if details.get("kind") in ("binary_classification", "multiclass_classification"):
        accuracy = values.get("accuracy")
        if accuracy is not None and rows:
            return accuracy * rows, rows
    return None, None


@dataclass(frozen=True)
class Verdict:
    version: str
    met: bool | None
    window_end: datetime | None
    values: dict[str, float]


def judge(
    conn: Connection,
    service: cfg.Service,
    slo: cfg.SLO,
    version: Version,
    traffic: Sequence[TrafficRow],
    column: str,
) -> Verdict:
    """The version against the SLO over its last full window in service."""
    monitor = next(m for m in service.monitors if m.name == slo.monitor)
    length = monitor.window_length
    runs = run_repo.runs(
        conn,
        service.name,
        slo.monitor,
        until=version.last_seen + length,
        status="ok",
        limit=RUNS_LOOKED_AT,
    )
    fallback: Verdict | None = None
    for run in runs:  # newest first
        details = run_details(run)
        slis = _slis_of(conn, run.id)
        values = version_values(details, slis, column, version.version)
        # served throughout the window (its last request within the window's last 5%)
        slack = (run.window_end - run.window_start) * FULL_SLACK
        inside = (
            version.first_seen <= run.window_start + slack
            and run.window_end <= version.last_seen + slack
        )
        if values:
            good, total = _ratio_of(values, details)
            verdict = Verdict(
                version.version, met(slo, values, good, total), run.window_end, values
            )
            if inside:
                return verdict
            fallback = fallback or verdict
        elif inside and _alone(traffic, version.version, run.window_start, run.window_end):
            values = {k: v for k, v in slis.items() if v is not None}
            return Verdict(
                version.version, met(slo, values, run.good, run.total), run.window_end, values
            )
    return fallback or Verdict(version.version, None, None, {})


def _slis_of(conn: Connection, run_id: int | None) -> dict[str, float | None]:
    if run_id is None:
        return {}
    return run_repo.all_values(conn, run_id)


def _alone(traffic: Sequence[TrafficRow], version: str, start: datetime, end: datetime) -> bool:
    """The version had (almost) all requests of ``[start, end)``."""
    rows = [r for r in traffic if r.window_start < end and r.window_end > start]
    total = sum(r.rows for r in rows)
    mine = sum(r.rows for r in rows if r.version == version)
    return total > 0 and mine / total >= ALONE_SHARE


@dataclass(frozen=True)
class Rollback:
    """The version serving now, and what a rollback goes from and to (``to`` None when no
    version qualifies)."""

    current: str | None
    from_: str | None
    to: str | None
    reason: str


def rollback_target(
    conn: Connection, config: cfg.Config, service_name: str, slo_name: str, at: datetime
) -> Rollback:
    """The version serving now, and the one to roll back to for the SLO that fired."""
    service = config.service(service_name)
    slo = next((s for s in service.slos if s.name == slo_name), None)
    from cockpit.engine.traffic import version_column

    column = version_column(service) or "model_version"
    traffic = repo.history(conn, service.name, at)
    versions = versions_of(traffic)
    current = serving_now(traffic, versions)
    if slo is None:
        return Rollback(current, current, None, f"no SLO {slo_name!r}")
    monitor = next((m for m in service.monitors if m.name == slo.monitor), None)
    kind = KINDS.get(monitor.kind) if monitor is not None else None
    if kind is not None and kind.rollback is not None:  # a canary names both sides
        newest = run_repo.runs(conn, service.name, slo.monitor, until=at, status="ok", limit=1)
        pair = kind.rollback(run_details(newest[0])) if newest else None
        if pair is not None and pair[1] is not None:
            return Rollback(
                current, pair[0] or current, pair[1], f"the baseline of {slo.monitor!r}"
            )
    for version in reversed(versions):  # newest first
        if version.version == current:
            continue
        verdict = judge(conn, service, slo, version, traffic, column)
        if verdict.met:
            return Rollback(
                current, current, version.version, f"{version.version} met {slo.name!r}"
            )
    return Rollback(
        current, current, None, f"no earlier version met {slo.name!r} over a full window"
    )
