"""SLO evaluation that reads only what changed since the previous cycle.

:func:`cockpit.engine.slos.evaluate_slos` reads every SLO's whole lookback (28 days of runs)
at every cycle. :class:`SloCache` keeps each SLO's buckets in the process and, each cycle,
reads only the runs *saved* since the previous cycle began reading (a ``saved_at``
watermark, not the window end: a late or backfilled run, or a replaced one, is written now whatever window it
covers), merges them by window end, and drops the buckets that left the lookback. The series
it hands to the pure engine holds exactly the buckets a full read would return, in the same
order, so every number is the full evaluation's, bit for bit.

A process starts with an empty cache, and an SLO whose lookback starts before what is cached
(an earlier ``at``, a changed spec) is read in full again. Each read goes back
:data:`OVERLAP` before the watermark: a run stamped just before a concurrent read but
committed just after it (another thread or process) is read the next cycle; reading a run twice
is harmless, a merge replaces its bucket by its current state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from cockpit.config import models as cfg
from cockpit.engine import schedule
from cockpit.engine.slos import SloReport, bucket_rows, lookback, reports_of, series_from
from cockpit.store import Store, utcnow
from slo.series import Condition

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)  # how late a run's commit may follow its saved_at stamp


def _us(at: datetime) -> int:
    """Microseconds since the epoch: exact keys for window ends."""
    delta = at - schedule.EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class _Buckets:
    """One SLO's buckets ending after ``floor``: keys (window end in microseconds), end times
    in seconds (as a full read computes them) and one or two value columns."""

    signature: tuple[str, str | None]  # (monitor, timeslice condition): a change reads again
    floor_us: int
    keys: np.ndarray = field(default_factory=lambda: np.array([], dtype="int64"))
    ends_s: np.ndarray = field(default_factory=lambda: np.array([], dtype="float64"))
    columns: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def load(
        cls, rows: list[tuple], signature: tuple[str, str | None], floor: datetime
    ) -> _Buckets:
        width = 2 if signature[1] is None else 1
        out = cls(signature, _us(floor), columns=[np.array([], dtype="float64")] * width)
        if rows:
            ends = [row[0] for row in rows]
            out.keys = np.array([_us(e) for e in ends], dtype="int64")
            out.ends_s = np.array([e.timestamp() for e in ends], dtype="float64")
            out.columns = [
                np.array([row[1 + i] for row in rows], dtype="float64") for i in range(width)
            ]
        return out

    def put(self, end: datetime, values: tuple[float, ...] | None) -> None:
        """Set the bucket ending at ``end`` to ``values``, or remove it (None)."""
        key = _us(end)
        if key <= self.floor_us:
            return
        i = int(np.searchsorted(self.keys, key))
        here = i < len(self.keys) and self.keys[i] == key
        if values is None:
            if here:
                self.keys = np.delete(self.keys, i)
                self.ends_s = np.delete(self.ends_s, i)
                self.columns = [np.delete(c, i) for c in self.columns]
        elif here:
            for column, value in zip(self.columns, values, strict=True):
                column[i] = value
        else:
            self.keys = np.insert(self.keys, i, key)
            self.ends_s = np.insert(self.ends_s, i, end.timestamp())
            self.columns = [np.insert(c, i, v) for c, v in zip(self.columns, values, strict=True)]

    def arrays(self, since: datetime, until: datetime) -> tuple[np.ndarray, list[np.ndarray]]:
        """End times and columns of the buckets ending in ``(since, until]``."""
        lo = int(np.searchsorted(self.keys, _us(since), side="right"))
        hi = int(np.searchsorted(self.keys, _us(until), side="right"))
        return self.ends_s[lo:hi], [c[lo:hi] for c in self.columns]

    def trim(self, since: datetime) -> None:
        """Forget the buckets that left the lookback: windows ending at or before ``since``."""
        floor = _us(since)
        if floor <= self.floor_us:
            return
        lo = int(np.searchsorted(self.keys, floor, side="right"))
        self.keys, self.ends_s = self.keys[lo:], self.ends_s[lo:]
        self.columns = [c[lo:] for c in self.columns]
        self.floor_us = floor


def _signature(service: cfg.Service, slo: cfg.SLO) -> tuple[str, str | None]:
    return (service.monitor(slo.monitor).name, slo.good)


def _bucket(
    condition: Condition | None,
    status: str,
    good: float | None,
    total: float | None,
    value: float | None,
) -> tuple[float, ...] | None:
    """A changed run as the SLO's bucket, or None when a full read would not return it (the
    filters of :func:`cockpit.engine.slos.bucket_rows`)."""
    if condition is None:
        return (good, total) if status == "ok" and total is not None else None  # type: ignore[return-value]
    return (value,) if value is not None else None


class SloCache:
    """Every SLO's buckets, kept between cycles of one process (the daemon)."""

    def __init__(self) -> None:
        self.watermark: datetime | None = None  # when the previous cycle began reading
        self._buckets: dict[tuple[str, str], _Buckets] = {}
        self.full_reads = 0  # SLOs read in full (a cold cache, an earlier moment, a new spec)
        self.changed_reads = 0  # runs read through the change feed

    def clear(self) -> None:
        """Forget everything: the next cycle reads every SLO in full (after a prune, a reload)."""
        self.watermark = None
        self._buckets.clear()

    def evaluate(
        self, config: cfg.Config, store: Store, at: datetime, *, save: bool = True
    ) -> list[SloReport]:
        """Every SLO's state at ``at``: what :func:`cockpit.engine.slos.evaluate_slos` gives,
        reading only the runs saved since the previous call."""
        conditions = {
            (service.name, slo.name): Condition.parse(slo.good) if slo.good else None
            for service in config.services
            for slo in service.slos
        }
        mark = utcnow()  # before any read: what is saved from now on is read next time
        if self.watermark is None:
            self._buckets.clear()
        else:
            self._read_changes(config, store, conditions)
        reports: list[SloReport] = []
        for service in config.services:
            for slo in service.slos:
                key = (service.name, slo.name)
                since = at - lookback(slo)
                buckets = self._buckets.get(key)
                signature = _signature(service, slo)
                if (
                    buckets is None
                    or buckets.signature != signature
                    or _us(since) < buckets.floor_us
                ):
                    rows = bucket_rows(store, service, slo, since, None)
                    buckets = _Buckets.load(rows, signature, since)
                    self._buckets[key] = buckets
                    self.full_reads += 1
                interval_s = schedule.interval(service.monitor(slo.monitor), at).total_seconds()
                series = series_from(slo, *buckets.arrays(since, at), interval_s)
                reports += reports_of(service, slo, series, [at])
                buckets.trim(since)
        known = set(conditions)
        for key in [k for k in self._buckets if k not in known]:  # removed by a reload
            del self._buckets[key]
        self.watermark = mark
        if save:
            store.save_slo_evaluations([r.row() for r in reports])
        return reports

    def _read_changes(
        self,
        config: cfg.Config,
        store: Store,
        conditions: dict[tuple[str, str], Condition | None],
    ) -> None:
        """Merge the runs saved since the watermark (less the overlap) into the buckets."""
        assert self.watermark is not None
        names = {c.sli for c in conditions.values() if c is not None}
        changed = store.changed_runs(self.watermark - OVERLAP, names)
        self.changed_reads += len(changed.runs)
        by_monitor: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for service in config.services:
            for slo in service.slos:
                key = (service.name, slo.name)
                if key in self._buckets:
                    by_monitor.setdefault((service.name, slo.monitor), []).append(key)
        for run_id, service, monitor, end, status, good, total in changed.runs:
            for key in by_monitor.get((service, monitor), ()):
                condition = conditions[key]
                value = changed.values.get((run_id, condition.sli)) if condition else None
                self._buckets[key].put(end, _bucket(condition, status, good, total, value))
