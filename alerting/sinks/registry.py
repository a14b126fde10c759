"""The sinks the cockpit knows, by name.

A sink module calls :func:`register` once; the config's ``notifiers`` model is rebuilt from
what is registered (so a sink registered later, a plugin or a test's toy sink, validates and
delivers like the built-in ones).
"""

from __future__ import annotations

from collections.abc import Callable

from alerting.sinks.base import Sink

_SINKS: dict[str, Sink] = {}
_listeners: list[Callable[[], None]] = []


def register(sink: Sink) -> Sink:
    """Add ``sink`` (replacing one of the same name) and rebuild what depends on the set."""
    _SINKS[sink.name] = sink
    _changed()
    return sink


def unregister(name: str) -> None:
    _SINKS.pop(name, None)
    _changed()


def sink(name: str) -> Sink:
    """The sink called ``name``; ``KeyError`` naming the known ones when there is none."""
    try:
        return _SINKS[name]
    except KeyError:
        raise KeyError(f"no sink {name!r} (known: {', '.join(_SINKS)})") from None


def sinks() -> list[Sink]:
    """Every registered sink, in registration order."""
    return list(_SINKS.values())


def notifiers() -> list[Sink]:
    """The sinks configured under ``notifiers:``, in registration order."""
    return [s for s in _SINKS.values() if s.section == "notifiers"]


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` now and whenever the set of sinks changes (the config models rebuild
    their ``notifiers`` this way)."""
    _listeners.append(listener)
    listener()


def _changed() -> None:
    for listener in _listeners:
        listener()
