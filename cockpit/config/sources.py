"""Where a service's data lives: the prediction log, its reference, its late labels."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from cockpit.config.base import Duration, EnvName, Strict


class FileSource(Strict):
    kind: Literal["csv", "parquet"]
    path: str = Field(description="a file or a glob, relative to the config file")
    timestamp: str | None = Field(default=None, description="column with each row's time")


class SqlSource(Strict):
    kind: Literal["sql"]
    url: str | None = None
    url_env: EnvName | None = None
    table: str | None = None
    query: str | None = None
    timestamp: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SqlSource:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of `url` or `url_env`")
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        return self


class TableSource(Strict):
    """A table of a Spark catalog (``ml.predictions``), read by the ``spark`` engine."""

    kind: Literal["table"]
    table: str = Field(description="the catalog table, like ml.predictions")
    timestamp: str | None = Field(default=None, description="column with each row's time")


class LabelsFileSource(FileSource):
    key: str = Field(description="column joining labels to predictions, e.g. request_id")
    delay: Duration = Field(default=timedelta(0), description="how late labels arrive")


class LabelsSqlSource(SqlSource):
    key: str
    delay: Duration = timedelta(0)


class RollingReference(Strict):
    """A reference taken from the current source itself: ``[T - offset - window, T - offset)``."""

    window: Duration
    offset: Duration = timedelta(0)


def _source_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    if kind is None and isinstance(value, dict) and "window" in value:
        return "rolling"
    return {"csv": "file", "parquet": "file", "sql": "sql"}.get(kind, kind)


Source = Annotated[
    Annotated[FileSource, Tag("file")]
    | Annotated[SqlSource, Tag("sql")]
    | Annotated[TableSource, Tag("table")],
    Discriminator(_source_tag),
]
ReferenceSource = Annotated[
    Annotated[FileSource, Tag("file")]
    | Annotated[SqlSource, Tag("sql")]
    | Annotated[RollingReference, Tag("rolling")],
    Discriminator(_source_tag),
]
LabelsSource = Annotated[
    Annotated[LabelsFileSource, Tag("file")] | Annotated[LabelsSqlSource, Tag("sql")],
    Discriminator(_source_tag),
]


class DataSources(Strict):
    current: Source
    reference: ReferenceSource | None = None
    labels: LabelsSource | None = None

    @field_validator("current")
    @classmethod
    def _needs_timestamp(
        cls, value: FileSource | SqlSource | TableSource
    ) -> FileSource | SqlSource | TableSource:
        if value.timestamp is None:
            raise ValueError("the current data needs `timestamp`, the column with each row's time")
        return value
