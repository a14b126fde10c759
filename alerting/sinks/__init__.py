"""Sinks: where the cockpit sends what it has to say, one module each (see :mod:`.base`).

Adding a sink is one module that defines a :class:`~alerting.sinks.base.Sink` and registers
it, plus its import line in :mod:`alerting.sinks.builtin`.
"""
