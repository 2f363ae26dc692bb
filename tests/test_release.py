"""Releases: a second deploy, a rollback to an earlier commit, the recorded history, and refusals."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure_agent import ROOT, agent_for, collection_uri, commit, deployments, failures, run_stage
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def test_rollback_redeploys_the_earlier_commit_and_is_recorded(
    pipeline_run, origin: Path, azure: dict[str, Any], fake: Any, service_principal: dict[str, str],
    tmp_path: Path, agent_python: Path,
) -> None:
    agent, _results = pipeline_run
    first = agent.predefined["Build.SourceVersion"]
    training = origin / "forecasting" / "ModelTraining.py"
    training.write_text(training.read_text() + "\nprint('second release')\n")
    commit(origin, "second release")
    second_agent = agent_for(origin, tmp_path, "303", azure, agent_python, collection_uri(fake))
    second_agent.base_env["MLFLOW_TRACKING_URI"] = agent.base_env["MLFLOW_TRACKING_URI"]
    for stage in ("Test", "Deploy"):
        assert failures(run_stage(second_agent, azure, stage, service_principal)) == []
    assert b"second release" in fake.workspace.objects[f"{ROOT}/master/ModelTraining"].content

    env = second_agent.environment({"DATABRICKS_HOST": "$(DATABRICKS_HOST)", "DATABRICKS_CLIENT_ID":
                                    "$(DATABRICKS_CLIENT_ID)", "DATABRICKS_AUTH_TYPE": "$(DATABRICKS_AUTH_TYPE)",
                                    "SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}, service_principal, origin)
    rollback = subprocess.run([str(BIN / "invoke"), "deploy", "--env", "production", "--target", "databricks",
                               "--sha", first[:8], "--note", "second release broke scoring"], cwd=origin, env=env,
                              capture_output=True, text=True, check=False, timeout=300)
    assert rollback.returncode == 0, rollback.stdout[-2000:] + rollback.stderr[-2000:]
    assert b"second release" not in fake.workspace.objects[f"{ROOT}/master/ModelTraining"].content
    records = deployments(agent)
    assert [r.data.params["kind"] for r in records[-2:]] == ["deploy", "rollback"]
    assert records[-1].data.params["git_sha"] == first
    listing = subprocess.run([str(BIN / "invoke"), "deployments", "--env", "production", "--target", "databricks"],
                             cwd=origin, env=env, capture_output=True, text=True, check=False, timeout=120)
    lines = listing.stdout.splitlines()
    assert listing.returncode == 0 and "rollback" in lines[1] and "second release broke scoring" in lines[1]
    assert len(lines) == 4, listing.stdout


def test_a_deploy_from_a_laptop_is_refused_by_pipeline_approvals(origin: Path, invoke_in: Callable) -> None:
    result = invoke_in(origin, "deploy", "--env", "production", "--target", "local")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: production deploys come from an approved pipeline run (approvals: "
                                     "pipeline); pass --force to deploy from this machine anyway")


def test_run_tests_on_the_local_target_logs_each_notebook_and_fails_the_run(
    project_copy: Path, invoke_in: Callable
) -> None:
    """Without the sales table ModelTraining writes, both integration-test notebooks fail: the run is red."""
    for args in (("send", "--branch", "rt", "--target", "local"), ("build",), ("deploy", "--branch", "rt")):
        done = invoke_in(project_copy, *args)
        assert done.returncode == 0, done.stderr
    result = invoke_in(project_copy, "run", "--branch", "rt", "--notebook", "RunTests", "--param", "git_sha=abc123",
                       "--param", "build_id=9", "--target", "local")
    assert result.returncode == 1 and "2 of 2 test notebooks failed: test_sales_data: " in result.stderr
    client = MlflowClient(f"sqlite:///{project_copy / '.mlflow' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(f"{ROOT}/experiments/dev-tests")
    (run,) = client.search_runs([experiment.experiment_id])
    assert (run.data.tags["git_sha"], run.data.tags["build_id"], run.data.tags["result"]) == ("abc123", "9", "failed")
    assert "no sales table" in run.data.params["test_sales_data"]
    assert run.data.metrics["tests_failed"] == 2.0 and run.data.metrics["test_features_duration_seconds"] > 0
