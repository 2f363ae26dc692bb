"""DatabricksRunner: what runs/submit carries, how a run's end is seen, cancelled and explained."""

from __future__ import annotations

import json

import pytest
from databricks.sdk import WorkspaceClient
from fake_databricks import FakeClock, FakeDatabricks, RunScript

from mlops_engine.contract.runs import RunRequest, RunTimeout, wait_for_run
from mlops_engine.databricks.runner import DatabricksRunner
from mlops_engine.errors import UserError

NOTEBOOK = "/Projects/P/CI/7-BI-1/ModelTraining"
WHEEL = "/Workspace/Projects/P/CI/7-BI-1/libraries/mlib-1.0-py3-none-any.whl"
NEW_CLUSTER = {
    "new_cluster": {
        "spark_version": "15.4.x-cpu-ml-scala2.12",
        "node_type_id": "Standard_F8s_v2",
        "driver_node_type_id": "Standard_F8s_v2",
        "autoscale": {"min_workers": 1, "max_workers": 4},
        "custom_tags": {"cluster-purpose": "CI-testing"},
        "spark_env_vars": {"PYSPARK_PYTHON": "/databricks/python3/bin/python3"},
    }
}


@pytest.fixture
def runner(client: WorkspaceClient) -> DatabricksRunner:
    return DatabricksRunner(client, NEW_CLUSTER)


@pytest.fixture
def deployed(fake: FakeDatabricks) -> FakeDatabricks:
    fake.add_notebook(NOTEBOOK)
    fake.workspace.mkdirs("/Projects/P/CI/7-BI-1/libraries")
    fake.workspace.objects[WHEEL.removeprefix("/Workspace")] = type(fake.workspace.objects["/"])("FILE", b"whl")
    return fake


def request(**overrides) -> RunRequest:
    fields = {"run_name": "CI-7-BI-1", "notebook_path": NOTEBOOK, "libraries": (WHEEL,), "timeout_seconds": 1500,
              "idempotency_token": "ci-7-BI-1", "parameters": {"environment": "ci"}}
    return RunRequest(**{**fields, **overrides})


def submitted_bodies(fake: FakeDatabricks) -> list[dict]:
    return [json.loads(r.body) for r in fake.requests if r.path.endswith("/jobs/runs/submit")]


def no_progress(_status, _elapsed) -> None:
    return None


def test_submit_carries_name_timeout_token_library_and_cluster(deployed: FakeDatabricks, runner: DatabricksRunner):
    run = runner.submit(request())

    (body,) = submitted_bodies(deployed)
    assert (body["run_name"], body["timeout_seconds"], body["idempotency_token"]) == ("CI-7-BI-1", 1500, "ci-7-BI-1")
    (task,) = body["tasks"]
    assert task["notebook_task"] == {"notebook_path": NOTEBOOK, "base_parameters": {"environment": "ci"},
                                     "source": "WORKSPACE"}
    assert task["libraries"] == [{"whl": WHEEL}]
    assert task["new_cluster"] == NEW_CLUSTER["new_cluster"]
    assert run.url.startswith(deployed.host) and run.url.endswith(f"/run/{run.run_id}")


def test_the_same_idempotency_token_never_starts_a_second_run(deployed: FakeDatabricks, runner: DatabricksRunner):
    first = runner.submit(request())
    again = runner.submit(request())
    assert first.run_id == again.run_id and len(deployed.jobs.runs) == 1


def test_existing_cluster_egg_and_serverless(deployed: FakeDatabricks, client: WorkspaceClient):
    egg = WHEEL.replace("-py3-none-any.whl", "-py3.11.egg")
    DatabricksRunner(client, {"existing_cluster_id": "0123-456789-fakecl"}).submit(request(libraries=(egg,)))
    DatabricksRunner(client, {"serverless": True}).submit(request(idempotency_token="other"))
    cluster_task, serverless_task = (body["tasks"][0] for body in submitted_bodies(deployed))
    assert cluster_task["existing_cluster_id"] == "0123-456789-fakecl" and cluster_task["libraries"] == [{"egg": egg}]
    assert not {"new_cluster", "existing_cluster_id", "libraries"} & set(serverless_task)


@pytest.mark.parametrize(
    "compute",
    [{}, {"new_cluster": {"spark_version": "15.4"}}, {**NEW_CLUSTER, "existing_cluster_id": "x"}],
    ids=["none", "no-node-type", "two-kinds"],
)
def test_bad_compute_is_refused_before_any_call(fake: FakeDatabricks, client: WorkspaceClient, compute: dict):
    with pytest.raises(UserError, match="mlops.databricks.compute"):
        DatabricksRunner(client, compute)
    assert fake.calls() == []


