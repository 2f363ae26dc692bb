"""``ci --via repos``: a temporary Databricks repo at the branch, the notebook run from it, then removed."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from posixpath import join

import pytest
from databricks.sdk import WorkspaceClient
from fake_databricks import FakeDatabricks, RunScript
from sample import CONFIG
from sample import SAMPLE_DIR as PROJECT_DIR

from mlops_engine.commands.ci import repo_notebooks
from mlops_engine.commands.run import run_notebook
from mlops_engine.contract.target import Target
from mlops_engine.databricks.library_store import DatabricksLibraryStore, LibraryPlace
from mlops_engine.databricks.repos import DatabricksRepos, git_provider
from mlops_engine.databricks.runner import DatabricksRunner
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError
from mlops_engine.git import public_url
from mlops_engine.settings import load_settings

URL = "https://dev.azure.com/org/proj/_git/demand-forecasting"
PREFIX = "/Repos/ci/demand-forecasting"
PATH = f"{PREFIX}/57-BI-4811"
PACKAGE = CONFIG["mlops"]["notebooks_package"]
NOTEBOOK = f"{PATH}/{PACKAGE}/{CONFIG['mlops']['training_notebook']}"


@pytest.fixture
def target(client: WorkspaceClient, tmp_path: Path) -> Target:
    """The databricks target on the fake, polling often so runs end quickly."""
    workspace = DatabricksWorkspace(client)
    return Target(
        name="databricks", host=workspace.host, workspace=workspace,
        runner=DatabricksRunner(client, {"existing_cluster_id": "0123-456789-fakecl"}),
        libraries=DatabricksLibraryStore(client, LibraryPlace()), snapshot_dir=tmp_path, tracking_uri="databricks",
        upload_parallelism=4, run_timeout_seconds=1500, poll_seconds=0.02, repos=DatabricksRepos(client),
    )


def settings(url: str = URL):
    loaded = load_settings(PROJECT_DIR, CONFIG)
    return replace(loaded, databricks={**loaded.databricks, "repos": {"git_url": url, "prefix": PREFIX}})


def run(target: Target, *, keep: bool = False, url: str = URL):
    with repo_notebooks(target, settings(url), "57", "BI-4811", keep, lambda _line: None) as folder:
        return run_notebook(target, join(folder, CONFIG["mlops"]["training_notebook"]), "CI-57-BI-4811", {}, [],
                            lambda _line: None)


def test_checkout_runs_from_the_repo_and_removes_it(fake: FakeDatabricks, target: Target):
    status = run(target)

    assert status.succeeded
    (created,) = [json.loads(r.body) for r in fake.requests if r.method == "POST" and r.path == "/api/2.0/repos"]
    assert created == {"url": URL, "provider": "azureDevOpsServices", "path": PATH}
    (patched,) = [json.loads(r.body) for r in fake.requests if r.method == "PATCH"]
    assert patched == {"branch": "BI-4811"}
    (submitted,) = [json.loads(r.body) for r in fake.requests if r.path.endswith("/runs/submit")]
    assert submitted["tasks"][0]["notebook_task"]["notebook_path"] == NOTEBOOK
    assert fake.repos.repos == {} and PATH not in fake.workspace.objects


def test_keep_leaves_the_repo_for_debugging(fake: FakeDatabricks, target: Target):
    run(target, keep=True)
    (repo,) = fake.repos.repos.values()
    assert (repo.path, repo.branch) == (PATH, "BI-4811")


def test_an_existing_repo_at_the_path_is_reused(fake: FakeDatabricks, client: WorkspaceClient):
    repos = DatabricksRepos(client)
    first = repos.checkout(URL, PATH, "main")
    second = repos.checkout(URL, PATH, "BI-4811")
    assert first.repo_id == second.repo_id and fake.repos.repos[first.repo_id].branch == "BI-4811"


def test_a_failed_or_timed_out_run_still_removes_the_repo(fake: FakeDatabricks, target: Target):
    fake.script_run(NOTEBOOK, RunScript(result_state="FAILED", error="boom"))
    with pytest.raises(UserError, match="TERMINATED/FAILED: boom"):
        run(target)
    assert fake.repos.repos == {}
    fake.script_run(NOTEBOOK, RunScript(running_polls=10**6))
    with pytest.raises(UserError, match="did not finish within 1 s; the run was cancelled"):
        run(replace(target, run_timeout_seconds=1))
    assert fake.repos.repos == {} and any(r.path.endswith("/runs/cancel") for r in fake.requests)


def test_an_unknown_branch_is_one_line(fake: FakeDatabricks, target: Target):
    fake.repos.remote_branches[URL] = {"main"}
    with pytest.raises(UserError, match="Branch BI-4811 does not exist"):
        run(target)


def test_credentials_in_the_remote_never_reach_the_workspace(fake: FakeDatabricks, target: Target):
    run(target, url="https://build:s3cr3t-pat@dev.azure.com/org/proj/_git/demand-forecasting")
    assert not any(b"s3cr3t-pat" in r.body for r in fake.requests)


@pytest.mark.parametrize(
    ("url", "provider"),
    [("https://github.com/acme/df.git", "gitHub"), ("https://acme.visualstudio.com/p/_git/df", "azureDevOpsServices"),
     ("https://gitlab.com/acme/df", "gitLab")],
)
def test_git_provider_from_the_host(url: str, provider: str):
    assert git_provider(url) == provider


def test_bad_remote_or_prefix_is_refused(fake: FakeDatabricks, target: Target):
    with pytest.raises(UserError, match="set mlops.databricks.repos.provider"):
        git_provider("https://git.example.org/df")
    with pytest.raises(UserError, match="not an https URL"):
        public_url("git@github.com:acme/df.git")
    bad_prefix = replace(settings(), databricks={"repos": {"git_url": URL, "prefix": "/Repos"}})
    with pytest.raises(UserError, match="must be a folder like"), \
            repo_notebooks(target, bad_prefix, "57", "BI-4811", False, lambda _line: None):
        pass
    assert fake.repos.repos == {}


def test_ci_set_environment_is_written_into_the_checkout(fake: FakeDatabricks, target: Target):
    run(target, keep=True)
    (imported,) = [json.loads(r.body) for r in fake.requests if r.path == "/api/2.0/workspace/import"]
    assert imported["path"] == f"{PATH}/{PACKAGE}/set_environment" and imported["overwrite"] is True
    source = (PROJECT_DIR / PACKAGE / "conf" / "ci_set_environment.py").read_bytes()
    assert base64.b64decode(imported["content"]) == source
