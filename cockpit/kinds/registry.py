"""The monitor kinds the cockpit knows, by name.

A kind module calls :func:`register` once; the config's monitor union is rebuilt from what is
registered (so a kind registered later, a plugin or a test's toy kind, validates like the
built-in ones).
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.kinds.base import Kind

_KINDS: dict[str, Kind] = {}
_listeners: list[Callable[[], None]] = []


def register(kind: Kind) -> Kind:
    """Add ``kind`` (replacing one of the same name) and rebuild what depends on the set."""
    _KINDS[kind.name] = kind
    _changed()
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)
    _changed()


def kind(name: str) -> Kind:
    """The kind called ``name``; ``KeyError`` naming the known ones when there is none."""
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"no monitor kind {name!r} (known: {', '.join(_KINDS)})") from None


def kinds() -> list[Kind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` now and whenever the set of kinds changes (the config models rebuild
    their monitor union this way)."""
    _listeners.append(listener)
    listener()


def _changed() -> None:
    for listener in _listeners:
        listener()
