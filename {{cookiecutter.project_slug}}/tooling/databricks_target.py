"""The databricks target assembled from settings: one client, its workspace, runner and library store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from databricks.sdk import WorkspaceClient

from .databricks_auth import connect
from .databricks_runner import DatabricksRunner, compute_fields
from .databricks_workspace import DatabricksWorkspace, LibraryPlace, LibraryStore
from .settings import Settings
from .targets import Target

SNAPSHOT_DIR = ".mlops/snapshots"


@dataclass(frozen=True)
class DatabricksTarget:
    """Everything a task needs to talk to one workspace (the client too, for ``ci --via repos``)."""

    host: str
    client: WorkspaceClient
    workspace: DatabricksWorkspace
    runner: DatabricksRunner
    libraries: LibraryStore


def databricks_target(settings: Settings, profile: str | None = None) -> DatabricksTarget:
    """Check the config, then connect (``profile`` overrides ``mlops.databricks.profile``) and check credentials."""
    databricks = settings.databricks
    compute_fields(databricks.get("compute") or {})
    place = LibraryPlace.from_settings(databricks)
    client = connect(
        profile or str(databricks.get("profile") or "") or None,
        retry_timeout_seconds=int(databricks.get("retry_timeout_seconds") or 120),
    )
    workspace = DatabricksWorkspace(client)
    return DatabricksTarget(
        host=workspace.host,
        client=client,
        workspace=workspace,
        runner=DatabricksRunner(client, databricks.get("compute") or {}),
        libraries=LibraryStore(client, place),
    )


def snapshot_dir(project_dir: Path, host: str) -> Path:
    """Send snapshots of one host, so two workspaces never share one (as ``databricks sync`` keeps them)."""
    return project_dir / SNAPSHOT_DIR / hashlib.sha256(host.rstrip("/").encode()).hexdigest()[:16]


def open_databricks_target(settings: Settings, profile: str | None = None) -> Target:
    """The workspace and runner pair ``targets.open_target`` hands to the tasks."""
    target = databricks_target(settings, profile)
    return Target("databricks", target.workspace, target.runner, target.libraries,
                  snapshot_dir(settings.project_dir, target.host))
