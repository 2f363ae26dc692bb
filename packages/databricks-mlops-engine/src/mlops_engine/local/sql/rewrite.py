"""SQL text as Databricks reads it, rewritten for Spark's parser on the local target.

Delta's SQL (MERGE, OPTIMIZE, DESCRIBE HISTORY, time travel, RESTORE, VACUUM, ``table_changes``...) is Delta's own
engine's; what is rewritten here is what open-source Spark names differently: three-level names of Unity
Catalog's namespace (``namespace``), ``current_catalog()``, ``table@v3`` time travel, workspace paths in
``LOCATION '...'`` and in ``format.`path```, and string literals of ``INSERT ... VALUES`` into typed columns,
which Databricks casts implicitly. Statements that need Databricks itself fail here, naming the operation: among
them cloud storage locations (``abfss://``, ``s3://``...), COPY INTO, DEEP CLONE and Unity Catalog's securables.
"""

from __future__ import annotations

import re
from typing import Any

from pyspark.sql.types import StringType

from mlops_engine.local.filesystem.spark_paths import map_path
from mlops_engine.local.sql import namespace

IDENT = r"(?:`[^`]+`|[A-Za-z_][\w$]*)"
NAME3 = re.compile(rf"(?<![\w.`])({IDENT})\.({IDENT})\.({IDENT})(?![\w`(])")
LOCATION = re.compile(r"(\bLOCATION\s+)(['\"])([^'\"]+)\2", re.IGNORECASE)
PATH_TABLE = re.compile(r"\b(delta|parquet|csv|json|orc|text|avro|binaryFile)\.`([^`]+)`", re.IGNORECASE)
TABLE_NAME2 = re.compile(rf"(\b(?:FROM|JOIN|INTO|TABLE|UPDATE|USING|DESCRIBE|DETAIL|HISTORY|OPTIMIZE|VACUUM)\s+)"
                         rf"({IDENT})\.({IDENT})(?![\w`.(])", re.IGNORECASE)
"""A two-level name where a table goes: a schema of the current catalog."""
AT_VERSION = re.compile(rf"(?<![\w.`])({IDENT}(?:\.{IDENT}){{0,2}})@(?:v(\d+)|(\d{{17}}))\b")
"""Databricks' ``table@v3`` and ``table@yyyyMMddHHmmssSSS`` time travel, which Spark spells ``VERSION AS OF``."""
CURRENT_CATALOG = re.compile(r"\bcurrent_catalog\s*\(\s*\)", re.IGNORECASE)
CLOUD_URI = re.compile(r"^(abfss?|wasbs?|s3[an]?|gs|adl|r2):/", re.I)  # one slash: a URI that went through Path
INSERT = re.compile(r"^\s*INSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?(?P<name>[\w`.]+)\s*(?P<columns>\([^()]*\))?\s*"
                    r"(?P<query>VALUES\b.*?)\s*;?\s*$", re.I | re.S)
STRING_TARGETS = re.compile(r"^(tinyint|smallint|int|bigint|float|double|decimal.*|boolean|date|timestamp(_ntz)?|binary"
                            r"|interval.*)$")
