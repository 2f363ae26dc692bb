"""The FUSE mounts of a Databricks driver (``/dbfs``, ``/Volumes``, ``/Workspace``) for plain Python locally.

On a cluster ``open('/dbfs/x')``, ``os.listdir('/Volumes/c/s/v')`` and pandas' ``read_csv('/dbfs/x.csv')``
reach DBFS and volumes through FUSE mounts. A local run cannot mount anything, so the run's process
wraps ``open`` and the ``os`` functions that take a path, mapping those prefixes into the workspace
folder, and Arrow's own path resolution (pandas' ``read_parquet``/``to_parquet``, ``pyarrow.parquet``,
``pyarrow.dataset``, ORC), which opens files natively rather than through ``open``. Any other path is
passed through unchanged.
"""

from __future__ import annotations

import builtins
import functools
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.paths import PathMap

ONE_PATH = ("stat", "lstat", "listdir", "scandir", "mkdir", "rmdir", "remove", "unlink", "access", "chmod", "utime")
TWO_PATHS = ("rename", "replace")
ARROW_RESOLVERS = ("pyarrow.fs", "pyarrow.parquet.core", "pyarrow.orc")
"""Modules holding Arrow's ``_resolve_filesystem_and_path`` (imported by name into the last two)."""
_ORIGINALS: dict[str, Callable[..., Any]] = {}


def _mapper(paths: PathMap) -> Callable[[Any], Any]:
    def mapped(path: Any) -> Any:
        if isinstance(path, str | os.PathLike) and not isinstance(path, bytes):
            text = os.fspath(path)
            if isinstance(text, str):
                local = paths.fuse(text)
                if local is not None:
                    return local
        return path

    return mapped


def _wrap(function: Callable[..., Any], mapped: Callable[[Any], Any], count: int) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args = tuple(mapped(arg) if index < count else arg for index, arg in enumerate(args))
        for key in ("path", "file", "src", "dst"):
            if key in kwargs:
                kwargs[key] = mapped(kwargs[key])
        return function(*args, **kwargs)

    return wrapper


def install_path_mapping(workspace_root: Path) -> None:
    """Map FUSE paths for ``open`` and ``os`` in this process (idempotent; the last workspace wins)."""
    mapped = _mapper(PathMap.of(workspace_root))
    if not _ORIGINALS:
        _ORIGINALS["open"] = builtins.open
        _ORIGINALS.update({name: getattr(os, name) for name in ONE_PATH + TWO_PATHS})
    builtins.open = io.open = _wrap(_ORIGINALS["open"], mapped, 1)
    for name in ONE_PATH:
        setattr(os, name, _wrap(_ORIGINALS[name], mapped, 1))
    for name in TWO_PATHS:
        setattr(os, name, _wrap(_ORIGINALS[name], mapped, 2))
    for module in _arrow_modules():
        original = _ORIGINALS.setdefault(module.__name__, module._resolve_filesystem_and_path)
        module._resolve_filesystem_and_path = _wrap(original, mapped, 1)


def _arrow_modules() -> list[Any]:
    import importlib

    modules = []
    for name in ARROW_RESOLVERS:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:  # an Arrow build without ORC
            continue
    return modules


def uninstall_path_mapping() -> None:
    """Restore the original ``open`` and ``os`` functions (for tests)."""
    if not _ORIGINALS:
        return
    builtins.open = io.open = _ORIGINALS["open"]
    for name in ONE_PATH + TWO_PATHS:
        setattr(os, name, _ORIGINALS[name])
    for module in _arrow_modules():
        if module.__name__ in _ORIGINALS:
            module._resolve_filesystem_and_path = _ORIGINALS[module.__name__]
    _ORIGINALS.clear()
