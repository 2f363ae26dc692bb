"""The local runner: each one-time run is a subprocess executing the notebook under PySpark local mode."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mlops_engine.contract.runs import RunOutput, RunRequest, RunStatus, SubmittedRun
from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.namespace import launch as filesystem_launch
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.notebook.secrets import hand_off, send
from mlops_engine.local.runs import tracking_server
from mlops_engine.local.runs.record import LOG_FILE, RECORD_FILE, RunRecord
from mlops_engine.local.secrecy.environment import allowed_environment
from mlops_engine.local.secrecy.stream_redaction import StreamRedactor, pump
from mlops_engine.local.spark.connect_session import CONNECT_ENV
from mlops_engine.local.spark.delta_jars import delta_jars
from mlops_engine.local.spark.warm_spark import WARM_ENV, idle_seconds
from mlops_engine.local.spark.workspace_session import RUNTIME_CONF_ENV


@dataclass(frozen=True)
class LocalRunEnvironment:
    """What a local run needs besides its request: folders, Spark master, MLflow store."""

    project_dir: Path
    runs_dir: Path
    mlflow_dir: Path
    spark_master: str
    secrets_file: Path
    warm_spark: bool = False
    spark_conf: Mapping[str, str] = field(default_factory=dict)
    """The runtime's session settings whose defaults differ from Apache Spark's (ANSI mode, ...)."""
    spark_connect: bool = False
    """The project's compute is serverless: runs reach Spark through the warm Spark Connect server."""

    @property
    def tracking_uri(self) -> str:
        """The local MLflow tracking store, as the tasks open it (runs reach it through ``tracking_server``)."""
        return tracking_server.store_uri(self.mlflow_dir)


