"""Picking the workspace and runner pair of a target: the one place that knows both targets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .local_runner import LocalRunEnvironment, LocalRunner
from .runs import Runner
from .settings import Settings, check_target
from .sync import Snapshot
from .workspace import LocalWorkspace, Workspace

SECRETS_FILE = ".secrets.json"
SNAPSHOTS_DIR = ".snapshots"


@dataclass(frozen=True)
class Target:
    """A workspace, a runner and where their send snapshots live."""

    name: str
    workspace: Workspace
    runner: Runner
    snapshot_dir: Path

    def snapshot(self, folder: str) -> Snapshot:
        """The snapshot of what was last sent to ``folder`` on this target."""
        return Snapshot(self.snapshot_dir / (folder.strip("/").replace("/", "__") + ".json"))


def open_target(settings: Settings, name: str | None = None, profile: str | None = None) -> Target:
    """The target named on the command line, else the project's default; never a silent fallback."""
    name = check_target(name or settings.target)
    if name == "local":
        workspace = LocalWorkspace(settings.local.workspace_dir)
        environment = LocalRunEnvironment(
            project_dir=settings.project_dir,
            runs_dir=settings.local.runs_dir,
            mlflow_dir=settings.local.mlflow_dir,
            spark_master=settings.local.spark_master,
            secrets_file=settings.project_dir / SECRETS_FILE,
        )
        return Target(name, workspace, LocalRunner(workspace, environment), workspace.root / SNAPSHOTS_DIR)
    from .databricks_target import open_databricks_target

    return open_databricks_target(settings, profile)
