"""A baked project takes a newer template through the real ``cruft`` command line.

The template's working tree becomes a git repository with two commits: the older one bakes the project,
HEAD adds a line to the generated README. Projects made by ``cruft create`` carry ``.cruft.json``;
projects made by ``cookiecutter`` are linked with ``cruft link`` and the answers saved in ``.cookiecutter.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bakery import TEMPLATE_DIR

BIN = Path(sys.executable).parent
TEMPLATE_LINE = "A line the newer template adds."
LOCAL_LINE = "A line the team wrote."
NOT_TEMPLATE = shutil.ignore_patterns(".git", ".venv", "out", "__pycache__", ".ruff_cache", ".pytest_cache")
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Template Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                "GIT_COMMITTER_NAME": "Template Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


@dataclass(frozen=True)
class TemplateRepo:
    path: Path
    old: str
    head: str


def run(command: list[str | Path], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_IDENTITY, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            check=False, timeout=120)
    if check:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def commit_all(repo: Path, message: str) -> str:
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", message], repo)
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    path = tmp_path_factory.mktemp("template") / "cookiecutter-databricks-mlops"
    shutil.copytree(TEMPLATE_DIR, path, ignore=NOT_TEMPLATE)
    run(["git", "init", "-q", "-b", "main"], path)
    old = commit_all(path, "the older template")
    with (path / "{{cookiecutter.project_slug}}" / "README.md").open("a") as readme:
        readme.write(f"\n{TEMPLATE_LINE}\n")
    return TemplateRepo(path, old, commit_all(path, "the newer template"))


def cruft_create(template: TemplateRepo, output: Path) -> Path:
    run([BIN / "cruft", "create", template.path, "--checkout", template.old, "--no-input", "--default-config",
         "--output-dir", output], output)
    (project,) = output.iterdir()
    return project


def cruft_update(project: Path) -> subprocess.CompletedProcess[str]:
    return run([BIN / "cruft", "update", "--skip-apply-ask", "--allow-untracked-files"], project)


def cruft_state(project: Path) -> dict[str, object]:
    return json.loads((project / ".cruft.json").read_text())


def test_untouched_project_updates_cleanly(template_repo: TemplateRepo, tmp_path: Path) -> None:
    project = cruft_create(template_repo, tmp_path)
    assert cruft_state(project)["commit"] == template_repo.old
    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project, "baked")
    assert "out of date" in run([BIN / "cruft", "check"], project, check=False).stdout

    cruft_update(project)

    assert (project / "README.md").read_text().endswith(f"\n{TEMPLATE_LINE}\n")
    assert cruft_state(project)["commit"] == template_repo.head
    assert "up to date" in run([BIN / "cruft", "check"], project).stdout
    run([sys.executable, "-m", "ruff", "check", "."], project)


def test_local_edit_to_an_updated_file_shows_the_conflict(template_repo: TemplateRepo, tmp_path: Path) -> None:
    project = cruft_create(template_repo, tmp_path)
    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project, "baked")
    with (project / "README.md").open("a") as readme:
        readme.write(f"{LOCAL_LINE}\n")
    commit_all(project, "our own README line")

    cruft_update(project)

    readme = (project / "README.md").read_text()
    assert LOCAL_LINE in readme and TEMPLATE_LINE in readme
    assert "<<<<<<< ours" in readme and ">>>>>>> theirs" in readme
    assert "UU README.md" in run(["git", "status", "--porcelain"], project).stdout


def test_cookiecutter_bake_is_linked_with_its_saved_answers(template_repo: TemplateRepo, tmp_path: Path) -> None:
    older = tmp_path / "older-template"
    run(["git", "clone", "-q", template_repo.path, older], tmp_path)
    run(["git", "checkout", "-q", template_repo.old], older)
    output = tmp_path / "out"
    run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", output, older, "developers=kyle,joe"], tmp_path)
    (project,) = output.iterdir()
    assert run(["git", "log", "--format=%s"], project).stdout.splitlines() == [
        "Project baked from cookiecutter-databricks-mlops"], "a cookiecutter bake is a repository with a first commit"
    assert run(["git", "status", "--porcelain"], project).stdout == ""

    answers = (project / ".cookiecutter.json").read_text()
    run([BIN / "cruft", "link", template_repo.path, "--checkout", template_repo.old, "--no-input",
         "--default-config", "--extra-context", answers], project)
    assert cruft_state(project)["commit"] == template_repo.old
    commit_all(project, "linked to the template")
    cruft_update(project)

    assert (project / "README.md").read_text().endswith(f"\n{TEMPLATE_LINE}\n")
    assert cruft_state(project)["context"]["cookiecutter"]["developers"] == "kyle,joe"
    assert sorted(path.name for path in (project / "forecasting" / "conf").glob("*_config.py")) == [
        "ci_config.py", "joe_config.py", "kyle_config.py", "production_config.py"]


def test_cruft_create_refuses_a_bad_answer_before_anything_is_written(
        template_repo: TemplateRepo, tmp_path: Path) -> None:
    result = run([BIN / "cruft", "create", template_repo.path, "--no-input", "--default-config", "--output-dir",
                  tmp_path, "--extra-context", json.dumps({"project_name": "Demand/Forecasting"})],
                 tmp_path, check=False)
    assert result.returncode != 0
    assert "project_name: 'Demand/Forecasting' must start with a letter" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []
