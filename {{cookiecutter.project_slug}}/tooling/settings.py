"""Tooling settings as data: the ``mlops`` table of invoke.yaml, overlaid by a developer's invoke.local.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import UserError

LOCAL_OVERRIDES = "invoke.local.yaml"
TARGETS = ("local", "databricks")


@dataclass(frozen=True)
class LocalSettings:
    """Where the local target keeps its workspace folder, runs and MLflow store."""

    workspace_dir: Path
    runs_dir: Path
    mlflow_dir: Path
    spark_master: str = "local[2]"
    run_timeout_minutes: float = 25


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
    databricks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def notebooks_dir(self) -> Path:
        """The notebooks package on disk."""
        return self.project_dir / self.notebooks_package


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(project_dir: Path, config: Mapping[str, Any]) -> Settings:
    """Build settings from the invoke config's ``mlops`` table and the optional local overrides file."""
    table: Mapping[str, Any] = config.get("mlops") or {}
    overrides_file = project_dir / LOCAL_OVERRIDES
    if overrides_file.is_file():
        overrides = yaml.safe_load(overrides_file.read_text()) or {}
        table = _merge(table, overrides.get("mlops") or {})
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
            ),
            databricks=dict(table.get("databricks") or {}),
        )
    except KeyError as missing:
        raise UserError(f"invoke.yaml: the mlops table lacks {missing}") from None
    check_target(settings.target)
    return settings


def check_target(target: str) -> str:
    """Return ``target`` if it is one the project supports; never fall back silently."""
    if target not in TARGETS:
        raise UserError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}")
    return target
