"""Delta's SQL commands on the local target, carried out by ``deltalake``.

``MERGE INTO``, ``UPDATE``, ``DELETE``, ``DESCRIBE HISTORY``, ``OPTIMIZE [ZORDER BY]``, ``VACUUM`` and
``RESTORE`` of a Delta table of the local metastore (or ``delta.`path```) map onto delta-rs's own
operations. Conditions and expressions are handed to delta-rs, whose SQL dialect (DataFusion) covers
the usual comparisons, arithmetic and functions; one it does not know fails the cell with its error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mlops_engine.local.filesystem.spark_paths import map_path
from mlops_engine.local.sql.delta import open_table
from mlops_engine.local.sql.rewrite import UnsupportedSql, delta_location, rewrite

NAME = r"(?:delta\.`[^`]+`|[\w`.]+)"
COMMANDS = {
    "merge": re.compile(rf"^\s*MERGE\s+INTO\s+(?P<name>{NAME})(?:\s+(?:AS\s+)?(?!USING\b)(?P<alias>\w+))?\s+USING\s+"
                        r"(?P<rest>.*)$", re.I | re.S),
    "update": re.compile(rf"^\s*UPDATE\s+(?P<name>{NAME})(?:\s+(?:AS\s+)?(?!SET\b)(?P<alias>\w+))?\s+SET\s+"
                         r"(?P<sets>.*?)(?:\s+WHERE\s+(?P<where>.*))?$", re.I | re.S),
    "delete": re.compile(rf"^\s*DELETE\s+FROM\s+(?P<name>{NAME})(?:\s+WHERE\s+(?P<where>.*))?$", re.I | re.S),
    "history": re.compile(rf"^\s*DESCRIBE\s+HISTORY\s+(?P<name>{NAME})(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$", re.I),
    "optimize": re.compile(rf"^\s*OPTIMIZE\s+(?P<name>{NAME})(?:\s+ZORDER\s+BY\s*\(?(?P<zorder>[^)]*)\)?)?\s*$", re.I),
    "vacuum": re.compile(rf"^\s*VACUUM\s+(?P<name>{NAME})(?:\s+RETAIN\s+(?P<hours>[\d.]+)\s+HOURS)?"
                         r"(?P<dry>\s+DRY\s+RUN)?\s*$", re.I),
    "restore": re.compile(rf"^\s*RESTORE\s+(?:TABLE\s+)?(?P<name>{NAME})\s+TO\s+(?:VERSION\s+AS\s+OF\s+(?P<version>\d+)"
                          r"|TIMESTAMP\s+AS\s+OF\s+'(?P<ts>[^']+)')\s*$", re.I),
}
WHEN = re.compile(r"\bWHEN\s+(NOT\s+MATCHED\s+BY\s+SOURCE|NOT\s+MATCHED(?:\s+BY\s+TARGET)?|MATCHED)\b", re.I)


def _split_top(text: str, separator: str = ",") -> list[str]:
    parts, depth, current, quote = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _assignments(text: str) -> dict[str, str]:
    pairs = {}
    for item in _split_top(text):
        column, _, value = item.partition("=")
        pairs[column.strip().split(".")[-1].strip("`")] = value.strip()
    return pairs


def _location(spark: Any, name: str) -> str:
    if name.lower().startswith("delta.`"):
        return str(map_path(name[7:-1]))
    location = delta_location(spark, name)
    if location is None:
        raise UnsupportedSql(f"{name} is not a Delta table of the local metastore; the local target runs "
                             "MERGE/UPDATE/DELETE/OPTIMIZE/VACUUM/RESTORE/DESCRIBE HISTORY on Delta tables only")
    return location


def _metrics(spark: Any, values: dict[str, Any]) -> Any:
    return spark.createDataFrame([values]) if values else spark.sql("SELECT 1 WHERE false")


def _source(spark: Any, rest: str) -> tuple[Any, str, str]:
    """The MERGE source as Arrow, its alias, and the text after it (``ON ...``)."""
    rest = rest.strip()
    if rest.startswith("("):
        depth = 0
        for index, char in enumerate(rest):
            depth += (char == "(") - (char == ")")
            if depth == 0:
                query, rest = rest[1:index], rest[index + 1:]
                break
        default_alias = "source"
    else:
        name, _, rest = rest.partition(" ")
        query, default_alias = f"SELECT * FROM {name}", name.split(".")[-1].strip("`")
    match = re.match(r"\s*(?:AS\s+)?(?!ON\b)(\w+)?\s*ON\s+(.*)$", rest, re.I | re.S)
    if match is None:
        raise UnsupportedSql("MERGE INTO without an ON condition")
    return spark.sql(rewrite(spark, query)).toArrow(), match.group(1) or default_alias, match.group(2)


def merge(spark: Any, name: str, alias: str | None, rest: str) -> Any:
    """``MERGE INTO`` with every WHEN clause Databricks documents, through ``DeltaTable.merge``."""
    source, source_alias, rest = _source(spark, rest)
    pieces = WHEN.split(rest)
    condition = pieces[0].strip()
    merger = open_table(_location(spark, name)).merge(
        source=source, predicate=condition, source_alias=source_alias,
        target_alias=alias or name.split(".")[-1].strip("`"))
    for kind, body in zip(pieces[1::2], pieces[2::2], strict=True):
        kind = " ".join(kind.upper().split())
        match = re.match(r"\s*(?:AND\s+(?P<cond>.*?)\s+)?THEN\s+(?P<action>.*)$", body, re.I | re.S)
        if match is None:
            raise UnsupportedSql(f"MERGE clause WHEN {kind} {body.strip()[:60]}")
        predicate, action = match.group("cond"), match.group("action").strip()
        upper = " ".join(action.upper().split())
        if upper == "DELETE":
            merger = (merger.when_matched_delete(predicate) if kind == "MATCHED"
                      else merger.when_not_matched_by_source_delete(predicate))
        elif upper == "UPDATE SET *":
            merger = merger.when_matched_update_all(predicate)
        elif upper.startswith("UPDATE SET"):
            updates = _assignments(action[len("UPDATE SET"):])
            merger = (merger.when_matched_update(updates, predicate) if kind == "MATCHED"
                      else merger.when_not_matched_by_source_update(updates, predicate))
        elif upper == "INSERT *":
            merger = merger.when_not_matched_insert_all(predicate)
        elif upper.startswith("INSERT"):
            columns, values = re.match(r"INSERT\s*\((.*?)\)\s*VALUES\s*\((.*)\)\s*$", action, re.I | re.S).groups()
            updates = dict(zip([c.strip().strip("`") for c in _split_top(columns)], _split_top(values), strict=True))
            merger = merger.when_not_matched_insert(updates, predicate)
        else:
            raise UnsupportedSql(f"MERGE action {action[:60]}")
    metrics = merger.execute()
    return _metrics(spark, {
        "num_affected_rows": metrics.get("num_target_rows_updated", 0) + metrics.get("num_target_rows_deleted", 0)
        + metrics.get("num_target_rows_inserted", 0),
        "num_updated_rows": metrics.get("num_target_rows_updated", 0),
        "num_deleted_rows": metrics.get("num_target_rows_deleted", 0),
        "num_inserted_rows": metrics.get("num_target_rows_inserted", 0),
    })


def run_delta_command(spark: Any, statement: str) -> Any | None:
    """Run ``statement`` if it is one of Delta's commands (returning its result), else return None."""
    for command, pattern in COMMANDS.items():
        match = pattern.match(statement.strip().rstrip(";"))
        if match is None:
            continue
        name = match.group("name")
        if command in ("update", "delete") and delta_location(spark, name) is None \
                and not name.lower().startswith("delta."):
            return None  # not a Delta table: Spark answers (and refuses) as it does for its own formats
        if command == "merge":
            return merge(spark, name, match.group("alias"), match.group("rest"))
        table = open_table(_location(spark, name))
        if command == "update":
            result = table.update(updates=_assignments(match.group("sets")), predicate=match.group("where"))
            return _metrics(spark, {"num_affected_rows": result.get("num_updated_rows", 0)})
        if command == "delete":
            result = table.delete(match.group("where"))
            return _metrics(spark, {"num_affected_rows": result.get("num_deleted_rows", 0)})
        if command == "history":
            rows = table.history(int(match.group("limit")) if match.group("limit") else None)
            return spark.createDataFrame([{
                "version": row.get("version"), "timestamp": str(row.get("timestamp")),
                "operation": row.get("operation"),
                "operationParameters": json.dumps(row.get("operationParameters", {}), default=str),
            } for row in rows])
        if command == "optimize":
            columns = [c.strip().strip("`") for c in (match.group("zorder") or "").split(",") if c.strip()]
            result = table.optimize.z_order(columns) if columns else table.optimize.compact()
            return _metrics(spark, {"path": table.table_uri, "metrics": json.dumps(result, default=str)})
        if command == "vacuum":
            hours = float(match.group("hours")) if match.group("hours") else None
            files = table.vacuum(retention_hours=int(hours) if hours is not None else None,
                                 dry_run=bool(match.group("dry")), enforce_retention_duration=True)
            return spark.createDataFrame([(f,) for f in files] or [("",)], "path string").where("path != ''")
        version = match.group("version")
        result = table.restore(int(version) if version else match.group("ts"))
        return _metrics(spark, {key: int(value) for key, value in result.items() if isinstance(value, int)})
    return None
