"""SQL text as Databricks reads it, rewritten for Spark's parser on the local target.

Three-level names whose first part is a known catalog become ``catalog__schema.table`` (``hive_metastore``
and ``spark_catalog`` names become ``schema.table``); paths in ``LOCATION '...'`` and in
``format.`path``` become local paths; ``delta.`path``` and Delta time travel (``VERSION AS OF``,
``TIMESTAMP AS OF``, ``name@v3``) read through temporary views of the Delta data source; string
literals of ``INSERT ... VALUES`` get the casts to their columns' types that Databricks applies implicitly.
Statements the local target cannot run fail here, naming the operation: among them cloud storage
locations (``abfss://``, ``s3://``...) and the change data feed (``table_changes``), which ``deltalake``
could read only if the table had been written with ``delta.enableChangeDataFeed``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pyspark.sql.types import StringType

from mlops_engine.local.filesystem.spark_paths import map_path
from mlops_engine.local.sql.delta import refuse_cloud_uri
from mlops_engine.local.sql.table_io import catalog

IDENT = r"(?:`[^`]+`|[A-Za-z_][\w$]*)"
MORE_PARTS = "{0,2}"  # a table name has up to two more dotted parts: catalog.schema.table
NAME3 = re.compile(rf"(?<![\w.`])({IDENT})\.({IDENT})\.({IDENT})(?![\w`(])")
LOCATION = re.compile(r"(\bLOCATION\s+)(['\"])([^'\"]+)\2", re.IGNORECASE)
PATH_TABLE = re.compile(r"\b(delta|parquet|csv|json|orc|text|avro|binaryFile)\.`([^`]+)`", re.IGNORECASE)
TRAVEL = re.compile(
    rf"(?<![\w.`])({IDENT}(?:\.{IDENT}){MORE_PARTS})\s+(?:VERSION\s+AS\s+OF\s+(\d+)|TIMESTAMP\s+AS\s+OF\s+'([^']+)')"
    rf"|(?<![\w.`])({IDENT}(?:\.{IDENT}){MORE_PARTS})@v(\d+)\b",
    re.IGNORECASE,
)
INSERT = re.compile(r"^\s*INSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?(?P<name>[\w`.]+)\s*(?P<columns>\([^()]*\))?\s*"
                    r"(?P<query>VALUES\b.*?)\s*;?\s*$", re.I | re.S)
STRING_TARGETS = re.compile(r"^(tinyint|smallint|int|bigint|float|double|decimal.*|boolean|date|timestamp(_ntz)?|binary"
                            r"|interval.*)$")
UNSUPPORTED = [
    (re.compile(r"\b(SHALLOW|DEEP)\s+CLONE\b|\bCLONE\b", re.I), "CLONE (Delta table cloning)"),
    (re.compile(r"^\s*CONVERT\s+TO\s+DELTA\b", re.I), "CONVERT TO DELTA"),
    (re.compile(r"^\s*COPY\s+INTO\b", re.I), "COPY INTO"),
    (re.compile(r"^\s*CREATE\s+(OR\s+REFRESH\s+)?(STREAMING\s+TABLE|MATERIALIZED\s+VIEW|LIVE\s+)", re.I),
     "Delta Live Tables / streaming tables / materialized views"),
    (re.compile(r"^\s*APPLY\s+CHANGES\b", re.I), "APPLY CHANGES (Delta Live Tables)"),
    (re.compile(r"^\s*CACHE\s+SELECT\b", re.I), "CACHE SELECT (disk cache)"),
    (re.compile(r"^\s*(FSCK|GENERATE)\b", re.I), "FSCK / GENERATE (Delta maintenance)"),
    (re.compile(r"^\s*(GRANT|REVOKE|DENY)\b", re.I), "GRANT / REVOKE (Unity Catalog permissions)"),
    (re.compile(r"^\s*(CREATE|DROP|ALTER)\s+(VOLUME|EXTERNAL\s+LOCATION|STORAGE\s+CREDENTIAL|SHARE|RECIPIENT|"
                r"CONNECTION|FUNCTION\s+.*\bLANGUAGE\s+PYTHON)", re.I),
     "Unity Catalog securables (volumes, locations, credentials, shares, connections, Python UDFs)"),
    (re.compile(r"\bGENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\b", re.I), "generated and identity columns"),
    (re.compile(r"\btable_changes\s*\(", re.I), "table_changes() (Delta change data feed)"),
]


class UnsupportedSql(Exception):
    """A statement the local target cannot run; the message names the operation."""


def refuse_unsupported(statement: str) -> None:
    """Fail for a statement the local target cannot run, naming what is unsupported."""
    for pattern, what in UNSUPPORTED:
        if pattern.search(statement):
            raise UnsupportedSql(f"{what} is not supported on the local target (no Databricks runtime offline): "
                                 f"{' '.join(statement.split())[:120]}")
    for match in LOCATION.finditer(statement):
        refuse_cloud_uri(match.group(3), "LOCATION")
    for match in PATH_TABLE.finditer(statement):
        refuse_cloud_uri(match.group(2), f"{match.group(1)}.`...`")


def known_catalogs() -> set[str]:
    """Catalog names a three-level name may start with: legacy ones, ``main`` and those created."""
    return {name.lower() for name in catalog().load()["catalogs"]} | {"hive_metastore", "spark_catalog", "main"}


def rewrite_names(spark: Any, statement: str) -> str:
    """Three-level names of known catalogs as Spark database names."""
    catalogs = known_catalogs()

    def replace(match: re.Match[str]) -> str:
        first = match.group(1).strip("`")
        if first.lower() not in catalogs:
            return match.group(0)
        return catalog().spark_name(spark, match.group(0))

    return NAME3.sub(replace, statement)


def _temp_view(frame: Any) -> str:
    name = f"_local_delta_{uuid.uuid4().hex[:12]}"
    frame.createOrReplaceTempView(name)
    return name


def delta_location(spark: Any, name: str) -> str | None:
    """The location of a registered Delta table, or None."""
    entry = catalog().table_entry(catalog().spark_name(spark, name))
    return entry["location"] if entry and entry["format"] == "delta" else None


def rewrite_paths(spark: Any, statement: str) -> str:
    """Local paths in LOCATION clauses and ``format.`path``` references; Delta ones through the data source."""
    statement = LOCATION.sub(lambda m: f"{m.group(1)}'{map_path(m.group(3))}'", statement)

    def table(match: re.Match[str]) -> str:
        path = map_path(match.group(2))
        if match.group(1).lower() == "delta":
            return _temp_view(spark.read.format("delta").load(path))
        return f"{match.group(1)}.`{path}`"

    return PATH_TABLE.sub(table, statement)


def rewrite_time_travel(spark: Any, statement: str) -> str:
    """``t VERSION AS OF n``, ``t TIMESTAMP AS OF 'ts'`` and ``t@vN`` of Delta tables as temporary views."""

    def travel(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        location = delta_location(spark, name)
        if location is None:
            raise UnsupportedSql(f"time travel on {name}: only Delta tables of the local metastore keep versions")
        reader = spark.read.format("delta")
        if match.group(3):
            reader = reader.option("timestampAsOf", match.group(3))
        else:
            reader = reader.option("versionAsOf", match.group(2) or match.group(5))
        return _temp_view(reader.load(location))

    return TRAVEL.sub(travel, statement)


def _target_types(spark: Any, name: str, columns: str | None) -> list[Any] | None:
    try:
        schema = spark.sql(f"SELECT * FROM {catalog().spark_name(spark, name, qualify=False)}").schema
    except Exception:  # noqa: BLE001 - no such table: Spark's own INSERT reports it
        return None
    types = {field.name.lower(): field.dataType for field in schema.fields}
    if columns is None:
        return list(types.values())
    names = [column.strip().strip("`").lower() for column in columns.strip()[1:-1].split(",")]
    return [types[column] for column in names] if all(column in types for column in names) else None


def cast_inserted_strings(spark: Any, original: str, statement: str) -> str:
    """``INSERT ... VALUES`` of string literals into typed columns, with the casts Databricks applies.

    On Databricks a string literal is promoted to any simple type (``'2023-01-01 00:00:00'`` into a TIMESTAMP
    column; a value that does not parse fails at run time). Apache Spark's ANSI store assignment refuses a
    STRING column of VALUES before running, so the local target writes the casts out (an ANSI cast).
    """
    written, rewritten = INSERT.match(original), INSERT.match(statement)
    if written is None or rewritten is None:
        return statement
    targets = _target_types(spark, written.group("name"), written.group("columns"))
    query = rewritten.group("query").strip()
    if not targets:
        return statement
    try:
        sources = spark.sql(query).schema.fields
    except Exception:  # noqa: BLE001 - e.g. parameter markers bound by the INSERT itself: Spark runs it as written
        return statement
    if len(sources) != len(targets):
        return statement  # Spark reports the arity mismatch
    casts = [STRING_TARGETS.match(target.simpleString()) is not None and isinstance(source.dataType, StringType)
             for source, target in zip(sources, targets, strict=True)]
    if not any(casts):
        return statement
    aliases = [f"_c{index}" for index in range(len(sources))]
    select = ", ".join(f"CAST({alias} AS {target.simpleString()}) AS {alias}" if cast else alias
                       for alias, target, cast in zip(aliases, targets, casts, strict=True))
    return (f"{statement[:rewritten.start('query')]}SELECT {select} "
            f"FROM ({query}) AS _local_insert({', '.join(aliases)})")


def rewrite(spark: Any, statement: str) -> str:
    """The statement as Spark on the local target should run it."""
    refuse_unsupported(statement)
    rewritten = rewrite_time_travel(spark, rewrite_names(spark, rewrite_paths(spark, statement)))
    return cast_inserted_strings(spark, statement, rewritten)
