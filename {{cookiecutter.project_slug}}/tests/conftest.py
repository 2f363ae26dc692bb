"""Shared fixtures: one local SparkSession, one MLflow server and one fake Databricks API per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

pytest_plugins = ["mlflow_fixtures", "fake_databricks.fixtures"]
SERVER_FIXTURES = {"mlflow_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need a real MLflow server are integration tests: `invoke ci` leaves them to `invoke test`."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A small local SparkSession, started once."""
    session = (
        SparkSession.builder.master("local[1]")
        .appName("unit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
