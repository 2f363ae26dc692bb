"""Deployment environments as data: the ``mlops.environments`` table of invoke.yaml.

Each environment is one isolated place a release goes to (production, optionally staging): which
workspace (host or profile), which root folder, which compute its runs use, which branch it releases
from, which config its ``set_environment`` runs, and whether a deploy needs an approved pipeline run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mlops_engine.errors import UserError
from mlops_engine.pipeline_variables import in_pipeline
from mlops_engine.settings import Settings

APPROVALS = ("pipeline", "none")
KNOWN_KEYS = frozenset({"host", "profile", "workspace_root", "release_branch", "config", "compute", "approvals",
                        "repo_path", "git_url"})


@dataclass(frozen=True)
class Environment:
    """Where and how one environment receives a release."""

    name: str
    workspace_root: str
    release_branch: str
    config: str = "production"
    host: str = ""
    profile: str = ""
    compute: Mapping[str, Any] = field(default_factory=dict)
    approvals: str = "none"
    repo_path: str = ""
    git_url: str = ""

    @property
    def config_notebook(self) -> str:
        """The conf/ notebook the environment's set_environment runs."""
        return f"{self.config}_config"


def load_environment(settings: Settings, name: str) -> Environment:
    """The environment ``name`` of ``mlops.environments``, defaults from the project's own settings."""
    environments = settings.environments
    if name not in environments:
        known = ", ".join(environments) or "none; add one under mlops.environments in invoke.yaml"
        raise UserError(f"unknown environment {name!r}; environments: {known}")
    data = environments[name] or {}
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise UserError(f"invoke.yaml: mlops.environments.{name} has unknown key(s) {', '.join(unknown)}; "
                        f"known: {', '.join(sorted(KNOWN_KEYS))}")
    approvals = str(data.get("approvals") or "none")
    if approvals not in APPROVALS:
        raise UserError(f"invoke.yaml: mlops.environments.{name}.approvals is {approvals!r}; "
                        f"choose {' or '.join(APPROVALS)}")
    root = str(data.get("workspace_root") or settings.workspace_root)
    if not root.startswith("/") or root.endswith("/") or ".." in root.split("/"):
        raise UserError(f"invoke.yaml: mlops.environments.{name}.workspace_root {root!r} must be an absolute "
                        "workspace folder such as /Projects/Name")
    return Environment(
        name=name,
        workspace_root=root,
        release_branch=str(data.get("release_branch") or settings.release_branch),
        config=str(data.get("config") or "production"),
        host=str(data.get("host") or "").rstrip("/"),
        profile=str(data.get("profile") or ""),
        compute=dict(data.get("compute") or {}),
        approvals=approvals,
        repo_path=str(data.get("repo_path") or ""),
        git_url=str(data.get("git_url") or ""),
    )


def environment_settings(settings: Settings, environment: Environment) -> Settings:
    """The project's settings as the environment sees them: its root, release branch and compute."""
    databricks = dict(settings.databricks)
    if environment.compute:
        databricks["compute"] = dict(environment.compute)
    return replace(settings, workspace_root=environment.workspace_root, release_branch=environment.release_branch,
                   databricks=databricks)


def check_approvals(environment: Environment, *, force: bool) -> None:
    """An environment whose approvals live in the pipeline takes deploys only from a pipeline run."""
    if environment.approvals == "pipeline" and not in_pipeline() and not force:
        raise UserError(f"{environment.name} deploys come from an approved pipeline run (approvals: pipeline); "
                        "pass --force to deploy from this machine anyway")


def check_host(environment: Environment, connected_host: str) -> None:
    """Refuse to deploy an environment into another workspace than the one it names (the local target has none)."""
    if environment.host and connected_host and environment.host != connected_host.rstrip("/"):
        raise UserError(f"{environment.name} lives on {environment.host}, but the credentials here reach "
                        f"{connected_host}; use that workspace's credentials or --profile")
