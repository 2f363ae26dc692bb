"""What a ``%pip`` layer changes in the running notebook's process, and what ``restartPython()`` undoes.

A layer's site-packages goes first on ``sys.path`` (after the notebook's own folders, as on Databricks), on
``PYTHONPATH`` (child processes, ``%sh``, and the Python workers of a JVM this process starts later) and in
the active SparkContext's ``environment``, which pyspark sends with every Python UDF and RDD function to the
worker factory (it puts it on the worker's PYTHONPATH): so the warm driver's workers, started by another
process, see the run's libraries too, as notebook-scoped libraries reach the executors on Databricks. Its
console scripts go on ``PATH``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import site
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ACTIVE: list[str] = []
"""Layer site-packages folders on this process' path, newest first (what Spark's workers must see too)."""
_SCRIPTS: list[str] = []
_OURS: set[str] = set()
_LISTENERS: list[Callable[[list[str]], None]] = []
"""Told the layers after each change (``on_layers``)."""
"""Every folder this module put on PYTHONPATH or PATH (a re-ordering drops the old entries)."""


def _prepend(variable: str, first: list[str]) -> None:
    rest = [entry for entry in os.environ.get(variable, "").split(os.pathsep) if entry and entry not in _OURS]
    os.environ[variable] = os.pathsep.join([*first, *rest])


def activate(folder: Path, scripts: Path, run_site_packages: Path | None = None) -> None:
    """Put a layer's site-packages ``folder`` first on this process' paths (before the run's own folder for
    installed files, after the notebook's folders), on PYTHONPATH and Spark's, and its ``scripts`` on PATH."""
    entry = str(folder)
    if entry in sys.path:
        sys.path.remove(entry)
    before = set(sys.path)
    site.addsitedir(entry)  # its .pth files too (editable installs, namespace packages)
    added = [path for path in sys.path if path not in before]
    for path in added:
        sys.path.remove(path)
    anchors = [*_ACTIVE, str(run_site_packages)] if run_site_packages is not None else _ACTIVE
    position = min((sys.path.index(path) for path in anchors if path in sys.path), default=0)
    sys.path[position:position] = added  # before the older layers, or where the run's own folder is
    importlib.invalidate_caches()
    for entries, new in ((_ACTIVE, entry), (_SCRIPTS, str(scripts))):
        if new in entries:
            entries.remove(new)
        entries.insert(0, new)
        _OURS.add(new)
    _prepend("PYTHONPATH", _ACTIVE)
    _prepend("PATH", [path for path in _SCRIPTS if Path(path).is_dir() and any(Path(path).iterdir())])
    export_to_spark()
    for listener in _LISTENERS:
        listener(list(_ACTIVE))


def export_to_spark(context: Any = None) -> None:
    """Give Spark's Python workers the run's layers: the SparkContext's ``environment`` (the active one unless
    given) has them first on its PYTHONPATH, for every Python UDF and RDD function created from now on."""
    if context is None:
        if "pyspark" not in sys.modules:
            return
        from pyspark import SparkContext

        context = SparkContext._active_spark_context
        if context is None:
            return
    environment = context.environment
    rest = [entry for entry in environment.get("PYTHONPATH", "").split(os.pathsep) if entry and entry not in _OURS]
    if _ACTIVE or rest:
        environment["PYTHONPATH"] = os.pathsep.join([*_ACTIVE, *rest])


def on_layers(listener: Callable[[list[str]], None]) -> None:
    """Have ``listener`` told the run's layers (newest first) now, if any, and after every ``%pip``: a Spark Connect
    session has no SparkContext environment, its server's workers take them from the session instead."""
    _LISTENERS[:] = [listener]
    if _ACTIVE:
        listener(list(_ACTIVE))


def forget_modules(folders: list[Path]) -> tuple[list[str], list[str]]:
    """Drop from ``sys.modules`` the packages the ``folders`` provide (so the next import loads them from there);
    a package with compiled extensions already loaded stays (a process cannot load them twice). (dropped, kept)."""
    names: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            names |= {entry.name.partition(".")[0] for entry in folder.iterdir()
                      if not entry.name.endswith((".dist-info", ".egg-info", ".pth"))
                      and not entry.name.startswith(("_mlops_layer_view", "__pycache__"))}
    groups: dict[str, list[str]] = {}
    for name in list(sys.modules):
        if name.partition(".")[0] in names:
            groups.setdefault(name.partition(".")[0], []).append(name)
    kept = sorted(top for top, modules in groups.items() if any(_compiled(sys.modules.get(m)) for m in modules))
    for top, modules in groups.items():
        if top not in kept:
            for name in modules:
                sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return sorted(set(groups) - set(kept)), kept


def _compiled(module: Any) -> bool:
    file = getattr(module, "__file__", None) or ""
    return file.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
