"""The engine's settings as data: the ``mlops`` table of invoke's configuration.

invoke layers it: the defaults here (the collection's, ``mlops_engine.tasks``), the project's invoke.yaml (only
what differs), then a developer's git-ignored invoke.local.yaml, which the tasks module names as invoke's runtime
config file (``-f``/``INVOKE_RUNTIME_CONFIG`` still win).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_engine.errors import UserError

LOCAL_OVERRIDES = "invoke.local.yaml"
PROJECT_CONFIG = "invoke.yaml"
TARGETS = ("local", "databricks")
DEFAULTS: dict[str, Any] = {
    "training_notebook": "ModelTraining",
    "release_branch": "master",
    "target": "local",
    "local": {
        "workspace_dir": ".workspace",
        "runs_dir": ".runs",
        "mlflow_dir": ".mlflow",
        "spark_master": "local[2]",
        "run_timeout_minutes": 25,
        "warm_spark": True,
    },
    "databricks": {
        "profile": "",
        "run_timeout_minutes": 25,
        "upload_parallelism": 16,
        "library_store": "workspace",
        "library_volume": "",
    },
}
"""What every project shares; its invoke.yaml sets the rest (names, compute, environments) and any change."""


@dataclass(frozen=True)
class LocalSettings:
    """Where the local target keeps its workspace folder, runs and MLflow store."""

    workspace_dir: Path
    runs_dir: Path
    mlflow_dir: Path
    spark_master: str = "local[2]"
    run_timeout_minutes: float = 25
    warm_spark: bool = True
    """Keep a Spark driver up between runs (stopped after 30 idle minutes), as a workspace keeps its cluster."""


@dataclass(frozen=True)
class Settings:
    """Everything the tasks need to know about the project, resolved against its root folder."""

    project_dir: Path
    workspace_root: str
    notebooks_package: str
    library_name: str
    library_format: str
    training_notebook: str
    default_config: str
    release_branch: str
    target: str
    local: LocalSettings
    runtime: str = ""
    """``mlops.runtime``: the Databricks runtime (``runtimes.json``) the local target matches."""
    databricks: Mapping[str, Any] = field(default_factory=dict)
    environments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """``mlops.environments``: where ``invoke deploy --env NAME`` releases to."""

    @property
    def notebooks_dir(self) -> Path:
        """The notebooks package on disk."""
        return self.project_dir / self.notebooks_package


def load_settings(project_dir: Path, config: Mapping[str, Any]) -> Settings:
    """Build settings from the invoke config's ``mlops`` table (invoke.yaml with invoke.local.yaml over it)."""
    table: Mapping[str, Any] = config.get("mlops") or {}
    try:
        local = table["local"]
        settings = Settings(
            project_dir=project_dir,
            workspace_root=str(table["workspace_root"]),
            notebooks_package=str(table["notebooks_package"]),
            library_name=str(table["library_name"]),
            library_format=str(table["library_format"]),
            training_notebook=str(table["training_notebook"]),
            default_config=str(table["default_config"]),
            release_branch=str(table["release_branch"]),
            target=str(table["target"]),
            local=LocalSettings(
                workspace_dir=project_dir / local["workspace_dir"],
                runs_dir=project_dir / local["runs_dir"],
                mlflow_dir=project_dir / local["mlflow_dir"],
                spark_master=str(local.get("spark_master", "local[2]")),
                run_timeout_minutes=float(local.get("run_timeout_minutes", 25)),
                warm_spark=bool(local.get("warm_spark", True)),
            ),
            runtime=str(table["runtime"]),
            databricks=dict(table.get("databricks") or {}),
            environments={name: dict(data or {}) for name, data in (table.get("environments") or {}).items()},
        )
    except KeyError as missing:
        raise UserError(f"invoke.yaml: the mlops table lacks {missing}") from None
    check_target(settings.target)
    return settings


def with_compute(settings: Settings, compute: Mapping[str, Any]) -> Settings:
    """``settings`` with ``compute`` in place of the team's: a developer's choice of compute replaces it whole, as a
    mapping naming two kinds of compute (invoke's deep merge) could run on neither."""
    return replace(settings, databricks={**settings.databricks, "compute": dict(compute)})


def check_target(target: str) -> str:
    """Return ``target`` if it is one the project supports; never fall back silently."""
    if target not in TARGETS:
        raise UserError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}")
    return target


def find_project_dir(start: Path) -> Path:
    """The project folder: the nearest folder from ``start`` upwards with an invoke.yaml (as invoke looks for
    tasks.py), else ``start``."""
    for folder in (start, *start.parents):
        if (folder / PROJECT_CONFIG).is_file():
            return folder
    return start


def local_overrides(project_dir: Path) -> str | None:
    """The developer's invoke.local.yaml, for invoke to load as its runtime config file, if there is one."""
    file = project_dir / LOCAL_OVERRIDES
    return str(file) if file.is_file() else None
