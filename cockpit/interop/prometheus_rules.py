"""A Prometheus rules file in Sloth's shape for a config's SLOs."""

from __future__ import annotations

from cockpit.config import models as cfg


def export(config: cfg.Config) -> str:
    """Recording and multi-window multi-burn-rate alert rules, as Prometheus rules YAML."""
    raise NotImplementedError("Prometheus rules export is not built yet")
