"""What every part of the config is made of: strict models, durations, names of environment
variables (never secrets), and the schedule every monitor kind shares."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from cockpit.durations import parse_duration

VERSION = "cockpit/v1"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TOKEN_SHAPES = re.compile(r"^(xox[abposr]-|xapp-|whsec_|ghp_|gho_|github_pat_|glpat-|sk-)")


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"durations are strings with a unit, got {value!r} (write '{value}s' or '{value}m')"
        )
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _env_name(value: Any) -> str:
    looks_secret = isinstance(value, str) and bool(TOKEN_SHAPES.match(value))
    if not isinstance(value, str) or not ENV_NAME.match(value) or looks_secret:
        hint = (
            " (it looks like the secret itself: never write it in the file)" if looks_secret else ""
        )
        raise ValueError(
            f"must name an environment variable, like SLACK_BOT_TOKEN, got {redact(value)!r}{hint}"
        )
    return value


EnvName = Annotated[str, BeforeValidator(_env_name)]


def redact(value: Any) -> Any:
    """Never echo a secret back in an error message."""
    if isinstance(value, str) and (TOKEN_SHAPES.match(value) or len(value) > 24):
        return value[:6] + "…"
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Scalar = str | int | float | bool


class MonitorBase(Strict):
    name: str
    every: Duration | None = None
    cron: str | None = None
    window: Duration | None = Field(default=None, description="defaults to `every`")
    description: str | None = None

    @model_validator(mode="after")
    def _schedule(self) -> MonitorBase:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of `every` (like '5m') or `cron` (like '0 * * * *')")
        if self.cron is not None and self.window is None:
            raise ValueError(
                "a cron monitor needs `window` (like '1h'): there is no `every` to default to"
            )
        return self

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"not a crontab expression: {value!r} ({exc})") from None
        return value

    @property
    def window_length(self) -> timedelta:
        return self.window or self.every  # type: ignore[return-value]