class LocalRunner:
    """Submits runs as subprocesses and reads their state from the run's record."""

    def __init__(self, workspace: LocalWorkspace, environment: LocalRunEnvironment) -> None:
        self.workspace = workspace
        self.environment = environment
        self._processes: dict[int, subprocess.Popen[bytes]] = {}
        self._pumps: dict[int, threading.Thread] = {}

    def run_dir(self, run_id: int) -> Path:
        """The folder of run ``run_id``."""
        return self.environment.runs_dir / str(run_id)

    def _existing_runs(self) -> list[int]:
        if not self.environment.runs_dir.is_dir():
            return []
        return sorted(int(child.name) for child in self.environment.runs_dir.iterdir() if child.name.isdigit())

    def _claim_run_dir(self) -> tuple[int, Path]:
        """The next run id and its new folder: making the folder claims the id, so two commands submitting at once
        (two ``invoke ci``) get two."""
        run_id = (self._existing_runs() or [0])[-1] + 1
        while True:
            try:
                self.run_dir(run_id).mkdir()
            except FileExistsError:
                run_id += 1
                continue
            return run_id, self.run_dir(run_id)

    def submit(self, request: RunRequest) -> SubmittedRun:
        if not self.workspace.exists(request.notebook_path):
            raise UserError(f"no notebook at {request.notebook_path} in the local workspace; send it first")
        for run_id in self._existing_runs():
            recorded = self.run_dir(run_id) / RECORD_FILE  # a folder another command just claimed has none yet
            if request.idempotency_token and recorded.is_file() and RunRecord.load(
                    self.run_dir(run_id)).idempotency_token == request.idempotency_token:
                return SubmittedRun(run_id, self.run_dir(run_id).joinpath(LOG_FILE).as_uri())
        libraries = [str(self.workspace.local_path(path)) for path in request.libraries]
        missing = [path for path, file in zip(request.libraries, libraries, strict=True) if not Path(file).is_file()]
        if missing:
            raise UserError(f"no library at {', '.join(missing)} in the local workspace; run `invoke deploy` first")
        if self.environment.warm_spark or self.environment.spark_connect:
            idle_seconds()  # a bad idle time is refused here, before a run folder or a driver exists
        delta_jars()  # fetched once; a machine that cannot is told so before the first cell
        # The store through a server of the project's MLflow, as a workspace's tracking service: a notebook whose
        # %pip brings another MLflow cannot migrate it
        tracking_uri = tracking_server.ensure(self.environment.mlflow_dir)
        self.environment.runs_dir.mkdir(parents=True, exist_ok=True)
        mounts = filesystem_launch(self.workspace.root)  # a real /dbfs on the machine stops here, before a run exists
        run_id, run_dir = self._claim_run_dir()
        secrets = hand_off(self.environment.secrets_file, os.environ)
        secrets_pipe, secrets_writer = os.pipe()  # the run reads its secrets from it: they never rest on disk
        try:
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
                    "tracking_uri": tracking_uri,
                    "spark_master": self.environment.spark_master,
                    "secrets_fd": secrets_pipe,
                },
            )
            record.save(run_dir)
            self.environment.mlflow_dir.mkdir(parents=True, exist_ok=True)
            process = subprocess.Popen(
                mounts.wrap([sys.executable, "-m", "mlops_engine.local.runs.process", str(run_dir)]),
                cwd=self.environment.mlflow_dir,
                env={**run_environment(os.environ), "PYTHONPATH": str(self.environment.project_dir),
                     WARM_ENV: "1" if self.environment.warm_spark else "0", **mounts.environment,
                     RUNTIME_CONF_ENV: json.dumps(dict(self.environment.spark_conf)),
                     CONNECT_ENV: "1" if self.environment.spark_connect else "0"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(secrets_pipe,),
            )
        except BaseException:
            os.close(secrets_writer)
            raise
        finally:
            os.close(secrets_pipe)
        send(secrets, secrets_writer)
        self._processes[run_id] = process
        self._pumps[run_id] = _start_pump(process, run_dir / LOG_FILE, secrets.values())
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
        if record.life_cycle_state in {"PENDING", "RUNNING"}:
            tracking_server.touch(self.environment.mlflow_dir)  # a run in progress keeps the server up
        if record.life_cycle_state in {"PENDING", "RUNNING"} and not self._alive(run_id, record):
            record = RunRecord.load(run_dir)
            if record.life_cycle_state in {"PENDING", "RUNNING"}:
                record.life_cycle_state = "INTERNAL_ERROR"
                record.state_message = f"the run's process ended unexpectedly; see {run_dir / LOG_FILE}"
                record.save(run_dir)
        return RunStatus(record.life_cycle_state, record.result_state, record.state_message, record.progress)

    def output(self, run_id: int) -> RunOutput:
        """The run's end as its process recorded it, read once that process has ended (so a warm driver it was
        attached to sees it detached)."""
        pump_thread = self._pumps.get(run_id)
        if pump_thread is not None:
            pump_thread.join(timeout=30)
        process = self._processes.get(run_id)
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        record = RunRecord.load(self.run_dir(run_id))
        return RunOutput(
            error=record.error,
            error_trace=record.error_trace,
            notebook_result=record.notebook_result,
            log_location=str(self.run_dir(run_id) / LOG_FILE),
            mlflow_run_url=record.mlflow_run_url,
        )

    def cancel(self, run_id: int) -> None:
        """Stop the run's whole process group (its Python process and the Spark JVM), then record CANCELED."""
        record = RunRecord.load(self.run_dir(run_id))
        was_running = record.life_cycle_state in {"PENDING", "RUNNING"}
        process = self._processes.get(run_id)
        group = process.pid if process is not None else record.pid
        if group is not None:
            _stop_group(group, process)
        pump_thread = self._pumps.get(run_id)
        if pump_thread is not None:
            pump_thread.join(timeout=10)
        record = RunRecord.load(self.run_dir(run_id))
        if was_running and record.result_state != "CANCELED":
            record.life_cycle_state = "TERMINATED"
            record.result_state = "CANCELED"
            record.state_message = "cancelled"
            record.save(self.run_dir(run_id))


def run_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables a run gets: the allowed ones of the machine's, no credentials (secrets come through the hand-off
    pipe)."""
    return allowed_environment(environ)


def _start_pump(process: subprocess.Popen[bytes], log_file: Path, secrets: list[str]) -> threading.Thread:
    """Everything the run's processes write (Python, %sh, the JVM) reaches log.txt through the redactor."""
    assert process.stdout is not None

    def copy() -> None:
        with process.stdout as source, log_file.open("wb") as sink:  # type: ignore[union-attr]
            pump(source, sink, StreamRedactor(secrets))

    thread = threading.Thread(target=copy, name=f"run-log-{log_file.parent.name}", daemon=True)
    thread.start()
    return thread


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_group(group: int, process: subprocess.Popen[bytes] | None, grace_seconds: float = 20.0) -> None:
    """SIGTERM the run's session (the run records CANCELED on it), wait, then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if process is not None:
            process.poll()
        if not _group_alive(group):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=10)
