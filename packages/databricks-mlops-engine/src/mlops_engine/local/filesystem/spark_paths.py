"""Spark's readers and writers see workspace paths as a Databricks cluster does.

A Hadoop FileSystem for ``dbfs:`` would need a jar, and jars come from Maven, which offline machines
cannot reach. So the Python side of ``DataFrameReader``/``DataFrameWriter`` and their streaming
siblings is wrapped in the run's process: each path argument (and the ``path`` and
``checkpointLocation`` options) goes through ``PathMap.spark`` before it reaches the JVM. The writer
also remembers its format and mode so that table writes and Delta's save modes can be handled
(see ``tables`` and ``delta``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter
from pyspark.sql.streaming.readwriter import DataStreamReader, DataStreamWriter

from mlops_engine.local.filesystem.paths import PathMap

PATH_OPTIONS = {"path", "checkpointlocation"}
READ_METHODS = ("load", "json", "parquet", "text", "csv", "xml", "orc")
WRITE_METHODS = ("save", "json", "parquet", "text", "csv", "xml", "orc")
_ORIGINALS: dict[tuple[type, str], Callable[..., Any]] = {}
_STATE: dict[str, PathMap] = {}


def map_path(value: Any) -> Any:
    """A path (or list of paths) as Spark should see it; anything else unchanged."""
    paths = _STATE.get("map")
    if paths is None:
        return value
    if isinstance(value, str):
        return paths.spark(value)
    if isinstance(value, list | tuple):
        return type(value)(map_path(item) for item in value)
    return value


def _original(cls: type, name: str) -> Callable[..., Any]:
    return _ORIGINALS.setdefault((cls, name), getattr(cls, name))


def _paths_wrapper(cls: type, name: str) -> Callable[..., Any]:
    function = _original(cls, name)

    @functools.wraps(function)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "parquet" and cls in (DataFrameReader, DataStreamReader):
            args = tuple(map_path(arg) for arg in args)
        elif args:
            args = (map_path(args[0]), *args[1:])
        for key in ("path", "paths"):
            if key in kwargs:
                kwargs[key] = map_path(kwargs[key])
        return function(self, *args, **kwargs)

    return wrapper


def _option_wrapper(cls: type) -> Callable[..., Any]:
    function = _original(cls, "option")

    @functools.wraps(function)
    def option(self: Any, key: str, value: Any) -> Any:
        if key.lower() in PATH_OPTIONS:
            value = map_path(value)
        self.__dict__.setdefault("_local_options", {})[key.lower()] = value
        return function(self, key, value)

    return option


def _options_wrapper(cls: type) -> Callable[..., Any]:
    function = _original(cls, "options")

    @functools.wraps(function)
    def options(self: Any, **values: Any) -> Any:
        mapped = {key: map_path(value) if key.lower() in PATH_OPTIONS else value for key, value in values.items()}
        self.__dict__.setdefault("_local_options", {}).update({key.lower(): v for key, v in mapped.items()})
        return function(self, **mapped)

    return options


def _remember(cls: type, name: str) -> Callable[..., Any]:
    function = _original(cls, name)

    @functools.wraps(function)
    def remember(self: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__[f"_local_{name}"] = value.lower() if isinstance(value, str) else value
        return function(self, value, *args, **kwargs)

    return remember


def writer_setting(writer: Any, name: str) -> Any:
    """What the notebook set on a writer (``format``, ``mode``) through the wrapped methods, or None."""
    return writer.__dict__.get(f"_local_{name}")


def writer_options(writer: Any) -> dict[str, Any]:
    """The options (lower-cased keys) the notebook set on a writer."""
    return dict(writer.__dict__.get("_local_options", {}))


def original(cls: type, name: str) -> Callable[..., Any]:
    """The unwrapped method, for code that already holds a mapped path."""
    return _ORIGINALS.get((cls, name), getattr(cls, name))


def install_spark_paths(paths: PathMap) -> None:
    """Wrap the readers' and writers' path arguments in this process (idempotent)."""
    _STATE["map"] = paths
    if _ORIGINALS:
        return
    for cls, methods in ((DataFrameReader, READ_METHODS), (DataStreamReader, READ_METHODS),
                         (DataFrameWriter, WRITE_METHODS), (DataStreamWriter, ("start",))):
        for name in methods:
            if hasattr(cls, name):
                setattr(cls, name, _paths_wrapper(cls, name))
        cls.option = _option_wrapper(cls)
        cls.options = _options_wrapper(cls)
    for cls in (DataFrameReader, DataFrameWriter, DataStreamReader, DataStreamWriter):
        cls.format = _remember(cls, "format")
    DataFrameWriter.mode = _remember(DataFrameWriter, "mode")
