"""A target: the workspace, runner and library store of one place notebooks run, with its per-target facts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_engine.contract.library_store import LibraryStore
from mlops_engine.contract.repos import Repos
from mlops_engine.contract.runs import Runner
from mlops_engine.contract.snapshot import Snapshot
from mlops_engine.contract.warm_compute import WarmCompute
from mlops_engine.contract.workspace import Workspace


@dataclass(frozen=True)
class Target:
    """Everything a command needs to know about where it works; only ``open_target`` builds one."""

    name: str
    host: str
    """The workspace URL, or "" for the local target (which no environment's ``host`` can name)."""
    workspace: Workspace
    runner: Runner
    libraries: LibraryStore
    snapshot_dir: Path
    tracking_uri: str
    """Where deployments are recorded: the local MLflow store, or the workspace's tracking server."""
    upload_parallelism: int
    run_timeout_seconds: int
    poll_seconds: float
    """Longest wait between two looks at a run: a local run's state is a file read, so it is looked at often."""
    repos: Repos | None = None
    """Git folders, where the target has them (only a Databricks workspace does)."""
    warm_compute: WarmCompute | None = None
    """Compute kept up between runs, where runs attach to one (the local target's warm Spark driver)."""

    def snapshot(self, folder: str) -> Snapshot:
        """The snapshot of what was last sent to ``folder`` on this target."""
        return Snapshot(self.snapshot_dir / (folder.strip("/").replace("/", "__") + ".json"))
