"""Each monitor's section of the service page, drawn by its kind: the store seen from one
monitor (:class:`StoreReader`, the :class:`~cockpit.kinds.panels.PanelReader` the kinds read
through) and every monitor's :class:`Panel` in the config's order.

The blocks a panel is made of are re-exported here, so that the pages read them from
``cockpit.read`` like everything else they show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from cockpit.config import models as cfg
from cockpit.engine import schedule
from cockpit.kinds.panels import (
    Artifact,
    Block,
    Caption,
    Heatmap,
    Lines,
    Metric,
    Panel,
    Report,
    Row,
    Rule,
    RunView,
    Table,
)
from cockpit.kinds.registry import KINDS
from cockpit.read.common import finite
from cockpit.read.service import metric_series
from cockpit.store import Store, run_details, utcnow

__all__ = [
    "Block",
    "Caption",
    "Heatmap",
    "Lines",
    "Metric",
    "Panel",
    "Report",
    "Row",
    "Rule",
    "StoreReader",
    "Table",
    "panels",
]


class StoreReader:
    """The reads a kind's panel may make, over the store, for one monitor of one service and
    the range ``(since, until]``."""

    def __init__(
        self,
        store: Store,
        config: cfg.Config,
        service: str,
        monitor: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ):
        self.store = store
        self.config = config
        self.service = config.service(service)
        self.monitor = self.service.monitor(monitor)
        self.since = since
        self.until = until

    def series(self, names: Sequence[str] | None, how: str | None = "mean") -> pd.DataFrame:
        return metric_series(
            self.store,
            self.service.name,
            self.monitor.name,
            names,
            self.since,
            self.until,
            how=how,
        )

    def latest_ok(self, slis: Sequence[str] = ()) -> RunView | None:
        run = self.store.latest_run(self.service.name, self.monitor.name, status="ok")
        if run is None:
            return None
        values = self.store.run_values([run.id], slis) if slis and run.id is not None else {}
        return RunView(
            at=run.window_end,
            details=run_details(run),
            slis={name: finite(values.get((run.id, name))) for name in slis},
        )

    def recent(self, limit: int) -> list[RunView]:
        found = self.store.runs(self.service.name, self.monitor.name, limit=limit)
        return [RunView(at=run.window_end, details=run_details(run)) for run in found]

    def artifact(self, path: str) -> Artifact | None:
        """A stored path is relative to the config's folder (older runs may hold an absolute
        one)."""
        file = Path(path)
        if not file.is_absolute():
            file = self.config.base_dir / file
        if not file.is_file():
            return None
        return Artifact(path=str(file), text=file.read_text("utf-8"))

    def step(self) -> timedelta:
        return schedule.interval(self.monitor, self.until or utcnow())


def panels(
    store: Store,
    config: cfg.Config,
    service: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Panel]:
    """The section of each of the service's monitors whose kind draws one, in the config's
    order, headed ``"<kind title>: <monitor>"``."""
    out = []
    for monitor in config.service(service).monitors:
        of = KINDS.get(monitor.kind)
        if of.panel is None:
            continue
        blocks = of.panel(StoreReader(store, config, service, monitor.name, since, until))
        out.append(Panel(f"{of.title or of.name}: {monitor.name}", monitor.name, tuple(blocks)))
    return out
