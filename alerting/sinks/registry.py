"""The sinks the cockpit knows, by name.

A sink module calls :func:`register` once; the config's ``notifiers`` model is rebuilt from
what is registered (so a sink registered later, a plugin or a test's toy sink, validates and
delivers like the built-in ones).
"""

from __future__ import annotations

from alerting.sinks.base import Sink
from monitors.registry import Registry

SINKS: Registry[Sink] = Registry("sink")

register = SINKS.register
unregister = SINKS.unregister
sink = SINKS.get
sinks = SINKS.all
on_change = SINKS.on_change


def notifiers() -> list[Sink]:
    """The sinks configured under ``notifiers:``, in registration order."""
    return [s for s in SINKS.all() if s.section == "notifiers"]
