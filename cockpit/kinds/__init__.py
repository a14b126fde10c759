"""Monitor kinds: one module each, registered on import (see :mod:`cockpit.kinds.base`).

Adding a kind is one module that builds a :class:`~cockpit.kinds.base.Kind` and registers it,
plus its import line in :mod:`cockpit.kinds.builtin`. This file imports nothing, so that the
kind modules can use the config's base models while the config's models are built from them.
"""
