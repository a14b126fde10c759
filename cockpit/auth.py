"""Who may change things in the cockpit.

Read-only by default. Writes (acks, silences, approvals, manual actions, incident notes and
status, postmortem edits) need an operator:

- when OIDC is configured for Streamlit (an ``[auth]`` section in ``.streamlit/secrets.toml``),
  the operator logs in with ``st.login`` and is recorded by their e-mail (or name);
- otherwise, when ``COCKPIT_OPERATOR_TOKEN`` is set in the cockpit's environment, the operator
  types that token (compared in constant time) and the name they are to be recorded under;
- with neither, nobody can write from the cockpit (the CLI still can).

The writes themselves go through ``cockpit.ops``, which records an audit row with the
operator's name and the time. The decisions are pure functions below;
only :func:`sidebar` and :func:`current_operator` touch Streamlit.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cockpit.errors import CockpitError

TOKEN_ENV = "COCKPIT_OPERATOR_TOKEN"
SESSION_KEY = "cockpit_operator"
MAX_NAME = 100
Mode = Literal["oidc", "token", "read_only"]


class AuthError(CockpitError):
    """A sign-in was refused: wrong token, missing name."""


@dataclass(frozen=True)
class Operator:
    """Someone allowed to write; ``name`` is what the audit log records."""

    name: str
    via: Literal["oidc", "token"]


def oidc_configured(secrets: Mapping[str, Any]) -> bool:
    """OIDC is on when Streamlit's secrets have an ``[auth]`` section."""
    try:
        section = secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets file at all: Streamlit raises on access
        return False
    return isinstance(section, Mapping) and bool(section)


def expected_token(env: Mapping[str, str] | None = None) -> str | None:
    """The operator token from the environment; empty counts as unset."""
    value = (os.environ if env is None else env).get(TOKEN_ENV, "")
    return value or None


def mode(secrets: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Mode:
    if oidc_configured(secrets):
        return "oidc"
    if expected_token(env) is not None:
        return "token"
    return "read_only"


def token_matches(given: str, expected: str | None) -> bool:
    """Constant-time comparison; nothing matches an unset token."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def actor_name(name: str) -> str:
    """The name to record: trimmed, inner whitespace collapsed, at most 100 characters."""
    cleaned = re.sub(r"\s+", " ", name or "").strip()
    if not cleaned:
        raise AuthError("give your name: every change is recorded with who made it")
    if len(cleaned) > MAX_NAME:
        raise AuthError(f"a name of at most {MAX_NAME} characters, please")
    return cleaned


def sign_in_with_token(name: str, token: str, env: Mapping[str, str] | None = None) -> Operator:
    """An operator, or ``AuthError`` saying what is wrong (never what the token is)."""
    expected = expected_token(env)
    if expected is None:
        raise AuthError(f"operator sign-in is off: {TOKEN_ENV} is not set where the cockpit runs")
    who = actor_name(name)
    if not token_matches(token, expected):
        raise AuthError("wrong operator token")
    return Operator(who, "token")


def oidc_operator(user: Mapping[str, Any]) -> Operator | None:
    """The logged-in OIDC user as an operator (e-mail first, then name, then subject)."""
    if not user.get("is_logged_in"):
        return None
    for key in ("email", "name", "preferred_username", "sub"):
        value = user.get(key)
        if value:
            return Operator(str(value)[:MAX_NAME], "oidc")
    return Operator("oidc user", "oidc")


def oidc_provider(secrets: Mapping[str, Any]) -> str | None:
    """The provider to pass to ``st.login``: None when ``[auth]`` configures one directly,
    else the first named ``[auth.NAME]`` section."""
    section = secrets.get("auth") or {}
    if "client_id" in section or "server_metadata_url" in section:
        return None
    named = [key for key, value in section.items() if isinstance(value, Mapping)]
    return named[0] if named else None


# --- Streamlit ---------------------------------------------------------------------------------


def _secrets() -> Mapping[str, Any]:
    import streamlit as st

    try:
        return st.secrets.to_dict() if "auth" in st.secrets else {}
    except Exception:  # noqa: BLE001 - no secrets file: no OIDC
        return {}


def current_operator() -> Operator | None:
    """The operator of this browser session, or None (read-only)."""
    import streamlit as st

    secrets = _secrets()
    if mode(secrets) == "oidc":
        return oidc_operator(st.user.to_dict())
    operator = st.session_state.get(SESSION_KEY)
    if isinstance(operator, Operator) and expected_token() is not None:
        return operator
    return None


def sidebar() -> Operator | None:
    """The sign-in box in the sidebar; returns the current operator."""
    import streamlit as st

    secrets = _secrets()
    how = mode(secrets)
    box = st.sidebar.container(border=True)
    operator = current_operator()
    if operator is not None:
        box.markdown(f"**Operator:** {operator.name}")
        box.caption("Changes you make are recorded under this name.")
        if box.button("Sign out", key="auth_sign_out"):
            if how == "oidc":
                st.logout()
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
        return operator
    if how == "oidc":
        box.caption("Read-only. Log in to acknowledge, silence, approve or edit.")
        if box.button("Log in", key="auth_login"):
            st.login(oidc_provider(secrets))
        return None
    if how == "read_only":
        box.caption(
            f"Read-only. To make changes here, start the cockpit with {TOKEN_ENV} set "
            "(or configure OIDC under [auth] in .streamlit/secrets.toml)."
        )
        return None
    box.caption("Read-only. Sign in as an operator to make changes.")
    with box.form("auth_sign_in", border=False, clear_on_submit=True):
        name = st.text_input("Your name", key="auth_name")
        token = st.text_input("Operator token", type="password", key="auth_token")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            st.session_state[SESSION_KEY] = sign_in_with_token(name, token)
        except AuthError as exc:
            box.error(str(exc))
            return None
        st.rerun()
    return None
