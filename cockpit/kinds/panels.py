"""A monitor kind's section of the service page, as values: a kind says *what* to show from the
reads a :class:`PanelReader` offers; the cockpit's pages draw it with one renderer per block.

A kind's ``panel(reader)`` returns its blocks (:data:`Block`); the read model
(:mod:`cockpit.read.panels`) titles them ``"<kind title>: <monitor>"`` as one :class:`Panel`.
The reader is the store seen from one monitor over the page's time range, so a kind never
opens the store itself (as :class:`~cockpit.kinds.base.RunContext` is the runner seen from one
run).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import pandas as pd

from slo.series import Condition

_PER_COLUMN = re.compile(r"^(?P<sli>[a-z_]+)\[(?P<column>.+)\]$")


# --- what a kind may read -------------------------------------------------------------------


@dataclass(frozen=True)
class RunView:
    """One stored run as a panel sees it: its window end, details and some of its SLIs."""

    at: datetime
    details: Mapping[str, Any]
    slis: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Artifact:
    """A file a run kept (an HTML report): where it is, and its text."""

    path: str
    text: str


class PanelReader(Protocol):
    """The reads a kind's panel may use: one monitor of one service, over the page's range
    ``(since, until]`` (None: unbounded)."""

    service: Any  # the service's config model
    monitor: Any  # the monitor's config model (of the kind's own model class)
    since: datetime | None
    until: datetime | None

    def series(self, names: Sequence[str] | None, how: str | None = "mean") -> pd.DataFrame:
        """Long form ``at, name, value`` of the monitor's SLIs ``names`` (all with None) in the
        range, in time order per name; bucketed so a chart stays small, each bucket's ``how``
        (``mean``, ``max``, ``min``, ``last``), or every stored value with ``how=None``."""
        ...

    def latest_ok(self, slis: Sequence[str] = ()) -> RunView | None:
        """The newest ok run (whatever the range), with its SLIs ``slis``."""
        ...

    def recent(self, limit: int) -> list[RunView]:
        """The newest ``limit`` runs, newest first (their details, no SLIs)."""
        ...

    def artifact(self, path: str) -> Artifact | None:
        """A file a run kept (a path as the run stored it), or None when it is gone."""
        ...

    def step(self) -> timedelta:
        """The time between two runs of the monitor at the end of the range."""
        ...


# --- what a kind may show -------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A horizontal line on a chart: an SLO's threshold, a monitor's limit."""

    value: float
    label: str


@dataclass(frozen=True, eq=False)
class Heatmap:
    """One row per ``row`` value over time: a cell from ``start`` to ``at`` coloured by
    ``color`` (clamped to ``domain``), with ``value`` in its tooltip."""

    data: pd.DataFrame
    title: str
    row: str
    color: str
    value: str
    color_title: str
    domain: tuple[float, float] = (0.0, 2.0)
    start: str = "from"


@dataclass(frozen=True, eq=False)
class Lines:
    """Series over time (``at``): ``y`` by ``color``, with ``rules`` drawn across; or one small
    chart per ``facet`` value (without rules). ``percent``: ``y`` is a share (axis in %, from
    0)."""

    data: pd.DataFrame
    y: str
    color: str
    y_title: str
    title: str
    rules: tuple[Rule, ...] = ()
    facet: str | None = None
    percent: bool = False


@dataclass(frozen=True, eq=False)
class Table:
    """A table, under its ``title`` when it has one; ``formats``: a number format by column
    (``"%.4f"``, ``"percent"``). Missing values show as a dash."""

    data: pd.DataFrame
    title: str | None = None
    formats: Mapping[str, str] = field(default_factory=dict)
    hide_index: bool = True


@dataclass(frozen=True)
class Metric:
    """One number, already formatted, with what it is."""

    label: str
    value: str


@dataclass(frozen=True)
class Report:
    """An HTML document (megabytes, maybe), sent only when the operator asks for it: a toggle
    labelled ``label``, keyed ``<name>_<monitor>``."""

    label: str
    html: str
    name: str = "report"


@dataclass(frozen=True)
class Caption:
    text: str


@dataclass(frozen=True)
class Row:
    """Blocks side by side."""

    blocks: tuple[Block, ...]


Block = Heatmap | Lines | Table | Metric | Report | Caption | Row


@dataclass(frozen=True)
class Panel:
    """A monitor's section: a header and its blocks, in order. ``key`` (the monitor's name)
    keeps the section's widgets apart from another monitor's."""

    title: str
    key: str
    blocks: tuple[Block, ...]


# --- helpers the kinds share ----------------------------------------------------------------


def per_column(name: str) -> tuple[str, str] | None:
    """``("drift_score", "age")`` of a per-column SLI name ``drift_score[age]``, else None."""
    match = _PER_COLUMN.match(name)
    return (match["sli"], match["column"]) if match else None


def slo_rules(service: Any, monitor: str, sli: str) -> tuple[Rule, ...]:
    """The thresholds the service's SLOs set on one SLI of a monitor (timeslice SLOs whose
    condition names it), to draw on its chart."""
    rules = []
    for slo in service.slos:
        if slo.monitor != monitor or slo.good is None:
            continue
        condition = Condition.parse(slo.good)
        if condition.sli == sli:
            rules.append(Rule(condition.threshold, f"{slo.name}: {condition}"))
    return tuple(rules)
