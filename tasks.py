"""Template tasks: `invoke demo` bakes a project and runs its pipeline locally; `invoke test` tests the template."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import Exit, task

TEMPLATE_DIR = Path(__file__).resolve().parent
DEMO_DIR = TEMPLATE_DIR / "out"


def bake_project(output_dir: Path, answers: dict[str, str]) -> Path:
    """Bake the template non-interactively into ``output_dir`` and return the project folder."""
    output_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "--overwrite-if-exists", "-o", str(output_dir),
               str(TEMPLATE_DIR), *(f"{key}={value}" for key, value in answers.items())]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Exit(f"bake failed:\n{result.stderr.strip()}", code=1)
    defaults = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    name = answers.get("project_name", defaults["project_name"])
    return output_dir / answers.get("project_slug", name.lower().replace(" ", "-"))


@task(help={"answer": "a cookiecutter answer key=value; repeat for more", "output": "folder to bake into"},
      iterable=["answer"])
def bake(c, answer=None, output=str(DEMO_DIR)):
    """Bake a project from this template without prompts."""
    pairs = dict(item.split("=", 1) for item in answer or [])
    print(bake_project(Path(output), pairs))


@task(help={"developers": "developers of the demo project", "fresh": "delete the demo's local workspace, runs and"
                                                                      " MLflow store first"})
def demo(c, developers="kyle,joe", fresh=False):
    """Bake the demo project into out/, run `invoke ci --target local`, then train, evaluate and score."""
    project = bake_project(DEMO_DIR, {"developers": developers})
    if fresh:
        for folder in (".workspace", ".runs", ".mlflow"):
            shutil.rmtree(project / folder, ignore_errors=True)
    print(f"baked {project}")
    with c.cd(str(project)):
        c.run(f"{sys.executable} -m invoke ci --target local --build-id demo --branch main", pty=False)
        c.run(f"{sys.executable} -m invoke pipeline --target local --branch demo", pty=False)


@task(help={"k": "only tests matching this pytest -k expression"})
def test(c, k=""):
    """Run the template's tests: bake over the answer matrix, lint, run generated projects and their pipeline."""
    selection = f" -k '{k}'" if k else ""
    c.run(f"{sys.executable} -m pytest tests -ra --junitxml=test-results.xml{selection}", pty=False)


@task
def lint(c):
    """Lint the template's own code (the generated project is linted by the tests, after a bake)."""
    c.run(f"{sys.executable} -m ruff check tasks.py hooks tests benchmarks")
