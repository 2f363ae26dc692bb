"""Starting a local SparkSession with the local target's settings (shared by runs and the warm driver)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mlops_engine.spark_class_archive import java_options as class_archive_options

WAREHOUSE_DIR = "spark-warehouse"
"""Managed tables' folder in the local workspace, for runs and the warm driver alike."""


def session_config(master: str, warehouse: Path, java_options: str | None = None) -> dict[str, str]:
    """Spark settings of a local run: lean to start, Delta by default, the warehouse in the workspace.

    Local runs work on small data (a CI subset, a sample): a JVM that only uses its quick compiler and
    interpreted expressions (no generated code to compile per query) answer such queries sooner, and maps
    the machine's class archive when there is one (``class_archive``).
    """
    if java_options is None:
        java_options = class_archive_options()
    return {
        "spark.master": master,
        "spark.app.name": "local-notebook-run",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.sources.default": "delta",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse} -XX:TieredStopAtLevel=1 "
                                         f"-XX:+UseSerialGC {java_options}".strip(),
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }


def start_session(master: str, warehouse: Path, java_options: str | None = None) -> Any:
    """A SparkSession of this process with the local target's settings."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # offline: no lookup of the host's public address
    builder = SparkSession.builder
    for key, value in session_config(master, warehouse, java_options).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
