"""The project tasks as an invoke ``Collection``: a project's ``tasks.py`` is ``from mlops_engine.tasks import ns``.

Each task parses its arguments and calls one function of ``mlops_engine.commands``. Settings come from invoke's
configuration: the defaults below (``ns.configure``), the project's invoke.yaml over them (only what differs),
then the developer's git-ignored invoke.local.yaml. Imports of the commands are lazy: ``invoke --list`` stays quick.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from invoke import Collection, Context, Exit, Task, task

from mlops_engine.commands.progress import Console
from mlops_engine.errors import UserError
from mlops_engine.settings import (
    DEFAULTS,
    PROJECT_CONFIG,
    Settings,
    find_project_dir,
    load_settings,
    local_overrides,
    with_compute,
)

_overrides = local_overrides(find_project_dir(Path.cwd()))
_BAD_OVERRIDES: list[UserError] = []
_developer_compute: dict[str, Any] | None = None
"""invoke.local.yaml's ``databricks.compute``: it replaces the team's whole instead of invoke merging the two."""
if _overrides:
    from mlops_engine.overrides import check_overrides, developer_compute  # pydantic: only when there is a file

    try:
        _developer_compute = developer_compute(check_overrides(Path(_overrides)))
        # invoke loads its runtime config file after the tasks module: -f or an exported variable still win.
        os.environ.setdefault("INVOKE_RUNTIME_CONFIG", _overrides)
    except UserError as refused:  # every task then stops with it, before it does anything (--list still works)
        _BAD_OVERRIDES.append(refused)

TARGET_HELP = "local (a folder, PySpark local mode, local MLflow) or databricks; default from invoke.yaml"
PROFILE_HELP = "~/.databrickscfg profile for --target databricks (else DATABRICKS_HOST/DATABRICKS_TOKEN)"
ENV_HELP = "environment of mlops.environments in invoke.yaml, e.g. production (see docs/cicd.md)"
BRANCH_HELP = "workspace folder, e.g. BI-4811 (default: the current git branch)"


SHORT_FLAGS = {"branch": "b", "target": "t", "profile": "p", "config": "c", "env": "e", "yes": "y"}
"""The short flags, the same in every task; every other option is long only (``-b`` never means two things)."""


class ProjectTask(Task):
    """A task whose options get their short flag from ``SHORT_FLAGS`` instead of their first free letter."""

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        opts = super().arg_opts(name, default, taken_names)
        if name in SHORT_FLAGS:
            opts["names"] = [opts["names"][0], SHORT_FLAGS[name]]
        return opts


def project_task(**options: Any) -> Any:
    """``@task`` with the project's short flags."""
    return task(klass=ProjectTask, auto_shortflags=False, **options)


def _project_dir() -> Path:
    """The project the tasks run in; outside one, a clear error rather than settings that lack every key."""
    if _BAD_OVERRIDES:
        raise _BAD_OVERRIDES[0]
    project = find_project_dir(Path.cwd())
    if not (project / PROJECT_CONFIG).is_file():
        raise UserError(f"no {PROJECT_CONFIG} in {project} or a folder above it: run the tasks in a project baked "
                        "from cookiecutter-databricks-mlops")
    return project


def _settings(c: Context) -> Settings:
    settings = load_settings(_project_dir(), c.config)
    if _developer_compute is not None and c.config._runtime_path == _overrides:  # not when -f named another file
        return with_compute(settings, _developer_compute)
    return settings