UNSUPPORTED = [
    (re.compile(r"\bDEEP\s+CLONE\b", re.I), "DEEP CLONE (Databricks' Delta cloning; SHALLOW CLONE works)"),
    (re.compile(r"^\s*COPY\s+INTO\b", re.I), "COPY INTO"),
    (re.compile(r"^\s*CREATE\s+(OR\s+REFRESH\s+)?(STREAMING\s+TABLE|MATERIALIZED\s+VIEW|LIVE\s+)", re.I),
     "Delta Live Tables / streaming tables / materialized views"),
    (re.compile(r"^\s*APPLY\s+CHANGES\b", re.I), "APPLY CHANGES (Delta Live Tables)"),
    (re.compile(r"^\s*CACHE\s+SELECT\b", re.I), "CACHE SELECT (disk cache)"),
    (re.compile(r"^\s*FSCK\b", re.I), "FSCK REPAIR TABLE (Databricks' Delta maintenance)"),
    (re.compile(r"^\s*(GRANT|REVOKE|DENY)\b", re.I), "GRANT / REVOKE (Unity Catalog permissions)"),
    (re.compile(r"^\s*CREATE\s+EXTERNAL\s+VOLUME\b|^\s*ALTER\s+VOLUME\b", re.I),
     "external volumes and ALTER VOLUME (managed volumes work)"),
    (re.compile(r"^\s*(CREATE|DROP|ALTER)\s+(EXTERNAL\s+LOCATION|STORAGE\s+CREDENTIAL|SHARE|RECIPIENT|"
                r"CONNECTION|FUNCTION\s+.*\bLANGUAGE\s+PYTHON)", re.I),
     "Unity Catalog securables (locations, credentials, shares, connections, Python UDFs)"),
]


class UnsupportedSql(Exception):
    """A statement the local target cannot run; the message names the operation."""


class CloudStorageUnsupported(UnsupportedSql):
    """A cloud storage URI (``abfss://``, ``s3://``...): the local target has no cloud storage and no network."""


def refuse_cloud_uri(path: Any, where: str = "path") -> None:
    """Fail for a cloud storage URI, naming it, before Spark tries to reach the cloud."""
    match = CLOUD_URI.match(str(path or "").strip())
    if match:
        raise CloudStorageUnsupported(
            f"{match.group(1).lower()}:// cloud storage is not supported on the local target (offline, no "
            f"credentials): {where} {str(path)!r}; use a dbfs:/, /mnt/, /Volumes/ or workspace path instead, "
            "which the local target keeps in the local workspace")


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


def rewrite_names(spark: Any, statement: str) -> str:
    """Three-level names of existing catalogs (and two-level table names of a Unity Catalog current catalog) as
    metastore names; ``current_catalog()`` as the run's."""
    statement = CURRENT_CATALOG.sub(lambda _: f"'{namespace.current_catalog()}'", statement)
    if namespace.current_catalog().lower() not in namespace.LEGACY_CATALOGS:
        statement = TABLE_NAME2.sub(lambda m: m.group(1) + namespace.spark_name(f"{m.group(2)}.{m.group(3)}"),
                                    statement)
    if not NAME3.search(statement):
        return statement
    known = {name.lower() for name in namespace.catalogs(spark)} | set(namespace.LEGACY_CATALOGS)

    def replace(match: re.Match[str]) -> str:
        return namespace.spark_name(match.group(0)) if match.group(1).strip("`").lower() in known else match.group(0)

    return NAME3.sub(replace, statement)


def rewrite_time_travel(statement: str) -> str:
    """``t@v3`` as ``t VERSION AS OF 3``; ``t@20240101000000000`` as ``t TIMESTAMP AS OF '2024-01-01 00:00:00.000'``."""

    def spelled(match: re.Match[str]) -> str:
        if match.group(2):
            return f"{match.group(1)} VERSION AS OF {match.group(2)}"
        t = match.group(3)
        return f"{match.group(1)} TIMESTAMP AS OF '{t[:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]}.{t[14:]}'"

    return AT_VERSION.sub(spelled, statement)


def rewrite_paths(statement: str) -> str:
    """Local paths in LOCATION clauses and ``format.`path``` references."""
    statement = LOCATION.sub(lambda m: f"{m.group(1)}'{map_path(m.group(3))}'", statement)
    return PATH_TABLE.sub(lambda m: f"{m.group(1)}.`{map_path(m.group(2))}`", statement)


def _target_types(spark: Any, name: str, columns: str | None) -> list[Any] | None:
    try:
        schema = spark.table(namespace.spark_name(name)).schema
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
    rewritten = rewrite_names(spark, rewrite_time_travel(rewrite_paths(statement)))
    return cast_inserted_strings(spark, statement, rewritten)
