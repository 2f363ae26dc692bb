"""Every step of the generated Azure pipeline, run in order on an agent: Test, Integration, Deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure_agent import ROOT, agent_for, collection_uri, deployments, failures, federated, run_stage
from pipeline_agent import Agent

pytestmark = pytest.mark.slow



def test_every_step_passes_on_the_release_branch(pipeline_run: tuple[Agent, dict[str, list]]) -> None:
    _agent, results = pipeline_run
    for stage in ("Test", "Integration", "Deploy"):
        assert stage in results and failures(results[stage]) == [], failures(results.get(stage, []))
    names = [result.name for result in results["Test"]]
    assert names.index("Unit tests with coverage") < names.index("Publish test results") < names.index(
        "Publish the library")


def test_integration_ran_training_then_the_test_notebooks(pipeline_run, fake: Any) -> None:
    submitted = [run.body["tasks"][0]["notebook_task"] for run in fake.jobs.runs.values()
                 if run.body["run_name"].startswith("CI-301-")]
    assert [task["notebook_path"] for task in submitted] == [f"{ROOT}/CI/301-master/ModelTraining",
                                                             f"{ROOT}/CI/301-master/RunTests"]
    assert submitted[1]["base_parameters"]["git_sha"] == pipeline_run[0].predefined["Build.SourceVersion"]
    assert f"{ROOT}/CI/301-master/integration_tests/test_features" in fake.workspace.objects
    exchanged = {exchange["access_token"] for exchange in fake.token_exchanges}
    assert exchanged, "the job's ID token was never exchanged"
    used = {token for path, token in fake.bearer_tokens if path.startswith("/api/2.1/jobs/") or
            path.startswith("/api/2.2/jobs/")}
    assert used and used <= exchanged, "a jobs call carried something other than an exchanged token"
    assert fake.token not in used


def test_deploy_wrote_master_and_libraries_and_recorded_it(pipeline_run, fake: Any) -> None:
    agent, _results = pipeline_run
    source = fake.workspace.objects[f"{ROOT}/master/set_environment"].content.decode()
    assert source.rstrip().endswith("%run ./conf/production_config")
    assert any(path.startswith(f"{ROOT}/libraries/demand_forecasting-0.1.0") for path in fake.workspace.objects)
    (record,) = [run for run in deployments(agent) if run.data.params["build_id"] == "301"]
    params = record.data.params
    assert (params["environment"], params["build_id"], params["git_branch"]) == ("production", "301", "master")
    assert params["git_sha"] == agent.predefined["Build.SourceVersion"] and params["kind"] == "deploy"
    assert params["deployed_by"] == "kyle@example.com" and "build 301" in params["deployed_with"]
    assert params["host"] == fake.host and record.data.tags["result"] == "succeeded"


def test_failing_training_turns_integration_red(origin: Path, azure: dict[str, Any], fake: Any, tmp_path: Path,
                                                agent_python: Path) -> None:
    """Federated like every Databricks step; the failing run's error reaches the build log."""
    from fake_databricks import RunScript

    fake.script_run(f"{ROOT}/CI/302-master/ModelTraining", RunScript(
        result_state="FAILED", error="AssertionError: model MAE is 1.31x the seasonal naive forecast's",
        error_trace="Traceback ...\nAssertionError: model MAE is 1.31x"))
    agent = agent_for(origin, tmp_path, "302", azure, agent_python, collection_uri(fake))
    results = run_stage(agent, azure, "Integration", federated(fake))
    (failed,) = [result for result in results if result.returncode]
    assert failed.name.startswith("ModelTraining") and "TERMINATED/FAILED" in failed.stderr
    assert "model MAE is 1.31x" in failed.stderr
    assert not any(run.body["run_name"] == "CI-302-master-tests" for run in fake.jobs.runs.values())
