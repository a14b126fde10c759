"""Durations as users write them: ``30s``, ``5m``, ``1h``, ``28d``, ``2w``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"^(?:\d+[smhdw])+$")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``; ValueError says how to write one."""
    if not isinstance(text, str) or not _WHOLE.match(text.strip()):
        raise ValueError(
            f"not a duration: {text!r} (write a number and a unit, like '30s', '5m', '1h', '28d')"
        )
    seconds = sum(int(n) * _UNIT_S[u] for n, u in _PART.findall(text.strip()))
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest spelling: ``timedelta(hours=1, minutes=30)`` -> ``"1h30m"``."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_S[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)
