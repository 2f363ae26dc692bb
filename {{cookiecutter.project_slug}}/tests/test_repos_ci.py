"""``ci --via repos``: a temporary Databricks repo at the branch, the notebook run from it, then removed."""

from __future__ import annotations

import base64
import json

import pytest
from databricks.sdk import WorkspaceClient
from fake_databricks import FakeDatabricks, RunScript
from fake_databricks_clock import FakeClock

from tooling.databricks_runner import DatabricksRunner
from tooling.errors import UserError
from tooling.repos_ci import RepoRun, checkout, git_provider, public_url, repo_path, run_via_repos
from tooling.runs import RunTimeout

pytest_plugins = ["fake_databricks_fixtures"]

URL = "https://dev.azure.com/org/proj/_git/demand-forecasting"
PATH = "/Repos/ci/demand-forecasting/57-BI-4811"
NOTEBOOK = f"{PATH}/forecasting/ModelTraining"


@pytest.fixture
def runner(client: WorkspaceClient) -> DatabricksRunner:
    return DatabricksRunner(client, {"existing_cluster_id": "0123-456789-fakecl"})


def plan(**overrides) -> RepoRun:
    fields = {"url": URL, "branch": "BI-4811", "path": PATH, "notebook": "forecasting/ModelTraining",
              "run_name": "CI-57-BI-4811", "timeout_seconds": 1500}
    return RepoRun(**{**fields, **overrides})


def run(client, runner, clock, **overrides):
    urls: list[str] = []
    submitted, status = run_via_repos(client, runner, plan(**overrides), lambda s: urls.append(s.url),
                                      lambda _s, _e: None, clock)
    assert urls == [submitted.url]
    return status


def test_checkout_runs_from_the_repo_and_removes_it(fake: FakeDatabricks, client, runner, clock: FakeClock):
    status = run(client, runner, clock)

    assert status.succeeded
    (created,) = [json.loads(r.body) for r in fake.requests if r.method == "POST" and r.path == "/api/2.0/repos"]
    assert created == {"url": URL, "provider": "azureDevOpsServices", "path": PATH}
    (patched,) = [json.loads(r.body) for r in fake.requests if r.method == "PATCH"]
    assert patched == {"branch": "BI-4811"}
    (submitted,) = [json.loads(r.body) for r in fake.requests if r.path.endswith("/runs/submit")]
    assert submitted["tasks"][0]["notebook_task"]["notebook_path"] == NOTEBOOK
    assert fake.repos.repos == {} and PATH not in fake.workspace.objects


def test_keep_leaves_the_repo_for_debugging(fake, client, runner, clock):
    run(client, runner, clock, keep=True)
    (repo,) = fake.repos.repos.values()
    assert (repo.path, repo.branch) == (PATH, "BI-4811")


def test_an_existing_repo_at_the_path_is_reused(fake, client, runner, clock):
    first = checkout(client, URL, PATH, "main")
    second = checkout(client, URL, PATH, "BI-4811")
    assert first.repo_id == second.repo_id and fake.repos.repos[first.repo_id].branch == "BI-4811"


def test_a_failed_or_timed_out_run_still_removes_the_repo(fake, client, runner, clock):
    fake.script_run(NOTEBOOK, RunScript(result_state="FAILED", error="boom"))
    assert run(client, runner, clock).result_state == "FAILED" and fake.repos.repos == {}
    fake.script_run(NOTEBOOK, RunScript(running_polls=10**6))
    with pytest.raises(RunTimeout):
        run(client, runner, clock)
    assert fake.repos.repos == {} and any(r.path.endswith("/runs/cancel") for r in fake.requests)


def test_an_unknown_branch_is_one_line(fake, client, runner, clock):
    fake.repos.remote_branches[URL] = {"main"}
    with pytest.raises(UserError, match="Branch BI-4811 does not exist"):
        run(client, runner, clock)


def test_credentials_in_the_remote_never_reach_the_workspace(fake, client, runner, clock):
    run(client, runner, clock, url="https://build:s3cr3t-pat@dev.azure.com/org/proj/_git/demand-forecasting")
    assert not any(b"s3cr3t-pat" in r.body for r in fake.requests)


@pytest.mark.parametrize(
    ("url", "provider"),
    [("https://github.com/acme/df.git", "gitHub"), ("https://acme.visualstudio.com/p/_git/df", "azureDevOpsServices"),
     ("https://gitlab.com/acme/df", "gitLab")],
)
def test_git_provider_from_the_host(url: str, provider: str):
    assert git_provider(url) == provider


def test_bad_remote_prefix_or_branch_is_refused():
    with pytest.raises(UserError, match="set mlops.databricks.repos.provider"):
        git_provider("https://git.example.org/df")
    with pytest.raises(UserError, match="not an https URL"):
        public_url("git@github.com:acme/df.git")
    with pytest.raises(UserError, match="must be a folder like"):
        repo_path("/Repos", "57", "BI-4811")
    assert repo_path("/Repos/ci/df/", "57", "BI-4811") == "/Repos/ci/df/57-BI-4811"


def test_ci_set_environment_is_written_into_the_checkout(fake: FakeDatabricks, client, runner, clock: FakeClock):
    source = b"# Databricks notebook source\n# MAGIC %run ./conf/ci_config\n"
    run(client, runner, clock, keep=True, set_environment=source)
    (imported,) = [json.loads(r.body) for r in fake.requests if r.path == "/api/2.0/workspace/import"]
    assert imported["path"] == f"{PATH}/forecasting/set_environment" and imported["overwrite"] is True
    assert base64.b64decode(imported["content"]) == source
