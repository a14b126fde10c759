"""The ``cockpit`` command.

Exit codes: 0 done; 1 a problem outside the config (store unreachable, ...), message on stderr;
2 the config (or a command-line argument) is invalid, one line per problem.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.errors import CockpitError, ConfigError, Problem, UsageError
from cockpit.timefmt import iso
from slo.status import STATUS_RANK

app = typer.Typer(
    help="ML SRE cockpit: monitors, SLOs, burn-rate alerts and actions for ML services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
store_app = typer.Typer(help="The store's retention: prune.", no_args_is_help=True)
app.add_typer(store_app, name="store")
slo_app = typer.Typer(help="SLO state; SLOs as OpenSLO and Prometheus rules.", no_args_is_help=True)
app.add_typer(slo_app, name="slo")
alerts_app = typer.Typer(
    help="Alerts: list, ack, silence, silences, unsilence.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")
actions_app = typer.Typer(help="Retrain, rollback and custom actions.", no_args_is_help=True)
app.add_typer(actions_app, name="actions")
incidents_app = typer.Typer(help="Incidents and postmortems.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
dashboards_app = typer.Typer(help="Grafana dashboards over /metrics.", no_args_is_help=True)
app.add_typer(dashboards_app, name="dashboards")

ByOpt = Annotated[str, typer.Option("--by", help="who does this (recorded in the audit log)")]

ConfigArg = Annotated[Path, typer.Argument(help="the cockpit YAML config", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
AtOpt = Annotated[str, typer.Option("--at", help="the moment, ISO 8601 or 'now'")]


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


@contextmanager
def _reported() -> Iterator[None]:
    """A problem the command meets (store unreachable, no such alert, ...) is exit 1 with its
    message on stderr."""
    try:
        yield
    except CockpitError as exc:
        raise _fail(exc) from None


@contextmanager
def _opened(config: Path, *, existing: bool = False) -> Iterator[tuple[Config, Any]]:
    """The command's config (exit 2 with every problem in it) and its store (only an existing
    one for a command that reads); a problem met inside is exit 1 with its message."""
    loaded = _load(config)
    with _reported():
        yield loaded, _open_existing_store(loaded, config) if existing else _open_store(loaded)


def _open_store(config: Config) -> Any:
    from cockpit.store import Store

    return Store(config.store_url())


def _open_existing_store(config: Config, config_path: Path) -> Any:
    """The config's store for a command that only reads it: one that does not exist yet is
    an error saying how to make one (NoStoreError), never an empty store created to read."""
    from cockpit.errors import NoStoreError
    from cockpit.store import Store

    try:
        return Store.existing(config.store_url())
    except NoStoreError as exc:
        raise NoStoreError(
            f"{exc}. Fill it with `cockpit backfill {config_path} --from ... --to ...` or "
            f"`cockpit serve {config_path}`, or create it empty with "
            f"`cockpit db upgrade {config_path}`"
        ) from None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def _show_rows(
    config: Path,
    as_json: bool,
    read: Callable[[Config, Any], list[dict[str, Any]]],
    line: Callable[[dict[str, Any]], str],
    empty: str = "",
) -> None:
    """What a list command prints: ``read(config, store)`` over the config's existing store, as
    JSON or one ``line`` a row (``empty`` when there is none)."""
    with _opened(config, existing=True) as (loaded, store):
        rows = read(loaded, store)
    if as_json:
        _print_json(rows)
        return
    if not rows and empty:
        typer.echo(empty)
    for row in rows:
        typer.echo(line(row))


@app.command()
def validate(config: ConfigArg) -> None:
    """Check a config: exit 0 when valid, else 2 with every problem as FILE:LINE: PATH: message
    (also what this machine lacks to run an engine the config names)."""
    loaded = _load(config)
    lacking = _engine_problems(config, loaded)
    if lacking:
        for problem in lacking:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2)
    monitors = sum(len(s.monitors) for s in loaded.services)
    slos = sum(len(s.slos) for s in loaded.services)
    typer.echo(f"{config}: ok ({len(loaded.services)} services, {monitors} monitors, {slos} SLOs)")


def _engine_problems(path: Path, loaded: Config) -> list[Problem]:
    from cockpit.config.yamlmap import load_with_lines
    from cockpit.engines.choose import missing_for

    found = [
        (i, message)
        for i, service in enumerate(loaded.services)
        for message in missing_for(service.engine, loaded.engines.spark)
    ]
    if not found:
        return []
    _data, lines = load_with_lines(path.read_text(encoding="utf-8"))
    return [
        Problem(str(path), lines.line_of(("services", i, "engine")), f"services[{i}].engine", m)
        for i, m in found
    ]


@app.command("run-once")
def run_once(
    config: ConfigArg,
    at: AtOpt = "now",
    as_json: JsonOpt = False,
) -> None:
    """Run one cycle at --at: every monitor due then, over its window [at - window, at)."""
    from cockpit.engine.cycle import run_cycle
    from cockpit.engine.runner import run_json

    moment = parse_time(at)
    with _opened(config) as (loaded, store):
        result = run_cycle(loaded, store, moment)
    if as_json:
        _print_json(result.to_json())
        return
    typer.echo(f"cycle at {result.to_json()['at']}: {len(result.runs)} runs")
    for record in result.runs:
        data = run_json(record)
        headline = _headline(loaded, data)
        line = f"  {data['service']}/{data['monitor']} [{data['kind']}] {data['status']}"
        typer.echo(
            line
            + (f": {headline}" if headline else "")
            + (f" — {data['error']}" if data["error"] else "")
        )


def _headline(config: Config, run: dict[str, Any]) -> str:
    """The run's headline SLI, as its monitor's kind names it."""
    from cockpit.kinds.registry import KINDS

    monitor = config.service(run["service"]).monitor(run["monitor"])
    return KINDS.get(monitor.kind).headline_of(monitor, run["slis"])


@app.command()
def backfill(
    config: ConfigArg,
    start: Annotated[str, typer.Option("--from", help="replay runs after this time")],
    end: Annotated[str, typer.Option("--to", help="up to and including this time")],
    as_json: JsonOpt = False,
) -> None:
    """Replay every scheduled run between --from and --to, oldest first, with a progress bar."""
    from cockpit.engine.runner import run_json
    from cockpit.progress import replay_with_progress

    t0, t1 = parse_time(start), parse_time(end)
    if t1 <= t0:
        typer.echo(f"error: --to ({end}) must be after --from ({start})", err=True)
        raise typer.Exit(2)
    with _opened(config) as (loaded, store):
        records = replay_with_progress(loaded, store, t0, t1, quiet=as_json)
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


@slo_app.command("status")
def slo_status(
    config: ConfigArg,
    at: AtOpt = "now",
    as_json: JsonOpt = False,
) -> None:
    """Every SLO's error budget, burn rates and active alert at --at."""
    from cockpit.engine.slos import evaluate_slos, statuses

    moment = parse_time(at)
    with _opened(config, existing=True) as (loaded, store):
        reports = evaluate_slos(loaded, store, moment, save=False)
        status = statuses(loaded, store, moment, reports)
    if as_json:
        _print_json([{**r.to_json(), "status": status[(r.service, r.slo)]} for r in reports])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"SLOs at {iso(moment)}")
    for column in (
        "status",
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
    for r in sorted(reports, key=lambda r: STATUS_RANK[status[(r.service, r.slo)]]):
        alert = r.alerts_json()
        word = status[(r.service, r.slo)]
        table.add_row(
            f"[{STATUS_STYLE[word]}]{word}[/]",
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


STATUS_STYLE = {
    "firing": "bold red",
    "stale": "bold magenta",
    "burning": "bold yellow",
    "exhausted": "red",
    "at_risk": "yellow",
    "healthy": "green",
    "no_data": "dim",
}


def budget_bar(remaining: float | None, width: int = 20) -> str:
    """A text bar of the error budget left: full when untouched, empty (red) when spent."""
    if remaining is None:
        return ""
    filled = round(max(0.0, min(1.0, remaining)) * width)
    colour = "green" if remaining > 0.5 else "yellow" if remaining > 0 else "red"
    return f"[{colour}]{'█' * filled}[/]{'░' * (width - filled)}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command()
def serve(
    config: ConfigArg,
    port: Annotated[
        int, typer.Option(help="port for /metrics and /healthz (0: any free port)")
    ] = 9464,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    log_format: Annotated[
        str, typer.Option("--log-format", help="text or json (one object a line)")
    ] = "text",
    log_level: Annotated[str, typer.Option("--log-level")] = "INFO",
    legacy_sli_names: Annotated[
        bool,
        typer.Option(
            "--legacy-sli-names",
            help='/metrics: per-column SLIs as sli="missing_share[age]", without the column '
            "label (the old names, kept for one release)",
        ),
    ] = False,
) -> None:
    """Run the scheduler daemon: every monitor on its schedule, SLOs, alerts, deliveries."""
    from cockpit.daemon import Daemon, setup_logging

    if log_format not in ("text", "json"):
        raise typer.BadParameter("text or json", param_hint="--log-format")
    setup_logging(log_format, log_level.upper())
    _load(config)  # exit 2 with every problem before anything starts
    with _reported():
        daemon = Daemon(config, port=port, host=host)
        daemon.collector.legacy_sli_names = legacy_sli_names
        code = daemon.run()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # do not wait for a monitor abandoned at the shutdown deadline


@app.command()
def ui(
    config: ConfigArg,
    port: Annotated[int, typer.Option(help="port of the Streamlit cockpit")] = 8501,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit cockpit for this config."""
    import subprocess

    from cockpit.streamlit_cmd import STREAMLIT_APP, streamlit_flags

    _load(config)
    env = {**os.environ, "COCKPIT_CONFIG": str(config.resolve())}
    code = subprocess.call(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(STREAMLIT_APP),
            *streamlit_flags(port, host),
        ],
        env=env,
    )
    raise typer.Exit(code)


def _operator(by: str | None) -> str:
    import getpass

    return by or os.environ.get("COCKPIT_OPERATOR") or getpass.getuser()


@app.command()
def deliver(
    config: ConfigArg,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="requeue deliveries given up on")
    ] = False,
    max_seconds: Annotated[
        float, typer.Option(help="stop starting new sends after this long")
    ] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Flush the outbox: send every queued Slack message and webhook call that is due."""
    from cockpit.engine.deliver import Deliverer
    from cockpit.engine.deliver import retry_failed as requeue

    with _opened(config) as (loaded, store):
        if retry_failed:
            typer.echo(f"requeued {requeue(store)} failed deliveries", err=True)
        results = Deliverer(loaded, store).deliver_due(max_seconds=max_seconds)
    if as_json:
        _print_json([r.__dict__ for r in results])
        return
    for r in results:
        typer.echo(
            f"  {r.kind} -> {r.target}: {r.status} after {r.attempts} attempt(s)"
            + (f" ({r.error})" if r.error else "")
        )
    typer.echo(
        f"{sum(r.ok for r in results)} delivered, {sum(not r.ok for r in results)} left for later"
    )


@alerts_app.command("list")
def alerts_list(
    config: ConfigArg,
    as_json: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="resolved ones too")] = False,
) -> None:
    """Firing alerts (and, with --all, recent resolved ones)."""
    from cockpit.read.alerts import list_alerts

    def line(a: dict[str, Any]) -> str:
        acked = f" acked by {a['acked_by']}" if a["acked_by"] else ""
        silenced = " silenced" if a["silenced"] and a["state"] == "firing" else ""
        return (
            f"#{a['id']} {a['state']:<8} {a['severity']:<6} {a['service']}/{a['slo']} "
            f"since {a['started_at']}{acked}{silenced}"
        )

    _show_rows(config, as_json, lambda _, store: list_alerts(store, firing_only=not all_), line)


@alerts_app.command("ack")
def alerts_ack(
    config: ConfigArg,
    alert_id: Annotated[int, typer.Argument(help="the alert's id")],
    by: ByOpt = "",
) -> None:
    """Acknowledge a firing alert: no more repeats until it resolves."""
    from cockpit.ops import ack

    with _opened(config) as (loaded, store):
        row = ack(store, alert_id, _operator(by), loaded)
    typer.echo(f"alert #{row.id} {row.service}/{row.slo} ({row.severity}) acked by {row.acked_by}")


@alerts_app.command("silence")
def alerts_silence(
    config: ConfigArg,
    reason: Annotated[str, typer.Option("--reason", help="why (shown with the silence)")],
    duration: Annotated[str, typer.Option("--for", help="how long, like 2h or 90m")] = "1h",
    service: Annotated[str | None, typer.Option(help="match this service (default: any)")] = None,
    slo: Annotated[
        str | None, typer.Option(help="match this SLO, or monitor:<name> (default: any)")
    ] = None,
    severity: Annotated[str | None, typer.Option(help="page or ticket (default: any)")] = None,
    by: ByOpt = "",
) -> None:
    """Silence matching alerts for a while, at once: still recorded, not notified."""
    from cockpit.durations import parse_duration
    from cockpit.ops import add_silence, check_matchers
    from cockpit.store import utcnow

    try:
        length = parse_duration(duration)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--for") from None
    loaded = _load(config)
    try:
        check_matchers(loaded, service, slo, severity)
    except UsageError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with _reported():
        row = add_silence(
            _open_store(loaded),
            actor=_operator(by),
            reason=reason,
            ends_at=utcnow() + length,
            service=service,
            slo=slo,
            severity=severity,
            config=loaded,
        )
    typer.echo(f"silence #{row.id} until {iso(row.ends_at)} ({row.reason})")


@alerts_app.command("silences")
def alerts_silences(config: ConfigArg, as_json: JsonOpt = False) -> None:
    """Silences that have not ended: id, matchers, until when, why, by whom."""
    from cockpit.read.alerts import silences_json

    def line(r: dict[str, Any]) -> str:
        matchers = f"{r['service'] or '*'}/{r['slo'] or '*'}" + (
            f" ({r['severity']})" if r["severity"] else ""
        )
        when = (
            f"until {r['ends_at']}" if r["active"] else f"from {r['starts_at']} to {r['ends_at']}"
        )
        return f"#{r['id']} {matchers} {when} by {r['by']}: {r['reason']}"

    _show_rows(config, as_json, lambda _, store: silences_json(store), line, "no active silences")


@alerts_app.command("unsilence")
def alerts_unsilence(
    config: ConfigArg,
    silence_id: Annotated[int, typer.Argument(help="the silence's id (cockpit alerts silences)")],
    by: ByOpt = "",
) -> None:
    """End a silence now: matching alerts notify again."""
    from cockpit.ops import end_silence, matcher_text

    with _opened(config) as (loaded, store):
        row = end_silence(store, silence_id, _operator(by), loaded)
    typer.echo(f"silence #{row.id} of {matcher_text(row)} ended by {row.ended_by}")


@app.command()
def versions(
    config: ConfigArg,
    service: Annotated[
        str | None, typer.Option("--service", help="only this service", show_default=False)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The model versions each service served: first and last request, requests, the share
    of the newest hour of traffic, and each version's SLIs."""
    from cockpit.read.versions import version_entries

    def line(e: dict[str, Any]) -> str:
        now = " (serving now)" if e["current"] else (" (serving)" if e["serving"] else "")
        slis = ", ".join(f"{k} {v:.4g}" for k, v in e["slis"].items() if v is not None)
        share = f" {e['share']:.0%} of the newest hour" if e["serving"] else ""
        return (
            f"{e['service']} {e['version']}{now}: {e['first_seen']} .. {e['last_seen']}, "
            f"{e['rows']} requests{share}" + (f"; {slis}" if slis else "")
        )

    _show_rows(
        config,
        as_json,
        lambda loaded, store: version_entries(store, loaded, service),
        line,
        empty="No model versions recorded yet (the prediction log's version column is counted "
        "each cycle; run `cockpit run-once` or `cockpit backfill`).",
    )


@actions_app.command("list")
def actions_list(config: ConfigArg, as_json: JsonOpt = False) -> None:
    """Recent actions with their status and attempts."""
    from cockpit.read.actions import list_actions

    def line(a: dict[str, Any]) -> str:
        reason = f" — {a['reason']}" if a["reason"] else ""
        return (
            f"#{a['id']} {a['status']:<16} {a['action']:<9} {a['service']}/{a['slo']} "
            f"at {a['created_at']}{reason}"
        )

    _show_rows(config, as_json, lambda _, store: list_actions(store), line)


@actions_app.command("approve")
def actions_approve(
    config: ConfigArg,
    action_id: Annotated[int, typer.Argument(help="the action's id")],
    by: ByOpt = "",
) -> None:
    """Approve an action waiting for approval: it is queued and delivered now."""
    from cockpit.engine.deliver import Deliverer
    from cockpit.ops import approve_action

    with _opened(config) as (loaded, store):
        row = approve_action(loaded, store, action_id, _operator(by))
        Deliverer(loaded, store).deliver_due()
    typer.echo(f"action #{row.id} ({row.do} for {row.service}) approved by {row.approved_by}")


@incidents_app.command("list")
def incidents_list(config: ConfigArg, as_json: JsonOpt = False) -> None:
    """Incidents, newest first."""
    from cockpit.read.incidents import list_incidents

    def line(r: dict[str, Any]) -> str:
        return (
            f"#{r['id']} {r['status']:<20} {r['severity']:<6} {r['opened_at']}  {r['title']} "
            f"({len(r['alerts'])} alerts)"
        )

    _show_rows(config, as_json, lambda _, store: list_incidents(store), line)


@incidents_app.command("export")
def incidents_export(
    config: ConfigArg,
    incident_id: Annotated[int, typer.Argument(help="the incident's id")],
    out: Annotated[
        Path | None, typer.Option("--out", help="write to this file instead of stdout")
    ] = None,
) -> None:
    """The incident's postmortem as Markdown (Google SRE template)."""
    from cockpit.read.incidents import export_markdown

    with _opened(config, existing=True) as (loaded, store):
        text = export_markdown(store, incident_id, config=loaded)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}", err=True)


OutOpt = Annotated[Path | None, typer.Option("--out", help="write to this file instead of stdout")]


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.write_text(text if text.endswith("\n") else text + "\n")
        typer.echo(f"wrote {out}", err=True)


@slo_app.command("export")
def slo_export(
    config: ConfigArg,
    format: Annotated[
        str,
        typer.Option(
            "--format", help="openslo (OpenSLO v1 YAML) or prometheus (a rules file, Sloth's shape)"
        ),
    ] = "openslo",
    out: OutOpt = None,
) -> None:
    """The config's SLOs for another tool: OpenSLO v1 documents, or Prometheus recording and
    multi-window burn-rate alert rules."""
    loaded = _load(config)
    if format == "openslo":
        from cockpit.interop import openslo

        _write(openslo.export(loaded), out)
    elif format == "prometheus":
        from cockpit.interop import prometheus_rules

        _write(prometheus_rules.export(loaded), out)
    else:
        raise typer.BadParameter(f"unknown format {format!r}: write openslo or prometheus")


@slo_app.command("import")
def slo_import(
    file: Annotated[Path, typer.Argument(help="an OpenSLO v1 YAML file", show_default=False)],
    format: Annotated[str, typer.Option("--format", help="openslo")] = "openslo",
    out: OutOpt = None,
) -> None:
    """A cockpit config from OpenSLO ratio SLOs over Prometheus metrics; what cannot be mapped
    is printed on stderr by document and field."""
    if format != "openslo":
        raise typer.BadParameter(f"unknown format {format!r}: write openslo")
    from cockpit.interop import openslo

    try:
        text = file.read_text()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    with _reported():
        converted, unmapped = openslo.import_(text, str(file))
    for item in unmapped:
        typer.echo(f"{file}: not mapped: {item}", err=True)
    _write(converted, out)


@dashboards_app.command("export")
def dashboards_export(config: ConfigArg, out: OutOpt = None) -> None:
    """A Grafana dashboard JSON over the cockpit's metrics: one row per service."""
    from cockpit.interop import grafana

    loaded = _load(config)
    _write(json.dumps(grafana.export(loaded), indent=2), out)


@db_app.command("upgrade")
def db_upgrade(config: ConfigArg) -> None:
    """Apply the store's migrations (also done on every start)."""
    with _opened(config) as (loaded, store):
        typer.echo(f"store at revision {store.current_revision()}")


@store_app.command("prune")
def store_prune(
    config: ConfigArg,
    at: AtOpt = "now",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count what would go, delete nothing")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete the runs and SLO history older than `store_retention` keeps (what the daemon does
    every `store_retention.every`)."""
    from cockpit.engine.retention import prune

    with _opened(config, existing=True) as (loaded, store):
        pruned = prune(loaded, store, parse_time(at), dry_run=dry_run)
    if as_json:
        _print_json(pruned.to_json())
    else:
        typer.echo(pruned.summary())


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="where to generate the scenario and its store")] = Path(
        ".demo"
    ),
    seed: Annotated[int, typer.Option(help="the scenario's random seed")] = 7,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="then run the daemon and the cockpit")
    ] = True,
    ui_port: Annotated[int, typer.Option(help="port of the Streamlit cockpit")] = 8501,
    metrics_port: Annotated[
        int, typer.Option(help="port of the daemon's /metrics and /healthz")
    ] = 9464,
) -> None:
    """The sample scenario: generated, backfilled, summarised; then the daemon and the cockpit."""
    from demo.scenario import run_demo

    with _reported():
        run_demo(
            out, seed=seed, serve=serve, echo=typer.echo, ui_port=ui_port, metrics_port=metrics_port
        )


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    app()


if __name__ == "__main__":
    main()
