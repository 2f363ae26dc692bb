"""Tables as on a workspace: three-level names, Delta by default, kept between runs.

Unity Catalog names are ``catalog.schema.table``. Locally a schema of catalog ``hive_metastore`` (or
``spark_catalog``) is the Spark database of the same name, and a schema of any other catalog ``c`` is the
database ``c__schema``. The catalog of a run is Spark's in-memory one (fast to start, and runs may
overlap, which an embedded Derby metastore would forbid); what persists is ``metastore.json`` in the
workspace: the catalogs, schemas and tables (format and location) every run re-registers as it starts.
Managed tables live in ``<workspace>/spark-warehouse/<database>.db/<table>``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlops_engine.local.sql.delta import is_delta, refuse_cloud_uri, source_name, table_source

LEGACY_CATALOGS = ("hive_metastore", "spark_catalog")
DEFAULT_CATALOG = "hive_metastore"
REGISTRY = "metastore.json"


class TableError(Exception):
    """A table operation refused as Databricks refuses it (the message carries Databricks' error class)."""


def _unquote(part: str) -> str:
    return part.strip().strip("`")


def split_name(name: str) -> list[str]:
    """The parts of a table name, backticks removed (dots inside backticks kept)."""
    parts, current, quoted = [], "", False
    for char in name.strip():
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [_unquote(part) for part in parts]


class LocalCatalog:
    """The run's catalog: name mapping, the current catalog, and the registry that outlives the run."""

    def __init__(self, workspace_root: Path, warehouse: Path) -> None:
        self.registry_file = workspace_root / REGISTRY
        self.warehouse = warehouse
        self.current_catalog = DEFAULT_CATALOG

    # names -------------------------------------------------------------------------------------
    def database(self, catalog: str, schema: str) -> str:
        """The Spark database standing for ``catalog.schema``."""
        return schema if catalog.lower() in LEGACY_CATALOGS else f"{catalog}__{schema}"

    def current_schema(self, spark: Any) -> str:
        """The schema part of Spark's current database."""
        database = spark.catalog.currentDatabase()
        prefix = f"{self.current_catalog}__"
        return database.removeprefix(prefix) if database.startswith(prefix) else database

    def spark_name(self, spark: Any, name: str, qualify: bool = True) -> str:
        """The Spark ``database.table`` for a three- or two-level name; a one-level name (which may be a
        temporary view) is qualified with the current database only when ``qualify``."""
        parts = split_name(name)
        if len(parts) == 3:
            return f"{self.database(parts[0], parts[1])}.{parts[2]}"
        if len(parts) == 2 and parts[0].lower() != "global_temp":
            return f"{self.database(self.current_catalog, parts[0])}.{parts[1]}"
        if len(parts) == 1 and qualify:
            return f"{spark.catalog.currentDatabase()}.{parts[0]}"
        return name

    def location(self, spark_name: str) -> Path:
        """Where a managed table's files live."""
        database, table = spark_name.split(".", 1)
        return self.warehouse / f"{database}.db" / table

    # registry ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.registry_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.registry_file.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.load()
            yield state
            scratch = self.registry_file.with_suffix(".tmp")
            scratch.write_text(json.dumps(state, indent=1, sort_keys=True))
            os.replace(scratch, self.registry_file)

    def load(self) -> dict[str, Any]:
        """The registry's content (catalogs, databases, tables)."""
        if not self.registry_file.is_file():
            return {"catalogs": [DEFAULT_CATALOG], "databases": ["default"], "tables": {}}
        return json.loads(self.registry_file.read_text())

    def add_catalog(self, catalog: str) -> None:
        """Record a catalog (``CREATE CATALOG``)."""
        with self._locked() as state:
            state["catalogs"] = sorted({*state["catalogs"], catalog})

    def has_catalog(self, catalog: str) -> bool:
        """True for a legacy catalog or one created before."""
        return catalog.lower() in LEGACY_CATALOGS or catalog in self.load()["catalogs"]

    def add_database(self, spark: Any, database: str) -> None:
        """Create a Spark database and record it."""
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        with self._locked() as state:
            state["databases"] = sorted({*state["databases"], database})

    def drop_database(self, spark: Any, database: str, cascade: bool) -> None:
        """Drop a database (its managed tables' files with ``cascade``) and forget it."""
        spark.sql(f"DROP DATABASE IF EXISTS `{database}`{' CASCADE' if cascade else ''}")
        with self._locked() as state:
            state["databases"] = [d for d in state["databases"] if d != database]
            for name in [n for n in state["tables"] if n.startswith(database + ".")]:
                self._forget(state, name)

    def table_entry(self, spark_name: str) -> dict[str, Any] | None:
        """The registry entry of a table, if it has one."""
        return self.load()["tables"].get(spark_name)

    def register(self, spark: Any, spark_name: str, table_format: str, location: Path, managed: bool) -> None:
        """Make ``spark_name`` a catalog table over the files at ``location``, now and in later runs."""
        refuse_cloud_uri(location, f"table {spark_name} LOCATION")
        self._attach(spark, spark_name, table_format, str(location))
        with self._locked() as state:
            state["databases"] = sorted({*state["databases"], spark_name.split(".")[0]})
            state["tables"][spark_name] = {"format": table_format, "location": str(location), "managed": managed}

    def _attach(self, spark: Any, spark_name: str, table_format: str, location: str) -> None:
        database, table = spark_name.split(".", 1)
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        self._known_to_session(spark, table_format, location)
        spark.sql(f"DROP TABLE IF EXISTS `{database}`.`{table}`")
        if table_format == "delta":
            spark.sql(f"CREATE TABLE `{database}`.`{table}` USING {source_name(location)} LOCATION '{location}'")
        else:
            spark.sql(f"CREATE TABLE `{database}`.`{table}` USING {table_format} LOCATION '{location}'")

    @staticmethod
    def _known_to_session(spark: Any, table_format: str, location: str) -> None:
        """Register a Delta table's data source in this session: sessions on a warm driver share the catalog
        (an earlier run's tables are in it) but not data sources, and Spark cannot even drop a table whose
        source it cannot find."""
        if table_format == "delta":
            spark.dataSource.register(table_source(location))

    def drop(self, spark: Any, spark_name: str) -> bool:
        """Drop a table (a managed table's files too); False when there was none."""
        database, table = spark_name.split(".", 1)
        with self._locked() as state:
            entry = state["tables"].get(spark_name)
            if entry is not None:
                self._known_to_session(spark, entry["format"], entry["location"])
            spark.sql(f"DROP TABLE IF EXISTS `{database}`.`{table}`")
            if entry is None:
                return False
            self._forget(state, spark_name)
        return True

    def _forget(self, state: dict[str, Any], spark_name: str) -> None:
        entry = state["tables"].pop(spark_name)
        if entry["managed"]:
            shutil.rmtree(entry["location"], ignore_errors=True)

    def restore(self, spark: Any) -> None:
        """Re-register every recorded database and table in a fresh session."""
        state = self.load()
        for database in state["databases"]:
            spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        for spark_name, entry in state["tables"].items():
            if entry["format"] != "delta" or is_delta(entry["location"]):
                self._attach(spark, spark_name, entry["format"], entry["location"])
            else:  # its files are gone, but a warm driver's catalog may still hold it: it must stay droppable
                self._known_to_session(spark, entry["format"], entry["location"])
