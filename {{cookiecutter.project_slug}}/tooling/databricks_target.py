"""The databricks target assembled from settings: one client, its workspace, runner and library store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .databricks_auth import connect
from .databricks_runner import DatabricksRunner, compute_fields
from .databricks_workspace import DatabricksWorkspace, LibraryPlace, LibraryStore
from .settings import Settings
from .sync import Snapshot

SNAPSHOT_DIR = ".mlops/snapshots"


@dataclass(frozen=True)
class DatabricksTarget:
    """Everything a task needs to talk to one workspace."""

    host: str
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
        workspace=workspace,
        runner=DatabricksRunner(client, databricks.get("compute") or {}),
        libraries=LibraryStore(client, place),
    )


def snapshot_for(project_dir: Path, host: str, folder: str) -> Snapshot:
    """The send snapshot of ``folder`` on ``host`` (one per host and folder, as ``databricks sync`` keeps)."""
    key = hashlib.sha256(f"{host.rstrip('/')}\n{folder}".encode()).hexdigest()[:20]
    return Snapshot(project_dir / SNAPSHOT_DIR / f"{key}.json")
