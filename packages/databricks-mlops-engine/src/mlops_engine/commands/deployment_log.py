"""The deployment history, kept as MLflow runs: one run per deploy, its parameters, its result.

MLflow is the team's tracking UI already, so deployments sit beside the training runs they shipped.
The store is the target's own: the local store for the local target, the workspace's tracking server
for databricks; ``MLFLOW_TRACKING_URI`` overrides both.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mlops_engine.errors import UserError

EXPERIMENT = "experiments/deployments"
SQLITE = "sqlite:///"
MAX_PARAM = 500


@dataclass(frozen=True)
class Deployment:
    """One recorded deploy, as the history table shows it."""

    run_id: str
    started: datetime
    result: str
    params: Mapping[str, str]


def deployer() -> tuple[str, str]:
    """Who deployed and with what: the pipeline's requester and run, else this machine's user."""
    env = os.environ
    if env.get("BUILD_BUILDID"):
        who = env.get("BUILD_REQUESTEDFOREMAIL") or env.get("BUILD_REQUESTEDFOR") or "azure-pipelines"
        return who, f"azure-pipelines {env.get('BUILD_DEFINITIONNAME', '')} build {env['BUILD_BUILDID']}".strip()
    if env.get("GITHUB_RUN_ID"):
        return env.get("GITHUB_ACTOR") or "github-actions", f"github-actions {env.get('GITHUB_WORKFLOW', '')} run " \
            f"{env['GITHUB_RUN_ID']}"
    return getpass.getuser(), f"invoke on {socket.gethostname()}"


class DeploymentLog:
    """The deployments experiment of one workspace root in one MLflow tracking store."""

    def __init__(self, uri: str, workspace_root: str) -> None:
        from mlflow.tracking import MlflowClient

        for logger in ("mlflow", "alembic"):  # alembic: a SQLite store's schema check on every open, at INFO
            logging.getLogger(logger).setLevel(logging.WARNING)
        uri = os.environ.get("MLFLOW_TRACKING_URI") or uri
        self.artifact_root = None
        if uri.startswith(SQLITE):
            # A local store keeps artifacts beside its database, as the runs of the local target do.
            database = Path(uri.removeprefix(SQLITE))
            database.parent.mkdir(parents=True, exist_ok=True)
            self.artifact_root = database.parent / "mlruns"
        self.uri = uri
        self.experiment_name = f"{workspace_root}/{EXPERIMENT}"
        self.client = MlflowClient(tracking_uri=uri)

    def _experiment_id(self, create: bool) -> str | None:
        try:
            experiment = self.client.get_experiment_by_name(self.experiment_name)
            if experiment is not None:
                return experiment.experiment_id
            if not create:
                return None
            location = self.artifact_root.resolve().as_uri() if self.artifact_root else None
            return self.client.create_experiment(self.experiment_name, artifact_location=location)
        except Exception as error:  # noqa: BLE001 - MLflow raises many types; the user needs one line
            raise UserError(f"cannot record deployments in {self.experiment_name} at {self.uri}: "
                            f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from None

    def start(self, run_name: str, params: Mapping[str, str]) -> str:
        """Open the deployment's run (status RUNNING) with what is known before deploying."""
        run = self.client.create_run(self._experiment_id(create=True), run_name=run_name,
                                     tags={"result": "running"})
        self.log(run.info.run_id, params)
        return run.info.run_id

    def log(self, run_id: str, params: Mapping[str, str]) -> None:
        """Add parameters learnt while deploying (the library version, the folder)."""
        for key, value in params.items():
            self.client.log_param(run_id, key, str(value)[:MAX_PARAM])

    def finish(self, run_id: str, error: str | None) -> None:
        """Close the run as succeeded, or as failed with the error's first line."""
        if error is None:
            self.client.set_tag(run_id, "result", "succeeded")
            self.client.set_terminated(run_id, "FINISHED")
            return
        self.client.set_tag(run_id, "result", "failed")
        self.client.set_tag(run_id, "error", error.splitlines()[0][:MAX_PARAM] if error else "failed")
        self.client.set_terminated(run_id, "FAILED")

    def history(self, environment: str, limit: int) -> list[Deployment]:
        """The environment's deployments, newest first."""
        experiment_id = self._experiment_id(create=False)
        if experiment_id is None:
            return []
        runs = self.client.search_runs([experiment_id], filter_string=f"params.environment = '{environment}'",
                                       order_by=["attributes.start_time DESC"], max_results=limit)
        return [Deployment(run.info.run_id, datetime.fromtimestamp(run.info.start_time / 1000, UTC),
                           run.data.tags.get("result", "unknown"), dict(run.data.params)) for run in runs]


HISTORY_COLUMNS = (("when (UTC)", None), ("result", None), ("kind", "kind"), ("sha", "git_sha"),
                   ("branch", "git_branch"), ("build", "build_id"), ("library", "library_version"),
                   ("via", "via"), ("by", "deployed_by"), ("note", "note"))


def history_table(deployments: list[Deployment]) -> str:
    """The history as an aligned text table, one deployment a line."""
    rows = [[title for title, _ in HISTORY_COLUMNS]]
    for item in deployments:
        values = {"when (UTC)": item.started.strftime("%Y-%m-%d %H:%M"), "result": item.result}
        row = [values.get(title) or str(item.params.get(key or "", "")) for title, key in HISTORY_COLUMNS]
        row[3] = row[3][:10]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HISTORY_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows)
