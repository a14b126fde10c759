"""Long series made short enough to draw: at most about :data:`MAX_POINTS` points, each bucket
aggregated the way its values combine (sums of events, the worst value of a timeslice SLI,
the mean of a metric, the last state of an evaluation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

MAX_POINTS = 1500  # a chart gets at most about this many points per series


def grain(frame: pd.DataFrame) -> str | None:
    """The coarsest grain needed to keep a series (its ``at`` column) under
    :data:`MAX_POINTS`; None when it already is."""
    if len(frame) <= MAX_POINTS:
        return None
    span = frame["at"].max() - frame["at"].min()
    for name, seconds in (("15min", 900), ("1h", 3600), ("6h", 21600), ("1D", 86400)):
        if span.total_seconds() / seconds <= MAX_POINTS:
            return name
    return "1D"


def bucketed(frame: pd.DataFrame, how: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` by buckets of :func:`grain`, each column aggregated as ``how`` says
    (``{"value": "max"}``); unchanged when it is short."""
    step = grain(frame)
    if step is None:
        return frame.reset_index(drop=True)
    keys = frame["at"].dt.floor(step)
    return frame.drop(columns="at").groupby(keys).agg(dict(how)).reset_index()


def bucketed_sum(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return bucketed(frame, dict.fromkeys(columns, "sum"))
