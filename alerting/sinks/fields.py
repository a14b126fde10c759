"""What a sink's settings are made of: the config's own field types.

A sink's settings are the pydantic model of its entry in the config (``notifiers.<name>``, or
``webhooks.<name>`` for the webhook sink). Two kinds of field follow the config's rules:
``EnvName``, the name of an environment variable that holds a secret (never the secret itself),
and ``Duration``, written like ``"10s"``. Those rules belong to the config
(:mod:`cockpit.config.base`), which this package may not import, so the config hands them over
(:func:`use`) when it builds its models: a sink's entry reads, and fails, like every other part
of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

_RULES: dict[str, Callable[[Any], Any]] = {}


def use(*, env_name: Callable[[Any], str], duration: Callable[[Any], timedelta]) -> None:
    """The config's rules for environment variable names and durations."""
    _RULES.update(env_name=env_name, duration=duration)


def _rule(name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        rule = _RULES.get(name)
        if rule is None:
            raise RuntimeError(
                f"no rule for {name} fields yet: the config hands it over when its models are "
                "built (import cockpit.config.models first)"
            )
        return rule(value)

    return check


EnvName = Annotated[str, BeforeValidator(_rule("env_name"))]
Duration = Annotated[timedelta, BeforeValidator(_rule("duration"))]


class Settings(BaseModel):
    """A sink's settings: unknown keys are refused, and values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