def test_a_25_minute_run_is_watched_to_success_in_milliseconds(deployed, runner, clock: FakeClock):
    deployed.script_run(NOTEBOOK, RunScript(pending_polls=3, running_polls=180))
    run = runner.submit(request())
    seen: list[str] = []

    status = wait_for_run(runner, run.run_id, 30 * 60, lambda s, _e: seen.append(s.life_cycle_state), clock)

    assert status.succeeded
    assert seen[0] == "PENDING" and "RUNNING" in seen and seen[-1] == "TERMINATED"
    assert max(clock.sleeps) <= 10 and clock.now > 25 * 60


def test_timeout_cancels_the_run_on_the_server(deployed, runner, clock: FakeClock):
    deployed.script_run(NOTEBOOK, RunScript(running_polls=10**6))
    run = runner.submit(request())

    with pytest.raises(RunTimeout):
        wait_for_run(runner, run.run_id, 25 * 60, no_progress, clock)

    cancels = [json.loads(r.body) for r in deployed.requests if r.path.endswith("/jobs/runs/cancel")]
    assert cancels == [{"run_id": run.run_id}]
    assert runner.status(run.run_id).result_state == "CANCELED"


def test_interrupt_cancels_the_run(deployed, runner):
    deployed.script_run(NOTEBOOK, RunScript(running_polls=10**6))
    run = runner.submit(request())

    class Interrupted(FakeClock):
        def sleep(self, seconds: float) -> None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wait_for_run(runner, run.run_id, 60, no_progress, Interrupted())
    assert deployed.jobs.runs[run.run_id].cancelled_at is not None


def test_a_failed_run_shows_the_task_error_and_trace(deployed, runner, clock):
    deployed.script_run(NOTEBOOK, RunScript(result_state="FAILED", error="AssertionError: rmse 9.1 > 2.0",
                                            error_trace="Traceback (most recent call last): ..."))
    run = runner.submit(request())
    status = wait_for_run(runner, run.run_id, 60, no_progress, clock)
    output = runner.output(run.run_id)

    assert (status.life_cycle_state, status.result_state) == ("TERMINATED", "FAILED")
    assert output.error == "AssertionError: rmse 9.1 > 2.0" and output.error_trace.startswith("Traceback")
    (asked,) = [r.query["run_id"] for r in deployed.requests if r.path.endswith("/get-output")]
    assert int(asked) == deployed.jobs.runs[run.run_id].task_run_id


def test_success_output_carries_the_notebook_exit_value(deployed, runner, clock):
    deployed.script_run(NOTEBOOK, RunScript(notebook_result='{"rmse": 1.2}'))
    run = runner.submit(request())
    assert wait_for_run(runner, run.run_id, 60, no_progress, clock).succeeded
    assert runner.output(run.run_id).notebook_result == '{"rmse": 1.2}'


def test_a_missing_notebook_ends_in_internal_error_with_its_reason(fake, runner, clock):
    run = runner.submit(request(libraries=()))
    status = wait_for_run(runner, run.run_id, 60, no_progress, clock)
    assert status.life_cycle_state == "INTERNAL_ERROR" and not status.succeeded
    assert "Unable to access the notebook" in runner.output(run.run_id).error


def test_a_library_not_deployed_fails_the_run(fake, runner, clock):
    fake.add_notebook(NOTEBOOK)
    run = runner.submit(request())
    status = wait_for_run(runner, run.run_id, 60, no_progress, clock)
    assert status.life_cycle_state == "INTERNAL_ERROR" and "Library installation failed" in status.state_message


def test_submit_survives_a_503_storm_without_starting_two_runs(deployed, runner):
    deployed.inject(503, count=3, path_prefix="/api/2.2/jobs/runs/submit", retry_after=0)
    runner.submit(request())
    assert len(deployed.jobs.runs) == 1
    assert [status for r, status in deployed.log if r.path.endswith("/submit")] == [503, 503, 503, 200]


def test_unknown_cluster_is_one_line(deployed, client):
    with pytest.raises(UserError, match="INVALID_PARAMETER_VALUE: Cluster nope does not exist"):
        DatabricksRunner(client, {"existing_cluster_id": "nope"}).submit(request())
