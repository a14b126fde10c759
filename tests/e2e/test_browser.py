"""The real cockpit in a real headless Chromium: `streamlit run` on the backfilled sample scenario,
driven by Playwright the way on-call would use it.

Opens the overview, follows the Slack link to the service page (and opens its Evidently drift
report), looks at alerts, drills into the
data-quality incident of the unit change (loan-default), signs in as an operator, writes a
postmortem field, saves it and downloads the Markdown export. A screenshot of each page lands
in the test's output folder (``tmp_path / "screenshots"``).

Needs Debian's chromium (scripts/install-browser.sh installs it and Python playwright).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
TOKEN = "e2e-operator-token-91c2"
START = datetime(2026, 10, 9, tzinfo=UTC)
END = datetime(2026, 10, 11, 12, tzinfo=UTC)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's /usr/bin/chromium: run scripts/install-browser.sh (as root)",
    ),
    pytest.mark.xdist_group("browser"),  # one worker sets up the module's scenario (pytest -n)
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"streamlit did not become healthy in {timeout_s}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample scenario replayed across the unit change; returns its config path."""
    from cockpit.config.loader import load_config
    from cockpit.engine.cycle import replay
    from cockpit.store import Store
    from demo.scenario import prepare

    config_path, _summary = prepare(tmp_path_factory.mktemp("scenario"))
    config = load_config(config_path)
    store = Store(config.store_url())
    replay(config, store, START, END)  # keeps the newest drift report
    store.close()
    return config_path


