"""One small local SparkSession per test session (with Delta's engine, as on Databricks), booted in the background
while the other tests run."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any

from mlops_engine.local.spark.session import DELTA, delta_classpath, readable_delta_errors
from mlops_engine.spark_class_archive import java_options

SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Small data on one core: a lean JVM (C1 compiler only) and no whole-stage generated code answer several seconds sooner
than Spark's defaults, which pay off only on big data; the machine's class archive halves the JVM's start."""


def start_session() -> Any:
    """The tests' SparkSession: one core, a lean JVM, the machine's class archive."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # offline: no lookup of the host's public address
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers (UDFs) run this interpreter
    builder: Any = SparkSession.builder.master("local[1]").appName("tests")
    for key, value in {**SPARK_CONFIG, **DELTA, "spark.driver.extraClassPath": delta_classpath()}.items():
        builder = builder.config(key, value)
    options = f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC {java_options()}".strip()
    # Tables a test saves go to a scratch folder, not a spark-warehouse/ in the folder pytest runs from.
    builder = builder.config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="spark-warehouse-"))
    session = builder.config("spark.driver.extraJavaOptions", options).getOrCreate()
    readable_delta_errors()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_session(session: Any) -> None:
    """End the JVM by closing its pipe (it exits and cleans up as when its Python ends, in half the time of
    ``SparkSession.stop``) and reap it; the accumulator server is told its connection ends with it. The scratch
    warehouse goes with it."""
    warehouse = session.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    context = session.sparkContext
    context._accumulatorServer.handle_error = lambda request, client_address: None
    jvm = context._gateway.proc
    jvm.stdin.close()
    jvm.wait(timeout=30)
    shutil.rmtree(warehouse, ignore_errors=True)
