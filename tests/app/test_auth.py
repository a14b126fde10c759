"""Who may change things (cockpit/auth.py): the decisions, without Streamlit."""

from __future__ import annotations

import pytest

from cockpit import auth

TOKEN = "s3cret-operator-token"
ENV = {auth.TOKEN_ENV: TOKEN}


@pytest.mark.parametrize(
    ("secrets", "env", "expected"),
    [
        ({}, {}, "read_only"),
        ({}, {auth.TOKEN_ENV: ""}, "read_only"),
        ({}, ENV, "token"),
        (
            {"auth": {"client_id": "x", "server_metadata_url": "https://id/.well-known"}},
            ENV,
            "oidc",
        ),
        ({"auth": {}}, ENV, "token"),
        ({"other": {"a": 1}}, {}, "read_only"),
    ],
    ids=[
        "nothing configured is read-only",
        "an empty token is no token",
        "a token in the environment asks for it",
        "an [auth] section means OIDC, even with a token set",
        "an empty [auth] section is not OIDC",
        "other secrets are not OIDC",
    ],
)
def test_mode(secrets: dict, env: dict, expected: str) -> None:
    assert auth.mode(secrets, env) == expected


def test_secrets_that_cannot_be_read_are_not_oidc() -> None:
    class Broken(dict):
        def get(self, *_a: object) -> None:
            raise FileNotFoundError("no secrets.toml")

    assert not auth.oidc_configured(Broken())


@pytest.mark.parametrize(
    ("given", "expected", "ok"),
    [
        (TOKEN, TOKEN, True),
        ("wrong", TOKEN, False),
        ("", TOKEN, False),
        ("", None, False),
        ("x", "", False),
    ],
    ids=[
        "the right token",
        "a wrong token",
        "no token typed",
        "no token set",
        "an empty token set",
    ],
)
def test_token_matches(given: str, expected: str | None, ok: bool) -> None:
    assert auth.token_matches(given, expected) is ok


def test_sign_in_with_the_right_token_records_the_name() -> None:
    operator = auth.sign_in_with_token("  Ada   Lovelace ", TOKEN, ENV)
    assert operator == auth.Operator("Ada Lovelace", "token")


@pytest.mark.parametrize(
    ("name", "token", "env", "message"),
    [
        ("Ada", "nope", ENV, "wrong operator token"),
        ("   ", TOKEN, ENV, "give your name"),
        ("x" * 101, TOKEN, ENV, "at most 100 characters"),
        ("Ada", TOKEN, {}, "COCKPIT_OPERATOR_TOKEN is not set"),
    ],
    ids=["a wrong token", "no name", "a name too long", "sign-in is off without a token"],
)
def test_sign_in_refusals_say_why(name: str, token: str, env: dict, message: str) -> None:
    with pytest.raises(auth.AuthError, match=message) as caught:
        auth.sign_in_with_token(name, token, env)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"is_logged_in": False, "email": "a@b"}, None),
        ({"is_logged_in": True, "email": "ada@example.org", "name": "Ada"}, "ada@example.org"),
        ({"is_logged_in": True, "name": "Ada"}, "Ada"),
        ({"is_logged_in": True, "sub": "12345"}, "12345"),
    ],
    ids=["logged out is nobody", "e-mail first", "then the name", "then the subject"],
)
def test_oidc_operator(user: dict, expected: str | None) -> None:
    operator = auth.oidc_operator(user)
    assert (operator.name if operator else None) == expected


@pytest.mark.parametrize(
    ("section", "provider"),
    [
        ({"client_id": "x", "server_metadata_url": "u", "redirect_uri": "r"}, None),
        ({"redirect_uri": "r", "cookie_secret": "c", "google": {"client_id": "x"}}, "google"),
        ({"redirect_uri": "r"}, None),
    ],
    ids=["a single provider in [auth]", "a named provider [auth.google]", "no provider"],
)
def test_oidc_provider(section: dict, provider: str | None) -> None:
    assert auth.oidc_provider({"auth": section}) == provider
