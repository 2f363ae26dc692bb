"""The generated GitHub workflow: actionlint-clean, its jobs and conditions, secrets only in ``env:``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from matrix import MATRIX, Bake
from pipeline_files import release_branch, secret_leaks

BIN = Path(sys.executable).parent


def github_bake() -> Bake:
    (combination,) = [bake for bake in MATRIX if bake.answers.get("ci_provider") == "github-actions"]
    return combination


@pytest.fixture(scope="module")
def workflow(baked: Callable[[Bake], Path]) -> dict[str, Any]:
    return yaml.safe_load((baked(github_bake()) / ".github" / "workflows" / "ci.yml").read_text())


def test_github_workflow_passes_actionlint(baked: Callable[[Bake], Path]) -> None:
    result = subprocess.run([str(BIN / "actionlint"), "-no-color", ".github/workflows/ci.yml"],
                            cwd=baked(github_bake()), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_jobs_and_their_conditions(workflow: dict[str, Any], baked: Callable[[Bake], Path]) -> None:
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "integration", "deploy"]
    assert jobs["integration"]["needs"] == "test" and set(jobs["deploy"]["needs"]) == {"test", "integration"}
    branch = release_branch(baked(github_bake()))
    assert f"github.ref == 'refs/heads/{branch}'" in jobs["deploy"]["if"] and jobs["deploy"]["environment"] == (
        "production")
    assert "pull_request" in workflow["concurrency"]["cancel-in-progress"]
    assert workflow[True]["push"]["paths-ignore"][0] == "README.md"  # YAML 1.1 reads the key `on` as True


def test_secrets_reach_steps_only_through_env(workflow: dict[str, Any]) -> None:
    assert secret_leaks(workflow) == []


def test_federation_without_secrets(workflow: dict[str, Any], baked: Callable[[Bake], Path]) -> None:
    """github-oidc: the Databricks jobs may mint an ID token; nothing secret is named anywhere."""
    text = (baked(github_bake()) / ".github" / "workflows" / "ci.yml").read_text()
    assert "secrets." not in text and "DATABRICKS_CLIENT_SECRET" not in text and "DATABRICKS_TOKEN" not in text
    for name in ("integration", "deploy"):
        job = workflow["jobs"][name]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        (step,) = [step for step in job["steps"] if "DATABRICKS_HOST" in (step.get("env") or {})]
        assert step["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
        assert step["env"]["DATABRICKS_CLIENT_ID"] == "${{ vars.DATABRICKS_CLIENT_ID }}"
    assert workflow["permissions"] == {"contents": "read"}, "id-token only where Databricks is called"


def test_notebook_test_results_are_kept_even_when_red(workflow: dict[str, Any]) -> None:
    steps = workflow["jobs"]["integration"]["steps"]
    (publish,) = [step for step in steps if step.get("name") == "Publish notebook test results"]
    assert publish["if"] == "${{ !cancelled() }}" and publish["with"]["path"] == "notebook-test-results.xml"
