"""A baked project's own gate and its tasks, driven through the real invoke command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix import MATRIX

ROOT = "/Projects/DemandForecasting"
TASKS = ("send", "build", "deploy", "deployments", "ci", "run", "pipeline", "clean", "mlflow-ui", "stop-spark", "test",
         "lint")
Invoke = Callable[..., subprocess.CompletedProcess[str]]


def workspace(project: Path, path: str) -> Path:
    return project / ".workspace" / path.lstrip("/")


def generated_tests(project: Path, marker_expression: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", marker_expression,
                           "tests"], cwd=project, capture_output=True, text=True, check=False, timeout=600)


@pytest.mark.slow
def test_generated_integration_tests_pass(project: Path, invoke_in: Invoke) -> None:
    """`invoke test`, as a developer runs it: the integration tests `invoke ci` leaves out (the ModelTraining notebook
    through the engine's plugin among them), and the unit tests, with coverage of the library alone."""
    result = invoke_in(project, "test")
    assert result.returncode == 0, result.stdout[-3000:]
    (summary,) = [line for line in result.stdout.splitlines() if " passed" in line]
    assert "failed" not in summary and "error" not in summary, summary
    assert "test_model_training" in (project / "test-results.xml").read_text()
    covered = {line.split()[0] for line in result.stdout.splitlines() if line.startswith(("src/", "TOTAL"))}
    assert covered and all(name.startswith("src/") or name == "TOTAL" for name in covered), covered


@pytest.mark.fast_only
def test_generated_unit_tests_pass(project: Path) -> None:
    """What `invoke ci` runs first; the full run covers it through `invoke ci` itself (test_pipeline)."""
    result = generated_tests(project, "not integration")
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout.splitlines()[-1] and " failed" not in result.stdout.splitlines()[-1]


def test_tasks_are_listed_with_help(project: Path, invoke_in: Invoke) -> None:
    listing = invoke_in(project, "--list")
    assert all(f"  {name} " in listing.stdout for name in TASKS), listing.stdout
    for name in TASKS:
        helped = invoke_in(project, name, "--help")
        assert helped.returncode == 0 and "Docstring:" in helped.stdout
    assert "--target" in invoke_in(project, "send", "--help").stdout


def test_send_writes_the_branch_folder_and_mirrors_deletions(project_copy: Path, invoke_in: Invoke) -> None:
    sent = invoke_in(project_copy, "send", "--branch", "BI-4811", "--config", "dev", "--target", "local")
    assert sent.returncode == 0, sent.stderr
    folder = workspace(project_copy, f"{ROOT}/BI-4811")
    assert (folder / "ModelTraining").read_text().startswith("# Databricks notebook source")
    assert (folder / "set_environment").read_text().splitlines()[1] == "# MAGIC %run ./conf/dev_config"
    assert not any(path.name in {"__init__.py", "__init__"} for path in folder.rglob("*"))
    (project_copy / "forecasting" / "ModelTraining.py").unlink()
    resent = invoke_in(project_copy, "send", "--branch", "BI-4811")
    assert resent.returncode == 0 and "1 deleted" in resent.stdout
    assert not (folder / "ModelTraining").exists()


@pytest.mark.parametrize("args", [
    ("--branch", "master"), ("--branch", "CI"), ("--branch", "libraries"), ("--branch", "feature/x"),
    ("--branch", "a b"), ("--branch", "../up"), ("--branch", "BI-1", "--config", "nobody"),
    ("--branch", "BI-1", "--target", "cloud"),
], ids=lambda args: " ".join(args))
def test_bad_send_says_one_line_and_writes_nothing(project_copy: Path, invoke_in: Invoke, args: tuple) -> None:
    result = invoke_in(project_copy, "send", *args)
    assert result.returncode != 0
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert not (project_copy / ".workspace").exists()
    if "nobody" in args:
        assert "configs: ci_config, dev_config, production_config" in result.stderr


def test_build_and_deploy_keep_branches_off_production(project_copy: Path, invoke_in: Invoke) -> None:
    assert invoke_in(project_copy, "build").returncode == 0
    (wheel,) = (project_copy / "dist").glob("demand_forecasting-0.1.0-py3-none-any.whl")
    branch = invoke_in(project_copy, "deploy", "--branch", "BI-4811")
    assert branch.returncode == 0, branch.stderr
    assert (workspace(project_copy, f"{ROOT}/BI-4811/libraries") / wheel.name).is_file()
    assert not workspace(project_copy, f"{ROOT}/libraries").exists()


def test_production_is_written_only_by_a_checked_recorded_release(project_copy: Path, invoke_in: Invoke) -> None:
    """A plain deploy of the release branch is a release: the branch checked out, a clean tree, approvals, a record."""
    assert invoke_in(project_copy, "build").returncode == 0
    claimed = invoke_in(project_copy, "deploy", "--branch", "master")
    assert claimed.returncode == 1
    assert claimed.stderr.strip() == ("error: --branch master, but main is checked out; release a branch from its own "
                                      "checkout")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "checkout", "-q", "-b", "master"], cwd=project_copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project_copy, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "release"], cwd=project_copy, check=True)
    notebook = project_copy / "forecasting" / "ModelTraining.py"
    notebook.write_text(notebook.read_text() + "print('unreviewed')\n")
    dirty = invoke_in(project_copy, "deploy", "--branch", "master", BUILD_BUILDID="7", BUILD_SOURCEBRANCHNAME="master")
    assert dirty.returncode == 1 and "uncommitted changes would ship unrecorded: forecasting/ModelTraining.py" in (
        dirty.stderr)
    subprocess.run(["git", "checkout", "-q", "--", "forecasting"], cwd=project_copy, check=True)
    laptop = invoke_in(project_copy, "deploy", "--branch", "master")
    assert laptop.returncode == 1 and "deploys come from an approved pipeline run" in laptop.stderr
    assert not workspace(project_copy, f"{ROOT}/libraries").exists()
    assert not workspace(project_copy, f"{ROOT}/master").exists()

    release = invoke_in(project_copy, "deploy", BUILD_BUILDID="7", BUILD_SOURCEBRANCHNAME="master")
    assert release.returncode == 0, release.stderr
    (wheel,) = (project_copy / "dist").glob("*.whl")
    assert (workspace(project_copy, f"{ROOT}/libraries") / wheel.name).is_file()
    master = workspace(project_copy, f"{ROOT}/master")
    assert (master / "set_environment").read_text().endswith("%run ./conf/production_config\n")
    history = invoke_in(project_copy, "deployments", "--env", "production")
    assert history.returncode == 0 and " deploy " in history.stdout.splitlines()[1], history.stdout


