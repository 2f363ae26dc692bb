"""The FUSE mounts of a Databricks driver (``/dbfs``, ``/Volumes``, ``/Workspace``) for plain Python locally.

On a cluster ``open('/dbfs/x')``, ``os.listdir('/Volumes/c/s/v')`` and pandas' ``read_csv('/dbfs/x.csv')``
reach DBFS and volumes through FUSE mounts. A local run normally starts inside a mount namespace where these
paths are real mounts of the workspace folder (``namespace``), for its Python and every process it starts; then
this module only adds the hint that a missing ``/databricks-datasets`` file is a sample not available offline.

Without the namespace (``namespace`` says why) the run's process wraps ``open`` and the ``os`` functions that
take a path, mapping those prefixes into the workspace folder, and Arrow's own path resolution (pandas'
``read_parquet``/``to_parquet``, ``pyarrow.parquet``, ``pyarrow.dataset``, ORC), which opens files natively
rather than through ``open``. Any other path is passed through unchanged. Child processes then do not see
the paths: the run's log says so once and ``child_view_problem`` tells ``%sh``/``!cmd`` why.
"""

from __future__ import annotations

import builtins
import functools
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.namespace import UNAVAILABLE_ENV, mounted
from mlops_engine.local.filesystem.paths import DATASETS_DIR, PathMap, SampleDatasetMissing

ONE_PATH = ("stat", "lstat", "listdir", "scandir", "mkdir", "rmdir", "remove", "unlink", "access", "chmod", "utime")
TWO_PATHS = ("rename", "replace")
ARROW_RESOLVERS = ("pyarrow.fs", "pyarrow.parquet.core", "pyarrow.orc")
"""Modules holding Arrow's ``_resolve_filesystem_and_path`` (imported by name into the last two)."""
_ORIGINALS: dict[str, Callable[..., Any]] = {}
_STATE: dict[str, Any] = {}
"""``root``: the workspace mapped; ``namespace``: whether this process sees it through real mounts; ``noted``."""


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


def _explained(function: Callable[..., Any], paths: PathMap) -> Callable[..., Any]:
    """Inside the namespace: ``function`` as it is (the mounts resolve every path), except that a missing
    ``/databricks-datasets`` file says that the samples are not available offline and where a copy goes."""
    prefix = f"/{DATASETS_DIR}/"

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except FileNotFoundError as error:
            if isinstance(error.filename, str) and error.filename.startswith(prefix):
                try:
                    paths.local(error.filename)
                except SampleDatasetMissing as missing:
                    raise missing from error
                except UserError:  # a path PathMap refuses ('..'): the kernel's own error says enough
                    pass
            raise

    return wrapper


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
    """Map FUSE paths for ``open`` and ``os`` in this process (idempotent; the last workspace wins); inside the
    workspace's mount namespace, the paths are left to the mounts and only a missing sample dataset is explained."""
    paths = PathMap.of(workspace_root)
    in_namespace = mounted(workspace_root)
    _STATE.update(root=Path(workspace_root), namespace=in_namespace)
    reason = os.environ.get(UNAVAILABLE_ENV, "")
    if not in_namespace and reason and not _STATE.get("noted"):
        _STATE["noted"] = True
        print(f"note: /dbfs, /Volumes, /Workspace and /databricks-datasets are mapped for this run's Python only: "
              f"%sh, !cmd, subprocesses and Spark's Python workers do not see them, because {reason}", flush=True)
    if not _ORIGINALS:
        _ORIGINALS["open"] = builtins.open
        _ORIGINALS.update({name: getattr(os, name) for name in ONE_PATH + TWO_PATHS})
    if in_namespace:
        builtins.open = io.open = _explained(_ORIGINALS["open"], paths)
        for name in ONE_PATH + TWO_PATHS:
            setattr(os, name, _explained(_ORIGINALS[name], paths))
        for module in _arrow_modules():
            module._resolve_filesystem_and_path = _ORIGINALS.get(module.__name__, module._resolve_filesystem_and_path)
        return
    mapped = _mapper(paths)
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


def child_view_problem() -> str | None:
    """Why processes this one starts do not see the workspace at ``/dbfs`` etc. as its Python does; None when they do
    (inside the namespace, or with no mapping installed: then Python sees the machine's paths too)."""
    if not _ORIGINALS or _STATE.get("namespace"):
        return None
    return os.environ.get(UNAVAILABLE_ENV) or "this process is outside the local target's filesystem namespace"


def mapped_root() -> Path | None:
    """The workspace folder this process's Python sees at the FUSE paths, or None."""
    return _STATE.get("root") if _ORIGINALS else None


def uninstall_path_mapping() -> None:
    """Restore the original ``open`` and ``os`` functions (for tests)."""
    for key in ("root", "namespace", "noted"):
        _STATE.pop(key, None)
    if not _ORIGINALS:
        return
    builtins.open = io.open = _ORIGINALS["open"]
    for name in ONE_PATH + TWO_PATHS:
        setattr(os, name, _ORIGINALS[name])
    for module in _arrow_modules():
        if module.__name__ in _ORIGINALS:
            module._resolve_filesystem_and_path = _ORIGINALS[module.__name__]
    _ORIGINALS.clear()
