"""OpenSLO v1: export a config's services and SLOs, import ratio SLOs over Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.config import models as cfg


@dataclass(frozen=True)
class Unmapped:
    """A part of an OpenSLO file that has no cockpit equivalent: the document and the field."""

    document: str  # like "SLO/checkout-availability"
    field: str  # like "spec.indicator.spec.thresholdMetric"
    reason: str

    def __str__(self) -> str:
        return f"{self.document}: {self.field}: {self.reason}"


def export(config: cfg.Config) -> str:
    """Multi-document OpenSLO v1 YAML of every service and SLO in ``config``."""
    raise NotImplementedError("OpenSLO export is not built yet")


def import_(text: str, source: str) -> tuple[str, list[Unmapped]]:
    """A cockpit config (YAML text) from OpenSLO documents, and what could not be mapped."""
    raise NotImplementedError("OpenSLO import is not built yet")
