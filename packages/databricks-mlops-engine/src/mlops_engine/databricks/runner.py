"""One-time notebook runs on Databricks (Jobs API runs/submit), with compute and libraries from config."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.compute import ClusterSpec, Library
from databricks.sdk.service.jobs import NotebookTask, Run, Source, SubmitTask

from mlops_engine.contract.runs import RunOutput, RunRequest, RunStatus, SubmittedRun
from mlops_engine.databricks.errors import explained
from mlops_engine.errors import UserError

COMPUTE_KINDS = ("new_cluster", "existing_cluster_id", "serverless")
TASK_KEY = "notebook"
_LIBRARY_FIELDS = {".whl": "whl", ".egg": "egg", ".jar": "jar"}


def compute_fields(compute: Mapping[str, Any]) -> dict[str, Any]:
    """The task fields for ``mlops.databricks.compute``: exactly one of new_cluster, existing_cluster_id, serverless.

    Serverless notebook tasks take no cluster and no ``libraries``: the API keeps environments for
    non-notebook tasks, so the notebook installs its folder's library itself.
    """
    chosen = [kind for kind in COMPUTE_KINDS if compute.get(kind)]
    if len(chosen) != 1:
        raise UserError(
            f"mlops.databricks.compute must set exactly one of {', '.join(COMPUTE_KINDS)} (found: "
            f"{', '.join(chosen) or 'none'})"
        )
    kind = chosen[0]
    if kind == "new_cluster":
        spec = dict(compute[kind])
        if not spec.get("spark_version") or not (spec.get("node_type_id") or spec.get("instance_pool_id")):
            raise UserError("mlops.databricks.compute.new_cluster needs spark_version and node_type_id")
        return {"new_cluster": ClusterSpec.from_dict(spec)}
    if kind == "existing_cluster_id":
        return {"existing_cluster_id": str(compute[kind])}
    return {}


def library_spec(path: str) -> Library:
    """A ``libraries`` entry for a deployed wheel, egg or jar, by its file name."""
    for suffix, field in _LIBRARY_FIELDS.items():
        if path.endswith(suffix):
            return Library(**{field: path})
    raise UserError(f"cannot attach {path} to a run: expected a .whl, .egg or .jar")


class DatabricksRunner:
    """The Runner protocol on Databricks one-time runs."""

    def __init__(self, client: WorkspaceClient, compute: Mapping[str, Any]) -> None:
        self.client = client
        self.compute = compute_fields(compute)
        self.host = (client.config.host or "").rstrip("/")

    def submit(self, request: RunRequest) -> SubmittedRun:
        libraries = [library_spec(path) for path in request.libraries]
        task = SubmitTask(
            task_key=TASK_KEY,
            notebook_task=NotebookTask(
                notebook_path=request.notebook_path,
                base_parameters=dict(request.parameters),
                source=Source.WORKSPACE,
            ),
            libraries=libraries if libraries and self.compute else None,
            **self.compute,
        )
        with explained(f"submit a run of {request.notebook_path}", self.host):
            waiter = self.client.jobs.submit(
                run_name=request.run_name,
                tasks=[task],
                timeout_seconds=request.timeout_seconds,
                idempotency_token=request.idempotency_token or uuid.uuid4().hex,
            )
            run_id = waiter.response.run_id
            run = self.client.jobs.get_run(run_id)
        return SubmittedRun(run_id, run.run_page_url or f"{self.host}/#job/runs/{run_id}")

    def status(self, run_id: int) -> RunStatus:
        with explained(f"get the state of run {run_id}", self.host):
            run = self.client.jobs.get_run(run_id)
        state = run.state
        if state is None or state.life_cycle_state is None:
            return RunStatus("PENDING")
        return RunStatus(
            life_cycle_state=state.life_cycle_state.value,
            result_state=state.result_state.value if state.result_state else None,
            state_message=state.state_message or "",
        )

    def output(self, run_id: int) -> RunOutput:
        with explained(f"get the output of run {run_id}", self.host):
            run = self.client.jobs.get_run(run_id)
            task_run_id, task_url = _task_of_interest(run)
            output = self.client.jobs.get_run_output(task_run_id or run_id)
        notebook = output.notebook_output
        return RunOutput(
            error=output.error or (run.state.state_message if run.state else None) or None,
            error_trace=output.error_trace,
            notebook_result=notebook.result if notebook else None,
            log_location=task_url or run.run_page_url,
        )

    def cancel(self, run_id: int) -> None:
        with explained(f"cancel run {run_id}", self.host):
            self.client.jobs.cancel_run(run_id)


def _task_of_interest(run: Run) -> tuple[int | None, str | None]:
    """The failed task of a multi-task run (the API gives output per task only), else its last task."""
    tasks: Sequence[Any] = run.tasks or []
    if not tasks:
        return None, None
    failed = [t for t in tasks if t.state and t.state.result_state and t.state.result_state.value != "SUCCESS"]
    task = (failed or tasks)[-1]
    return task.run_id, task.run_page_url
