"""``invoke deploy --env``: what reaches the environment, what is refused, and the MLflow record of each deploy."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fake_databricks import FakeDatabricks
from mlflow.tracking import MlflowClient
from sample import CONFIG, commit_all, git
from sample import SAMPLE_DIR as PROJECT_DIR

from mlops_engine.commands.release import DeployRequest, deploy_environment, deployments, library_version
from mlops_engine.errors import UserError
from mlops_engine.settings import load_settings

# Each test builds the library and drives git: integration tests, run by `invoke test`, not by `invoke ci`.

ROOT = "/Deploy/Test"
HEADER = "# Databricks notebook source\n"
ENVIRONMENTS = {"production": {"workspace_root": ROOT, "release_branch": "master", "approvals": "none"}}
PIPELINE_VARIABLES = ("BUILD_BUILDID", "GITHUB_RUN_ID", "BUILD_SOURCEVERSION", "GITHUB_SHA", "MLFLOW_TRACKING_URI")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed project on master: the real library and pyproject, a small notebooks package."""
    for name in PIPELINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "project"
    package = repo / CONFIG["mlops"]["notebooks_package"]
    (package / "conf").mkdir(parents=True)
    (package / "ModelTraining.py").write_text(HEADER + "# MAGIC %run ./set_environment\nprint('v1')\n")
    (package / "set_environment.py").write_text(HEADER + "# MAGIC %run ./conf/dev_config\n")
    (package / "conf" / "production_config.py").write_text(HEADER + "ENVIRONMENT = 'production'\n")
    shutil.copytree(PROJECT_DIR / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(PROJECT_DIR / "pyproject.toml", repo)
    (repo / ".gitignore").write_text("dist/\nbuild/\n*.egg-info/\n.workspace/\n.mlflow/\n.runs/\n")
    git(repo, "init", "-q", "-b", "master")
    commit_all(repo, "first")
    return repo


def settings_for(repo: Path, environments: dict | None = None):
    return replace(load_settings(repo, CONFIG), environments=environments or ENVIRONMENTS)


def prebuilt(repo: Path, version: str = "0.1.0") -> None:
    library = CONFIG["mlops"]["library_name"]
    suffix = "py3-none-any.whl" if CONFIG["mlops"]["library_format"] == "wheel" else "py3.11.egg"
    (repo / "dist").mkdir(exist_ok=True)
    (repo / "dist" / f"{library}-{version}-{suffix}").write_bytes(b"library")


def deploy(repo: Path, **fields) -> str:
    request = DeployRequest(**{"environment": "production", "branch": "master", "target": "local", **fields})
    return deploy_environment(settings_for(repo), request, lambda _line: None)


def records(repo: Path) -> list:
    client = MlflowClient(f"sqlite:///{repo / '.mlflow' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(f"{ROOT}/experiments/deployments")
    if experiment is None:
        return []
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def master(repo: Path) -> Path:
    return repo / ".workspace" / ROOT.lstrip("/") / "master"


def test_deploy_sends_production_notebooks_and_library_and_records_it(repo: Path) -> None:
    prebuilt(repo)
    run_id = deploy(repo, prebuilt=True, build_id="77", note="first release")

    assert (master(repo) / "set_environment").read_text() == HEADER + "# MAGIC %run ./conf/production_config\n"
    assert "print('v1')" in (master(repo) / "ModelTraining").read_text()
    assert [path.name for path in (repo / ".workspace" / ROOT.lstrip("/") / "libraries").iterdir()] == [
        next((repo / "dist").iterdir()).name]
    (record,) = records(repo)
    assert record.info.run_id == run_id and record.info.status == "FINISHED"
    assert record.data.tags["result"] == "succeeded"
    params = record.data.params
    assert params["git_sha"] == git(repo, "rev-parse", "HEAD") and params["git_branch"] == "master"
    assert (params["environment"], params["build_id"], params["library_version"], params["kind"]) == (
        "production", "77", "0.1.0", "deploy")
    assert params["notebook_folder"] == f"{ROOT}/master" and params["note"] == "first release"
    assert params["deployed_by"] and params["deployed_with"].startswith("invoke on ")


def test_uncommitted_notebook_changes_are_refused_and_nothing_is_written(repo: Path) -> None:
    prebuilt(repo)
    notebook = repo / CONFIG["mlops"]["notebooks_package"] / "ModelTraining.py"
    notebook.write_text(notebook.read_text() + "print('unreviewed')\n")
    with pytest.raises(UserError, match="uncommitted changes would ship unrecorded: .*ModelTraining.py"):
        deploy(repo, prebuilt=True)
    assert not master(repo).exists() and records(repo) == []


def test_another_branch_is_refused_unless_forced(repo: Path) -> None:
    prebuilt(repo)
    with pytest.raises(UserError, match="production releases from master, not BI-4811"):
        deploy(repo, prebuilt=True, branch="BI-4811")
    deploy(repo, prebuilt=True, branch="BI-4811", force=True)
    params = records(repo)[0].data.params
    assert (params["git_branch"], params["forced"]) == ("BI-4811", "true")


def test_a_failed_deploy_is_recorded_as_failed(repo: Path) -> None:
    prebuilt(repo)
    environments = {"production": {**ENVIRONMENTS["production"], "config": "staging"}}
    request = DeployRequest("production", "master", prebuilt=True, target="local")
    with pytest.raises(UserError, match="no config conf/staging_config"):
        deploy_environment(settings_for(repo, environments), request, lambda _line: None)
    (record,) = records(repo)
    assert record.info.status == "FAILED" and record.data.tags["result"] == "failed"
    assert "staging_config" in record.data.tags["error"]


def test_rollback_redeploys_an_earlier_commit_built_from_git(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    notebook = repo / CONFIG["mlops"]["notebooks_package"] / "ModelTraining.py"
    notebook.write_text(notebook.read_text().replace("v1", "v2"))
    commit_all(repo, "second")
    prebuilt(repo)
    deploy(repo, prebuilt=True)
    assert "v2" in (master(repo) / "ModelTraining").read_text()

    deploy(repo, sha=first[:8], note="v2 broke scoring")

    assert "v1" in (master(repo) / "ModelTraining").read_text()
    rollback = records(repo)[-1]
    assert (rollback.data.params["kind"], rollback.data.params["git_sha"]) == ("rollback", first)
    assert rollback.data.params["library_version"] == "0.1.0" and rollback.data.tags["result"] == "succeeded"
    assert git(repo, "worktree", "list").count("\n") == 0, "the rollback's worktree was left behind"
    table = deployments(settings_for(repo), "production", 10, target="local").splitlines()
    assert table[0].split()[:3] == ["when", "(UTC)", "result"] and len(table) == 3
    assert "rollback" in table[1] and first[:10] in table[1] and "v2 broke scoring" in table[1]


def test_a_sha_not_on_the_release_branch_is_refused(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "experiment")
    (repo / "src" / "extra.txt").write_text("x")
    side = commit_all(repo, "side")
    with pytest.raises(UserError, match=f"{side[:10]} is not on master"):
        deploy(repo, sha=side)
    with pytest.raises(UserError, match="no commit 'deadbeef'"):
        deploy(repo, sha="deadbeef")


def test_option_mistakes_are_one_line(repo: Path) -> None:
    with pytest.raises(UserError, match="drop --prebuilt"):
        deploy(repo, sha="HEAD", prebuilt=True)
    with pytest.raises(UserError, match="choose files or repos"):
        deploy(repo, via="ftp")
    assert deployments(settings_for(repo), "production", 5, target="local").startswith(
        "no deployments to production")


def test_library_version_comes_from_the_file_name() -> None:
    assert library_version(Path("lib-1.4.2-py3-none-any.whl")) == "1.4.2"
    assert library_version(Path("lib-0.1.0-py3.11.egg")) == "0.1.0"


def test_via_repos_checks_out_the_release_branch_in_the_environments_repo(
    repo: Path, fake: FakeDatabricks, sdk_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{repo / '.mlflow' / 'mlflow.db'}")
    (repo / ".mlflow").mkdir()
    prebuilt(repo)
    environments = {"production": {**ENVIRONMENTS["production"], "repo_path": "/Repos/production/lib",
                                   "git_url": "https://github.com/org/project", "host": fake.host}}
    request = DeployRequest("production", "master", via="repos", prebuilt=True, target="databricks")
    deploy_environment(settings_for(repo, environments), request, lambda _line: None)

    (checked_out,) = fake.repos.repos.values()
    assert (checked_out.path, checked_out.branch, checked_out.url) == (
        "/Repos/production/lib", "master", "https://github.com/org/project")
    assert any(path.startswith(f"{ROOT}/libraries/") for path in fake.workspace.objects)
    (record,) = records(repo)
    assert (record.data.params["via"], record.data.params["notebook_folder"]) == ("repos", "/Repos/production/lib")
    assert record.data.params["host"] == fake.host
