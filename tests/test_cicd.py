"""The generated CI/CD: valid for Azure and GitHub, secrets only through ``env:``, and every Azure step runs.

The pipeline is executed by ``pipeline_agent``: each job in a fresh clone of a baked project, the
predefined variables set as Azure sets them, Databricks pointed at the project's own fake REST server
(its ``tests/fake_databricks.py``), MLflow at a sqlite store. The agent's Python is a fresh, empty
virtual environment made for this module: the first job's "Install dependencies" step really installs
the project's pinned requirements into it (pip's cache spares the downloads after the first time), and
the later jobs' install steps find them there, as a self-hosted agent with a warm cache would. The
unit-test step runs with ``PYTEST_ADDOPTS`` selecting a few fast modules: the full generated suite runs
in ``test_generated_project`` and ``test_pipeline``; here the step's command, its JUnit XML and its
coverage report are what is proven.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from bakery import MATRIX, Bake
from mlflow.tracking import MlflowClient
from pipeline_agent import REQUIRED_INPUTS, Agent, base_environment, condition_holds, job_steps

ROOT = "/Projects/DemandForecasting"
BIN = Path(sys.executable).parent
SECRET_MARKERS = ("$(DATABRICKS_", "secrets.")
UNIT_TESTS_SUBSET = "-k 'environments or test_configs'"


def github_bake() -> Bake:
    (combination,) = [bake for bake in MATRIX if bake.answers.get("ci_provider") == "github-actions"]
    return combination


@pytest.fixture(scope="module")
def azure(baked: Callable[[Bake], Path]) -> dict[str, Any]:
    return yaml.safe_load((baked(MATRIX[0]) / "azure-pipelines.yml").read_text())


@pytest.fixture(scope="module")
def workflow(baked: Callable[[Bake], Path]) -> dict[str, Any]:
    return yaml.safe_load((baked(github_bake()) / ".github" / "workflows" / "ci.yml").read_text())


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


def test_github_workflow_passes_actionlint(baked: Callable[[Bake], Path]) -> None:
    result = subprocess.run([str(BIN / "actionlint"), "-no-color", ".github/workflows/ci.yml"],
                            cwd=baked(github_bake()), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def release_branch(project: Path) -> str:
    return yaml.safe_load((project / "invoke.yaml").read_text())["mlops"]["environments"]["production"][
        "release_branch"]


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


def test_github_jobs_and_their_conditions(workflow: dict[str, Any], baked: Callable[[Bake], Path]) -> None:
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "integration", "deploy"]
    assert jobs["integration"]["needs"] == "test" and set(jobs["deploy"]["needs"]) == {"test", "integration"}
    branch = release_branch(baked(github_bake()))
    assert f"github.ref == 'refs/heads/{branch}'" in jobs["deploy"]["if"] and jobs["deploy"]["environment"] == (
        "production")
    assert "pull_request" in workflow["concurrency"]["cancel-in-progress"]
    assert workflow[True]["push"]["paths-ignore"][0] == "README.md"  # YAML 1.1 reads the key `on` as True


def strings_outside_env(node: Any, inside_env: bool = False) -> Iterator[str]:
    """Every string of the document that is not a value of an ``env:`` mapping."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings_outside_env(value, inside_env or key == "env")
    elif isinstance(node, list):
        for item in node:
            yield from strings_outside_env(item, inside_env)
    elif isinstance(node, str) and not inside_env:
        yield node


def test_secrets_reach_steps_only_through_env(azure: dict[str, Any], workflow: dict[str, Any]) -> None:
    for document in (azure, workflow):
        leaks = [text for text in strings_outside_env(document) if any(m in text for m in SECRET_MARKERS)]
        assert leaks == []
    mapped = [step["env"] for stage in azure["stages"] for job in stage["jobs"] for step in job_steps(job)
              if "env" in step]
    assert len(mapped) == 2 and all(set(env) == {"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID",
                                                  "DATABRICKS_CLIENT_SECRET", "DATABRICKS_TOKEN"} for env in mapped)
    assert {name: azure["variables"][name] for name in ("DATABRICKS_CLIENT_ID", "DATABRICKS_TOKEN")} == {
        "DATABRICKS_CLIENT_ID": "", "DATABRICKS_TOKEN": ""}, "undefined $(X) would reach the SDK as literal text"


