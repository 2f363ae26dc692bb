"""The local runner: each one-time run is a subprocess executing the notebook under PySpark local mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..target.runs import RunOutput, RunRequest, RunStatus, SubmittedRun
from .run_record import LOG_FILE, RunRecord
from .workspace import LocalWorkspace


@dataclass(frozen=True)
class LocalRunEnvironment:
    """What a local run needs besides its request: folders, Spark master, MLflow store."""

    project_dir: Path
    runs_dir: Path
    mlflow_dir: Path
    spark_master: str
    secrets_file: Path

    @property
    def tracking_uri(self) -> str:
        """The local MLflow tracking store."""
        return f"sqlite:///{(self.mlflow_dir / 'mlflow.db').resolve()}"


class LocalRunner:
    """Submits runs as subprocesses and reads their state from the run's record."""

    def __init__(self, workspace: LocalWorkspace, environment: LocalRunEnvironment) -> None:
        self.workspace = workspace
        self.environment = environment
        self._processes: dict[int, subprocess.Popen[bytes]] = {}

    def run_dir(self, run_id: int) -> Path:
        """The folder of run ``run_id``."""
        return self.environment.runs_dir / str(run_id)

    def _existing_runs(self) -> list[int]:
        if not self.environment.runs_dir.is_dir():
            return []
        return sorted(int(child.name) for child in self.environment.runs_dir.iterdir() if child.name.isdigit())

    def submit(self, request: RunRequest) -> SubmittedRun:
        if not self.workspace.exists(request.notebook_path):
            raise UserError(f"no notebook at {request.notebook_path} in the local workspace; send it first")
        for run_id in self._existing_runs():
            if request.idempotency_token and RunRecord.load(self.run_dir(run_id)).idempotency_token == (
                request.idempotency_token
            ):
                return SubmittedRun(run_id, self.run_dir(run_id).joinpath(LOG_FILE).as_uri())
        libraries = [str(self.workspace.local_path(path)) for path in request.libraries]
        missing = [path for path, file in zip(request.libraries, libraries, strict=True) if not Path(file).is_file()]
        if missing:
            raise UserError(f"no library at {', '.join(missing)} in the local workspace; run `invoke deploy` first")
        self.environment.runs_dir.mkdir(parents=True, exist_ok=True)
        run_id = (self._existing_runs() or [0])[-1] + 1
        run_dir = self.run_dir(run_id)
        run_dir.mkdir()
        record = RunRecord(
            run_id=run_id,
            run_name=request.run_name,
            notebook_path=request.notebook_path,
            parameters=dict(request.parameters),
            libraries=libraries,
            timeout_seconds=request.timeout_seconds,
            idempotency_token=request.idempotency_token,
            environment={
                "workspace_dir": str(self.workspace.root),
                "dbfs_root": str(self.workspace.root / "dbfs"),
                "tracking_uri": self.environment.tracking_uri,
                "spark_master": self.environment.spark_master,
                "secrets_file": str(self.environment.secrets_file),
            },
        )
        record.save(run_dir)
        self.environment.mlflow_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(self.environment.project_dir)}
        with (run_dir / LOG_FILE).open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tooling.local.run_process", str(run_dir)],
                cwd=self.environment.mlflow_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._processes[run_id] = process
        return SubmittedRun(run_id, (run_dir / LOG_FILE).as_uri())

    def _alive(self, run_id: int, record: RunRecord) -> bool:
        process = self._processes.get(run_id)
        if process is not None:
            return process.poll() is None
        if record.pid is None:
            return True
        try:
            os.kill(record.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def status(self, run_id: int) -> RunStatus:
        run_dir = self.run_dir(run_id)
        if not run_dir.is_dir():
            raise UserError(f"no local run {run_id} in {self.environment.runs_dir}")
        record = RunRecord.load(run_dir)
        if record.life_cycle_state in {"PENDING", "RUNNING"} and not self._alive(run_id, record):
            record = RunRecord.load(run_dir)
            if record.life_cycle_state in {"PENDING", "RUNNING"}:
                record.life_cycle_state = "INTERNAL_ERROR"
                record.state_message = f"the run's process ended unexpectedly; see {run_dir / LOG_FILE}"
                record.save(run_dir)
        return RunStatus(record.life_cycle_state, record.result_state, record.state_message, record.progress)

    def output(self, run_id: int) -> RunOutput:
        record = RunRecord.load(self.run_dir(run_id))
        return RunOutput(
            error=record.error,
            error_trace=record.error_trace,
            notebook_result=record.notebook_result,
            log_location=str(self.run_dir(run_id) / LOG_FILE),
            mlflow_run_url=record.mlflow_run_url,
        )

    def cancel(self, run_id: int) -> None:
        record = RunRecord.load(self.run_dir(run_id))
        if record.pid is not None and self._alive(run_id, record):
            try:
                os.killpg(record.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        process = self._processes.get(run_id)
        if process is not None:
            process.wait(timeout=30)
        record = RunRecord.load(self.run_dir(run_id))
        if record.life_cycle_state not in {"TERMINATED", "INTERNAL_ERROR", "SKIPPED"}:
            record.life_cycle_state = "TERMINATED"
            record.result_state = "CANCELED"
            record.state_message = "cancelled"
            record.save(self.run_dir(run_id))
