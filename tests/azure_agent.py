"""Fixtures that run the generated Azure pipeline on an agent of our own, shared by the agent and release tests.

The pipeline is executed by ``pipeline_agent``: each job in a fresh clone of a baked project, the
predefined variables set as Azure sets them, Databricks pointed at the engine's fake REST server
(``fake_databricks/`` of the engine's tests), MLflow at a sqlite store. The Databricks steps sign in as the
pipeline does, by workload identity federation: the job's ID token comes from the project's fake identity
provider (``SYSTEM_TEAMFOUNDATIONCOLLECTIONURI`` points at it) and the fake workspace exchanges it under a
federation policy for the service principal. The agent's Python is a fresh, empty
virtual environment made once per session: the first job's "Install dependencies" step really installs
the project's pinned requirements into it (pip's cache spares the downloads after the first time; the engine
comes from a wheelhouse of this repository's package, which PIP_FIND_LINKS names as a team's setup would), and
the later jobs' install steps find them there, as a self-hosted agent with a warm cache would. The
unit-test step runs with ``PYTEST_ADDOPTS`` selecting a few fast modules: the full generated suite runs
in ``test_generated_project`` and ``test_pipeline``; here the step's command, its JUnit XML and its
coverage report are what is proven.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from matrix import MATRIX, Bake
from mlflow.tracking import MlflowClient
from pipeline_agent import Agent, base_environment, job_steps
from pipeline_files import release_branch

from bakery import ENGINE_DIR

ENGINE_TESTS = ENGINE_DIR / "tests"
AGENT_WHEELHOUSE = "wheelhouse"

ROOT = "/Projects/DemandForecasting"
UNIT_TESTS_SUBSET = "-k 'test_configs or bootstrap'"
PIPELINE_SUBJECT = "p://contoso/forecasting/demand-forecasting"


@pytest.fixture(scope="session")
def azure(baked: Callable[[Bake], Path]) -> dict[str, Any]:
    return yaml.safe_load((baked(MATRIX[0]) / "azure-pipelines.yml").read_text())


@pytest.fixture(scope="session")
def origin(baked: Callable[[Bake], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default bake as a repository on the release branch, as the team pushes it."""
    repo = tmp_path_factory.mktemp("origin") / "demand-forecasting"
    shutil.copytree(baked(MATRIX[0]), repo, ignore=shutil.ignore_patterns(".git", ".workspace", ".runs", ".mlflow",
                                                                           "dist"))
    subprocess.run(["git", "init", "-q", "-b", release_branch(repo)], cwd=repo, check=True)
    commit(repo, "first")
    return repo


def commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-q", "-m", message],
                   cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="session")
def fake(origin: Path) -> Iterator[Any]:
    sys.path.insert(0, str(ENGINE_TESTS))
    from fake_databricks import FakeDatabricks, RunScript
    from fake_databricks.oidc import AZURE_DEVOPS_AUDIENCE, FakeIdentityProvider, FederationPolicy

    with FakeIdentityProvider(PIPELINE_SUBJECT, request_token="system-access-token") as idp, \
            FakeDatabricks() as server:
        server.federation_policies.append(FederationPolicy(server.client_id, idp.issuer, PIPELINE_SUBJECT,
                                                           AZURE_DEVOPS_AUDIENCE))
        server.idp = idp
        server.script_run(f"{ROOT}/CI/301-{release_branch(origin)}/RunTests", RunScript(notebook_result=json.dumps({
            "format": "notebook-test-results/1", "mlflow_run_id": "r1", "tests": [
                {"name": "test_sales_data", "passed": True, "duration_seconds": 12.5, "message": "ok", "trace": ""},
                {"name": "test_features", "passed": True, "duration_seconds": 30.1, "message": "ok", "trace": ""}]})))
        yield server


