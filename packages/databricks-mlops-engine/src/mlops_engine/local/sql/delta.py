"""Delta Lake on the local target: the ``deltalake`` package (delta-rs) behind PySpark's Python data source API.

Delta Lake's own Spark jars come from Maven, which offline machines cannot reach; ``deltalake`` comes
from PyPI and reads and writes the same table format. ``format("delta")`` reads and writes by path
(``versionAsOf``/``timestampAsOf``, ``mergeSchema``/``overwriteSchema``, ``partitionBy``). A write is
collected on the driver and committed as one Delta transaction, which suits local data sizes.
Catalog tables get no options from Spark, so each Delta table is registered under its own data source
name with its location built in (``table_source``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql.datasource import (
    DataSource,
    DataSourceArrowWriter,
    DataSourceReader,
    InputPartition,
    WriterCommitMessage,
)

CLOUD_URI = re.compile(r"^(abfss?|wasbs?|s3[an]?|gs|adl|r2):/", re.I)  # one slash: a URI that went through Path


class DeltaUnsupported(Exception):
    """A Delta operation the local target cannot perform; the message names it."""


class CloudStorageUnsupported(Exception):
    """A cloud storage URI (``abfss://``, ``s3://``...): the local target has no cloud storage and no network."""


def refuse_cloud_uri(path: Any, where: str = "path") -> None:
    """Fail for a cloud storage URI, naming it, before Spark or ``deltalake`` tries to reach the cloud."""
    match = CLOUD_URI.match(str(path or "").strip())
    if match:
        raise CloudStorageUnsupported(
            f"{match.group(1).lower()}:// cloud storage is not supported on the local target (offline, no "
            f"credentials): {where} {str(path)!r}; use a dbfs:/, /mnt/, /Volumes/ or workspace path instead, "
            "which the local target keeps in the local workspace")


def _option(options: Mapping[str, Any], name: str, default: Any = None) -> Any:
    lowered = {str(key).lower(): value for key, value in dict(options).items()}
    return lowered.get(name.lower(), default)


def _path(options: Mapping[str, Any]) -> str:
    path = _option(options, "path")
    if not path:
        raise ValueError("delta: a path is required (format('delta').load(path) or .save(path))")
    refuse_cloud_uri(path, "Delta path")
    return str(path)


def is_delta(path: str | Path) -> bool:
    """True when ``path`` holds a Delta table (a ``_delta_log`` folder)."""
    return (Path(path) / "_delta_log").is_dir()


def open_table(path: str, version: Any = None, timestamp: Any = None) -> Any:
    """The ``deltalake.DeltaTable`` at ``path``, at a version or timestamp when given."""
    from deltalake import DeltaTable

    table = DeltaTable(path, version=int(version) if version is not None else None)
    if timestamp is not None:
        moment = datetime.fromisoformat(str(timestamp).strip().replace(" ", "T"))
        table.load_as_version(moment if moment.tzinfo else moment.astimezone())
    return table


class _Batches(WriterCommitMessage):
    def __init__(self, ipc: bytes) -> None:
        self.ipc = ipc


class DeltaWriter(DataSourceArrowWriter):
    """Collects a task's Arrow batches; the driver commits them all as one Delta transaction."""

    def __init__(self, options: Mapping[str, Any], schema: Any, overwrite: bool) -> None:
        self.options, self.schema, self.overwrite = dict(options), schema, overwrite

    def write(self, iterator: Iterator[pa.RecordBatch]) -> _Batches:
        sink, writer = io.BytesIO(), None
        for batch in iterator:
            if writer is None:
                writer = pa.ipc.new_stream(sink, batch.schema)
            writer.write_batch(batch)
        if writer is None:
            return _Batches(b"")
        writer.close()
        return _Batches(sink.getvalue())

    def commit(self, messages: list[_Batches | None]) -> None:
        from deltalake import write_deltalake
        from pyspark.sql.pandas.types import to_arrow_schema

        tables = [pa.ipc.open_stream(m.ipc).read_all() for m in messages if m is not None and m.ipc]
        # Delta's TIMESTAMP is an instant: an empty write gets the UTC Arrow type Delta stores it as.
        data = pa.concat_tables(tables) if tables else to_arrow_schema(self.schema, timezone="UTC").empty_table()
        # Delta on Databricks stores columns nullable; Spark marks computed columns non-nullable.
        data = data.cast(pa.schema([field.with_nullable(True) for field in data.schema]))
        schema_mode = None
        if str(_option(self.options, "mergeSchema", "")).lower() == "true":
            schema_mode = "merge"
        if str(_option(self.options, "overwriteSchema", "")).lower() == "true":
            schema_mode = "overwrite"
        partition = _option(self.options, "partitionBy")
        partition_by = [c.strip('"[] ') for c in str(partition).split(",")] if partition else None
        write_deltalake(_path(self.options), data, mode="overwrite" if self.overwrite else "append",
                        schema_mode=schema_mode, partition_by=partition_by)

    def abort(self, messages: list[_Batches | None]) -> None:
        """Nothing to undo: nothing is committed before ``commit``."""


class DeltaReader(DataSourceReader):
    """Reads the table's current (or requested) snapshot in one partition."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    def partitions(self) -> list[InputPartition]:
        return [InputPartition(0)]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        table = open_table(_path(self.options), _option(self.options, "versionAsOf"),
                           _option(self.options, "timestampAsOf"))
        yield from table.to_pyarrow_dataset().to_batches()


class DeltaDataSource(DataSource):
    """``format("delta")``: Delta tables by path through ``deltalake``."""

    @classmethod
    def name(cls) -> str:
        return "delta"

    def schema(self) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        path = _path(self.options)
        if not is_delta(path):
            raise FileNotFoundError(f"[DELTA_TABLE_NOT_FOUND] {path} is not a Delta table")
        table = open_table(path, _option(self.options, "versionAsOf"), _option(self.options, "timestampAsOf"))
        return from_arrow_schema(pa.schema(table.schema().to_arrow()))

    def reader(self, schema: Any) -> DeltaReader:
        return DeltaReader(self.options)

    def writer(self, schema: Any, overwrite: bool) -> DeltaWriter:
        return DeltaWriter(self.options, schema, overwrite)


def source_name(location: str) -> str:
    """The data source name a catalog Delta table at ``location`` is registered under."""
    import hashlib

    return "delta_" + hashlib.sha1(location.encode()).hexdigest()[:16]


def table_source(location: str) -> type[DataSource]:
    """A data source class for one catalog table: Spark gives catalog tables no path, so it is built in."""
    name = source_name(location)

    class TableSource(DeltaDataSource):
        @classmethod
        def name(cls) -> str:
            return name

        def __init__(self, options: Mapping[str, Any]) -> None:
            super().__init__({**dict(options), "path": location})

    TableSource.__name__ = TableSource.__qualname__ = "DeltaTable_" + name
    return TableSource
