"""What every page shares: the config and store it reads, cached reads, messages after writes.

The config path comes from ``COCKPIT_CONFIG`` (``cockpit ui CONFIG`` sets it); the store is the
config's (``COCKPIT_DATABASE_URL`` overrides). Reads are ``cockpit.read`` functions cached for
a few seconds; every write clears the cache so the page shows what it just did.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar

import pandas as pd
import streamlit as st

from cockpit import auth
from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.errors import CockpitError
from cockpit.read import actions as action_reads
from cockpit.read import alerts as alert_reads
from cockpit.read import common
from cockpit.read import daemon as daemon_read
from cockpit.read import incidents as incident_reads
from cockpit.read import overview as overview_read
from cockpit.read import panels as panels_read
from cockpit.read import service as service_read
from cockpit.read import versions as versions_read
from cockpit.store import Store

CONFIG_ENV = "COCKPIT_CONFIG"
REFRESH = timedelta(seconds=30)  # live pages re-read the store this often
TTL = 15  # seconds a cached read is reused

Key = tuple[str, str | None]

T = TypeVar("T")


def key() -> Key:
    """What the cached reads depend on: the config file and the store override."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        st.error(
            f"No config: start the cockpit with `cockpit ui CONFIG` (or set {CONFIG_ENV} to the "
            "path of your cockpit.yaml)."
        )
        st.stop()
    return (path, os.environ.get("COCKPIT_DATABASE_URL"))


@st.cache_resource(show_spinner=False)
def _open(source: Key) -> tuple[Config, Store]:
    config = load_config(source[0])
    return config, Store(config.store_url())


def cockpit(source: Key | None = None) -> tuple[Config, Store]:
    """The config and the store, or a plain message and a stopped page when they cannot open."""
    try:
        return _open(source or key())
    except CockpitError as exc:
        st.error(f"The cockpit cannot start: {exc}")
        st.stop()
        raise  # unreachable: st.stop() raises


def operator_page(title: str) -> tuple[Key, Config, Store, auth.Operator | None]:
    """The start of a page people act on: its title, the cockpit it reads, the message the last
    write left, who is signed in; a new install's store stops it with what to do."""
    st.title(title)
    source = key()
    config, store = cockpit(source)
    show_flash()
    operator = auth.current_operator()
    if empty_store_notice():
        st.stop()
    return source, config, store, operator


def clear() -> None:
    """After a write: every cached read is stale."""
    st.cache_data.clear()


