"""A local workspace with a notebook folder, and a notebook namespace as the run process builds it."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_engine.local.filesystem.dbfs import LocalFs
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.notebook.context import NotebookContext
from mlops_engine.local.notebook.dbutils import LocalDbutils
from mlops_engine.local.notebook.executor import NotebookExecutor
from mlops_engine.local.notebook.redaction import Redactor
from mlops_engine.local.notebook.runtime_globals import databricks_globals
from mlops_engine.local.notebook.secrets import Secrets

H = "# Databricks notebook source\n"
SEP = "\n# COMMAND ----------\n"
FOLDER = "/root/branch"
WHEEL = "probe_pkg-1.0-py3-none-any.whl"

Run = Callable[..., dict[str, Any]]


def notebook(*cells: str) -> str:
    """A source-format notebook of these cells."""
    return H + SEP.join(cells)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalWorkspace:
    """A local workspace whose branch folder (with set_environment) is the working directory."""
    space = LocalWorkspace(tmp_path / "ws")
    space.import_notebook(f"{FOLDER}/set_environment", b"X = 1\n")
    space.mkdirs(FOLDER)
    monkeypatch.chdir(space.local_path(FOLDER))
    return space


@pytest.fixture
def run_notebook(workspace: LocalWorkspace, tmp_path: Path, spark: Any) -> Run:
    """Write notebooks into the workspace, run the first, return its namespace (the session's Spark)."""

    def run(notebooks: dict[str, str], parameters: dict[str, str] | None = None) -> dict[str, Any]:
        for name, source in notebooks.items():
            workspace.import_notebook(f"{FOLDER}/{name}", source.encode())
        path = f"{FOLDER}/{next(iter(notebooks))}"
        context = NotebookContext(path, run_id=7, workspace_root=str(workspace.root),
                                  site_packages=str(tmp_path / "site-packages"))
        namespace: dict[str, Any] = {}
        dbutils = LocalDbutils(parameters or {}, Secrets(None, Redactor()), LocalFs(workspace.root / "dbfs"),
                               lambda *_: "", context)
        namespace.update(databricks_globals(spark, dbutils))
        NotebookExecutor(lambda p: workspace.read(p).decode()).run(path, namespace)
        return namespace

    return run


def wheel_file(path: Path, requires: str = "", version: str = "1.0") -> Path:
    """A minimal wheel of module ``probe_pkg`` (VALUE = the version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = f"probe_pkg-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("probe_pkg/__init__.py", f"VALUE = {version!r}\n")
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: probe-pkg\nVersion: {version}\n{requires}")
        wheel.writestr(f"{info}/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path
