"""The DataFrame API's table and Delta writes, as on Databricks: ``saveAsTable``, ``insertInto``, ``table``.

Installed over the path wrapping of ``spark_paths``: table names go through ``LocalCatalog`` (three-level
names, the registry that outlives the run) and a Delta write by path gets Databricks' save modes
(``errorifexists`` refuses an existing table, ``ignore`` leaves it), which PySpark's Python data sources
do not offer on their own. Spark finds a Python data source (Delta here) only through the JVM thread's
active session, which a notebook thread other than the one that built the session lacks (on Databricks
the notebook's session is always active), so each read and write makes its session active first.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

from pyspark.sql.catalog import Catalog
from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter
from pyspark.sql.session import SparkSession

from mlops_engine.local.filesystem.spark_paths import map_path, original, writer_options, writer_setting
from mlops_engine.local.sql.delta import is_delta, refuse_cloud_uri
from mlops_engine.local.sql.tables import LocalCatalog, TableError

ERROR_MODES = ("error", "errorifexists", "default")
_STATE: dict[str, LocalCatalog] = {}


def catalog() -> LocalCatalog:
    """The process's local catalog (installed with the run's Spark session)."""
    if "catalog" not in _STATE:
        raise RuntimeError("the local catalog is not installed: start the session through "
                           "mlops_engine.local.spark.workspace_session")
    return _STATE["catalog"]


def activate(spark: Any) -> None:
    """Make ``spark`` the active session of this thread, in Python and in the JVM (as ``createDataFrame`` does)."""
    session = getattr(spark, "_jsparkSession", None)
    if session is None:
        return  # not a classic session (Spark Connect): nothing thread-bound to set
    SparkSession._activeSession = spark
    SparkSession._get_j_spark_session_class(spark._jvm).setActiveSession(session)


def default_format(spark: Any) -> str:
    """The format a write without ``format()`` uses: Delta, as on Databricks."""
    return spark.conf.get("spark.sql.sources.default", "delta").lower()


def save_path(writer: DataFrameWriter, path: str | None = None, format: str | None = None,  # noqa: A002
              mode: str | None = None, partitionBy: Any = None, **options: Any) -> None:  # noqa: N803
    """``DataFrameWriter.save`` with Delta's save modes on top of the Python data source's append/overwrite."""
    table_format = (format or writer_setting(writer, "format") or default_format(writer._spark)).lower()
    chosen = (mode or writer_setting(writer, "mode") or "errorifexists").lower()
    path = map_path(path)
    target = path or writer_options(writer).get("path")
    refuse_cloud_uri(target, f"save() of {table_format} to")
    activate(writer._spark)
    if table_format == "delta" and target and chosen in (*ERROR_MODES, "ignore"):
        if is_delta(target):
            if chosen == "ignore":
                return None
            raise TableError(f"[DELTA_PATH_EXISTS] Cannot write to already existent path {target} without "
                             "setting mode('overwrite') or mode('append').")
        mode = "append"
    return original(DataFrameWriter, "save")(writer, path, format, mode, partitionBy, **options)


def save_as_table(writer: DataFrameWriter, name: str, format: str | None = None,  # noqa: A002
                  mode: str | None = None, partitionBy: Any = None, **options: Any) -> None:  # noqa: N803
    """``saveAsTable``: write the files at the table's location, then (re-)register it."""
    spark, local = writer._spark, catalog()
    table_format = (format or writer_setting(writer, "format") or default_format(spark)).lower()
    chosen = (mode or writer_setting(writer, "mode") or "errorifexists").lower()
    spark_name = local.spark_name(spark, name)
    entry = local.table_entry(spark_name)
    exists = entry is not None or spark.catalog.tableExists(spark_name)
    if exists and chosen in ERROR_MODES:
        raise TableError(f"[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view {name} because it already "
                         "exists. Choose a different name, drop the existing object, or use mode('overwrite').")
    if exists and chosen == "ignore":
        return
    path_option = writer_options(writer).get("path")  # set with .option("path", ...): Spark saves there itself
    explicit = map_path(options.pop("path", None)) or path_option
    refuse_cloud_uri(explicit, f"table {name} LOCATION")
    location = Path(explicit) if explicit else Path(entry["location"]) if entry else local.location(spark_name)
    managed = not explicit and (entry is None or entry["managed"])
    if entry and entry["format"] != table_format:
        if chosen != "overwrite":
            raise TableError(f"[DELTA_TABLE_FORMAT_MISMATCH] {name} is a {entry['format']} table, "
                             f"not {table_format}; use mode('overwrite') to replace it")
        if managed:
            shutil.rmtree(location, ignore_errors=True)
    elif entry is None and managed and location.exists():
        shutil.rmtree(location)  # files of a managed table the registry no longer knows
    if partitionBy:
        writer.partitionBy(partitionBy) if isinstance(partitionBy, str) else writer.partitionBy(*partitionBy)
    if options:
        writer.options(**options)
    original(DataFrameWriter, "mode")(writer, "overwrite" if chosen == "overwrite" else "append")
    original(DataFrameWriter, "format")(writer, table_format)
    activate(spark)
    # A path both as option and as argument is refused by Spark: the option's path is the location then.
    original(DataFrameWriter, "save")(writer, None if path_option else str(location))
    local.register(spark, spark_name, table_format, location, managed)


def _name_wrapper(cls: type, method: str) -> Any:
    function = getattr(cls, method)

    @functools.wraps(function)
    def wrapper(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        session = self if isinstance(self, SparkSession) else getattr(self, "_spark", None) or self._sparkSession
        activate(session)
        return function(self, catalog().spark_name(session, name, qualify=False), *args, **kwargs)

    return wrapper


def _active_wrapper(cls: type, method: str) -> Any:
    function = getattr(cls, method)

    @functools.wraps(function)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        activate(self._spark)
        return function(self, *args, **kwargs)

    return wrapper


def install_table_io(spark: Any, local: LocalCatalog) -> None:
    """Route the DataFrame API's table names and Delta saves through the local catalog (idempotent)."""
    first = "catalog" not in _STATE
    _STATE["catalog"] = local
    if not first:
        return
    DataFrameWriter.save = functools.wraps(original(DataFrameWriter, "save"))(
        lambda self, path=None, format=None, mode=None, partitionBy=None, **options: save_path(  # noqa: A006
            self, path, format, mode, partitionBy, **options))
    DataFrameWriter.saveAsTable = functools.wraps(DataFrameWriter.saveAsTable)(save_as_table)
    DataFrameWriter.insertInto = _name_wrapper(DataFrameWriter, "insertInto")
    DataFrameReader.load = _active_wrapper(DataFrameReader, "load")
    DataFrameReader.table = _name_wrapper(DataFrameReader, "table")
    SparkSession.table = _name_wrapper(SparkSession, "table")
    Catalog.tableExists = _name_wrapper(Catalog, "tableExists")
