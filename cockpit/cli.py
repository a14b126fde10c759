"""The ``cockpit`` command.

Exit codes: 0 done; 1 a problem outside the config (store unreachable, ...), message on stderr;
2 the config (or a command-line argument) is invalid, one line per problem.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cockpit.config import Config, load_config
from cockpit.errors import CockpitError, ConfigError

app = typer.Typer(
    help="ML SRE cockpit: monitors, SLOs, burn-rate alerts and actions for ML services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
slo_app = typer.Typer(help="SLO state.", no_args_is_help=True)
app.add_typer(slo_app, name="slo")

ConfigArg = Annotated[Path, typer.Argument(help="the cockpit YAML config", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]


def parse_time(text: str) -> datetime:
    """ISO 8601 (``2026-10-10T14:00:00Z``), naive read as UTC, or ``now``."""
    if text.strip().lower() == "now":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"not a time: {text!r} (write ISO 8601, like 2026-10-10T14:00:00Z, or 'now')"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _load(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


def _fail(exc: CockpitError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _open_store(config: Config) -> Any:
    from cockpit.store import Store

    return Store(config.store_url())


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


@app.command()
def validate(config: ConfigArg) -> None:
    """Check a config: exit 0 when valid, else 2 with every problem as FILE:LINE: PATH: message."""
    loaded = _load(config)
    monitors = sum(len(s.monitors) for s in loaded.services)
    slos = sum(len(s.slos) for s in loaded.services)
    typer.echo(f"{config}: ok ({len(loaded.services)} services, {monitors} monitors, {slos} SLOs)")


@app.command("run-once")
def run_once(
    config: ConfigArg,
    at: Annotated[str, typer.Option("--at", help="the cycle's time, ISO 8601 or 'now'")] = "now",
    as_json: JsonOpt = False,
) -> None:
    """Run one cycle at --at: every monitor due then, over its window [at - window, at)."""
    from cockpit.cycle import run_cycle
    from cockpit.runner import run_json

    moment = parse_time(at)
    loaded = _load(config)
    try:
        store = _open_store(loaded)
        result = run_cycle(loaded, store, moment)
    except CockpitError as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(result.to_json())
        return
    typer.echo(f"cycle at {result.to_json()['at']}: {len(result.runs)} runs")
    for record in result.runs:
        data = run_json(record)
        headline = _headline(data)
        line = f"  {data['service']}/{data['monitor']} [{data['kind']}] {data['status']}"
        typer.echo(
            line
            + (f": {headline}" if headline else "")
            + (f" — {data['error']}" if data["error"] else "")
        )


def _headline(run: dict[str, Any]) -> str:
    slis = run["slis"]
    for name in (
        "valid_rows_share",
        "drift_share",
        "accuracy",
        "ctr",
        "good_share",
        "error_rate",
        "mae",
    ):
        if slis.get(name) is not None:
            return f"{name}={slis[name]:.4g}"
    return ""


@app.command()
def backfill(
    config: ConfigArg,
    start: Annotated[str, typer.Option("--from", help="replay runs after this time")],
    end: Annotated[str, typer.Option("--to", help="up to and including this time")],
    as_json: JsonOpt = False,
) -> None:
    """Replay every scheduled run between --from and --to, oldest first, with a progress bar."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from cockpit.cycle import replay
    from cockpit.runner import run_json

    t0, t1 = parse_time(start), parse_time(end)
    if t1 <= t0:
        typer.echo(f"error: --to ({end}) must be after --from ({start})", err=True)
        raise typer.Exit(2)
    loaded = _load(config)
    try:
        store = _open_store(loaded)
        with Progress(
            TextColumn("backfill"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[at]}"),
            TimeRemainingColumn(),
            console=_stderr_console(),
            disable=as_json,
        ) as progress:
            task = progress.add_task("backfill", total=None, at="")

            def tick(done: int, total: int, at: datetime) -> None:
                if done % 50 == 0 or done == total:
                    progress.update(
                        task, completed=done, total=total, at=at.strftime("%Y-%m-%d %H:%M")
                    )

            records = replay(loaded, store, t0, t1, on_progress=tick)
    except CockpitError as exc:
        raise _fail(exc) from None
    failed = [r for r in records if r.status == "failed"]
    if as_json:
        _print_json(
            {
                "from": start,
                "to": end,
                "runs": len(records),
                "failed": len(failed),
                "errors": sorted({r.error for r in failed if r.error})[:20],
                "last": [run_json(r) for r in records[-5:]],
            }
        )
        return
    typer.echo(f"{len(records)} runs replayed, {len(failed)} failed")
    for error in sorted({r.error for r in failed if r.error})[:10]:
        typer.echo(f"  failed: {error}")


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@slo_app.command("status")
def slo_status(
    config: ConfigArg,
    at: Annotated[str, typer.Option("--at", help="the moment, ISO 8601 or 'now'")] = "now",
    as_json: JsonOpt = False,
) -> None:
    """Every SLO's error budget, burn rates and active alert at --at."""
    from cockpit.slos import evaluate_slos

    moment = parse_time(at)
    loaded = _load(config)
    try:
        reports = evaluate_slos(loaded, _open_store(loaded), moment, save=False)
    except CockpitError as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json([r.to_json() for r in reports])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"SLOs at {moment.isoformat().replace('+00:00', 'Z')}")
    for column in (
        "service",
        "slo",
        "objective",
        "window",
        "budget left",
        "",
        "1h",
        "6h",
        "1d",
        "3d",
        "alert",
    ):
        table.add_column(
            column, justify="right" if column in ("objective", "1h", "6h", "1d", "3d") else "left"
        )
    for r in reports:
        alert = r.alerts_json()
        table.add_row(
            r.service,
            r.slo,
            f"{r.objective:g}",
            f"{r.window} {r.method[:5]}",
            "no data" if r.error_budget_remaining is None else f"{r.error_budget_remaining:7.1%}",
            budget_bar(r.error_budget_remaining),
            *(_rate(r.burn_rates[w]) for w in ("1h", "6h", "1d", "3d")),
            f"[bold red]{alert[0]['severity']}[/] ({alert[0]['long_window']}/{alert[0]['short_window']} > {alert[0]['factor']:g})"
            if alert
            else "",
        )
    Console().print(table)


def budget_bar(remaining: float | None, width: int = 20) -> str:
    """A text bar of the error budget left: full when untouched, empty (red) when spent."""
    if remaining is None:
        return ""
    filled = round(max(0.0, min(1.0, remaining)) * width)
    colour = "green" if remaining > 0.5 else "yellow" if remaining > 0 else "red"
    return f"[{colour}]{'█' * filled}[/]{'░' * (width - filled)}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@db_app.command("upgrade")
def db_upgrade(config: ConfigArg) -> None:
    """Apply the store's migrations (also done on every start)."""
    loaded = _load(config)
    try:
        store = _open_store(loaded)
        typer.echo(f"store at revision {store.current_revision()}")
    except CockpitError as exc:
        raise _fail(exc) from None


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="where to generate the scenario and its store")] = Path(
        ".demo"
    ),
    seed: Annotated[int, typer.Option(help="the scenario's random seed")] = 7,
) -> None:
    """Generate the sample scenario, backfill its 30 days and print what the cockpit found."""
    from cockpit.demo import run_demo

    try:
        run_demo(out, seed=seed, echo=typer.echo)
    except CockpitError as exc:
        raise _fail(exc) from None


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    app()


if __name__ == "__main__":
    main()
