"""Project tasks: `invoke --list` to see them, `invoke <task> --help` for their arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from tooling.errors import UserError
from tooling.layout import check_branch, notebook_folder
from tooling.operations import CiRequest
from tooling.settings import Settings, load_settings

if TYPE_CHECKING:
    from tooling.targets import Target

PROJECT_DIR = Path(__file__).resolve().parent
TARGET_HELP = "local (a folder, PySpark local mode, local MLflow) or databricks; default from invoke.yaml"
PROFILE_HELP = "~/.databrickscfg profile for --target databricks (else DATABRICKS_HOST/DATABRICKS_TOKEN)"


def _settings(c: Context) -> Settings:
    return load_settings(PROJECT_DIR, c.config)


def _write(line: str) -> None:
    print(line, flush=True)


def _run(action: Callable[[], object]) -> None:
    """Run a task's action; a UserError becomes one line and exit code 1, Ctrl-C exit code 130."""
    try:
        action()
    except UserError as error:
        raise Exit(f"error: {error}", code=1) from None
    except KeyboardInterrupt:
        raise Exit("interrupted; the run was cancelled", code=130) from None


def _target(c: Context, target: str | None, profile: str | None) -> Target:
    from tooling.targets import open_target

    return open_target(_settings(c), target, profile)


