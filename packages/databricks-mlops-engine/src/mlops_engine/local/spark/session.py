"""Starting a local SparkSession with the local target's settings (shared by runs and the warm driver)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mlops_engine.local.spark.delta_jars import delta_jars
from mlops_engine.spark_class_archive import java_options as class_archive_options

WAREHOUSE_DIR = "spark-warehouse"
"""Managed tables' folder in the local workspace, for runs and the warm driver alike."""
METASTORE_DIR = ".spark-metastore"
"""The workspace's Hive metastore (Derby) beside its warehouse: the tables that outlive a run."""
DELTA = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.sources.default": "delta",
    # Small data: Delta replays its log in one task instead of 50 (the same result, sooner).
    "spark.databricks.delta.snapshotPartitions": "1",
}
"""Delta Lake's own engine as the session's extension and catalog, and the default format, as on Databricks."""


def metastore_path(workspace_root: Path) -> Path:
    """Where the workspace's metastore lives."""
    return workspace_root / METASTORE_DIR


def delta_classpath() -> str:
    """Delta's jars on the driver's class path (not ``spark.jars``): the class archive can then map their classes."""
    return ":".join(str(jar) for jar in delta_jars())


def session_config(master: str, warehouse: Path, java_options: str | None = None,
                   metastore: Path | None = None) -> dict[str, str]:
    """Spark settings of a local run: lean to start, real Delta, the warehouse in the workspace.

    Local runs work on small data (a CI subset, a sample): a JVM that only uses its quick compiler and no
    whole-stage generated code (nothing to compile per query) answers such queries sooner, and maps
    the machine's class archive when there is one (``class_archive``). With ``metastore`` the catalog is a Hive
    metastore kept there (the warm driver's, shared by the runs attached to it, kept between runs); without it,
    Spark's in-memory catalog.
    """
    if java_options is None:
        java_options = class_archive_options()
    catalog = {} if metastore is None else {
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore};create=true",
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
    }
    return {**DELTA, **catalog,
        "spark.driver.extraClassPath": delta_classpath(),
        "spark.master": master,
        "spark.app.name": "local-notebook-run",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse} -XX:TieredStopAtLevel=1 "
                                         f"-XX:+UseSerialGC {java_options}".strip(),
        "spark.sql.codegen.wholeStage": "false",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }


def readable_delta_errors() -> None:
    """Delta's errors with their own message, as on Databricks (once per process).

    PySpark formats an error's message from Spark's own table of error classes, which lacks Delta's: reading one
    (``DELTA_MERGE_UNRESOLVED_EXPRESSION``...) fails inside the conversion, and the notebook would get an
    ``INTERNAL_ERROR`` about that table instead. Delta formatted the message already: use it then.
    """
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    if getattr(CapturedException.getMessage, "_delta_readable", False):
        return
    spark_message = CapturedException.getMessage

    def get_message(self: CapturedException) -> str:
        try:
            return spark_message(self)
        except Py4JJavaError:
            return self._desc

    get_message._delta_readable = True  # type: ignore[attr-defined]
    CapturedException.getMessage = get_message  # type: ignore[method-assign]


def start_session(master: str, warehouse: Path, java_options: str | None = None,
                  metastore: Path | None = None) -> Any:
    """A SparkSession of this process with the local target's settings."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # offline: no lookup of the host's public address
    builder = SparkSession.builder
    for key, value in session_config(master, warehouse, java_options, metastore).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    readable_delta_errors()
    return session