def test_tasks_have_required_inputs_and_scripts_are_one_line(azure: dict[str, Any]) -> None:
    steps = [step for stage in azure["stages"] for job in stage["jobs"] for step in job_steps(job)]
    for step in steps:
        if "task" in step:
            assert step["task"] in REQUIRED_INPUTS, f"unknown task {step['task']}: add its required inputs"
            assert REQUIRED_INPUTS[step["task"]] <= set(step.get("inputs") or {}), step
        if "script" in step:
            assert "\n" not in step["script"].strip() and step.get("displayName"), step


@pytest.fixture(scope="module")
def origin(baked: Callable[[Bake], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default bake as a repository on the release branch, as the team pushes it."""
    import shutil

    repo = tmp_path_factory.mktemp("origin") / "demand-forecasting"
    shutil.copytree(baked(MATRIX[0]), repo, ignore=shutil.ignore_patterns(".workspace", ".runs", ".mlflow", "dist"))
    subprocess.run(["git", "init", "-q", "-b", release_branch(repo)], cwd=repo, check=True)
    commit(repo, "first")
    return repo


def commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-q", "-m", message],
                   cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def fake(origin: Path) -> Iterator[Any]:
    sys.path.insert(0, str(origin / "tests"))
    from fake_databricks import FakeDatabricks

    with FakeDatabricks() as server:
        yield server


@pytest.fixture(scope="module")
def agent_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh, empty virtual environment for the agent's steps."""
    venv = tmp_path_factory.mktemp("agent-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin"


def agent_for(origin: Path, work: Path, build_id: str, azure: dict[str, Any], python_bin: Path) -> Agent:
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, capture_output=True, text=True,
                         check=True).stdout.strip()
    branch = release_branch(origin)
    predefined = {
        "Build.BuildId": build_id, "Build.SourceBranch": f"refs/heads/{branch}", "Build.SourceBranchName": branch,
        "Build.SourceVersion": sha, "Build.Reason": "IndividualCI", "Build.RequestedFor": "Kyle",
        "Build.RequestedForEmail": "kyle@example.com", "Build.DefinitionName": "demand-forecasting",
        "Agent.OS": "Linux", "Pipeline.Workspace": str(work / build_id), "Agent.TempDirectory": str(work / "tmp"),
    }
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**base_environment(home, python_bin), "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}"}
    return Agent(origin, work, predefined, {key: str(value) for key, value in azure["variables"].items()}, env,
                 pytest_addopts=UNIT_TESTS_SUBSET)


def run_stage(agent: Agent, azure: dict[str, Any], name: str, secrets: dict[str, str]) -> list:
    (stage,) = [stage for stage in azure["stages"] if stage["stage"] == name]
    (job,) = stage["jobs"]
    return agent.run_job(job.get("job") or job["deployment"], job_steps(job), secrets)


def failures(results: list) -> list[str]:
    return [f"{r.name}: {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}" for r in results if r.returncode]


@pytest.fixture(scope="module")
def service_principal(fake: Any) -> dict[str, str]:
    """The variable group as docs/cicd.md sets it up: a service principal's OAuth M2M credentials."""
    return {"DATABRICKS_HOST": fake.host, "DATABRICKS_CLIENT_ID": fake.client_id,
            "DATABRICKS_CLIENT_SECRET": fake.client_secret}


@pytest.fixture(scope="module")
def pipeline_run(origin: Path, azure: dict[str, Any], fake: Any, service_principal: dict[str, str],
                 tmp_path_factory: pytest.TempPathFactory, agent_python: Path) -> tuple[Agent, dict[str, list]]:
    agent = agent_for(origin, tmp_path_factory.mktemp("agent"), "301", azure, agent_python)
    results = {}
    for stage in ("Test", "Integration", "Deploy"):
        results[stage] = run_stage(agent, azure, stage, service_principal)
        if failures(results[stage]):
            break
    return agent, results


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
    assert any(request.path == "/oidc/v1/token" for request in fake.requests), "not the service principal's OAuth"


def deployments(agent: Agent) -> list:
    client = MlflowClient(agent.base_env["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name(f"{ROOT}/experiments/deployments")
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def test_deploy_wrote_master_and_libraries_and_recorded_it(pipeline_run, fake: Any) -> None:
    agent, _results = pipeline_run
    source = fake.workspace.objects[f"{ROOT}/master/set_environment"].content.decode()
    assert source.rstrip().endswith("%run ./conf/production_config")
    assert any(path.startswith(f"{ROOT}/libraries/demand_forecasting-0.1.0") for path in fake.workspace.objects)
    record = deployments(agent)[-1]
    params = record.data.params
    assert (params["environment"], params["build_id"], params["git_branch"]) == ("production", "301", "master")
    assert params["git_sha"] == agent.predefined["Build.SourceVersion"] and params["kind"] == "deploy"
    assert params["deployed_by"] == "kyle@example.com" and "build 301" in params["deployed_with"]
    assert params["host"] == fake.host and record.data.tags["result"] == "succeeded"


def test_failing_training_turns_integration_red(origin: Path, azure: dict[str, Any], fake: Any, tmp_path: Path,
                                                agent_python: Path) -> None:
    """With a PAT in the group instead of the service principal (the documented fallback)."""
    from fake_databricks import RunScript

    fake.script_run(f"{ROOT}/CI/302-master/ModelTraining", RunScript(
        result_state="FAILED", error="AssertionError: model MAE is 1.31x the seasonal naive forecast's",
        error_trace="Traceback ...\nAssertionError: model MAE is 1.31x"))
    agent = agent_for(origin, tmp_path, "302", azure, agent_python)
    results = run_stage(agent, azure, "Integration", {"DATABRICKS_HOST": fake.host, "DATABRICKS_TOKEN": fake.token})
    (failed,) = [result for result in results if result.returncode]
    assert failed.name.startswith("ModelTraining") and "TERMINATED/FAILED" in failed.stderr
    assert "model MAE is 1.31x" in failed.stderr
    assert not any(run.body["run_name"] == "CI-302-master-tests" for run in fake.jobs.runs.values())


def test_rollback_redeploys_the_earlier_commit_and_is_recorded(
    pipeline_run, origin: Path, azure: dict[str, Any], fake: Any, service_principal: dict[str, str],
    tmp_path: Path, agent_python: Path,
) -> None:
    agent, _results = pipeline_run
    first = agent.predefined["Build.SourceVersion"]
    training = origin / "forecasting" / "ModelTraining.py"
    training.write_text(training.read_text() + "\nprint('second release')\n")
    commit(origin, "second release")
    second_agent = agent_for(origin, tmp_path, "303", azure, agent_python)
    second_agent.base_env["MLFLOW_TRACKING_URI"] = agent.base_env["MLFLOW_TRACKING_URI"]
    for stage in ("Test", "Deploy"):
        assert failures(run_stage(second_agent, azure, stage, service_principal)) == []
    assert b"second release" in fake.workspace.objects[f"{ROOT}/master/ModelTraining"].content

    env = second_agent.environment({"DATABRICKS_HOST": "$(DATABRICKS_HOST)", "DATABRICKS_CLIENT_ID":
                                    "$(DATABRICKS_CLIENT_ID)", "DATABRICKS_CLIENT_SECRET":
                                    "$(DATABRICKS_CLIENT_SECRET)"}, service_principal, origin)
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