@task(help={
    "branch": "workspace folder to send to, e.g. BI-4811 (default: the current git branch)",
    "config": "developer config the folder's set_environment runs, e.g. kyle for conf/kyle_config",
    "full": "upload every notebook even if unchanged since the last send",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def send(c, branch="", config="", full=False, target="", profile=""):
    """Send the notebooks to <workspace_root>/<branch>/ with set_environment pointing at your config."""
    from tooling.operations import current_branch, send_branch

    _run(lambda: send_branch(
        _target(c, target or None, profile or None), _settings(c),
        check_branch(branch or current_branch(PROJECT_DIR)), config or None, full=full, write=_write,
    ))


@task
def build(c):
    """Build the ML library into dist/ as a wheel (or an egg, as the project was baked)."""
    from tooling.operations import build as build_library

    _run(lambda: build_library(_settings(c), _write))


ENV_HELP = "environment of mlops.environments in invoke.yaml, e.g. production (see docs/cicd.md)"


@task(help={
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
    """Deploy the built library (from the release branch, the notebooks to master/ too); --env: a recorded release."""
    from tooling.operations import current_branch, master_send
    from tooling.operations import deploy as deploy_library

    def release_branch_checked_out() -> str:
        """The branch a release comes from; "" when git cannot tell (a detached checkout), which --sha allows."""
        try:
            return (branch or os.environ.get("BUILD_SOURCEBRANCHNAME") or os.environ.get("GITHUB_REF_NAME")
                    or current_branch(PROJECT_DIR))
        except UserError:
            return ""

    def release() -> None:
        from tooling.deployments import DeployRequest, deploy_environment
        from tooling.environments import environments_table

        request = DeployRequest(
            environment=env, branch=release_branch_checked_out(), sha=sha or None, via=via, note=note, force=force,
            prebuilt=prebuilt, build_id=build_id or os.environ.get("BUILD_BUILDID") or os.environ.get(
                "GITHUB_RUN_ID") or "", target=target or None, profile=profile or None,
        )
        deploy_environment(_settings(c), environments_table(PROJECT_DIR, c.config), request, _write)

    def action() -> None:
        if sha or note or force or prebuilt or build_id or via != "files":
            raise UserError("--sha, --via, --note, --force, --prebuilt and --build-id go with --env")
        settings = _settings(c)
        chosen = branch or current_branch(PROJECT_DIR)
        chosen_target = _target(c, target or None, profile or None)
        deploy_library(chosen_target, settings, chosen, None, _write)
        if chosen == settings.release_branch:
            master_send(chosen_target, settings, _write)

    _run(release if env else action)


@task(help={
    "env": ENV_HELP,
    "limit": "how many deployments to show, newest first",
    "target": "where the history is recorded: local (the local MLflow store) or databricks (the workspace's)",
    "profile": PROFILE_HELP,
})
def deployments(c, env="production", limit=20, target="", profile=""):
    """List an environment's deployments (recorded in MLflow) as a table."""
    from tooling.deployments import deployments as history
    from tooling.environments import environments_table

    _run(lambda: _write(history(_settings(c), environments_table(PROJECT_DIR, c.config), env, target or None,
                                profile or None, limit)))


@task(help={
    "build_id": "CI build number (default: $BUILD_BUILDID, else 'local')",
    "branch": "branch being built (default: $BUILD_SOURCEBRANCHNAME, else the current git branch)",
    "skip_tests": "do not run the unit tests first",
    "via": "files (send the notebooks to CI/<build>-<branch>/) or repos (a temporary Databricks Repo at the branch)",
    "keep": "with --via repos: keep the temporary repo afterwards",
    "run_tests": "after training, run the RunTests notebook (integration tests, results in MLflow); red if any fails",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def ci(c, build_id="", branch="", skip_tests=False, via="files", keep=False, run_tests=False, target="",
       profile=""):
    """Unit tests, then send to CI/<build>-<branch>/, build and deploy the library there, run ModelTraining."""
    from tooling.operations import ci as run_ci
    from tooling.operations import ci_via_repos, current_branch

    def action() -> None:
        request = CiRequest(
            build_id=build_id or os.environ.get("BUILD_BUILDID") or "local",
            branch=branch or os.environ.get("BUILD_SOURCEBRANCHNAME") or current_branch(PROJECT_DIR),
            skip_tests=skip_tests,
        )
        settings = _settings(c)
        if via == "repos":
            if run_tests:
                raise UserError("--run-tests goes with --via files (RunTests runs in the CI folder)")
            if (target or settings.target) != "databricks":
                raise UserError("--via repos needs --target databricks (Repos exist only in a workspace)")
            ci_via_repos(settings, request, profile or None, keep, _write)
        elif via == "files":
            chosen_target = _target(c, target or None, profile or None)
            run_ci(chosen_target, settings, request, _write)
            if run_tests:
                from tooling.test_runs import run_integration_tests

                run_integration_tests(chosen_target, settings, request, _write)
        else:
            raise UserError(f"--via {via!r}: choose files or repos")

    _run(action)


@task(help={
    "notebook": "notebook to run, relative to the folder (default: the training notebook)",
    "branch": "workspace folder the notebook was sent to (default: the current git branch)",
    "param": "a run parameter name=value; repeat for more",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
}, iterable=["param"])
def run(c, notebook="", branch="", param=None, target="", profile=""):
    """Run one notebook of a sent folder as a one-time run and wait for it."""
    from tooling.operations import branch_libraries, current_branch, run_notebook

    def action() -> None:
        settings = _settings(c)
        chosen = branch or current_branch(PROJECT_DIR)
        folder = notebook_folder(settings.workspace_root, chosen, settings.release_branch)
        pairs = [item.partition("=") for item in param or []]
        if any(not sep or not name for name, sep, _ in pairs):
            raise UserError("--param takes name=value")
        chosen_target = _target(c, target or None, profile or None)
        name = notebook or settings.training_notebook
        run_notebook(chosen_target, settings, folder, name, f"{chosen}-{name}",
                     {key: value for key, _, value in pairs}, branch_libraries(chosen_target, settings, chosen),
                     _write)

    _run(action)


@task(help={
    "branch": "remove the branch's workspace folder, e.g. BI-4811",
    "ci_older_than_days": "remove CI/<build>-<branch> folders untouched for more than N days",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def clean(c, branch="", ci_older_than_days=-1.0, target="", profile=""):
    """Remove a branch folder, and/or CI folders older than N days."""
    from tooling.operations import clean as clean_workspace

    _run(lambda: clean_workspace(
        _target(c, target or None, profile or None), _settings(c), branch or None,
        None if ci_older_than_days < 0 else ci_older_than_days, _write,
    ))


@task(help={
    "branch": "workspace folder to use, e.g. BI-4811 (default: the current git branch)",
    "config": "developer config the folder's set_environment runs (default from invoke.yaml)",
    "target": TARGET_HELP,
    "profile": PROFILE_HELP,
})
def pipeline(c, branch="", config="", target="", profile=""):
    """The model life cycle in a branch folder: send, deploy, then ModelTraining, ModelEvaluation, BatchScoring."""
    from tooling.operations import current_branch
    from tooling.operations import pipeline as run_pipeline

    _run(lambda: run_pipeline(
        _target(c, target or None, profile or None), _settings(c),
        check_branch(branch or current_branch(PROJECT_DIR)), config or None, _write,
    ))


@task(help={"port": "port of the MLflow UI on 127.0.0.1"})
def mlflow_ui(c, port=5000):
    """Serve the local MLflow store (runs, metrics, models) on http://127.0.0.1:<port>."""
    settings = _settings(c)
    store = settings.local.mlflow_dir
    store.mkdir(parents=True, exist_ok=True)
    print(f"MLflow UI on http://127.0.0.1:{port} (Ctrl-C to stop)")
    subprocess.run([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                    "--backend-store-uri", f"sqlite:///{store / 'mlflow.db'}",
                    "--default-artifact-root", str(store / "mlruns")], check=False)


@task
def test(c):
    """Run all tests, integration tests against a real MLflow server included (JUnit XML in test-results.xml)."""
    from tooling.operations import unit_tests

    _run(lambda: unit_tests(PROJECT_DIR, _write, integration=True))


@task
def lint(c):
    """Lint the project with ruff."""
    c.run("ruff check .")
