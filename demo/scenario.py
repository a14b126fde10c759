"""``cockpit demo``: the whole product at once, on the sample scenario.

1. Generate the 30-day, two-service scenario so that it ends now (its incidents are written into
   the data at known times), under one folder (``.demo`` by default), with a copy of
   ``sample_data/cockpit.yaml`` beside it. The store is the one that config names
   (``generated/cockpit.db`` beside it; ``COCKPIT_DATABASE_URL`` overrides, as everywhere), so
   every command on the demo's config sees the scenario.
2. Backfill the 30 days with a progress bar, and print what the cockpit found.
3. Unless ``--no-serve``: keep appending fresh traffic (a live tail), start a local CI receiver
   that verifies webhook signatures, the scheduler daemon and the Streamlit cockpit; print their
   URLs and stop everything on Ctrl-C. Alerts go to Slack when ``SLACK_WEBHOOK_URL`` is set,
   otherwise only to the store (the cockpit shows them).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.store import Store

SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "sample_data" / "cockpit.yaml"
TAIL_EVERY_S = 60.0


def scenario_start(now: datetime, days: int = 30) -> datetime:
    """The scenario ends at the last whole hour before ``now``."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - timedelta(days=days)


def prepare(out: Path, *, seed: int = 7, start: datetime | None = None) -> tuple[Path, dict]:
    """Generate the scenario under ``out/generated`` and put the sample config beside it."""
    from sample_data.generate import DEFAULT_START, generate

    out.mkdir(parents=True, exist_ok=True)
    generated = out / "generated"
    if generated.exists():
        shutil.rmtree(generated)
    summary = generate(generated, seed=seed, start=start or DEFAULT_START)
    config_path = out / "cockpit.yaml"
    shutil.copyfile(SAMPLE_CONFIG, config_path)
    return config_path, summary


def backfill_with_progress(
    config: Config, store: Store, start: datetime, end: datetime, echo: Callable[[str], None]
) -> list:
    from cockpit.progress import replay_with_progress

    t0 = time.perf_counter()
    records = replay_with_progress(config, store, start, end, every=200)
    failed = [r for r in records if r.status == "failed"]
    echo(
        f"backfilled {len(records)} runs in {time.perf_counter() - t0:.1f}s ({len(failed)} failed)"
    )
    for error in sorted({r.error for r in failed if r.error})[:5]:
        echo(f"  failed: {error}")
    return records


def daily_table(store: Store, config: Config) -> pd.DataFrame:
    """One row per day, one column per service/monitor: the day's worst headline SLI."""
    from cockpit.kinds.registry import KINDS

    columns = {}
    for service in config.services:
        for monitor in service.monitors:
            headline = KINDS.get(monitor.kind).headline
            if headline is None:
                continue
            best = headline(monitor)
            name = best.sli
            rows = store.measurements(service.name, monitor.name, [name])
            if not rows:
                continue
            frame = pd.DataFrame(rows, columns=["window_end", "monitor", "name", "value"])
            day = frame["window_end"].dt.floor("D")
            grouped = frame.groupby(day)["value"]
            columns[f"{service.name}/{monitor.name}:{name}"] = (
                grouped.min() if best.higher_is_better else grouped.max()
            )
    return pd.DataFrame(columns).sort_index()


def render(table: pd.DataFrame, summary: dict) -> str:
    events = [
        (e["service"], e["kind"], _parse(e["start"]), _parse(e["end"]))
        for e in summary.get("events", [])
    ]
    header = ["day       "] + [c.split(":")[0] for c in table.columns] + ["written into the data"]
    lines = ["  ".join(header)]
    for day, row in table.iterrows():
        day_end = day + timedelta(days=1)
        marks = sorted({f"{svc}:{kind}" for svc, kind, s, e in events if s < day_end and e > day})
        cells = [day.strftime("%Y-%m-%d")]
        for column, value in zip(table.columns, row, strict=True):
            cells.append(
                ("-" if pd.isna(value) else f"{value:.3f}").rjust(len(column.split(":")[0]))
            )
        cells.append(", ".join(marks))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def found(store: Store, config: Config | None = None) -> list[str]:
    from cockpit.read.actions import list_actions
    from cockpit.read.alerts import list_alerts
    from cockpit.read.incidents import list_incidents
    from cockpit.read.versions import version_entries

    alerts = list_alerts(store, firing_only=False, limit=1000)
    lines = [f"{len(alerts)} alert episodes:"]
    for a in sorted(alerts, key=lambda a: a["started_at"]):
        lines.append(
            f"  {a['started_at']}  {a['severity']:<6} {a['service']}/{a['slo']} ({a['state']})"
        )
    actions = list_actions(store, limit=1000)
    lines.append(f"{len(actions)} actions:")
    lines += [
        f"  {a['created_at']}  {a['action']:<8} {a['service']}/{a['slo']}: {a['status']}"
        + (f" ({a['reason'].split(';')[0]})" if "->" in (a["reason"] or "") else "")
        for a in sorted(actions, key=lambda a: a["created_at"])
    ]
    if config is not None:
        versions = version_entries(store, config)
        lines.append(f"{len(versions)} model versions served:")
        lines += [
            f"  {v['service']} {v['version']:<4} {v['first_seen']} .. {v['last_seen']}  "
            f"{v['rows']} requests" + ("  (serving)" if v["serving"] else "")
            for v in versions
        ]
    incidents = list_incidents(store)
    lines.append(f"{len(incidents)} incidents:")
    lines += [
        f"  #{i['id']} {i['opened_at']} {i['status']:<10} {i['title']}" for i in reversed(incidents)
    ]
    return lines


