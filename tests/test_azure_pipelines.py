"""The generated Azure pipeline: valid for Azure's own schema, its stages and conditions, secrets only in ``env:``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from matrix import MATRIX, Bake
from pipeline_agent import REQUIRED_INPUTS, condition_holds, job_steps
from pipeline_files import release_branch, secret_leaks

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def azure(baked: Callable[[Bake], Path]) -> dict[str, Any]:
    return yaml.safe_load((baked(MATRIX[0]) / "azure-pipelines.yml").read_text())


def as_azure_reads_it(value: Any) -> Any:
    """Azure's parser sees every scalar as a string; its published schema expects exactly that."""
    if isinstance(value, dict):
        return {key: as_azure_reads_it(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_azure_reads_it(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None or isinstance(value, str) else str(value)


def test_azure_pipeline_matches_azures_own_schema(azure: dict[str, Any], tmp_path: Path) -> None:
    """``--regex-variant python``: the schema's patterns hold escapes the default engine rejects."""
    document = tmp_path / "azure-pipelines.json"
    document.write_text(json.dumps(as_azure_reads_it(azure)))
    result = subprocess.run([str(BIN / "check-jsonschema"), "--regex-variant", "python", "--builtin-schema",
                             "vendor.azure-pipelines", str(document)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_azure_stages_and_their_conditions(azure: dict[str, Any], baked: Callable[[Bake], Path]) -> None:
    stages = {stage["stage"]: stage for stage in azure["stages"]}
    assert list(stages) == ["Test", "Integration", "Deploy"]
    assert stages["Integration"]["dependsOn"] == "Test"
    assert set(stages["Deploy"]["dependsOn"]) == {"Test", "Integration"}
    assert azure["pr"]["autoCancel"] is True and "README.md" in azure["trigger"]["paths"]["exclude"]
    deploy = stages["Deploy"]["condition"]
    main = {"Build.SourceBranch": f"refs/heads/{release_branch(baked(MATRIX[0]))}", "Build.Reason": "IndividualCI"}
    assert condition_holds(deploy, main, True)
    assert not condition_holds(deploy, main, False)
    assert not condition_holds(deploy, {**main, "Build.SourceBranch": "refs/heads/BI-4811"}, True)
    assert not condition_holds(deploy, {**main, "Build.Reason": "PullRequest"}, True)
    (job,) = stages["Deploy"]["jobs"]
    assert job["environment"] == "production" and {"group": "databricks-production"} in job["variables"]
    assert {"group": "databricks-ci"} in stages["Integration"]["jobs"][0]["variables"]


def test_secrets_reach_steps_only_through_env(azure: dict[str, Any]) -> None:
    assert secret_leaks(azure) == []
    mapped = [step["env"] for stage in azure["stages"] for job in stage["jobs"] for step in job_steps(job)
              if "env" in step]
    assert len(mapped) == 2 and all(env == {
        "DATABRICKS_HOST": "$(DATABRICKS_HOST)", "DATABRICKS_CLIENT_ID": "$(DATABRICKS_CLIENT_ID)",
        "DATABRICKS_AUTH_TYPE": "$(DATABRICKS_AUTH_TYPE)", "SYSTEM_ACCESSTOKEN": "$(System.AccessToken)",
    } for env in mapped), "federation: the job's own token, mapped into the step, and no secret"
    assert azure["variables"]["DATABRICKS_AUTH_TYPE"] == "azure-devops-oidc"


def test_no_long_lived_secret_in_the_pipeline(baked: Callable[[Bake], Path]) -> None:
    text = (baked(MATRIX[0]) / "azure-pipelines.yml").read_text()
    for name in ("DATABRICKS_CLIENT_SECRET", "DATABRICKS_TOKEN", "ARM_CLIENT_SECRET", "dapi"):
        assert name not in text, name


def test_notebook_test_results_are_published_even_when_red(azure: dict[str, Any]) -> None:
    (integration,) = [stage for stage in azure["stages"] if stage["stage"] == "Integration"]
    steps = job_steps(integration["jobs"][0])
    names = [step.get("displayName") for step in steps]
    publish = steps[names.index("Publish notebook test results")]
    assert names.index("ModelTraining, then RunTests, as one-time runs") < names.index("Publish notebook test results")
    assert publish["condition"] == "succeededOrFailed()"
    assert publish["inputs"]["testResultsFiles"] == "notebook-test-results.xml"


def test_tasks_have_required_inputs_and_scripts_are_one_line(azure: dict[str, Any]) -> None:
    steps = [step for stage in azure["stages"] for job in stage["jobs"] for step in job_steps(job)]
    for step in steps:
        if "task" in step:
            assert step["task"] in REQUIRED_INPUTS, f"unknown task {step['task']}: add its required inputs"
            assert REQUIRED_INPUTS[step["task"]] <= set(step.get("inputs") or {}), step
        if "script" in step:
            assert "\n" not in step["script"].strip() and step.get("displayName"), step
