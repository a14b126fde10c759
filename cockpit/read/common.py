"""What every page's read model shares: the SLI an SLO draws, names and links, numbers and
JSON as the pages take them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.config import models as cfg
from cockpit.store import Store
from slo.series import Condition

EMPTY_STORE_HINT = (
    "No monitoring data yet. Run `cockpit backfill {config} --from START --to now` to replay "
    "history (START: when your logs begin, like 2026-10-01T00:00Z), or `cockpit serve {config}` "
    "to start monitoring; the pages fill themselves as runs arrive."
)
ANY = "any"  # a picker's choice that matches everything


@dataclass(frozen=True)
class SliSpec:
    """What an SLO's SLI is and where its line is drawn."""

    name: str  # the SLI shown: "good/total" for occurrences, the condition's SLI for timeslices
    op: str
    threshold: float
    monitor: str
    method: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.op} {self.threshold:g}"


def sli_spec(slo: cfg.SLO) -> SliSpec:
    """Occurrences: good/total of each run against the objective. Timeslices: the SLI named in
    ``good`` against its threshold."""
    if slo.good is None:
        return SliSpec("good/total", ">=", slo.objective, slo.monitor, "occurrences")
    condition = Condition.parse(slo.good)
    return SliSpec(condition.sli, condition.op, condition.threshold, slo.monitor, "timeslices")


def empty_store_hint(config_path: str | Path = "CONFIG") -> str:
    """What a new install should do, naming its own config file."""
    return EMPTY_STORE_HINT.format(config=config_path)


def is_empty(store: Store) -> bool:
    """A new install: no run and no SLO evaluation recorded yet."""
    return store.is_empty()


def service_names(config: cfg.Config) -> list[str]:
    return [s.name for s in config.services]


def unknown_service(config: cfg.Config, asked: str | None) -> str | None:
    """What to say when a link (``?service=NAME``) names a service the config does not have (a
    stale link, a renamed service), or None when it names one of them or none at all (the page's
    picker then chooses)."""
    names = service_names(config)
    if not asked or asked in names:
        return None
    where = config.source_file.name if config.source_file else "the config"
    return (
        f"No service {asked!r} in {where}: the link may be older than a rename or removal. "
        f"Open one of its services: {', '.join(names)}."
    )


def service_link(service: str) -> str:
    """The service page's address, as the Slack messages write it (relative to the cockpit)."""
    return f"/service?service={service}"


def finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def parse_json(text: str | None) -> Any:
    return json.loads(text) if text else {}


def as_id(value: Any) -> int | None:
    """A query parameter as an id, or None."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
