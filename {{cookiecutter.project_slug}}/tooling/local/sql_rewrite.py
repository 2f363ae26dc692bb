"""SQL text as Databricks reads it, rewritten for Spark's parser on the local target.

Three-level names whose first part is a known catalog become ``catalog__schema.table`` (``hive_metastore``
and ``spark_catalog`` names become ``schema.table``); paths in ``LOCATION '...'`` and in
``format.`path``` become local paths; ``delta.`path``` and Delta time travel (``VERSION AS OF``,
``TIMESTAMP AS OF``, ``name@v3``) read through temporary views of the Delta data source.
Statements the local target cannot run fail here, naming the operation.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .spark_paths import map_path
from .table_io import catalog

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
]


class UnsupportedSql(Exception):
    """A statement the local target cannot run; the message names the operation."""


def refuse_unsupported(statement: str) -> None:
    """Fail for a statement the local target cannot run, naming what is unsupported."""
    for pattern, what in UNSUPPORTED:
        if pattern.search(statement):
            raise UnsupportedSql(f"{what} is not supported on the local target (no Databricks runtime offline): "
                                 f"{' '.join(statement.split())[:120]}")


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


def rewrite(spark: Any, statement: str) -> str:
    """The statement as Spark on the local target should run it."""
    refuse_unsupported(statement)
    return rewrite_time_travel(spark, rewrite_names(spark, rewrite_paths(spark, statement)))
