"""Delta Lake and Unity Catalog's namespace on the local target, by Delta's own engine (the jars of the installed
``delta-spark``), as a run's ``spark.sql`` and ``%sql`` run them.

Each test gets a fresh local workspace (DBFS and volumes in ``tmp_path``) over the tests' Spark, prepared as a run
prepares its session, and leaves no table or schema behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from mlops_engine.local.spark.workspace_session import prepare_session
from mlops_engine.local.sql import namespace
from mlops_engine.local.sql.rewrite import CloudStorageUnsupported, UnsupportedSql
from mlops_engine.local.sql.statements import run_sql

Sql = Callable[[str], Any]


@pytest.fixture
def sql(spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sql]:
    """``run_sql`` (what ``%sql`` and ``spark.sql`` use) on a fresh local workspace with the runtime's settings."""
    monkeypatch.setenv("MLOPS_RUNTIME_SPARK_CONF", '{"spark.sql.ansi.enabled": "true"}')
    monkeypatch.setitem(namespace._CURRENT, "catalog", namespace.DEFAULT_CATALOG)
    before = {row[0] for row in spark.sql("SHOW DATABASES").collect()}
    prepare_session(spark, tmp_path)
    try:
        yield lambda statement: run_sql(spark, statement)
    finally:
        spark.sql("USE default")
        for table in spark.catalog.listTables("default"):
            spark.sql(f"DROP TABLE IF EXISTS default.`{table.name}`")
        for database in {row[0] for row in spark.sql("SHOW DATABASES").collect()} - before:
            spark.sql(f"DROP DATABASE `{database}` CASCADE")


def rows(sql: Sql, query: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in sql(query).collect())


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


def test_a_multi_line_lower_case_merge_runs_and_the_history_time_travel_and_restore_follow(sql: Sql) -> None:
    sql("CREATE TABLE stock (id INT, qty INT)")
    sql("INSERT INTO stock VALUES (1, 10), (2, 20)")
    sql("""merge into stock t
           using (select 2 as id, 25 as qty union all select 3, 30) s
           on t.id = s.id
           when matched then update set *
           when not matched then insert *""")
    assert rows(sql, "SELECT * FROM stock") == [(1, 10), (2, 25), (3, 30)]
    assert [row.operation for row in sql("DESCRIBE HISTORY stock").collect()] == ["MERGE", "WRITE", "CREATE TABLE"]
    assert rows(sql, "SELECT * FROM stock VERSION AS OF 1") == [(1, 10), (2, 20)]
    assert rows(sql, "SELECT count(*) FROM stock@v0") == [(0,)]
    sql("RESTORE TABLE stock TO VERSION AS OF 1")
    assert rows(sql, "SELECT * FROM stock") == [(1, 10), (2, 20)]


def test_a_table_saved_without_a_format_is_delta_and_takes_optimize_vacuum_and_delta_table(
        sql: Sql, spark: SparkSession) -> None:
    spark.range(6).selectExpr("id", "id % 3 AS store").write.saveAsTable("plain")
    assert sql("DESCRIBE DETAIL plain").first().format == "delta"
    assert sql("OPTIMIZE plain ZORDER BY (store)").first().metrics.numFilesAdded >= 1
    sql("VACUUM plain RETAIN 168 HOURS")
    table = DeltaTable.forName(spark, "plain")
    table.delete("store = 0")
    assert table.toDF().count() == 4
    assert table.history().first().operation == "DELETE"


