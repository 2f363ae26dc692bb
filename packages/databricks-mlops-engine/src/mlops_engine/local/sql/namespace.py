"""Unity Catalog's namespace (``catalog.schema.table``) over the local Spark's one metastore.

Open-source Spark has one session catalog, so a Unity Catalog schema ``c.s`` is the metastore database ``c__s``;
``hive_metastore`` and ``spark_catalog`` schemas are databases of their own name. A catalog exists while it has a
database (``CREATE CATALOG c`` makes ``c__default``, as Unity Catalog gives every catalog a ``default`` schema),
so catalogs persist with the metastore; ``main`` exists from the start, as in a new workspace. A managed volume
``c.s.v`` is the folder ``/Volumes/c/s/v`` of the workspace (``CREATE``/``DROP VOLUME``). The run's current
catalog is its own, as a notebook's is.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.spark_paths import map_path

LEGACY_CATALOGS = ("hive_metastore", "spark_catalog")
DEFAULT_CATALOG = "hive_metastore"
WORKSPACE_CATALOG = "main"
"""The catalog every Unity Catalog workspace starts with."""
SEPARATOR = "__"
_CURRENT = {"catalog": DEFAULT_CATALOG}


class NamespaceError(Exception):
    """A namespace operation refused as Databricks refuses it (the message carries Databricks' error class)."""


def split_name(name: str) -> list[str]:
    """The parts of a dotted name, backticks removed (dots inside backticks kept)."""
    parts, current, quoted = [], "", False
    for char in name.strip():
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def current_catalog() -> str:
    """The run's current catalog (``USE CATALOG``)."""
    return _CURRENT["catalog"]


def database(catalog: str, schema: str) -> str:
    """The metastore database standing for ``catalog.schema``."""
    return schema if catalog.lower() in LEGACY_CATALOGS else f"{catalog}{SEPARATOR}{schema}"


def catalogs(spark: Any) -> list[str]:
    """The catalogs that exist: the legacy one, ``main`` and every catalog with a database."""
    found = {row[0].split(SEPARATOR, 1)[0] for row in spark.sql("SHOW DATABASES").collect() if SEPARATOR in row[0]}
    return [DEFAULT_CATALOG, *sorted(found | {WORKSPACE_CATALOG})]


def has_catalog(spark: Any, catalog: str) -> bool:
    """Whether ``catalog`` exists (a legacy name always does)."""
    return catalog.lower() in LEGACY_CATALOGS or catalog in catalogs(spark)


def spark_name(name: str, current_database: str | None = None) -> str:
    """The metastore's ``database.table`` for a three- or two-level name; a one-level name is qualified with
    ``current_database`` when given, else left alone (it may be a temporary view)."""
    parts = split_name(name)
    if len(parts) == 3:
        return f"`{database(parts[0], parts[1])}`.`{parts[2]}`"
    if len(parts) == 2 and parts[0].lower() != "global_temp":
        return f"`{database(current_catalog(), parts[0])}`.`{parts[1]}`"
    if len(parts) == 1 and current_database:
        return f"`{current_database}`.`{parts[0]}`"
    return name


def schema_of(database_name: str) -> tuple[str, str]:
    """``(catalog, schema)`` of a metastore database."""
    if SEPARATOR in database_name:
        catalog, schema = database_name.split(SEPARATOR, 1)
        return catalog, schema
    return DEFAULT_CATALOG, database_name


def _empty(spark: Any) -> Any:
    return spark.sql("SELECT 1 AS _ WHERE false").drop("_")


def _schema_database(spark: Any, name: str) -> str:
    parts = split_name(name)
    catalog = parts[0] if len(parts) == 2 else current_catalog()
    if not has_catalog(spark, catalog):
        raise NamespaceError(f"[NO_SUCH_CATALOG_EXCEPTION] Catalog '{catalog}' was not found. SQLSTATE: 42704")
    return database(catalog, parts[-1])


def _create_catalog(spark: Any, match: re.Match[str]) -> Any:
    name = match.group("name").strip("`")
    if has_catalog(spark, name):
        if not match.group("ifnot"):
            raise NamespaceError(f"[CATALOG_ALREADY_EXISTS] Catalog '{name}' already exists. SQLSTATE: 42P04")
        return _empty(spark)
    spark.sql(f"CREATE DATABASE `{database(name, 'default')}`")
    return _empty(spark)


def _drop_catalog(spark: Any, match: re.Match[str]) -> Any:
    name = match.group("name").strip("`")
    if name.lower() in LEGACY_CATALOGS:
        raise NamespaceError(f"[UC_COMMAND_NOT_SUPPORTED] {name} cannot be dropped")
    if not has_catalog(spark, name):
        if match.group("ifexists"):
            return _empty(spark)
        raise NamespaceError(f"[NO_SUCH_CATALOG_EXCEPTION] Catalog '{name}' was not found. SQLSTATE: 42704")
    databases = [row[0] for row in spark.sql("SHOW DATABASES").collect() if row[0].startswith(name + SEPARATOR)]
    cascade = bool(match.group("cascade"))
    if not cascade and any(spark.catalog.listTables(db) for db in databases):
        raise NamespaceError(f"[SCHEMA_NOT_EMPTY] Cannot drop catalog {name}: it has tables; use CASCADE")
    for db in databases:
        spark.sql(f"DROP DATABASE `{db}` CASCADE")
    if name == WORKSPACE_CATALOG:
        spark.sql(f"CREATE DATABASE `{database(name, 'default')}`")  # a workspace keeps main: it comes back empty
    if current_catalog() == name:
        _CURRENT["catalog"] = DEFAULT_CATALOG
        spark.sql("USE `default`")
    return _empty(spark)


def _use_catalog(spark: Any, match: re.Match[str]) -> Any:
    name = match.group("name").strip("`'\"")
    if not has_catalog(spark, name):
        raise NamespaceError(f"[NO_SUCH_CATALOG_EXCEPTION] Catalog '{name}' was not found. SQLSTATE: 42704")
    _CURRENT["catalog"] = name
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database(name, 'default')}`")  # main's, the first time
    spark.sql(f"USE `{database(name, 'default')}`")
    return _empty(spark)


def _use_schema(spark: Any, match: re.Match[str]) -> Any:
    parts = split_name(match.group("name"))
    target = _schema_database(spark, match.group("name"))
    spark.sql(f"USE `{target}`")
    if len(parts) == 2:
        _CURRENT["catalog"] = parts[0]
    return _empty(spark)


def _schema_statement(spark: Any, match: re.Match[str]) -> Any:
    target = _schema_database(spark, match.group("name"))
    rest = match.group("rest") or ""
    return spark.sql(f"{match.group('verb')} {match.group('kind')} {match.group('flags') or ''}`{target}`{rest}")


def _volume_folder(spark: Any, name: str) -> Path:
    """The local folder of volume ``catalog.schema.volume`` (``/Volumes/catalog/schema/volume``), its schema checked."""
    parts = split_name(name)
    if len(parts) != 3:
        raise NamespaceError(f"[INVALID_VOLUME_NAME] {name}: a volume is named catalog.schema.volume")
    if not spark.catalog.databaseExists(database(parts[0], parts[1])):
        raise NamespaceError(f"[SCHEMA_NOT_FOUND] The schema `{parts[0]}`.`{parts[1]}` cannot be found. "
                             "SQLSTATE: 42704")
    return Path(map_path(f"/Volumes/{parts[0]}/{parts[1]}/{parts[2]}").removeprefix("file:"))


def _create_volume(spark: Any, match: re.Match[str]) -> Any:
    folder = _volume_folder(spark, match.group("name"))
    if folder.is_dir() and not match.group("ifnot"):
        raise NamespaceError(f"[VOLUME_ALREADY_EXISTS] Volume '{match.group('name')}' already exists. SQLSTATE: 42000")
    folder.mkdir(parents=True, exist_ok=True)
    return _empty(spark)


def _drop_volume(spark: Any, match: re.Match[str]) -> Any:
    folder = _volume_folder(spark, match.group("name"))
    if not folder.is_dir():
        if match.group("ifexists"):
            return _empty(spark)
        raise NamespaceError(f"[VOLUME_NOT_FOUND] Volume '{match.group('name')}' was not found. SQLSTATE: 42704")
    shutil.rmtree(folder)  # a managed volume's files go with it, as on Databricks
    return _empty(spark)


def _show_catalogs(spark: Any, match: re.Match[str]) -> Any:
    pattern = match.group("pattern")
    names = catalogs(spark)
    if pattern:
        wanted = re.compile("|".join(p.strip().replace("*", ".*") for p in pattern.strip("'\"").split("|")), re.I)
        names = [name for name in names if wanted.fullmatch(name)]
    return spark.createDataFrame([(name,) for name in names], "catalog STRING")


def _show_schemas(spark: Any, match: re.Match[str]) -> Any:
    catalog = (match.group("catalog") or current_catalog()).strip("`")
    if not has_catalog(spark, catalog):
        raise NamespaceError(f"[NO_SUCH_CATALOG_EXCEPTION] Catalog '{catalog}' was not found. SQLSTATE: 42704")
    rows = [schema_of(row[0]) for row in spark.sql("SHOW DATABASES").collect()]
    legacy = catalog.lower() in LEGACY_CATALOGS
    names = sorted(schema for owner, schema in rows if (owner == DEFAULT_CATALOG) == legacy and
                   (legacy or owner == catalog))
    return spark.createDataFrame([(name,) for name in names], "databaseName STRING")


