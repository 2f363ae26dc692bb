"""Every combination of answers bakes a complete, fully rendered project that lints clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix import MATRIX, Bake

from bakery import TEMPLATE_DIR

CACHES = {"__pycache__", ".ruff_cache", ".pytest_cache", ".git"}
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%")
CI_PROVIDER_FILES = {"azure-pipelines": {"azure-pipelines.yml", "renovate.json"},
                     "github-actions": {".github/workflows/ci.yml", ".github/dependabot.yml"}}
COMMON_FILES = {
    ".cookiecutter.json", ".gitignore", "README.md", "invoke.yaml", "pyproject.toml",
    "requirements.txt", "requirements-dev.txt", "constraints.txt", "tasks.py",
    "scripts/send_to_databricks.sh", "scripts/setup_dev.sh",
}


def expected_files(combination: Bake) -> set[str]:
    """The exact file set a bake must produce, from its answers."""
    notebooks = combination.answer("notebooks_package", "forecasting")
    library = combination.answer("library_name", "demand_forecasting")
    developers = combination.answer("developers", "dev").split(",")
    template = Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}"
    files = set(COMMON_FILES)
    for path in template.rglob("*"):
        if path.is_file() and not CACHES & set(path.parts):
            relative = path.relative_to(template).as_posix()
            relative = relative.replace("{{cookiecutter.notebooks_package}}", notebooks)
            files.add(relative.replace("{{cookiecutter.library_name}}", library))
    files.discard(f"{notebooks}/conf/developer_config.py")
    provider = combination.answer("ci_provider", "azure-pipelines")
    for other, pipeline_files in CI_PROVIDER_FILES.items():
        files -= set() if other == provider else pipeline_files
    files |= {f"{notebooks}/conf/{name}_config.py" for name in developers}
    return files


def project_files(project: Path) -> set[str]:
    return {path.relative_to(project).as_posix() for path in project.rglob("*")
            if path.is_file() and not CACHES & set(path.parts)}


@pytest.mark.parametrize("combination", MATRIX, ids=lambda bake: bake.name)
def test_bake_has_the_exact_file_set(baked: Callable[[Bake], Path], combination: Bake) -> None:
    assert project_files(baked(combination)) == expected_files(combination)


@pytest.mark.parametrize("combination", MATRIX, ids=lambda bake: bake.name)
def test_bake_is_fully_rendered(baked: Callable[[Bake], Path], combination: Bake) -> None:
    project = baked(combination)
    leftovers = [name for name in project_files(project) if UNRENDERED.search((project / name).read_text())]
    assert leftovers == []


@pytest.mark.parametrize("combination", MATRIX, ids=lambda bake: bake.name)
def test_bake_passes_ruff(baked: Callable[[Bake], Path], combination: Bake) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=baked(combination),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("combination", MATRIX, ids=lambda bake: bake.name)
def test_answers_are_saved_without_machine_paths(baked: Callable[[Bake], Path], combination: Bake) -> None:
    saved = json.loads((baked(combination) / ".cookiecutter.json").read_text())
    assert {key: saved[key] for key in combination.answers} == combination.answers
    assert "_output_dir" not in saved and "_repo_dir" not in saved


def test_custom_names_reach_config_and_notebooks(baked: Callable[[Bake], Path]) -> None:
    project = baked(MATRIX[-1])
    assert 'workspace_root: "/Shared/teams/churn"' in (project / "invoke.yaml").read_text()
    assert "from churnlib.training import" in (project / "churn_notebooks" / "ModelTraining.py").read_text()
    assert (project / "churn_notebooks" / "set_environment.py").read_text().endswith("%run ./conf/dev_config\n")


def test_template_code_passes_ruff() -> None:
    """The template's own code (tasks, bakery, hooks, tests, benchmarks, the engine) lints clean, as `invoke lint`."""
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "tasks.py", "bakery.py", "hooks", "tests",
               "benchmarks", "packages"]
    result = subprocess.run(command, cwd=TEMPLATE_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
