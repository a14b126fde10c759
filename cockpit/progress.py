"""A replay with a progress bar on the terminal: ``cockpit backfill`` and ``cockpit demo``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cockpit.config.models import Config
from cockpit.engine.cycle import replay


def replay_with_progress(
    config: Config,
    store: Any,
    start: datetime,
    end: datetime,
    *,
    every: int = 50,
    quiet: bool = False,
) -> list:
    """``replay`` over ``(start, end]``, drawing a bar on stderr every ``every`` runs (none when
    ``quiet``); returns the run records."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("backfill"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[at]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    ) as progress:
        task = progress.add_task("backfill", total=None, at="")

        def tick(done: int, total: int, at: datetime) -> None:
            if done % every == 0 or done == total:
                progress.update(task, completed=done, total=total, at=at.strftime("%Y-%m-%d %H:%M"))

        return replay(config, store, start, end, on_progress=tick)