def flash(message: str) -> None:
    """A message to show once, after the rerun that follows a write."""
    st.session_state["cockpit_flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("cockpit_flash", None)
    if message:
        st.success(message)


def fail(exc: CockpitError) -> None:
    st.error(str(exc))


def write(action: Callable[[], T], said: Callable[[T], str]) -> None:
    """One operator write: on success every cached read is stale and ``said(result)`` shows once
    after the rerun; a refusal shows where the form is, and nothing else changes."""
    try:
        result = action()
    except CockpitError as exc:
        fail(exc)
        return
    clear()
    flash(said(result))
    st.rerun()


def sign_in_to(what: str) -> None:
    """What a visitor could do here once signed in as an operator."""
    st.info(f"Sign in as an operator (sidebar) to {what}.")


def not_found(message: str, page: str, param: str, choices: Mapping[Any, str]) -> NoReturn:
    """A link asked for something that is not there: say so, link to what is, stop the page."""
    st.error(message)
    for value, label in choices.items():
        st.page_link(page, label=label, query_params={param: str(value)})
    st.stop()
    raise AssertionError("unreachable: st.stop() raises")


def empty_store_notice() -> bool:
    """Shows what to do on a new install; True when the store is empty."""
    source = key()
    if is_empty(source):
        st.info(common.empty_store_hint(source[0]))
        return True
    return False


def daemon_banner(source: Key) -> None:
    """Says whether a daemon runs against this store (nothing is delivered without one)."""
    status = daemon_status(source)
    if status["running"]:
        st.caption(f":material/sync: {status['text']}.")
    else:
        st.warning(f"{status['text']}.", icon=":material/sync_problem:")


# --- cached reads ------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def is_empty(source: Key) -> bool:
    _, store = cockpit(source)
    return common.is_empty(store)


@st.cache_data(ttl=TTL, show_spinner=False)
def overview(source: Key) -> pd.DataFrame:
    config, store = cockpit(source)
    return overview_read.overview(store, config)


@st.cache_data(ttl=5, show_spinner=False)
def daemon_status(source: Key) -> dict[str, Any]:
    return daemon_read.daemon_status(cockpit(source)[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def burn_rate_caption(source: Key) -> str:
    return overview_read.burn_rate_caption(cockpit(source)[0])


@st.cache_data(ttl=TTL, show_spinner=False)
def open_incidents(source: Key) -> pd.DataFrame:
    return incident_reads.open_incidents(cockpit(source)[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def time_range(source: Key, service: str, label: str) -> tuple[datetime, datetime] | None:
    return service_read.time_range(cockpit(source)[1], service, label)


@st.cache_data(ttl=TTL, show_spinner=False)
def sli_series(
    source: Key, service: str, slo: str, since: datetime, until: datetime
) -> pd.DataFrame:
    config, store = cockpit(source)
    return service_read.sli_series(store, config, service, slo, since, until)


@st.cache_data(ttl=TTL, show_spinner=False)
def budget_series(
    source: Key, service: str, slo: str, since: datetime, until: datetime
) -> pd.DataFrame:
    return service_read.budget_series(cockpit(source)[1], service, slo, since, until)


@st.cache_data(ttl=TTL, show_spinner=False)
def versions(source: Key, service: str) -> pd.DataFrame:
    config, store = cockpit(source)
    return versions_read.summary(store, config, service)


@st.cache_data(ttl=TTL, show_spinner=False)
def release_timeline(source: Key, service: str, since: datetime, until: datetime) -> pd.DataFrame:
    config, store = cockpit(source)
    return versions_read.timeline(store, config, service, since, until)


@st.cache_data(ttl=TTL, show_spinner=False)
def panels(source: Key, service: str, since: datetime, until: datetime) -> list[panels_read.Panel]:
    config, store = cockpit(source)
    return panels_read.panels(store, config, service, since, until)


@st.cache_data(ttl=TTL, show_spinner=False)
def monitor_health(source: Key, service: str) -> dict[str, pd.DataFrame]:
    config, store = cockpit(source)
    return {
        "health": service_read.monitor_health(store, config, service),
        "failures": service_read.run_history(store, service, failures_only=True, limit=200),
        "recent": service_read.run_history(store, service, limit=200),
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def alerts(source: Key, firing_only: bool) -> pd.DataFrame:
    return alert_reads.alerts_table(cockpit(source)[1], firing_only=firing_only)


@st.cache_data(ttl=TTL, show_spinner=False)
def silences(source: Key) -> pd.DataFrame:
    return alert_reads.silences_table(cockpit(source)[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def notifications(source: Key) -> dict[str, pd.DataFrame]:
    store = cockpit(source)[1]
    return {
        "outbox": action_reads.notification_log(store),
        "attempts": action_reads.delivery_attempts(store),
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def actions(source: Key) -> pd.DataFrame:
    return action_reads.actions_table(cockpit(source)[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def incidents_list(source: Key) -> pd.DataFrame:
    return incident_reads.incidents_table(cockpit(source)[1])


@st.cache_data(ttl=TTL, show_spinner=False)
def incident_picker(source: Key, asked: str | None) -> tuple[dict[int, str], int | None]:
    return incident_reads.incident_picker(cockpit(source)[1], incidents_list(source), asked)


@st.cache_data(ttl=TTL, show_spinner=False)
def incident(source: Key, incident_id: int) -> dict[str, Any]:
    config, store = cockpit(source)
    return incident_reads.incident_view(store, config, incident_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def postmortem_markdown(source: Key, incident_id: int, version: int) -> str:
    config, store = cockpit(source)
    return incident_reads.postmortem_markdown(store, config, incident_id)
