"""What a monitor kind is: one :class:`Kind`, registered once, read by everything else.

A kind carries its config model, the SLIs it produces, what it needs of its service, how it
runs over one window (through a :class:`RunContext`, so it never opens a file or the store
itself), the evidence lines an alert shows, its headline SLI and the panel of the service page.
The config's union of monitors, the runner's dispatch, the SLO checks, the alert evidence, the
CLI and the cockpit all ask the registry (:mod:`cockpit.kinds.registry`); nothing branches on a
kind's name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from cockpit.config.base import MonitorBase
from monitors.base import MonitorResult

if TYPE_CHECKING:  # pandas costs half a second to import: a config check needs none of it
    import pandas as pd

    from cockpit.kinds.panels import Block, PanelReader

T = TypeVar("T")
Problems = Iterator[tuple[tuple[Any, ...], str]]  # (path below the monitor, message)


@dataclass(frozen=True)
class Window:
    """``[start, end)``: the rows a run looks at."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Preloaded:
    """A backfill's rows of one service read once (``frame``, in time order), the window's
    rows ``frame[lo:hi]``, and a version that changes with each preload."""

    frame: pd.DataFrame
    lo: int
    hi: int
    version: int


class Service(Protocol):
    """What a kind reads of its service's config: a :class:`cockpit.config.models.Service`,
    which a kind cannot import (the config builds its union of monitors from the kinds)."""

    name: str
    schema_: Mapping[str, Any]
    data: Any
    prediction: Any
    slos: Sequence[Any]


class RunContext(Protocol):
    """What a kind may ask of the runner: reads and caches, never the store."""

    config: Any  # the cockpit.config.models.Config being run
    reports: bool  # keep optional artefacts (an Evidently report); off while backfilling

    def read_window(
        self,
        service: Service,
        columns: Sequence[str],
        window: Window,
        optional: Iterable[str | None] = (),
    ) -> pd.DataFrame:
        """The window's rows, with ``optional`` columns when the source has them."""
        ...

    def engine(self, service: Service, columns: Sequence[str], window: Window) -> str:
        """Where the window of ``columns`` is computed: ``pandas`` (read it with
        :meth:`read_window`) or an engine (ask :meth:`relation` for its aggregates)."""
        ...

    def relation(self, service: Service, columns: Sequence[str], window: Window) -> Any:
        """The window as an engine holds it (see :mod:`cockpit.engines`): aggregates of the
        terms of :mod:`monitors.query`, value counts, ordered values."""
        ...

    def labelled_relation(
        self,
        service: Service,
        columns: Sequence[str],
        window: Window,
        key: str,
        label: str,
        arrived: tuple[datetime | None, datetime | None],
        optional: Iterable[str | None] = (),
    ) -> tuple[Any, str | None]:
        """The window of ``columns`` (with the ``optional`` ones the source has) joined by the
        engine to the labels that arrived within ``arrived``, each row with its key's latest
        label in ``label`` (see :mod:`cockpit.engines.labelled`); or ``(None, why)`` when the
        engine cannot join them exactly (the kind joins in process and says why)."""
        ...

    def read_source(
        self,
        service: Service,
        role: str,
        columns: Sequence[str] | None,
        start: datetime | None,
        end: datetime | None,
    ) -> pd.DataFrame:
        """Rows of another source of the service (``labels``), by its timestamp."""
        ...

    def has_timestamp(self, service: Service, role: str) -> bool: ...

    def source_label(self, service: Service, role: str) -> str:
        """How errors name the source (its file, glob or table)."""
        ...

    def reference(
        self, service: Service, columns: Sequence[str], at: datetime
    ) -> tuple[pd.DataFrame, str]:
        """The reference rows and a version that changes when they do."""
        ...

    def reference_rate(self, service: Service, at: datetime) -> float | None:
        """Rows per second in the reference (None without one)."""
        ...

    def fitted_reference(
        self,
        service: Service,
        monitor: str,
        columns: Sequence[str],
        at: datetime,
        spec: str,
        fit: Callable[[pd.DataFrame], T],
    ) -> tuple[T, str]:
        """``fit(reference)`` and the reference's version, once per version and ``spec`` (a
        text naming everything the fit depends on besides the rows), kept across runs and
        across processes, so a new process neither reads the reference nor fits it again."""
        ...

    def preloaded(
        self, service: Service, columns: Sequence[str], window: Window
    ) -> Preloaded | None:
        """During a backfill: the service's preloaded rows, when they cover the window."""
        ...

    def query_prometheus(self, spec: Any, window: Window) -> MonitorResult:
        """Good/total events (or a value) of the window from a Prometheus query."""
        ...

    def keep_artifact(self, service: Service, monitor: Any, name: str, text: str) -> str:
        """Write a run's artefact (an HTML report) beside the config, replacing the previous
        one of that name; returns its path relative to the config's folder."""
        ...

    def remember(self, key: Hashable, version: Hashable, make: Callable[[], T]) -> T:
        """A value kept between runs, one version per key (a fitted reference)."""
        ...


