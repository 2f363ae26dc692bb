"""Delta DDL as Databricks runs it, on the local target: CTAS, CREATE TABLE ... LOCATION, and what it refuses.

Each test gets a fresh local workspace (metastore, DBFS, warehouse in ``tmp_path``) over the session's Spark,
prepared as a run prepares its session; the path and table wrappers are undone after the test.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.catalog import Catalog
from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter
from pyspark.sql.streaming.readwriter import DataStreamReader, DataStreamWriter

from mlops_engine.local.filesystem import spark_paths
from mlops_engine.local.spark.workspace_session import prepare_session
from mlops_engine.local.sql import table_io
from mlops_engine.local.sql.delta import CloudStorageUnsupported, is_delta
from mlops_engine.local.sql.rewrite import UnsupportedSql
from mlops_engine.local.sql.statements import run_sql

Sql = Callable[[str], Any]
# Each Delta statement goes through PySpark's Python data source, whose planning starts Python processes: seconds
# per test, ten the first time. `invoke test` runs these; `invoke ci` leaves them out of its quick unit phase.
WRAPPED = (*spark_paths.READ_METHODS, *spark_paths.WRITE_METHODS, "start", "option", "options", "format", "mode",
           "saveAsTable", "insertInto", "table", "tableExists")


@pytest.fixture
def sql(spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sql]:
    """``run_sql`` (what ``%sql`` and ``spark.sql`` use) on a fresh local workspace, Delta the default format."""
    for cls in (DataFrameReader, DataFrameWriter, DataStreamReader, DataStreamWriter, SparkSession, Catalog):
        for name in WRAPPED:
            if hasattr(cls, name):
                monkeypatch.setattr(cls, name, cls.__dict__.get(name, getattr(cls, name)))
    monkeypatch.setattr(spark_paths, "_ORIGINALS", {})
    monkeypatch.setattr(spark_paths, "_STATE", {})
    monkeypatch.setattr(table_io, "_STATE", {})
    spark.conf.set("spark.sql.sources.default", "delta")  # as a run's session has it
    prepare_session(spark, tmp_path, tmp_path / "spark-warehouse")
    try:
        yield lambda statement: run_sql(spark, statement)
    finally:
        for name in table_io.catalog().load()["tables"]:
            spark.sql(f"DROP TABLE IF EXISTS {name}")
        spark.conf.unset("spark.sql.sources.default")


def in_new_thread(function: Callable[[], Any]) -> Any:
    """Run ``function`` on a thread whose JVM side has no active session, as a notebook's thread may not."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def entry(name: str) -> dict[str, Any]:
    """The local metastore's record of a table of the default schema."""
    return table_io.catalog().load()["tables"][f"default.{name}"]


def rows(sql: Sql, query: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in sql(query).collect())


def population(sql: Sql) -> None:
    sql("CREATE TABLE us_population (date INT, value BIGINT)")
    sql("INSERT INTO us_population VALUES (2000, 281), (2010, 309)")


def test_ctas_with_parenthesised_query_creates_a_delta_table_and_if_not_exists_keeps_it(sql: Sql) -> None:
    population(sql)
    statement = "CREATE TABLE IF NOT EXISTS population_count AS (\n  SELECT COUNT(*) AS total FROM us_population)"
    in_new_thread(lambda: sql(statement))
    assert entry("population_count")["format"] == "delta" and is_delta(entry("population_count")["location"])
    assert rows(sql, "SELECT * FROM population_count") == [(2,)]
    sql("INSERT INTO us_population VALUES (2020, 331)")
    sql(statement)
    assert rows(sql, "SELECT * FROM population_count") == [(2,)]


