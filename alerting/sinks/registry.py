"""The sinks the cockpit knows, by name.

A sink module calls ``SINKS.register`` once; the config's ``notifiers`` model is rebuilt from
what is registered (so a sink registered later, a plugin or a test's toy sink, validates and
delivers like the built-in ones).
"""

from __future__ import annotations

from alerting.sinks.base import Sink
from monitors.registry import Registry

SINKS: Registry[Sink] = Registry("sink")


def notifiers() -> list[Sink]:
    """The sinks configured under ``notifiers:``, in registration order."""
    return [s for s in SINKS.all() if s.section == "notifiers"]
