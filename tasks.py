"""Template tasks: `invoke demo` bakes a project and runs its pipeline locally; `invoke test` tests the template."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import Exit, task

from bakery import ENGINE_DIR, TEMPLATE_DIR, BakeError
from bakery import bake as bake_template

DEMO_DIR = Path.home() / ".cache" / "cookiecutter-databricks-mlops" / "demo"
"""Outside this repository's git tree: a demo project is a repository of its own (its branch and commits)."""


def bake_project(output_dir: Path, answers: dict[str, str]) -> Path:
    """Bake (refreshing an earlier bake there); cookiecutter's refusal becomes the task's one-line error."""
    try:
        return bake_template(output_dir, answers, overwrite=True)
    except BakeError as error:
        raise Exit(f"bake failed:\n{error}", code=1) from None


@task(help={"answer": "a cookiecutter answer key=value; repeat for more", "output": "folder to bake into"},
      iterable=["answer"])
def bake(c, answer=None, output=str(DEMO_DIR)):
    """Bake a project from this template without prompts."""
    pairs = [item.partition("=") for item in answer or []]
    if any(not sep or not key for key, sep, _ in pairs):
        raise Exit("error: --answer takes key=value", code=1)
    print(bake_project(Path(output), {key: value for key, _, value in pairs}))


@task(help={"developers": "developers of the demo project",
            "fresh": "delete the demo's local workspace, runs and MLflow store first",
            "output": "folder to bake the demo into (outside this repository: the demo is a git repository)"})
def demo(c, developers="kyle,joe", fresh=False, output=str(DEMO_DIR)):
    """Bake the demo project (~/.cache/cookiecutter-databricks-mlops/demo), run `invoke ci --target local`, then
    train, evaluate and score; the warm Spark driver the runs shared is stopped at the end."""
    project = bake_project(Path(output), {"developers": developers})
    if fresh:
        for folder in (".workspace", ".runs", ".mlflow"):
            shutil.rmtree(project / folder, ignore_errors=True)
    print(f"baked {project}")
    with c.cd(str(project)):
        c.run(f"{sys.executable} -m invoke ci --target local --build-id demo --branch main", pty=False)
        try:
            c.run(f"{sys.executable} -m invoke pipeline --target local --branch demo", pty=False)
        finally:
            c.run(f"{sys.executable} -m invoke stop-spark", pty=False)  # a demo leaves no JVM behind


@task(help={"k": "only tests matching this pytest -k expression",
            "fast": "the quick gate (about 2 minutes): the engine's unit tests, bake the matrix, lint, the generated"
                    " unit tests",
            "workers": "pytest processes side by side (pytest-xdist); 0 runs in this process"})
def test(c, k="", fast=False, workers="2"):
    """Run the engine package's tests, then the template's (bake over the answer matrix, lint, run the projects).

    Two workers by default: much of the suite waits on subprocesses (pip, invoke, notebook runs), so two
    share a 2-core machine well; tests/worker_schedule.py keeps what shares a costly fixture on one worker.
    """
    if not workers.isdigit():
        raise Exit(f"error: --workers {workers!r}: give a number of processes (0 runs in this process)", code=1)
    keyword = f" -k '{k}'" if k else ""
    parallel = f" -n {workers}" if int(workers) else ""
    engine_selection = " -m 'not integration'" if fast else ""
    with c.cd(str(ENGINE_DIR)):
        c.run(f"{sys.executable} -m pytest tests -ra --junitxml={TEMPLATE_DIR / 'engine-test-results.xml'}"
              f"{parallel}{engine_selection}{keyword}", pty=False)
    selection = keyword + (" --fast" if fast else "")
    c.run(f"{sys.executable} -m pytest tests -ra --junitxml=test-results.xml{parallel}{selection}", pty=False)


@task(help={"runtime": "only this runtime (a key of runtimes.json); repeat for more"}, iterable=["runtime"])
def lock_runtimes(c, runtime=None):
    """Write runtime_constraints/<runtime>.txt again: a baked project's whole environment for each runtime it can
    choose, from a real install of its requirements on the runtime's Python (after a runtime or a pin changes)."""
    from runtime_locks import lock, supported_runtimes

    runtimes = supported_runtimes()
    unknown = sorted(set(runtime or []) - set(runtimes))
    if unknown:
        raise Exit(f"error: --runtime {', '.join(unknown)}: choose among {', '.join(runtimes)}", code=1)
    for key, data in runtimes.items():
        if not runtime or key in runtime:
            lock(key, data)


@task
def lint(c):
    """Lint the template's own code and the engine package (a generated project is linted by the tests)."""
    c.run(f"{sys.executable} -m ruff check --no-cache tasks.py bakery.py runtime_locks.py hooks tests benchmarks "
          "packages")
