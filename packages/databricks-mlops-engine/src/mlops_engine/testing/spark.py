"""One small local SparkSession per test session, booted in the background while the other tests run."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from mlops_engine.spark_class_archive import java_options

SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Small data on one core: a lean JVM (C1 compiler only) and interpreted expressions answer several seconds sooner
than Spark's defaults, which pay off only on big data; the machine's class archive halves the JVM's start."""


class SparkStarter:
    """Starts the session on a thread, so the JVM boots while the tests that need no Spark run; ``session``
    waits for it only if it is not ready yet."""

    def __init__(self) -> None:
        self._session: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._build, name="spark-start", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        try:
            from pyspark.sql import SparkSession

            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # offline: no lookup of the host's public address
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers (UDFs) run this interpreter
            builder: Any = SparkSession.builder.master("local[1]").appName("tests")
            for key, value in SPARK_CONFIG.items():
                builder = builder.config(key, value)
            options = f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC {java_options()}".strip()
            self._session = builder.config("spark.driver.extraJavaOptions", options).getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        except BaseException as error:  # noqa: BLE001 - re-raised in the test that asks for the session
            self._error = error

    def session(self) -> Any:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._session

    def stop(self) -> None:
        """End the JVM by closing its pipe (it exits and cleans up as when its Python ends, in half the time of
        ``SparkSession.stop``) and reap it; the accumulator server is told its connection ends with it."""
        if self._thread is not None and not self._thread.is_alive() and self._session is not None:
            context = self._session.sparkContext
            context._accumulatorServer.handle_error = lambda request, client_address: None
            jvm = context._gateway.proc
            jvm.stdin.close()
            jvm.wait(timeout=30)
