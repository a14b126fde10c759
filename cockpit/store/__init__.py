"""The store: the only package that speaks SQL (SQLAlchemy and SQLModel stay inside it;
``DatabaseError`` is what a database failure raises, for callers that survive one).

``Store`` (:mod:`cockpit.store.database`) opens one URL and migrates it; each aggregate has a
repository module of functions taking a connection; the tables are in
:mod:`cockpit.store.tables`; what callers pass in and get back, in
:mod:`cockpit.store.records`.
"""

from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from cockpit.store.database import Store
from cockpit.store.records import RunRecord
from cockpit.store.runs import details_of as run_details
from cockpit.store.tables import (
    ActionRecord,
    Alert,
    Audit,
    DaemonHeartbeat,
    DeliveryAttempt,
    Incident,
    IncidentEvent,
    MonitorRun,
    Outbox,
    Silence,
    SliMeasurement,
    SliName,
    SloEvaluation,
)
from cockpit.store.types import Connection, UTCDateTime, utcnow

__all__ = [
    "DatabaseError",
    "ActionRecord",
    "Alert",
    "Audit",
    "Connection",
    "DaemonHeartbeat",
    "DeliveryAttempt",
    "Incident",
    "IncidentEvent",
    "MonitorRun",
    "Outbox",
    "RunRecord",
    "Silence",
    "SliMeasurement",
    "SliName",
    "SloEvaluation",
    "Store",
    "UTCDateTime",
    "run_details",
    "utcnow",
]