def test_change_data_feed_and_check_constraints_are_delta_s_own(sql: Sql) -> None:
    sql("CREATE TABLE alarms (id INT, kind STRING) TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    sql("INSERT INTO alarms VALUES (1, 'fire')")
    sql("UPDATE alarms SET kind = 'flood' WHERE id = 1")
    changes = rows(sql, "SELECT id, kind, _change_type FROM table_changes('alarms', 2)")
    assert changes == [(1, "fire", "update_preimage"), (1, "flood", "update_postimage")]
    sql("ALTER TABLE alarms ADD CONSTRAINT known_id CHECK (id > 0)")
    with pytest.raises(Exception, match="DELTA_VIOLATE_CONSTRAINT_WITH_VALUES"):
        sql("INSERT INTO alarms VALUES (-1, 'none')")


def test_delta_s_own_errors_reach_the_notebook_with_their_message(sql: Sql) -> None:
    sql("CREATE TABLE stock (id INT, qty INT)")
    with pytest.raises(Exception, match=r"^\[DELTA_MERGE_UNRESOLVED_EXPRESSION\] Cannot resolve qty in INSERT clause"):
        sql("MERGE INTO stock t USING (SELECT 1 id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *")


def test_ctas_and_create_table_at_a_workspace_location_write_delta_there(sql: Sql, tmp_path: Path) -> None:
    in_new_thread(lambda: sql("CREATE TABLE counted USING DELTA LOCATION 'dbfs:/mnt/out/counted' AS SELECT 2 AS n"))
    assert (tmp_path / "dbfs/mnt/out/counted/_delta_log").is_dir()
    sql("CREATE TABLE alarms (alarm_id INT, kind STRING)\nUSING DELTA\nLOCATION '/mnt/raw/alarms'")
    sql("INSERT INTO alarms VALUES (1, 'fire')")
    assert rows(sql, "SELECT * FROM delta.`dbfs:/mnt/raw/alarms`") == [(1, "fire")]
    sql("DROP TABLE alarms")
    assert (tmp_path / "dbfs/mnt/raw/alarms/_delta_log").is_dir()  # an external table's files outlive DROP TABLE


def test_unity_catalog_namespace_statements_answer_as_a_workspace(sql: Sql, spark: SparkSession) -> None:
    sql("DROP CATALOG IF EXISTS scratch CASCADE")
    sql("CREATE CATALOG scratch")
    sql("CREATE SCHEMA scratch.sales")
    spark.range(3).write.saveAsTable("scratch.sales.orders")
    assert "scratch" in [row.catalog for row in sql("SHOW CATALOGS").collect()]
    assert [row.databaseName for row in sql("SHOW SCHEMAS IN scratch").collect()] == ["default", "sales"]
    assert [table.name for table in spark.catalog.listTables("scratch.sales")] == ["orders"]
    sql("USE CATALOG scratch")
    assert sql("SELECT current_catalog()").first()[0] == "scratch"
    assert rows(sql, "SELECT count(*) FROM sales.orders") == [(3,)]
    with pytest.raises(namespace.NamespaceError, match="SCHEMA_NOT_EMPTY"):
        sql("DROP CATALOG scratch")
    sql("DROP CATALOG IF EXISTS scratch CASCADE")
    assert "scratch" not in [row.catalog for row in sql("SHOW CATALOGS").collect()]
    assert sql("SELECT current_catalog()").first()[0] == "hive_metastore"
    with pytest.raises(namespace.NamespaceError, match="NO_SUCH_CATALOG_EXCEPTION"):
        sql("USE CATALOG scratch")


def test_a_managed_volume_is_a_folder_under_volumes(sql: Sql, spark: SparkSession, tmp_path: Path) -> None:
    sql("CREATE SCHEMA IF NOT EXISTS main.raw")
    with pytest.raises(namespace.NamespaceError, match="SCHEMA_NOT_FOUND"):
        sql("CREATE VOLUME main.nowhere.files")
    sql("CREATE VOLUME main.raw.files")
    spark.range(2).write.csv("/Volumes/main/raw/files/ids")
    assert spark.read.csv("/Volumes/main/raw/files/ids").count() == 2
    assert (tmp_path / "Volumes/main/raw/files/ids").is_dir()
    with pytest.raises(namespace.NamespaceError, match="VOLUME_ALREADY_EXISTS"):
        sql("CREATE VOLUME main.raw.files")
    sql("DROP VOLUME main.raw.files")
    assert not (tmp_path / "Volumes/main/raw/files").exists()
    with pytest.raises(UnsupportedSql, match="external volumes"):
        sql("CREATE EXTERNAL VOLUME main.raw.ext LOCATION 's3://bucket/x'")


def test_string_literals_inserted_into_typed_columns_are_cast_and_a_bad_one_fails(sql: Sql) -> None:
    sql("CREATE TABLE typed (id INT, day DATE, at TIMESTAMP, ok BOOLEAN)")
    sql("INSERT INTO typed (at, id, day) VALUES ('2023-01-01 00:00:00.0001', '7', '2023-01-02')")
    row = sql("SELECT id, cast(day AS STRING) day, cast(at AS STRING) at, ok FROM typed").first()
    assert tuple(row) == (7, "2023-01-02", "2023-01-01 00:00:00.0001", None)
    with pytest.raises(Exception, match="CAST_INVALID_INPUT"):
        sql("INSERT INTO typed VALUES (1, '2023-01-03', 'not a time', 'true')")


def test_ansi_mode_is_the_runtime_s(sql: Sql) -> None:
    with pytest.raises(Exception, match="CAST_INVALID_INPUT"):
        sql("SELECT CAST('' AS FLOAT)").collect()


@pytest.mark.parametrize("statement", [
    "CREATE TABLE fact (id STRING) USING parquet LOCATION 'abfss://datalake@acct.dfs.core.windows.net/dw/fact/'",
    "SELECT * FROM delta.`abfss://datalake@acct.dfs.core.windows.net/dw/fact`",
])
def test_cloud_storage_locations_are_refused_naming_the_uri(sql: Sql, statement: str) -> None:
    with pytest.raises(CloudStorageUnsupported, match=r"abfss:// cloud storage is not supported.*datalake@acct"):
        sql(statement)


def test_saving_a_table_to_a_cloud_path_is_refused_before_anything_is_written(sql: Sql, spark: SparkSession) -> None:
    writer = spark.range(1).write.format("delta").option("path", "s3://bucket/t")
    with pytest.raises(CloudStorageUnsupported, match="s3:// cloud storage"):
        writer.saveAsTable("t")
    assert not spark.catalog.tableExists("t")


@pytest.mark.parametrize(("statement", "what"), [
    ("COPY INTO stock FROM '/x' FILEFORMAT = CSV", "COPY INTO"),
    ("CREATE TABLE c DEEP CLONE stock", "DEEP CLONE"),
])
def test_what_needs_databricks_itself_is_refused_naming_it(sql: Sql, statement: str, what: str) -> None:
    with pytest.raises(UnsupportedSql, match=f"{what}.*is not supported on the local target"):
        sql(statement)
