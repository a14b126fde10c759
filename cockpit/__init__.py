"""The cockpit's spine: config, store, data sources, the runner, the CLI.

Errors a user can cause derive from :class:`cockpit.errors.CockpitError`.
"""
