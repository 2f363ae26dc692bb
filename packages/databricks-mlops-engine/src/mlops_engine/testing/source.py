"""A project's notebooks executed in this process, as Databricks runs them (cells in order, ``%run`` in one
namespace) but without Spark: for fast tests of what configs define."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlops_engine.local.notebook.executor import NotebookExecutor
from mlops_engine.local.notebook.parser import Cell, parse_notebook

__all__ = ["Cell", "parse_notebook", "run_source"]


def run_source(read: Callable[[str], str], path: str) -> dict[str, Any]:
    """Execute the notebook at workspace ``path`` (``read`` gives a path's source) and return its namespace."""
    namespace: dict[str, Any] = {}
    NotebookExecutor(read).run(path, namespace)
    return namespace