def test_egg_projects_build_an_egg(baked, invoke_in: Invoke, tmp_path: Path) -> None:
    """On a copy: the matrix's bakes stay as baked for the tests that check them, in any order."""
    egg_project = tmp_path / "egg-project"
    shutil.copytree(baked(next(bake for bake in MATRIX if bake.answers.get("library_format") == "egg")), egg_project)
    result = invoke_in(egg_project, "build")
    assert result.returncode == 0, result.stderr
    assert [path.suffix for path in (egg_project / "dist").iterdir()] == [".egg"]


def test_ci_without_java_says_what_to_install(project_copy: Path, invoke_in: Invoke) -> None:
    result = invoke_in(project_copy, "ci", "--target", "local", "--branch", "main", JAVA_HOME="/nonexistent")
    assert result.returncode == 1
    assert result.stderr.startswith("error: Java not found") and "Java 17" in result.stderr
    assert not (project_copy / ".workspace").exists() and not (project_copy / "test-results.xml").exists()


@pytest.mark.parametrize("args", [("--branch", "a b"), ("--build-id", "4 2"), ("--via", "ftp")],
                         ids=lambda args: " ".join(args))
def test_bad_ci_arguments_are_one_line(project_copy: Path, invoke_in: Invoke, args: tuple) -> None:
    defaults = () if "--branch" in args else ("--branch", "main")
    result = invoke_in(project_copy, "ci", "--target", "local", "--skip-tests", *defaults, *args)
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert not (project_copy / ".workspace").exists()


def test_a_developer_sets_their_default_config_once(baked, invoke_in: Invoke, tmp_path: Path) -> None:
    source = baked(next(bake for bake in MATRIX if bake.name == "three-developers"))
    project = tmp_path / source.name
    shutil.copytree(source, project)
    (project / "invoke.local.yaml").write_text("mlops:\n  default_config: joe\n")
    assert "invoke.local.yaml" in (project / ".gitignore").read_text()
    result = invoke_in(project, "send", "--branch", "BI-7")
    assert result.returncode == 0, result.stderr
    set_environment = workspace(project, f"{ROOT}/BI-7/set_environment").read_text()
    assert set_environment.splitlines()[1] == "# MAGIC %run ./conf/joe_config"
