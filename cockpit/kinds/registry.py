"""The monitor kinds the cockpit knows, by name.

A kind module calls ``KINDS.register`` once; the config's monitor union is rebuilt from what is
registered (so a kind registered later, a plugin or a test's toy kind, validates like the
built-in ones).
"""

from __future__ import annotations

from cockpit.kinds.base import Kind
from monitors.registry import Registry

KINDS: Registry[Kind] = Registry("monitor kind")
