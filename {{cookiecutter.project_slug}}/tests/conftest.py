"""Shared fixtures: one local SparkSession, one MLflow server and one fake Databricks API per session."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from tooling.commands.unit_tests import INTEGRATION_FOLDER, SPARK_TEST_FOLDERS
from tooling.spark_class_archive import java_options

pytest_plugins = ["mlflow_fixtures", "fake_databricks.fixtures"]
SERVER_FIXTURES = {"mlflow_server"}
TESTS_DIR = Path(__file__).resolve().parent
# Small data on one core: a lean JVM (C1 compiler only) and interpreted expressions start and answer
# several seconds sooner than Spark's defaults, which pay off only on big data; the machine's class archive
# of Spark (made by `invoke ci`, see tooling/spark_class_archive.py) halves the JVM's start when there is one.
SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC {java_options()}".strip(),
}


class SparkStarter:
    """Starts the session in the background as pytest starts, so the JVM boots while modules import and the
    tests that need no Spark run; the ``spark`` fixture waits for it only if it is not ready yet."""

    def __init__(self) -> None:
        self._session: SparkSession | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._build, name="spark-start", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        try:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # offline: no lookup of the host's public address
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers (UDFs, Delta) run this venv
            builder: Any = SparkSession.builder.master("local[1]").appName("unit-tests")
            for key, value in SPARK_CONFIG.items():
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        except BaseException as error:  # noqa: BLE001 - re-raised in the test that asks for the session
            self._error = error

    def session(self) -> SparkSession:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._session is not None
        return self._session

    def stop(self) -> None:
        """End the JVM of a session that was started by closing its pipe (it exits and cleans up as when its
        Python ends, in half the time of ``SparkSession.stop``) and reap it; one still booting ends with this
        process. The accumulator server is told that its connection ends with the JVM (else it prints an
        EOFError)."""
        if self._thread is not None and not self._thread.is_alive() and self._session is not None:
            context = self._session.sparkContext
            context._accumulatorServer.handle_error = lambda request, client_address: None
            jvm = context._gateway.proc
            jvm.stdin.close()
            jvm.wait(timeout=30)


STARTER = SparkStarter()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    """Boot the JVM as the first module of a Spark test folder is collected, so it starts while the modules
    import (MLflow, scikit-learn: seconds too); a run of the other tests never starts one. With ``-k`` (a few
    chosen tests) the choice is awaited instead: see ``pytest_collection_finish``."""
    relative = file_path.relative_to(TESTS_DIR).parts if file_path.is_relative_to(TESTS_DIR) else ()
    options = parent.config.option
    if len(relative) > 1 and relative[0] in SPARK_TEST_FOLDERS and not options.collectonly and not options.keyword:
        STARTER.start()


def pytest_collection_finish(session: pytest.Session) -> None:
    """With ``-k``, boot the JVM once the tests are chosen, and only if one of them uses Spark."""
    options = session.config.option
    if options.keyword and not options.collectonly and any("spark" in getattr(item, "fixturenames", ())
                                                            for item in session.items):
        STARTER.start()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests in an ``integration/`` folder, and any other that needs a real MLflow server, are integration
    tests: `invoke ci` leaves them to `invoke test` (it does not even import the folders, see unit_tests.py).
    The tests that need no Spark run first, while the JVM boots (in their order, shuffled or not)."""
    for item in items:
        if INTEGRATION_FOLDER in item.path.parent.parts or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: "spark" in getattr(item, "fixturenames", ()))


def pytest_sessionfinish(session: pytest.Session) -> None:
    STARTER.stop()


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    """A small local SparkSession, started once, in the background."""
    return STARTER.session()
