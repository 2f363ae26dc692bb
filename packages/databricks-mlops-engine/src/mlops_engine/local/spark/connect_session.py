"""The notebook's ``spark`` on serverless compute, locally: a Spark Connect session, limited as serverless limits it.

Where the project's compute is serverless the runner sets ``MLOPS_SPARK_CONNECT=1`` in the run's environment; the
run's ``spark`` is then a session on the workspace's warm Spark Connect server (``connect_server``) and is an
instance of ``pyspark.sql.connect.session.SparkSession``, so code that needs ``sparkContext``, RDDs or the JVM fails
with Spark Connect's own error, as on serverless; setting a Spark property serverless does not accept fails with
serverless' ``CONFIG_NOT_AVAILABLE`` (the documented list is in ``runtimes.json``); Delta's ``DeltaTable`` Python API,
which serverless serves but the local server cannot (it would need Delta Connect's server plugin), fails naming that.
Workspace paths and Unity Catalog's three-level names reach the Connect readers, writers and catalog as they reach
the classic ones.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from typing import Any

CONNECT_ENV = "MLOPS_SPARK_CONNECT"
"""Set to 1 in a run's environment by the runner where the project's compute is serverless."""
SPARK_CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"
"""PySpark's own switch: its functions, Column and DataFrame helpers then build Spark Connect plans."""
_SET = re.compile(r"^\s*SET\s+(?!VAR(?:IABLE)?\b)([^\s=]+)\s*=", re.IGNORECASE)
_INSTALLED: set[str] = set()


def connect_mode() -> bool:
    """Whether this run's ``spark`` is a Spark Connect session (the project's compute is serverless)."""
    return os.environ.get(CONNECT_ENV, "0") == "1"


def _classic_names(cls: type) -> frozenset[str]:
    """The classic SparkSession's attributes that ``cls`` (a lazy session) does not define itself."""
    from pyspark.sql.session import SparkSession

    own: set[str] = set()
    for klass in cls.__mro__:
        if klass is SparkSession:
            break
        own |= set(vars(klass))
    return frozenset(name for name in dir(SparkSession) if not name.startswith("__")) - own


_classic_names_of = functools.cache(_classic_names)


class ConnectDelegation:
    """Makes a lazy classic ``SparkSession`` stand for a Spark Connect session when ``self._connect`` is set.

    The lazy session subclasses the classic class (``isinstance`` holds on classic compute); in Spark Connect mode
    every attribute of the classic class it does not define itself is the Connect session's instead, and its class,
    as ``isinstance`` sees it, is ``pyspark.sql.connect.session.SparkSession``.
    """

    def __getattribute__(self, name: str) -> Any:
        if (not name.startswith("__") and object.__getattribute__(self, "__dict__").get("_connect")
                and name in _classic_names_of(type(self))):
            return getattr(object.__getattribute__(self, "session")(), name)
        return object.__getattribute__(self, name)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: D105 - isinstance's view of the session
        if object.__getattribute__(self, "__dict__").get("_connect"):
            from pyspark.sql.connect.session import SparkSession as ConnectSparkSession

            return ConnectSparkSession
        return type(self)


def start_connect_session(workspace_root: Any, master: str, warehouse: Any) -> Any:
    """The run's Spark Connect session on the workspace's warm server (started if need be)."""
    from mlops_engine.local.spark.connect_server import attach_or_start

    return attach_or_start(workspace_root, master, warehouse)


def install_connect_api(workspace_root: Any) -> None:
    """PySpark in Spark Connect mode, with workspace paths and Unity Catalog's names in its Connect readers,
    writers and catalog, in this process (once)."""
    os.environ[SPARK_CONNECT_MODE] = "1"
    if "api" in _INSTALLED:
        return
    _INSTALLED.add("api")
    from pyspark.sql.connect.catalog import Catalog
    from pyspark.sql.connect.readwriter import DataFrameReader, DataFrameWriter

    from mlops_engine.local.filesystem import spark_paths
    from mlops_engine.local.sql import table_names

    for cls, methods in ((DataFrameReader, spark_paths.READ_METHODS), (DataFrameWriter, spark_paths.WRITE_METHODS)):
        for name in methods:
            if hasattr(cls, name):
                setattr(cls, name, spark_paths._paths_wrapper(cls, name))
        cls.option = spark_paths._option_wrapper(cls)
        cls.options = spark_paths._options_wrapper(cls)
        cls.format = spark_paths._remember(cls, "format")
    DataFrameWriter.mode = spark_paths._remember(DataFrameWriter, "mode")
    DataFrameWriter.saveAsTable = table_names._save_as_table(DataFrameWriter.saveAsTable)
    DataFrameWriter.insertInto = table_names._named(DataFrameWriter.insertInto)
    DataFrameReader.table = table_names._named(DataFrameReader.table)
    Catalog.tableExists = table_names._named(Catalog.tableExists)
    Catalog.getTable = table_names._named(Catalog.getTable)
    Catalog.listTables = table_names._schema_named(Catalog.listTables)
    _refuse_delta_table_api()
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # a failed query is the cell's error, once


def _refuse_delta_table_api() -> None:
    """``DeltaTable.forName``/``forPath``/``create*`` on the local Connect server: a loud error naming the way."""
    from delta.tables import DeltaTable

    def refused(name: str) -> Any:
        def method(cls: Any, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(
                f"DeltaTable.{name} on serverless compute runs locally on Spark Connect, whose local server has no "
                "Delta Connect plugin: use Delta's SQL (MERGE INTO, DESCRIBE HISTORY, RESTORE, OPTIMIZE, VACUUM) "
                "locally, or classic compute for the DeltaTable API")

        return classmethod(method)

    for name in ("forName", "forPath", "convertToDelta", "create", "createIfNotExists", "createOrReplace",
                 "replace", "isDeltaTable"):
        setattr(DeltaTable, name, refused(name))


def refuse_unsupported_conf() -> None:
    """Setting a Spark property serverless does not accept (``spark.conf.set`` or SQL ``SET k = v``) fails with
    serverless' error, in this process (once); the accepted ones are Databricks' documented list."""
    if "conf" in _INSTALLED:
        return
    _INSTALLED.add("conf")
    from pyspark.sql.connect.conf import RuntimeConf
    from pyspark.sql.connect.session import SparkSession

    original_set, original_sql = RuntimeConf.set, SparkSession.sql

    @functools.wraps(original_set)
    def set_conf(self: Any, key: str, value: Any) -> None:
        _check_settable(key)
        original_set(self, key, value)

    @functools.wraps(original_sql)
    def sql(self: Any, sqlQuery: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N803 - PySpark's name
        if match := _SET.match(sqlQuery):
            _check_settable(match.group(1))
        return original_sql(self, sqlQuery, *args, **kwargs)

    RuntimeConf.set = set_conf  # type: ignore[method-assign]
    SparkSession.sql = sql  # type: ignore[method-assign]


def _check_settable(key: str) -> None:
    from pyspark.errors.exceptions.connect import AnalysisException

    from mlops_engine.runtimes import serverless_conf_error, serverless_settable_conf

    if key not in serverless_settable_conf():
        raise AnalysisException(message=serverless_conf_error(key), errorClass="CONFIG_NOT_AVAILABLE",
                                messageParameters={"config": key}, sql_state="42K0I")
