"""The databricks target assembled from settings: one client, its workspace, runner, library store and repos."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlops_engine.contract.target import Target
from mlops_engine.databricks.auth import connect
from mlops_engine.databricks.library_store import DatabricksLibraryStore, LibraryPlace
from mlops_engine.databricks.repos import DatabricksRepos
from mlops_engine.databricks.runner import DatabricksRunner, compute_fields
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.settings import Settings

SNAPSHOT_DIR = ".mlops/snapshots"
UPLOAD_PARALLELISM = 16
RUN_TIMEOUT_MINUTES = 25
POLL_SECONDS = 10.0


def snapshot_dir(project_dir: Path, host: str) -> Path:
    """Send snapshots of one host, so two workspaces never share one (as ``databricks sync`` keeps them)."""
    return project_dir / SNAPSHOT_DIR / hashlib.sha256(host.rstrip("/").encode()).hexdigest()[:16]


def open_databricks_target(settings: Settings, profile: str | None = None) -> Target:
    """Check the config, then connect (``profile`` overrides ``mlops.databricks.profile``) and check credentials."""
    databricks = settings.databricks
    compute_fields(databricks.get("compute") or {})
    place = LibraryPlace.from_settings(databricks)
    profile = profile or str(databricks.get("profile") or "") or None
    client = connect(profile, retry_timeout_seconds=int(databricks.get("retry_timeout_seconds") or 120))
    workspace = DatabricksWorkspace(client)
    return Target(
        name="databricks",
        host=workspace.host,
        workspace=workspace,
        runner=DatabricksRunner(client, databricks.get("compute") or {}),
        libraries=DatabricksLibraryStore(client, place),
        snapshot_dir=snapshot_dir(settings.project_dir, workspace.host),
        tracking_uri=f"databricks://{profile}" if profile else "databricks",
        upload_parallelism=int(databricks.get("upload_parallelism") or UPLOAD_PARALLELISM),
        # 0 stays 0 (refused when a run is submitted, as on the local target), never the default
        run_timeout_seconds=int(float(databricks.get("run_timeout_minutes", RUN_TIMEOUT_MINUTES)) * 60),
        poll_seconds=POLL_SECONDS,
        repos=DatabricksRepos(client),
    )
