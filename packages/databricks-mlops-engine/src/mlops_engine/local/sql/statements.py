"""Running one SQL statement on the local target as a Databricks cluster would.

Databricks SQL that Spark's parser does not know is carried out here: ``CREATE CATALOG``,
``USE CATALOG``, schemas of other catalogs, ``CREATE [OR REPLACE] TABLE`` (Delta by default, with or
without ``AS SELECT``), ``DROP TABLE`` of the local metastore, and Delta's commands (``delta_sql``).
Every other statement goes to ``spark.sql`` after ``sql_rewrite`` has made its names and paths local.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.spark_paths import map_path
from mlops_engine.local.sql.delta_sql import run_delta_command
from mlops_engine.local.sql.rewrite import UnsupportedSql, refuse_unsupported, rewrite
from mlops_engine.local.sql.table_io import catalog, default_format
from mlops_engine.local.sql.tables import TableError, split_name

CREATE_TABLE = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?TABLE\s+(?P<ifnot>IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w`.]+)\s*"
    r"(?P<columns>\((?:[^()]|\([^()]*\))*\))?\s*(?P<rest>.*)$", re.I | re.S)
CLAUSES = re.compile(
    r"\bUSING\s+(?P<using>\w+)|\bPARTITIONED\s+BY\s*\((?P<partition>[^)]*)\)|\bLOCATION\s+'(?P<location>[^']+)'"
    r"|\bCOMMENT\s+'(?:[^']|'')*'|\bTBLPROPERTIES\s*\((?P<props>(?:[^()]|\([^()]*\))*)\)|\bOPTIONS\s*\((?P<options>[^)]*)\)"
    r"|\bCLUSTER\s+BY\s*\((?P<cluster>[^)]*)\)", re.I)


def _session(spark: Any) -> Any:
    """The real SparkSession behind the notebook's lazy ``spark``."""
    session = getattr(spark, "session", None)
    return session() if callable(session) else spark


def _empty(spark: Any) -> Any:
    return spark.sql("SELECT 1 AS _ WHERE false").drop("_")


def _catalog_statement(spark: Any, statement: str) -> Any | None:
    local = catalog()
    if match := re.match(r"^\s*CREATE\s+CATALOG\s+(IF\s+NOT\s+EXISTS\s+)?([\w`]+)", statement, re.I):
        name = match.group(2).strip("`")
        if local.has_catalog(name) and not match.group(1):
            raise TableError(f"[CATALOG_ALREADY_EXISTS] Catalog '{name}' already exists")
        local.add_catalog(name)
        local.add_database(spark, local.database(name, "default"))
        return _empty(spark)
    if match := re.match(r"^\s*(?:USE|SET)\s+CATALOG\s+([\w`']+)\s*$", statement, re.I):
        name = match.group(1).strip("`'")
        if not local.has_catalog(name) and name != "main":
            raise TableError(f"[NO_SUCH_CATALOG_EXCEPTION] Catalog '{name}' was not found; CREATE CATALOG {name} first")
        local.current_catalog = name
        local.add_database(spark, local.database(name, "default"))
        spark.sql(f"USE `{local.database(name, 'default')}`")
        return _empty(spark)
    if match := re.match(r"^\s*USE\s+(?:SCHEMA\s+|DATABASE\s+)?([\w`.]+)\s*$", statement, re.I):
        parts = split_name(match.group(1))
        if len(parts) == 2:
            local.current_catalog = parts[0]
        spark.sql(f"USE `{local.database(local.current_catalog, parts[-1])}`")
        return _empty(spark)
    if match := re.match(r"^\s*CREATE\s+(?:SCHEMA|DATABASE)\s+(IF\s+NOT\s+EXISTS\s+)?([\w`.]+)", statement, re.I):
        parts = split_name(match.group(2))
        database = local.database(parts[0] if len(parts) == 2 else local.current_catalog, parts[-1])
        if not match.group(1) and spark.catalog.databaseExists(database):
            raise TableError(f"[SCHEMA_ALREADY_EXISTS] Cannot create schema `{match.group(2)}`: it already exists")
        local.add_database(spark, database)
        return _empty(spark)
    if match := re.match(r"^\s*DROP\s+(?:SCHEMA|DATABASE)\s+(IF\s+EXISTS\s+)?([\w`.]+)(\s+CASCADE)?", statement, re.I):
        parts = split_name(match.group(2))
        database = local.database(parts[0] if len(parts) == 2 else local.current_catalog, parts[-1])
        local.drop_database(spark, database, bool(match.group(3)))
        return _empty(spark)
    if match := re.match(r"^\s*DROP\s+TABLE\s+(IF\s+EXISTS\s+)?([\w`.]+)\s*$", statement, re.I):
        spark_name = local.spark_name(spark, match.group(2))
        if not local.drop(spark, spark_name) and not match.group(1) and not spark.catalog.tableExists(spark_name):
            raise TableError(f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {match.group(2)} cannot be found")
        spark.sql(f"DROP TABLE IF EXISTS {spark_name}")
        return _empty(spark)
    return None


def _create_table(spark: Any, statement: str) -> Any | None:
    match = CREATE_TABLE.match(statement.strip().rstrip(";"))
    if match is None:
        return None
    rest = match.group("rest")
    query_match = re.search(r"(?:^|\s)AS\s+(\(?\s*(?:SELECT|WITH|FROM|VALUES|TABLE)\b.*)$", rest, re.I | re.S)
    query = query_match.group(1) if query_match else None
    clauses = rest[: query_match.start()] if query_match else rest
    found: dict[str, str] = {}
    for clause in CLAUSES.finditer(clauses):
        found.update({key: value for key, value in clause.groupdict().items() if value is not None})
    leftover = CLAUSES.sub("", clauses).strip()
    if leftover:
        raise UnsupportedSql(f"CREATE TABLE clause {leftover[:60]!r} is not supported on the local target")
    if "props" in found:
        print(f"note: TBLPROPERTIES ({found['props'].strip()}) are not applied by the local target")
    table_format = found.get("using", default_format(spark)).lower()
    if query is not None:
        frame = spark.sql(rewrite(spark, query))
    elif match.group("columns"):
        frame = spark.createDataFrame([], match.group("columns").strip()[1:-1])
    elif "location" in found:
        local = catalog()
        location = Path(map_path(found["location"]))
        local.register(spark, local.spark_name(spark, match.group("name")), table_format, location, False)
        return _empty(spark)
    else:
        raise UnsupportedSql("CREATE TABLE without columns, AS SELECT or LOCATION")
    writer = frame.write.format(table_format)
    if "location" in found:
        writer = writer.option("path", found["location"])
    partition = found.get("partition") or found.get("cluster")
    if partition:
        writer = writer.partitionBy(*[c.strip().strip("`") for c in partition.split(",")])
    if match.group("replace"):
        writer = writer.option("overwriteSchema", "true")  # CREATE OR REPLACE replaces the schema too
    mode = "overwrite" if match.group("replace") else "ignore" if match.group("ifnot") else "errorifexists"
    writer.mode(mode).saveAsTable(match.group("name"))
    return _empty(spark)


def run_sql(spark: Any, statement: str) -> Any:
    """Run one statement as Databricks would and return its DataFrame."""
    session = _session(spark)
    refuse_unsupported(statement)
    for handler in (_catalog_statement, _create_table, run_delta_command):
        result = handler(session, statement)
        if result is not None:
            return result
    return session.sql(rewrite(session, statement))