@pytest.fixture(scope="session")
def agent_python(tmp_path_factory: pytest.TempPathFactory, engine_wheelhouse: Path) -> Path:
    """The bin folder of a fresh, empty virtual environment for the agent's steps; the engine's wheelhouse is
    copied beside it, where ``agent_for`` points the agent's pip (as a team points its agents at its packages)."""
    venv = tmp_path_factory.mktemp("agent-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    shutil.copytree(engine_wheelhouse, venv / AGENT_WHEELHOUSE)
    return venv / "bin"


def agent_for(origin: Path, work: Path, build_id: str, azure: dict[str, Any], python_bin: Path,
              collection_uri: str = "https://dev.azure.com/contoso/") -> Agent:
    """An agent for one build; ``collection_uri`` is where the job's ID token is asked for (the fake IdP)."""
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, capture_output=True, text=True,
                         check=True).stdout.strip()
    branch = release_branch(origin)
    predefined = {
        "Build.BuildId": build_id, "Build.SourceBranch": f"refs/heads/{branch}", "Build.SourceBranchName": branch,
        "Build.SourceVersion": sha, "Build.Reason": "IndividualCI", "Build.RequestedFor": "Kyle",
        "Build.RequestedForEmail": "kyle@example.com", "Build.DefinitionName": "demand-forecasting",
        "Agent.OS": "Linux", "Pipeline.Workspace": str(work / build_id), "Agent.TempDirectory": str(work / "tmp"),
        "System.TeamFoundationCollectionUri": collection_uri, "System.TeamProjectId": "project-guid",
        "System.PlanId": f"plan-{build_id}", "System.JobId": f"job-{build_id}", "System.HostType": "build",
    }
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**base_environment(home, python_bin), "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}"}
    # pip takes more than one place to find wheels: the machine's own (if it sets any) and the engine's.
    links = [env.get("PIP_FIND_LINKS", ""), str(python_bin.parent / AGENT_WHEELHOUSE)]
    env["PIP_FIND_LINKS"] = " ".join(link for link in links if link)
    return Agent(origin, work, predefined, {key: str(value) for key, value in azure["variables"].items()}, env,
                 pytest_addopts=UNIT_TESTS_SUBSET)


def run_stage(agent: Agent, azure: dict[str, Any], name: str, secrets: dict[str, str]) -> list:
    (stage,) = [stage for stage in azure["stages"] if stage["stage"] == name]
    (job,) = stage["jobs"]
    return agent.run_job(job.get("job") or job["deployment"], job_steps(job), secrets)


def failures(results: list) -> list[str]:
    return [f"{r.name}: {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}" for r in results if r.returncode]


def collection_uri(fake: Any) -> str:
    """The organization URL the SDK asks for the job's ID token: the fake identity provider's."""
    return f"{fake.idp.issuer}/contoso/"


def federated(fake: Any) -> dict[str, str]:
    """The variable group as docs/cicd.md sets it up (host and the service principal's id, no secret), and the
    job's System.AccessToken, which Azure keeps secret: a step sees it only through its ``env:`` mapping."""
    return {"DATABRICKS_HOST": fake.host, "DATABRICKS_CLIENT_ID": fake.client_id,
            "System.AccessToken": fake.idp.request_token}


@pytest.fixture(scope="session")
def service_principal(fake: Any) -> dict[str, str]:
    return federated(fake)


@pytest.fixture(scope="session")
def pipeline_run(origin: Path, azure: dict[str, Any], fake: Any, service_principal: dict[str, str],
                 tmp_path_factory: pytest.TempPathFactory, agent_python: Path) -> tuple[Agent, dict[str, list]]:
    agent = agent_for(origin, tmp_path_factory.mktemp("agent"), "301", azure, agent_python, collection_uri(fake))
    results = {}
    for stage in ("Test", "Integration", "Deploy"):
        results[stage] = run_stage(agent, azure, stage, service_principal)
        if failures(results[stage]):
            break
    return agent, results


def deployments(agent: Agent) -> list:
    client = MlflowClient(agent.base_env["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name(f"{ROOT}/experiments/deployments")
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