def _terminate(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def _run(action: Callable[[Console], object]) -> None:
    """Run a task's action with a console to print to; a UserError becomes one line and exit code 1, Ctrl-C or
    SIGTERM (a cancelled pipeline job) exit code 130 after what the action started was stopped."""
    console = Console()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        action(console)
    except UserError as error:
        console.end_status()
        raise Exit(f"error: {error}", code=1) from None
    except KeyboardInterrupt:
        console.end_status()
        raise Exit("interrupted; anything started was stopped", code=130) from None
    finally:
        # The command is done and the process ends: its last garbage collection need not walk everything it
        # imported (the Databricks SDK's thousands of classes: about 0.4 s).
        gc.freeze()


@project_task(help={
    "branch": BRANCH_HELP,
    "config": "developer config the folder's set_environment runs, e.g. kyle for conf/kyle_config (default: the "
              "one the folder was last sent with, else default_config)",
    "full": "upload every notebook even if unchanged since the last send",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def send(c, branch="", config="", full=False, target="", profile=""):
    """Send the notebooks to <workspace_root>/<branch>/ with set_environment pointing at your config."""
    from mlops_engine.commands.send import send as send_notebooks

    _run(lambda out: send_notebooks(_settings(c), branch, config or None, out, full=full, target=target or None,
                                    profile=profile or None))


@task
def build(c):
    """Build the ML library into dist/ as a wheel (or an egg, as the project was baked)."""
    from mlops_engine.commands.build import build as build_library

    _run(lambda out: build_library(_settings(c), out))


@project_task(help={
    "branch": "branch deploying: the release branch writes <root>/libraries and master/, any other"
              " <root>/<branch>/libraries (default: $BUILD_SOURCEBRANCHNAME, $GITHUB_REF_NAME, the git branch)",
    "env": ENV_HELP + "; deploys the notebooks and library there and records it in MLflow",
    "sha": "with --env: redeploy this earlier commit (a rollback), built from a git worktree of it",
    "via": "with --env: files (notebooks to <root>/master/) or repos (the environment's Databricks Repo)",
    "note": "with --env: a note kept with the deployment record",
    "force": "with --env: deploy even from a dirty tree, another branch or outside the pipeline",
    "prebuilt": "with --env: deploy the library already in dist/ (the pipeline's artifact) instead of building",
    "build_id": "with --env: the pipeline build recorded (default: $BUILD_BUILDID, $GITHUB_RUN_ID)",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def deploy(c, branch="", env="", sha="", via="files", note="", force=False, prebuilt=False, build_id="", target="",
           profile=""):
    """Deploy the built library to a branch folder; with --env, a checked release recorded in MLflow."""
    from mlops_engine.commands.deploy import deploy as deploy_library
    from mlops_engine.commands.release import DeployRequest

    request = DeployRequest(environment=env, branch=branch, build_id=build_id, sha=sha or None, via=via, note=note,
                            force=force, prebuilt=prebuilt, target=target or None, profile=profile or None)
    _run(lambda out: deploy_library(_settings(c), request, out))


@project_task(help={
    "env": ENV_HELP,
    "limit": "how many deployments to show, newest first",
    "target": "where the history is recorded: local (the local MLflow store) or databricks (the workspace's)",
    "profile": PROFILE_HELP,
})
def deployments(c, env="production", limit=20, target="", profile=""):
    """List an environment's deployments (recorded in MLflow) as a table."""
    from mlops_engine.commands.release import deployments as history

    _run(lambda out: out(history(_settings(c), env, limit, target=target or None, profile=profile or None)))


@project_task(help={
    "branch": "branch being built (default: $BUILD_SOURCEBRANCHNAME, $GITHUB_REF_NAME, else the git branch)",
    "build_id": "CI build number (default: $BUILD_BUILDID, $GITHUB_RUN_ID, else 'local')",
    "skip_tests": "do not run the unit tests first",
    "via": "files (send the notebooks to CI/<build>-<branch>/) or repos (a temporary Databricks Repo at the branch)",
    "keep": "with --via repos: keep the temporary repo afterwards",
    "run_tests": "after training, run the RunTests notebook (integration tests, results in MLflow); red if any fails",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def ci(c, branch="", build_id="", skip_tests=False, via="files", keep=False, run_tests=False, target="",
       profile=""):
    """Unit tests, then send to CI/<build>-<branch>/, build and deploy the library there, run ModelTraining."""
    from mlops_engine.commands.ci import CiOptions
    from mlops_engine.commands.ci import ci as run_ci

    options = CiOptions(build_id=build_id, branch=branch, skip_tests=skip_tests, via=via, keep=keep,
                        run_tests=run_tests, target=target or None, profile=profile or None)
    _run(lambda out: run_ci(_settings(c), options, out))


@project_task(help={
    "branch": BRANCH_HELP,
    "notebook": "notebook to run, relative to the folder (default: the training notebook)",
    "param": "a run parameter name=value; repeat for more",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
}, iterable=["param"])
def run(c, branch="", notebook="", param=None, target="", profile=""):
    """Run one notebook of a sent folder as a one-time run and wait for it."""
    from mlops_engine.commands.run import RunOptions
    from mlops_engine.commands.run import run as run_one

    options = RunOptions(notebook=notebook, branch=branch, params=tuple(param or ()), target=target or None,
                         profile=profile or None)
    _run(lambda out: run_one(_settings(c), options, out))


@project_task(help={
    "branch": "remove the branch's workspace folder, e.g. BI-4811",
    "ci_older_than_days": "remove CI/<build>-<branch> folders untouched for more than N days (0: all, with --yes)",
    "yes": "confirm a clean that removes every CI folder (--ci-older-than-days 0)",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def clean(c, branch="", ci_older_than_days=-1.0, yes=False, target="", profile=""):
    """Remove a branch folder, and/or CI folders older than N days."""
    from mlops_engine.commands.clean import clean as clean_workspace

    older_than = None if ci_older_than_days < 0 else ci_older_than_days
    _run(lambda out: clean_workspace(_settings(c), branch or None, older_than, out, target=target or None,
                                     profile=profile or None, yes=yes))


@project_task(help={
    "branch": BRANCH_HELP,
    "config": "developer config the folder's set_environment runs (default: the one the folder was last sent "
              "with, else default_config)",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def pipeline(c, branch="", config="", target="", profile=""):
    """The model life cycle in a branch folder: send, deploy, then ModelTraining, ModelEvaluation, BatchScoring."""
    from mlops_engine.commands.pipeline import pipeline as run_pipeline

    _run(lambda out: run_pipeline(_settings(c), branch, config or None, out, target=target or None,
                                  profile=profile or None))


@project_task(help={"port": "port of the MLflow UI on 127.0.0.1"})
def mlflow_ui(c, port=5000):
    """Serve the local MLflow store (runs, metrics, models) on http://127.0.0.1:<port>."""
    from mlops_engine.commands.mlflow_ui import serve

    _run(lambda out: serve(_settings(c), port, out))


@task
def stop_spark(c):
    """Stop the local target's warm Spark driver (runs start it; it stops by itself when idle)."""
    from mlops_engine.commands.stop_spark import stop_spark as stop

    _run(lambda out: stop(_settings(c), out))


@task
def test(c):
    """Run all the project's tests, integration tests included; JUnit XML in test-results.xml, coverage of src/."""
    from mlops_engine.commands.unit_tests import unit_tests

    _run(lambda out: unit_tests(_project_dir(), out, integration=True))


@task
def lint(c):
    """Lint the project with ruff."""
    c.run("ruff check .")


ns = Collection(send, build, deploy, deployments, ci, run, clean, pipeline, mlflow_ui, stop_spark, test, lint)
ns.configure({"mlops": DEFAULTS})
