"""Picking the workspace and runner pair of a target: the one place that knows both targets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from posixpath import join
from typing import Protocol

from .local_runner import LocalRunEnvironment, LocalRunner
from .preflight import check_java, check_python
from .runs import Runner
from .settings import Settings, check_target
from .sync import Snapshot
from .workspace import LocalWorkspace, Workspace

SECRETS_FILE = ".secrets.json"
SNAPSHOTS_DIR = ".snapshots"


class LibraryStore(Protocol):
    """Where built libraries go, and the path a run's ``libraries`` names for them."""

    def upload(self, libraries_folder: str, file_name: str, content: bytes) -> str:
        """Store a library in ``libraries_folder``; return the path runs install it from."""

    def location(self, libraries_folder: str, file_name: str) -> str:
        """The path a library in ``libraries_folder`` has, without connecting."""


class WorkspaceLibraryStore:
    """Libraries kept as workspace files beside the notebooks (the local target's way)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def upload(self, libraries_folder: str, file_name: str, content: bytes) -> str:
        self.workspace.mkdirs(libraries_folder)
        path = self.location(libraries_folder, file_name)
        self.workspace.put_file(path, content)
        return path

    def location(self, libraries_folder: str, file_name: str) -> str:
        return join(libraries_folder, file_name)


@dataclass(frozen=True)
class Target:
    """A workspace, a runner, a library store and where their send snapshots live."""

    name: str
    workspace: Workspace
    runner: Runner
    libraries: LibraryStore
    snapshot_dir: Path
    max_poll_seconds: float = 10.0
    """Longest wait between two looks at a run: a local run's state is a file read, so it is looked at often."""

    def snapshot(self, folder: str) -> Snapshot:
        """The snapshot of what was last sent to ``folder`` on this target."""
        return Snapshot(self.snapshot_dir / (folder.strip("/").replace("/", "__") + ".json"))


def open_target(settings: Settings, name: str | None = None, profile: str | None = None) -> Target:
    """The target named on the command line, else the project's default; never a silent fallback."""
    name = check_target(name or settings.target)
    if name == "local":
        check_python()
        check_java()
        workspace = LocalWorkspace(settings.local.workspace_dir)
        environment = LocalRunEnvironment(
            project_dir=settings.project_dir,
            runs_dir=settings.local.runs_dir,
            mlflow_dir=settings.local.mlflow_dir,
            spark_master=settings.local.spark_master,
            secrets_file=settings.project_dir / SECRETS_FILE,
        )
        runner = LocalRunner(workspace, environment)
        return Target(name, workspace, runner, WorkspaceLibraryStore(workspace), workspace.root / SNAPSHOTS_DIR,
                      max_poll_seconds=1.0)
    from .databricks_target import open_databricks_target

    return open_databricks_target(settings, profile)
