"""Session fixtures: every bake of the matrix once, and one default project whose pipeline runs."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from matrix import MATRIX, Bake

from bakery import bake, build_engine_wheel

# One pipeline agent run per session, shared by the agent and release tests (it takes minutes); how
# `invoke test` shares the tests between its workers.
pytest_plugins = ["azure_agent", "worker_schedule"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fast", action="store_true",
                     help="the quick gate: bake the matrix, lint, the generated unit tests; no pipeline runs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--fast leaves out the tests marked slow; the full run leaves out those that only stand in for them."""
    unwanted = "slow" if config.getoption("--fast") else "fast_only"
    kept = [item for item in items if item.get_closest_marker(unwanted) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


PIPELINE_VARIABLES = ("BUILD_BUILDID", "BUILD_SOURCEBRANCHNAME", "BUILD_SOURCEVERSION", "GITHUB_RUN_ID",
                      "GITHUB_REF_NAME", "GITHUB_SHA")
RUN_LEFTOVERS = (".workspace", ".runs", ".mlflow", ".mlops", "dist", "build", "*.egg-info", "test-results.xml",
                 "coverage.xml", ".pytest_cache", "__pycache__")


@pytest.fixture(scope="session")
def baked(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Bake], Path]:
    """Bake each combination at most once per session."""
    projects: dict[str, Path] = {}

    def get(combination: Bake) -> Path:
        if combination.name not in projects:
            projects[combination.name] = bake(tmp_path_factory.mktemp(combination.name), combination.answers)
        return projects[combination.name]

    return get


@pytest.fixture(scope="session")
def engine_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the engine's wheel, built from this repository offline: the route a baked project takes
    with ``pip install --find-links``."""
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    build_engine_wheel(wheelhouse)
    return wheelhouse


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default bake of its own (the matrix's stays pristine): a git repository on main, as baked."""
    return bake(tmp_path_factory.mktemp("pipeline"), MATRIX[0].answers)


@pytest.fixture(scope="session")
def invoke_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """Run the real ``invoke`` command line in a project with this environment's tools.

    Local runs leave a warm Spark driver per project, as they do for users; here each stops after a minute
    idle (a test's runs follow each other within seconds), and any still up when the session ends is stopped.
    """
    bin_dir = str(Path(sys.executable).parent)

    def run(path: Path, *args: str, timeout: float = 600, **extra_env: str) -> subprocess.CompletedProcess[str]:
        outside = {name: value for name, value in os.environ.items() if name not in PIPELINE_VARIABLES}
        env = {**outside, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               "LOCAL_SPARK_IDLE_SECONDS": "60", **extra_env}
        return subprocess.run([str(Path(bin_dir) / "invoke"), *args], cwd=path, env=env, capture_output=True,
                              text=True, check=False, timeout=timeout)

    yield run
    stop_warm_drivers(tmp_path_factory.getbasetemp())


def stop_warm_drivers(root: Path) -> None:
    """Stop every warm Spark driver a project under ``root`` left running (SIGTERM: it stops its JVM)."""
    for record in root.rglob(".spark-driver/driver.json"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            os.kill(json.loads(record.read_text())["pid"], signal.SIGTERM)


@pytest.fixture
def project_copy(project: Path, tmp_path: Path) -> Path:
    """A throwaway copy of the default project as baked, without what other tests' runs left in it."""
    copy = tmp_path / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(*RUN_LEFTOVERS))
    return copy
