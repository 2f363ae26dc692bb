"""The engine's release workflow: actionlint-clean, run by an engine-v* tag, the tag checked against the package
version before anything is built, and published to PyPI by trusted publishing with no stored secret."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bakery import TEMPLATE_DIR

BIN = Path(sys.executable).parent
WORKFLOW = Path(".github") / "workflows" / "release-engine.yml"
PACKAGE = TEMPLATE_DIR / "packages" / "databricks-mlops-engine"
VERSION_CHECK = "Check the tag against the package version"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load((TEMPLATE_DIR / WORKFLOW).read_text())


def version_check(workflow: dict[str, Any]) -> dict[str, Any]:
    (step,) = [step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == VERSION_CHECK]
    return step


def test_release_workflow_passes_actionlint() -> None:
    result = subprocess.run([str(BIN / "actionlint"), "-no-color", str(WORKFLOW)], cwd=TEMPLATE_DIR,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_an_engine_tag_releases(workflow: dict[str, Any]) -> None:
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) <= {"push", "workflow_dispatch"}
    assert triggers["push"] == {"tags": ["engine-v*"]}, "no branch push may publish"


def test_build_job_checks_the_tag_then_tests_and_keeps_the_dist(workflow: dict[str, Any]) -> None:
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    names = [step.get("name") for step in steps]
    assert names.index(VERSION_CHECK) < min(i for i, run in enumerate(runs) if "python -m build" in run)
    (tests,) = [step for step in steps if "pytest" in step.get("run", "")]
    assert tests["run"] == 'python -m pytest -q -m "not integration" tests'
    assert tests["working-directory"] == "${{ env.PACKAGE_DIR }}"
    assert workflow["env"]["PACKAGE_DIR"] == PACKAGE.relative_to(TEMPLATE_DIR).as_posix()
    assert any(step.get("uses") == "actions/setup-java@v4" and step["with"]["java-version"] == "17" for step in steps)
    (upload,) = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@")]
    (download,) = [step for step in workflow["jobs"]["publish"]["steps"]
                   if step.get("uses", "").startswith("actions/download-artifact@")]
    assert upload["with"]["name"] == download["with"]["name"] and upload["with"]["if-no-files-found"] == "error"


def run_version_check(workflow: dict[str, Any], tag: str) -> subprocess.CompletedProcess[str]:
    """The check's own script, from the repository root as on the runner, with this environment's python."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GITHUB_REF_NAME": tag,
           "PACKAGE_DIR": workflow["env"]["PACKAGE_DIR"]}
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # how the runner runs a `run:` step
    return subprocess.run([*shell, version_check(workflow)["run"]], cwd=TEMPLATE_DIR, env=env, capture_output=True,
                          text=True, check=False)


def test_version_check_passes_the_matching_tag_and_fails_any_other(workflow: dict[str, Any]) -> None:
    version = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["version"]
    assert run_version_check(workflow, f"engine-v{version}").returncode == 0
    wrong = run_version_check(workflow, f"engine-v{version}.post1")
    assert wrong.returncode != 0 and "does not match" in wrong.stdout


def test_publish_by_trusted_publishing_without_a_secret(workflow: dict[str, Any]) -> None:
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build" and publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}, "id-token only in the publish job"
    (step,) = [step for step in publish["steps"] if step.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert not {"password", "user", "username"} & set(step.get("with") or {})
    assert "secrets." not in (TEMPLATE_DIR / WORKFLOW).read_text()
