"""The release timeline's read model: each model version a service served, when, how much
traffic it had per window and its SLIs (``cockpit versions``, the service page).

``slis`` of a version are, for each monitor that splits its SLIs by version, the version's
values in the newest run where it had rows (keyed by the SLI's name; a name two monitors share
is the first monitor's in config order, and every monitor's are under ``by_monitor``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from cockpit.config import models as cfg
from cockpit.engine.traffic import version_column
from cockpit.engine.versions import Version, recent, serving_now, version_values, versions_of
from cockpit.errors import CockpitError
from cockpit.store import Store, run_details
from cockpit.timefmt import iso

RUNS_READ = 100  # the newest ok runs of a monitor searched for each version's SLIs


def _services(config: cfg.Config, service: str | None) -> list[cfg.Service]:
    if service is None:
        return [s for s in config.services if version_column(s) is not None]
    try:
        return [config.service(service)]
    except (KeyError, StopIteration):
        names = ", ".join(s.name for s in config.services)
        raise CockpitError(f"no service {service!r} in the config (one of {names})") from None


def _newest_values(
    store: Store, service: cfg.Service, column: str, names: set[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{version: {monitor: {sli: value, "window_end": iso}}}`` from each monitor's newest
    run in which the version had rows."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for monitor in service.monitors:
        for run in store.runs(service.name, monitor.name, status="ok", limit=RUNS_READ):
            details = run_details(run)
            if not details.get("by_model_version"):
                continue
            slis = store.run_slis(run.id) if run.id is not None else {}
            for version in names:
                if monitor.name in found.get(version, {}):
                    continue
                values = version_values(details, slis, column, version)
                if values:
                    values = {k: v for k, v in values.items() if k != "rows"}
                    found.setdefault(version, {})[monitor.name] = {
                        **values,
                        "window_end": iso(run.window_end),
                    }
            if all(monitor.name in found.get(v, {}) for v in names):
                break
    return found


def _flat(by_monitor: Mapping[str, Mapping[str, Any]], order: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for monitor in order:
        for name, value in by_monitor.get(monitor, {}).items():
            if name != "window_end" and name not in out:
                out[name] = value
    return out


def version_entries(
    store: Store, config: cfg.Config, service: str | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """The ``cockpit versions --json`` contract: ``{service, version, first_seen, last_seen,
    rows, slis}`` per version, oldest first per service, with ``serving`` (requests in the newest
    hour of traffic), ``current`` (the version serving now), ``share`` (of that hour's),
    ``windows`` (``{start, end, rows, share}``) and ``by_monitor``."""
    entries: list[dict[str, Any]] = []
    for s in _services(config, service):
        column = version_column(s) or "model_version"
        traffic = store.version_traffic(s.name, until)
        versions = versions_of(traffic)
        current = serving_now(traffic, versions)
        now = recent(traffic)
        total_now = sum(now.values())
        values = _newest_values(store, s, column, {v.version for v in versions})
        order = [m.name for m in s.monitors]
        for v in versions:
            serving = v.version in now
            entries.append(
                {
                    "service": s.name,
                    "version": v.version,
                    "first_seen": iso(v.first_seen),
                    "last_seen": iso(v.last_seen),
                    "rows": v.rows,
                    "slis": _flat(values.get(v.version, {}), order),
                    "serving": serving,
                    "current": v.version == current,
                    "share": now.get(v.version, 0) / total_now if total_now else 0.0,
                    "windows": [
                        {"start": iso(w.start), "end": iso(w.end), "rows": w.rows, "share": w.share}
                        for w in v.windows
                    ],
                    "by_monitor": values.get(v.version, {}),
                }
            )
    return entries


def timeline(
    store: Store,
    config: cfg.Config,
    service: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """One row per (window, version) ending in ``(since, until]``: ``start``, ``end``,
    ``version``, ``rows``, ``share`` — the service page's release timeline (empty without
    recorded traffic)."""
    s = config.service(service)
    versions: list[Version] = versions_of(store.version_traffic(s.name, until))
    rows = [
        {"start": w.start, "end": w.end, "version": v.version, "rows": w.rows, "share": w.share}
        for v in versions
        for w in v.windows
        if since is None or w.end > since
    ]
    return pd.DataFrame(rows, columns=["start", "end", "version", "rows", "share"])


def summary(store: Store, config: cfg.Config, service: str) -> pd.DataFrame:
    """One row per version for the service page: span, rows, serving, its SLIs."""
    entries = version_entries(store, config, service)
    rows = [
        {
            "version": e["version"],
            "first seen": e["first_seen"],
            "last seen": e["last_seen"],
            "requests": e["rows"],
            "serving": (("now, " if e["current"] else "") + f"{e['share']:.0%}")
            if e["serving"]
            else "no",
            **e["slis"],
        }
        for e in entries
    ]
    return pd.DataFrame(rows)