@dataclass(frozen=True)
class Headline:
    """The one SLI that sums a monitor up, and which way it gets worse."""

    sli: str
    higher_is_better: bool = True


Outcome = tuple[MonitorResult, str | None]  # the result and the reference version it used


def _no_problems(_service: Mapping[str, Any], _monitor: Mapping[str, Any]) -> Problems:
    return iter(())


def _no_delay(_service: Service, _monitor: Any) -> timedelta:
    return timedelta(0)


def _no_evidence(_details: Mapping[str, Any]) -> list[str]:
    return []


@dataclass(frozen=True)
class Kind:
    """One monitor kind.

    ``requires(service, monitor)`` checks the raw YAML mappings (before the models exist, so
    every problem is reported at once) and yields problems relative to the monitor.
    ``counts_events``: its runs count good/total events (an occurrence SLO may use it);
    without, its SLOs need a timeslice ``good`` condition. ``headline(monitor)``: the SLI of a one-line
    summary of a monitor (and which way is worse). ``after_backfill(ctx, service, monitor, at, window)``:
    details to add to the newest ok run of a backfill (an artefact made once, not per run).
    ``imports``: the modules
    its runs import, imported before a runner's first run (:meth:`warm`). ``panel(reader)``: the blocks of the service page's section for a monitor of this kind, from
    the reads of a :class:`~cockpit.kinds.panels.PanelReader` (see :mod:`cockpit.kinds.panels`);
    without one, the page shows no section for it.
    """

    name: str
    model: type[MonitorBase]
    slis: frozenset[str]
    run: Callable[[RunContext, Service, Any, Window, datetime], Outcome]
    title: str = ""
    counts_events: bool = True
    example_condition: str = ""  # for a kind that counts no events: a `good` to suggest
    headline: Callable[[Any], Headline] | None = None
    requires: Callable[[Mapping[str, Any], Mapping[str, Any]], Problems] = _no_problems
    label_delay: Callable[[Service, Any], timedelta] = _no_delay
    evidence: Callable[[Mapping[str, Any]], list[str]] = _no_evidence
    after_backfill: Callable[[RunContext, Service, Any, datetime, Window], dict | None] | None = (
        None
    )
    panel: Callable[[PanelReader], Sequence[Block]] | None = None
    # its monitors compare model versions: the service's log names the version of each request
    # (the `prediction.model_version` column, `model_version` without a prediction block)
    reads_versions: bool = False
    # a run that compares versions says which to roll back from and to: (candidate, baseline)
    rollback: Callable[[Mapping[str, Any]], tuple[str | None, str | None] | None] | None = None
    # what its runs import (statistics, scipy): imported when a runner starts, so that a run's
    # duration_s times the monitor, and only for the kinds a config has
    imports: tuple[str, ...] = ()

    def warm(self) -> None:
        for module in self.imports:
            importlib.import_module(module)

    def headline_of(self, monitor: Any, slis: Mapping[str, float | None]) -> str:
        """``name=value`` of the monitor's headline SLI in a run's SLIs, or ""."""
        headline = self.headline(monitor) if self.headline else None
        if headline is None or slis.get(headline.sli) is None:
            return ""
        return f"{headline.sli}={slis[headline.sli]:.4g}"
