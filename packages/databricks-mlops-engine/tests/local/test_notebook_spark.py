"""``SparkSession.builder.getOrCreate()`` in a notebook returns the run's session, as on Databricks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyspark.sql import SparkSession

from mlops_engine.local.spark.notebook_builder import route_builder, starting_session


@pytest.fixture
def routed(spark: Any) -> Iterator[list[int]]:
    """The builder routed to the session's ``spark`` for one test, PySpark's own afterwards."""
    original = SparkSession.Builder.getOrCreate
    asked: list[int] = []

    def run_session() -> Any:
        asked.append(1)
        return spark

    route_builder(run_session)
    yield asked
    SparkSession.Builder.getOrCreate = original  # type: ignore[method-assign]


def test_the_builder_gives_the_runs_session_with_its_runtime_settings(spark: Any, routed: list[int]) -> None:
    before = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        session = SparkSession.builder.appName("Pipeline").config("spark.sql.shuffle.partitions", "3").getOrCreate()
        assert session is spark and routed == [1]
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", before)


def test_while_the_run_builds_its_session_the_builder_is_pysparks_own(spark: Any, routed: list[int]) -> None:
    with starting_session():
        SparkSession.builder.getOrCreate()
    assert routed == []
