"""Unity Catalog's three-level names in the DataFrame API, as on Databricks: ``saveAsTable("c.s.t")``,
``spark.table``, ``insertInto``, ``spark.catalog.tableExists``/``listTables`` and ``DeltaTable.forName``.

The names go through ``namespace`` to the metastore database standing for ``catalog.schema``; everything else
(formats, save modes, Delta's writes) is Spark's and Delta's own.
"""

from __future__ import annotations

import functools
from typing import Any

from pyspark.sql.catalog import Catalog
from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter
from pyspark.sql.session import SparkSession

from mlops_engine.local.filesystem.spark_paths import writer_options
from mlops_engine.local.sql import namespace
from mlops_engine.local.sql.rewrite import refuse_cloud_uri

_INSTALLED: list[bool] = []


def _named(function: Any) -> Any:
    """``function(self, name, ...)`` with ``name`` a metastore name."""

    @functools.wraps(function)
    def wrapper(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        return function(self, namespace.spark_name(name), *args, **kwargs)

    return wrapper


def _named_after_session(function: Any) -> Any:
    """``function(cls, spark, name, ...)`` (``DeltaTable.forName``) with ``name`` a metastore name."""

    @functools.wraps(function)
    def wrapper(cls: Any, spark: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        return function(cls, spark, namespace.spark_name(name), *args, **kwargs)

    return wrapper


def _save_as_table(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        refuse_cloud_uri(kwargs.get("path") or writer_options(self).get("path"), f"table {name} LOCATION")
        return function(self, namespace.spark_name(name), *args, **kwargs)

    return wrapper


def _schema_named(function: Any) -> Any:
    """``function(self, dbName=None, ...)`` with a ``catalog.schema`` name as its metastore database."""

    @functools.wraps(function)
    def wrapper(self: Any, dbName: str | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: N803 - PySpark's
        if dbName is not None:
            parts = namespace.split_name(dbName)
            dbName = namespace.database(parts[0], parts[1]) if len(parts) == 2 else parts[0]
        return function(self, dbName, *args, **kwargs)

    return wrapper


def install_table_names() -> None:
    """Route the DataFrame API's table names through Unity Catalog's namespace (once per process)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    DataFrameWriter.saveAsTable = _save_as_table(DataFrameWriter.saveAsTable)
    DataFrameWriter.insertInto = _named(DataFrameWriter.insertInto)
    DataFrameReader.table = _named(DataFrameReader.table)
    SparkSession.table = _named(SparkSession.table)
    Catalog.tableExists = _named(Catalog.tableExists)
    Catalog.getTable = _named(Catalog.getTable)
    Catalog.listTables = _schema_named(Catalog.listTables)
    from delta.tables import DeltaTable

    DeltaTable.forName = classmethod(_named_after_session(DeltaTable.forName.__func__))