@pytest.fixture(scope="module")
def cockpit_url(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app/streamlit_app.py` on a free port, stopped afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {
        **os.environ,
        "COCKPIT_CONFIG": str(scenario),
        "COCKPIT_OPERATOR_TOKEN": TOKEN,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("COCKPIT_DATABASE_URL", None)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.fileWatcherType",
                "none",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settle(page: Any, text: str, timeout_ms: int = 60_000) -> None:
    """Wait until ``text`` is on the page and Streamlit has finished running the script."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)  # charts draw after the script's last message


def screenshot(page: Any, folder: Path, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to it."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height + 40, 900), 10_000)})
    page.wait_for_timeout(800)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 900})
    return path


def test_drill_into_the_unit_change_incident_and_export_its_postmortem(
    cockpit_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    root_cause = "An upstream release sent height in metres instead of centimetres."
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)

            # Overview: the broken data-quality SLO is first.
            page.goto(cockpit_url)
            settle(page, "Open incidents")
            expect(page.get_by_role("heading", name="Overview")).to_be_visible()
            expect(page.get_by_text("loan-default: 1 firing", exact=False)).to_be_visible()
            screenshot(page, shots, "1-overview")

            # The link Slack messages carry.
            page.goto(f"{cockpit_url}/service?service=loan-default")
            settle(page, "Monitor runs")
            expect(page.get_by_role("heading", name="loan-default", exact=True)).to_be_visible()
            expect(page.get_by_role("heading", name="Data quality: input-quality")).to_be_visible()
            page.get_by_text("Show the Evidently report").click()
            report = page.frame_locator("iframe").first
            report.get_by_text("height_cm").first.wait_for(timeout=60_000)
            screenshot(page, shots, "2-service")

            page.goto(f"{cockpit_url}/alerts")
            settle(page, "Notification log")
            expect(page.get_by_role("heading", name="Recent alerts")).to_be_visible()
            screenshot(page, shots, "3-alerts")

            # Drill down: overview -> the open incident of loan-default's unit change.
            page.goto(cockpit_url)
            settle(page, "Open incidents")
            page.get_by_role("link", name="loan-default: valid-inputs burning").first.click()
            settle(page, "Postmortem")
            expect(page).to_have_url(re.compile(r"/incidents\?incident=\d+"))
            expect(page.get_by_text("page alert fired: valid-inputs").first).to_be_attached()

            # Sign in as an operator (the session survives in-app navigation).
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_label("Your name").fill("Ada Operator")
            sidebar.get_by_label("Operator token").fill(TOKEN)
            sidebar.get_by_role("button", name="Sign in").click()
            settle(page, "Operator:")
            expect(sidebar.get_by_text("Ada Operator")).to_be_visible()

            # Write a postmortem field, save it.
            field = page.get_by_role("textbox", name="Root causes", exact=True)
            field.fill(root_cause)
            page.get_by_role("button", name="Save postmortem").click()
            settle(page, "Postmortem saved")
            expect(page.get_by_role("textbox", name="Root causes", exact=True)).to_have_value(
                root_cause
            )
            screenshot(page, shots, "4-incident")

            # Export it.
            with page.expect_download() as download:
                page.get_by_role("button", name="Download as Markdown").click()
            filename = download.value.suggested_filename
            exported = Path(download.value.path()).read_text()
            (tmp_path / filename).write_text(exported)
        finally:
            browser.close()

    assert filename.startswith("postmortem-") and filename.endswith(".md")
    assert "# Postmortem: loan-default: valid-inputs burning its error budget" in exported
    assert f"## Root causes\n\n{root_cause}" in exported
    assert "## Impact" in exported and "of the error budget burned" in exported
    shot_names = sorted(p.name for p in shots.iterdir())
    assert shot_names == ["1-overview.png", "2-service.png", "3-alerts.png", "4-incident.png"]
    assert all((shots / name).stat().st_size > 20_000 for name in shot_names)


def pick(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label`` (unless it is chosen)."""
    box = page.get_by_label(label, exact=True)
    widget = page.get_by_test_id("stSelectbox").filter(has=box)
    if option in widget.inner_text():
        return
    # A rerun that is still on its way (from the widget picked before) can replace the box
    # and close its list while it opens: open it again until the option shows.
    for _ in range(5):
        box.click()
        choice = page.get_by_role("option", name=option).first
        try:
            choice.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; try the fresh box
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            continue
        choice.click()
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
        )
        return
    raise AssertionError(f"the {label!r} selectbox never offered {option!r}")


def test_the_on_call_path_ack_silence_unsilence_retrain_and_the_report(
    cockpit_url: str, tmp_path: Path
) -> None:
    """As on-call: the overview puts the live page on top; ack it; silence it for 2h and see
    it silenced at once; end the silence; trigger a retrain and find it on the open incident's
    timeline; open the Evidently report on the service page."""
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})

            # Overview: what fires is on top, and no daemon is running (said plainly).
            page.goto(cockpit_url)
            settle(page, "Open incidents")
            services = page.get_by_role("link", name=re.compile(r"^(loan-default|ad-ctr): "))
            expect(services.first).to_contain_text("loan-default: 1 firing")
            firing = page.get_by_test_id("stMetric").filter(has_text="Firing alerts")
            expect(firing).to_contain_text("1")
            expect(page.get_by_text("No daemon has run against this store").first).to_be_visible()
            screenshot(page, shots, "1-overview")

            page.goto(f"{cockpit_url}/alerts")
            settle(page, "Notification log")
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_label("Your name").fill("Ada Operator")
            sidebar.get_by_label("Operator token").fill(TOKEN)
            sidebar.get_by_role("button", name="Sign in").click()
            settle(page, "Operator:")

            # Ack the firing ticket.
            expect(page.get_by_text("none acknowledged").first).to_be_visible()
            page.get_by_role("button", name="Acknowledge").click()
            settle(page, "acknowledged by Ada Operator")
            expect(page.get_by_text(re.compile(r"acknowledged: #\d+")).first).to_be_visible()

            # Silence it for 2h: silenced at once, no cycle in between.
            pick(page, "Service", "loan-default")
            settle(page, "Silence")
            pick(page, "SLO", "valid-inputs")
            page.get_by_label("For (like 30m, 2h, 1d12h)").fill("2h")
            page.get_by_label("Reason (what is being worked on, by whom)").fill(
                "upstream fix for height units deploying"
            )
            page.get_by_role("button", name="Silence", exact=True).click()
            settle(page, "matching alerts are silenced now")
            expect(page.get_by_text(re.compile(r"silenced now: #\d+")).first).to_be_visible()
            screenshot(page, shots, "2-silenced")

            # End the silence early.
            page.get_by_role("button", name="End silence now").click()
            settle(page, "matching alerts notify again")
            expect(page.get_by_text("none silenced").first).to_be_visible()
            expect(page.get_by_text("No active silences.")).to_be_visible()

            # Trigger a retrain by hand; it says when it goes out.
            pick(page, "Rule", "loan-default: retrain via ci-retrain (rule 0, on no-drift)")
            page.get_by_label("Reason", exact=True).fill("retrain on the fixed heights")
            page.get_by_text("I understand this queues the webhook call now").click()
            page.get_by_role("button", name="Trigger").click()
            settle(page, "retrain for loan-default queued")
            expect(
                page.get_by_text("no daemon is running, so the call waits").first
            ).to_be_visible()
            screenshot(page, shots, "3-triggered")

            # The open incident's timeline has the ack, the silence and the manual retrain.
            page.goto(cockpit_url)
            settle(page, "Open incidents")
            page.get_by_role("link", name=re.compile(r"^#\d+ loan-default: valid-inputs")).click()
            settle(page, "Postmortem")
            for line in (
                "Ada Operator acknowledged the ticket alert on valid-inputs",
                "Ada Operator silenced loan-default/valid-inputs",
                "Ada Operator ended the silence of loan-default/valid-inputs",
                "manual retrain via ci-retrain by Ada Operator",
            ):
                expect(page.get_by_text(line).first).to_be_attached()
            screenshot(page, shots, "4-incident")

            # The Evidently report of the newest drift window, on the service page.
            page.goto(f"{cockpit_url}/service?service=loan-default")
            settle(page, "Monitor runs")
            page.get_by_text("Show the Evidently report").click()
            report = page.frame_locator("iframe").first
            report.get_by_text("height_cm").first.wait_for(timeout=60_000)
            screenshot(page, shots, "5-service")
        finally:
            browser.close()