def test_create_or_replace_ctas_without_parentheses_replaces_content_and_schema(sql: Sql) -> None:
    population(sql)
    sql("CREATE TABLE first_year AS SELECT date AS year FROM us_population WHERE date = 2000")
    sql("CREATE OR REPLACE TABLE first_year USING DELTA AS SELECT date AS year, value AS people FROM us_population")
    assert rows(sql, "SELECT * FROM first_year") == [(2000, 281), (2010, 309)]
    with pytest.raises(Exception, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        sql("CREATE TABLE first_year AS SELECT 1 AS year")


def test_ctas_with_location_writes_an_external_delta_table_there(sql: Sql, tmp_path: Path) -> None:
    population(sql)
    sql("CREATE TABLE counted USING DELTA LOCATION 'dbfs:/mnt/out/counted' AS SELECT count(*) AS n FROM us_population")
    assert entry("counted") == {"format": "delta", "location": str(tmp_path / "dbfs/mnt/out/counted"), "managed": False}
    assert rows(sql, "SELECT n FROM counted") == [(2,)]


def test_create_table_using_delta_location_with_tblproperties_then_insert(sql: Sql, tmp_path: Path) -> None:
    in_new_thread(lambda: sql(
        "CREATE TABLE alarms (alarm_id INT, alarm_type STRING, valid_from TIMESTAMP)\nUSING DELTA\n"
        "LOCATION '/mnt/example/raw/alarms'\nTBLPROPERTIES (delta.enableChangeDataFeed = true)"))
    sql('INSERT INTO alarms VALUES (1, "Fire Warning", "2023-01-01 00:00:00.0001"), (2, "Flood", "2023-01-02")')
    location = tmp_path / "dbfs/mnt/example/raw/alarms"
    assert entry("alarms") == {"format": "delta", "location": str(location), "managed": False}
    assert rows(sql, "SELECT alarm_id, alarm_type FROM alarms") == [(1, "Fire Warning"), (2, "Flood")]
    sql("DROP TABLE alarms")
    assert is_delta(location)  # an external table's files outlive DROP TABLE, as on Databricks


def test_string_literals_inserted_into_typed_columns_are_cast_and_a_bad_one_fails(sql: Sql) -> None:
    sql("CREATE TABLE typed (id INT, day DATE, at TIMESTAMP, ok BOOLEAN)")
    sql("INSERT INTO typed (at, id, day) VALUES ('2023-01-01 00:00:00.0001', '7', '2023-01-02')")
    row = sql("SELECT id, cast(day AS STRING) day, cast(at AS STRING) at, ok FROM typed").first()
    assert tuple(row) == (7, "2023-01-02", "2023-01-01 00:00:00.0001", None)
    with pytest.raises(Exception, match="CAST_INVALID_INPUT"):
        sql("INSERT INTO typed VALUES (1, '2023-01-03', 'not a time', 'true')")


def test_create_table_using_delta_location_without_tblproperties(sql: Sql, tmp_path: Path) -> None:
    sql("CREATE TABLE versions (table_name STRING, last_commit_version LONG) USING DELTA "
        "LOCATION 'dbfs:/mnt/example/table_commit_version'")
    sql("INSERT INTO versions VALUES ('alarms', 1)")
    assert is_delta(tmp_path / "dbfs/mnt/example/table_commit_version")
    assert rows(sql, "SELECT * FROM versions") == [("alarms", 1)]


@pytest.mark.parametrize("statement", [
    "CREATE TABLE fact (id STRING) USING parquet LOCATION 'abfss://datalake@acct.dfs.core.windows.net/dw/fact/'",
    "CREATE TABLE fact USING DELTA LOCATION 'abfss://datalake@acct.dfs.core.windows.net/dw/fact'",
    "SELECT * FROM delta.`abfss://datalake@acct.dfs.core.windows.net/dw/fact`",
])
def test_cloud_storage_locations_are_refused_naming_the_uri(sql: Sql, tmp_path: Path, statement: str) -> None:
    with pytest.raises(CloudStorageUnsupported, match=r"abfss:// cloud storage is not supported.*datalake@acct"):
        sql(statement)
    assert table_io.catalog().load()["tables"] == {}


def test_saving_a_table_to_a_cloud_path_is_refused_before_anything_is_written(sql: Sql, spark: SparkSession) -> None:
    writer = spark.range(1).write.format("delta").option("path", "s3://bucket/t")
    with pytest.raises(CloudStorageUnsupported, match="s3:// cloud storage"):
        writer.saveAsTable("t")
    assert table_io.catalog().load()["tables"] == {}


def test_table_changes_is_refused_naming_the_change_data_feed(sql: Sql) -> None:
    sql("CREATE TABLE alarms (alarm_id INT) TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    with pytest.raises(UnsupportedSql, match=r"table_changes\(\) \(Delta change data feed\) is not supported"):
        sql("select * from table_changes('alarms',1)")


def test_a_second_session_over_the_same_catalog_restores_and_drops_delta_tables(sql: Sql, spark: SparkSession,
                                                                                 tmp_path: Path) -> None:
    """Runs on a warm driver are sessions sharing one catalog, each with its own data sources."""
    sql("CREATE TABLE kept (id INT)")
    sql("CREATE TABLE gone (id INT) USING DELTA LOCATION '/mnt/gone'")
    shutil.rmtree(tmp_path / "dbfs/mnt/gone")
    other = spark.newSession()
    table_io.activate(other)  # as a run's thread on the warm driver has none of the other runs' sessions active
    try:
        prepare_session(other, tmp_path, tmp_path / "spark-warehouse")
        run_sql(other, "INSERT INTO kept VALUES (1)")
        run_sql(other, "DROP TABLE gone")
        assert [row.tableName for row in run_sql(other, "SHOW TABLES").collect()] == ["kept"]
    finally:
        table_io.activate(spark)