def run_demo(
    out: Path,
    *,
    seed: int = 7,
    serve: bool = True,
    echo: Callable[[str], None] = print,
    ui_port: int = 8501,
    metrics_port: int = 9464,
) -> pd.DataFrame:
    started = time.perf_counter()
    now = datetime.now(UTC)
    config_path, summary = prepare(out, seed=seed, start=scenario_start(now))
    echo(
        f"generated the sample scenario {summary['start']} .. {summary['end']} in {out / 'generated'} ({time.perf_counter() - started:.1f}s)"
    )
    config = load_config(config_path)
    url = config.store_url()  # what every command on this config (and the daemon, the UI) opens
    if url.startswith("sqlite:///"):  # the demo starts from an empty store
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    store = Store(url)
    backfill_with_progress(config, store, _parse(summary["start"]), _parse(summary["end"]), echo)
    table = daily_table(store, config)
    echo("")
    echo("Daily worst of each monitor's headline SLI:")
    echo(render(table, summary))
    echo("")
    for line in found(store, config):
        echo(line)
    echo("")
    if serve:
        serve_demo(
            out,
            config_path,
            summary,
            seed=seed,
            echo=echo,
            ui_port=ui_port,
            metrics_port=metrics_port,
        )
    return table


def serve_demo(
    out: Path,
    config_path: Path,
    summary: dict,
    *,
    seed: int,
    echo: Callable[[str], None],
    ui_port: int,
    metrics_port: int,
) -> None:
    from demo.receiver import Receiver

    secrets_by_path = {}
    for name, path in (
        ("RETRAIN_WEBHOOK_SECRET", "/hooks/retrain"),
        ("ROLLBACK_WEBHOOK_SECRET", "/hooks/rollback"),
    ):
        os.environ.setdefault(name, "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())
        secrets_by_path[path] = os.environ[name]
    receiver = Receiver(
        secrets_by_path,
        on_receive=lambda r: echo(
            f"CI receiver: {r.payload.get('action')} for {r.payload.get('service')}/{r.payload.get('slo')} (signature {'ok' if r.verified else 'INVALID'}{', duplicate' if r.duplicate else ''})"
        ),
    ).start()
    if not os.environ.get("SLACK_WEBHOOK_URL"):
        echo("SLACK_WEBHOOK_URL is not set: alerts go to the store only (the cockpit shows them)")
    stop = threading.Event()
    tail = threading.Thread(
        target=_tail, args=(out / "generated", _parse(summary["end"]), seed, stop), daemon=True
    )
    tail.start()
    env = {**os.environ}
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit.cli",
            "serve",
            str(config_path),
            "--port",
            str(metrics_port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(logs / "serve.log").open("w"),
    )
    from cockpit.streamlit_cmd import STREAMLIT_APP, streamlit_flags

    ui = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(STREAMLIT_APP),
            *streamlit_flags(ui_port, "127.0.0.1"),
        ],
        env={**env, "COCKPIT_CONFIG": str(config_path.resolve())},
        stdout=(logs / "ui.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"http://127.0.0.1:{metrics_port}/healthz", 60)
        _wait_http(f"http://127.0.0.1:{ui_port}/_stcore/health", 90)
        echo(f"cockpit:  http://127.0.0.1:{ui_port}")
        echo(
            f"metrics:  http://127.0.0.1:{metrics_port}/metrics   health: http://127.0.0.1:{metrics_port}/healthz"
        )
        echo(
            f"CI hooks: http://127.0.0.1:{receiver.port}/hooks/retrain, /hooks/rollback (signatures verified)"
        )
        echo(f"logs:     {logs}/serve.log, {logs}/ui.log")
        echo("ready. Ctrl-C stops everything.")
        while daemon.poll() is None and ui.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("stopping…")
    finally:
        stop.set()
        for proc in (daemon, ui):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (daemon, ui):
            try:
                proc.wait(timeout=12)
            except subprocess.TimeoutExpired:
                proc.kill()
        receiver.stop()


def _tail(folder: Path, since: datetime, seed: int, stop: threading.Event) -> None:
    """Append fresh, clean traffic every minute so the daemon has a live window to watch."""
    from sample_data.generate import append_traffic

    last = since
    round_ = 0
    while not stop.wait(0 if round_ == 0 else TAIL_EVERY_S):
        now = datetime.now(UTC).replace(microsecond=0)
        if now > last:
            append_traffic(folder, last, now, seed=seed + 1000 + round_)
            last = now
        round_ += 1


def _wait_http(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f}s")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
