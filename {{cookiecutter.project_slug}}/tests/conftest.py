"""Shared fixtures: one local SparkSession, one MLflow server and one fake Databricks API per session."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest
from pyspark.sql import SparkSession

pytest_plugins = ["mlflow_fixtures", "fake_databricks.fixtures"]
SERVER_FIXTURES = {"mlflow_server"}
# Small data on one core: a lean JVM (C1 compiler only) and interpreted expressions start and answer
# several seconds sooner than Spark's defaults, which pay off only on big data.
SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
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
        """Stop a session that was started; one still booting ends with this process (the JVM watches it)."""
        if self._thread is not None and not self._thread.is_alive() and self._session is not None:
            self._session.stop()


STARTER = SparkStarter()
if not {"--collect-only", "--co"} & set(sys.argv):
    # Now, as pytest loads this file: the JVM boots while the plugins below (MLflow, scikit-learn) and the test
    # modules import, which takes seconds too.
    STARTER.start()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need a real MLflow server are integration tests: `invoke ci` leaves them to `invoke test`."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def pytest_sessionfinish(session: pytest.Session) -> None:
    STARTER.stop()


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    """A small local SparkSession, started once, in the background."""
    return STARTER.session()
