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
