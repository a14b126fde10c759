"""Named things the cockpit knows, registered at import: the notification sinks in
``alerting.sinks`` and the monitor kinds in ``cockpit.kinds``.

Registering or removing one tells the listeners, so models built from the set (the config's
monitor union, its ``notifiers`` section) rebuild: a plugin or a test's toy registered later
validates and runs like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Things by name, in registration order. ``what`` names them in errors."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}
        self._listeners: list[Callable[[], None]] = []

    def register(self, item: T) -> T:
        """Add ``item`` (replacing one of the same name) and rebuild what depends on the set."""
        self._items[item.name] = item
        self._changed()
        return item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)
        self._changed()

    def get(self, name: str) -> T:
        """The one called ``name``; ``KeyError`` naming the known ones when there is none."""
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no {self.what} {name!r} (known: {', '.join(self._items)})") from None

    def all(self) -> list[T]:
        return list(self._items.values())

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` now and whenever the set changes."""
        self._listeners.append(listener)
        listener()

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()
