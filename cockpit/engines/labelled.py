"""A window of predictions joined to its labels inside the engine that holds both.

Labels arrive late in their own source (``data.labels``), joined to the predictions by a key.
Each prediction takes the label of its key that arrived last: the largest arrival time among
the labels read for the window, as the in-process join keeps them (the prediction-quality kind
sorts them by arrival time, stable, and keeps the last per key). A label without a key joins
no prediction. The join runs where both sources are: two sets of files in DuckDB, or two
relations of one PostgreSQL database (the same URL); :func:`joinable` says why not otherwise,
and the kind joins in process.

Which label wins is then decided by the data, never by the order rows are read in, which SQL
does not keep: except when several labels of a key arrived at the same latest time (or, for
labels without an arrival time, a key has several) and they differ. The joined rows count how
many distinct labels their key had at its latest time (:data:`CHOICES`), so that such a window
is computed in process, where the source's order decides, as it always has.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

from cockpit.engines.sqltext import SqlWindow
from cockpit.errors import SourceError
from cockpit.sources import DataSource, FileDataSource, SqlDataSource, TableDataSource, safe_url
from monitors import query as q

CHOICES = "cockpit_label_choices"  # distinct labels of the row's key at its latest arrival
NUMBERS = ("int", "float")


def joinable(current: DataSource, labels: DataSource, spark: bool = False) -> str | None:
    """None when one engine reads both sources (``spark``: Spark reads files and catalog
    tables); else why not, for the run's details."""
    if spark:
        readable = (FileDataSource, TableDataSource)
        if isinstance(current, readable) and isinstance(labels, readable):
            return None
        return (
            f"labels {labels.label} or predictions {current.label} are neither files nor a "
            "catalog table: Spark reads only those, so this window was joined in process"
        )
    if isinstance(current, FileDataSource):
        if isinstance(labels, FileDataSource):
            return None
        return (
            f"labels {labels.label} are not files, the predictions are: DuckDB joins files "
            "only, so this window was joined in process"
        )
    if isinstance(current, SqlDataSource) and isinstance(labels, SqlDataSource):
        if _same_database(current.url, labels.url):
            return None
        return (
            f"labels {labels.label} are in another database ({safe_url(labels.url)}) than the "
            f"predictions ({safe_url(current.url)}), so this window was joined in process"
        )
    return (
        f"labels {labels.label} and predictions {current.label} are not read by one engine, "
        "so this window was joined in process"
    )


def _same_database(a: str, b: str) -> bool:
    try:
        return sa.engine.make_url(a) == sa.engine.make_url(b)
    except ArgumentError:
        return a == b


def join_latest(
    current: SqlWindow,
    labels: SqlWindow,
    key: str,
    label: str,
    arrival: str | None,
    columns: Sequence[str],
) -> SqlWindow:
    """The window's ``columns`` (the key among them; a label column of its own is left out)
    with the label of each row's key that arrived last (by ``arrival``; None: the labels have
    no arrival time), and :data:`CHOICES`.

    ``labels`` holds the labels read for the window (its bounds are on ``arrival``)."""
    for name, window in (("predictions", current), ("labels", labels)):
        if key not in window.dtypes:
            raise SourceError(f"{window.label}: key column {key!r} is not in the {name}")
    kinds = {current.dtypes[key], labels.dtypes[key]}
    if len(kinds) > 1 and not kinds <= set(NUMBERS):
        raise SourceError(
            f"key column {key!r} holds {current.dtypes[key]} values in {current.label} and "
            f"{labels.dtypes[key]} values in {labels.label}: they cannot be joined"
        )
    c, lc = current.compiler, labels.compiler
    k, v = lc.column(key), lc.column(label)
    time = lc.column(arrival) if arrival else None
    if time and labels.dtypes.get(arrival or "") == "text":
        time = lc.dialect.to_time(time)  # as the window's bounds read it
    grouped = ", ".join(x for x in (k, time, v) if x)
    order = f"{time} DESC" if time else k
    at_latest = f"PARTITION BY {k}, {time}" if time else f"PARTITION BY {k}"
    # one row per distinct (key, arrival, label); the latest per key, and how many distinct
    # labels its key had at that time. `latest <= 1`, not `= 1`: the same rows, but a planner
    # guesses a far smaller share of rows for an equality on a computed column, and may then
    # pick a nested-loop join over a hash join.
    latest = f"""
        SELECT k, v, n FROM (
            SELECT {k} AS k, {v} AS v,
                ROW_NUMBER() OVER (PARTITION BY {k} ORDER BY {order}) AS latest,
                COUNT(*) OVER ({at_latest}) AS n
            {labels._from(lc.condition(q.Not(q.Missing(key))))} GROUP BY {grouped}
        ) AS ranked WHERE latest <= 1"""
    kept = [name for name in dict.fromkeys([*columns, key]) if name != label]
    listed = ", ".join(f"cockpit_p.{c.column(name)}" for name in kept)
    relation = f"""(
        SELECT {listed}, cockpit_l.v AS {c.column(label)}, cockpit_l.n AS {c.column(CHOICES)}
        FROM (SELECT {", ".join(c.column(name) for name in kept)} {current._from()}) AS cockpit_p
        LEFT JOIN ({latest}) AS cockpit_l ON cockpit_p.{c.column(key)} = cockpit_l.k
    ) AS labelled"""
    dtypes = {name: current.dtypes[name] for name in kept}
    dtypes[label] = labels.dtypes.get(label, "other")
    dtypes[CHOICES] = "int"
    return current.over(relation, dtypes)


def ambiguous_rows(window: SqlWindow) -> int:
    """Rows of a :func:`join_latest` window whose key had several labels at its latest time."""
    found = window.aggregate({"n": q.Count(q.Compare(CHOICES, ">", 1))})
    return int(found["n"])