NAME = r"(?P<name>[\w`.\"']+)"
STATEMENTS = [
    (re.compile(rf"^\s*CREATE\s+CATALOG\s+(?P<ifnot>IF\s+NOT\s+EXISTS\s+)?{NAME}(\s+COMMENT\s+'[^']*')?\s*$", re.I),
     _create_catalog),
    (re.compile(rf"^\s*DROP\s+CATALOG\s+(?P<ifexists>IF\s+EXISTS\s+)?{NAME}(?P<cascade>\s+CASCADE)?(\s+RESTRICT)?\s*$",
                re.I), _drop_catalog),
    (re.compile(rf"^\s*(?:USE|SET)\s+CATALOG\s+{NAME}\s*$", re.I), _use_catalog),
    (re.compile(rf"^\s*USE\s+(?:SCHEMA\s+|DATABASE\s+)?{NAME}\s*$", re.I), _use_schema),
    (re.compile(rf"^\s*(?P<verb>CREATE|DROP|ALTER|DESCRIBE)\s+(?P<kind>SCHEMA|DATABASE)\s+"
                rf"(?P<flags>(?:IF\s+(?:NOT\s+)?EXISTS\s+|EXTENDED\s+)?){NAME}(?P<rest>\s.*)?$", re.I | re.S),
     _schema_statement),
    (re.compile(rf"^\s*CREATE\s+VOLUME\s+(?P<ifnot>IF\s+NOT\s+EXISTS\s+)?{NAME}(\s+COMMENT\s+'[^']*')?\s*$", re.I),
     _create_volume),
    (re.compile(rf"^\s*DROP\s+VOLUME\s+(?P<ifexists>IF\s+EXISTS\s+)?{NAME}\s*$", re.I), _drop_volume),
    (re.compile(r"^\s*SHOW\s+CATALOGS(?:\s+(?:LIKE\s+)?(?P<pattern>'[^']*'|\"[^\"]*\"))?\s*$", re.I), _show_catalogs),
    (re.compile(r"^\s*SHOW\s+(?:SCHEMAS|DATABASES)(?:\s+(?:FROM|IN)\s+(?P<catalog>[\w`]+))?\s*$", re.I), _show_schemas),
]


def namespace_statement(spark: Any, statement: str) -> Any | None:
    """Run a catalog or schema statement of Unity Catalog's namespace; None when ``statement`` is none."""
    text = statement.strip().rstrip(";")
    for pattern, handler in STATEMENTS:
        if match := pattern.match(text):
            return handler(spark, match)
    return None
