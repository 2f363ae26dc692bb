"""The operations behind the tasks: send, build, deploy, run a notebook, CI. Tasks only parse arguments."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from posixpath import join

from .errors import UserError
from .layout import branch_folder, check_branch, ci_folder, libraries_folder, master_folder
from .library import build_library
from .progress import RunProgress
from .runs import RunOutput, RunRequest, RunStatus, RunTimeout, wait_for_run
from .settings import Settings
from .sync import SendReport, check_config, collect_package, send, set_environment_notebook, with_set_environment
from .targets import LibraryStore, Target
from .workspace import NOTEBOOK_HEADER

Write = Callable[[str], None]
CI_SET_ENVIRONMENT = "conf/ci_set_environment"
JUNIT_XML = "test-results.xml"


def send_folder(target: Target, settings: Settings, folder: str, set_environment: bytes, *, full: bool,
                write: Write) -> SendReport:
    """Send the notebooks package to ``folder`` with the given set_environment notebook."""
    items = with_set_environment(collect_package(settings.notebooks_dir), set_environment)
    done = 0

    def on_file(path: str) -> None:
        nonlocal done
        done += 1
        write(f"  [{done}/{len(items)}] {path}")

    parallelism = int(settings.databricks.get("upload_parallelism", 8)) if target.name == "databricks" else 4
    report = send(target.workspace, items, folder, target.snapshot(folder), full=full, parallelism=parallelism,
                  on_file=on_file)
    write(f"sent {report.uploaded} changed, {report.unchanged} unchanged, {report.deleted} deleted -> {report.url}")
    return report


def send_branch(target: Target, settings: Settings, branch: str, config: str | None, *, full: bool,
                write: Write) -> SendReport:
    """``invoke send``: the package into ``<root>/<branch>/``, set_environment -> the developer's config."""
    folder = branch_folder(settings.workspace_root, branch)
    config_name = f"{config or settings.default_config}_config"
    check_config(collect_package(settings.notebooks_dir), config_name)
    return send_folder(target, settings, folder, set_environment_notebook(config_name), full=full, write=write)


def ci_set_environment(settings: Settings) -> bytes:
    """The CI set_environment notebook: the package's ``conf/ci_set_environment``, as the seeds do."""
    source = settings.notebooks_dir / f"{CI_SET_ENVIRONMENT}.py"
    if not source.is_file():
        raise UserError(f"{source} is missing; CI needs it to pick its config")
    content = source.read_bytes()
    if not content.startswith(NOTEBOOK_HEADER.encode()):
        raise UserError(f"{source} is not a Databricks source notebook")
    return content


def current_branch(project_dir: Path) -> str:
    """The git branch checked out in the project, for tasks whose --branch defaults to it."""
    result = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=project_dir, capture_output=True,
                            text=True, check=False)
    branch = result.stdout.strip()
    if result.returncode != 0 or not branch or branch == "HEAD":
        raise UserError("cannot tell the git branch here; pass --branch")
    return branch


def deploy(target: Target, settings: Settings, branch: str, artifact: Path | None, write: Write) -> str:
    """Put the built library in the libraries folder of ``branch`` (production's only for the release branch)."""
    folder = libraries_folder(settings.workspace_root, check_branch(branch, allow_reserved=True),
                              settings.release_branch)
    return upload_library(target.libraries, artifact or built_artifact(settings), folder, write)


def upload_library(libraries: LibraryStore, artifact: Path, folder: str, write: Write) -> str:
    """Put ``artifact`` in the libraries ``folder`` of a library store; return the path runs install it from."""
    path = libraries.upload(folder, artifact.name, artifact.read_bytes())
    write(f"deployed {artifact.name} -> {path}")
    return path


def built_artifact(settings: Settings) -> Path:
    """The library last built into dist/."""
    suffix = ".whl" if settings.library_format == "wheel" else ".egg"
    artifacts = sorted((settings.project_dir / "dist").glob(f"*{suffix}"))
    if not artifacts:
        raise UserError("no built library in dist/; run `invoke build` first")
    return artifacts[-1]


def build(settings: Settings, write: Write) -> Path:
    """``invoke build``: the library as a wheel or egg in dist/."""
    artifact = build_library(settings.project_dir, settings.library_format)
    write(f"built {artifact.relative_to(settings.project_dir)}")
    return artifact


def branch_libraries(target: Target, settings: Settings, branch: str) -> list[str]:
    """The library a notebook of ``branch``'s folder installs: the one deployed for that branch."""
    folder = libraries_folder(settings.workspace_root, branch, settings.release_branch)
    return [target.libraries.location(folder, built_artifact(settings).name)]


def run_timeout_seconds(target: Target, settings: Settings) -> int:
    """The configured run timeout of the target (25 minutes unless invoke.yaml says otherwise)."""
    minutes = (settings.local.run_timeout_minutes if target.name == "local"
               else float(settings.databricks.get("run_timeout_minutes", 25)))
    return int(minutes * 60)


def report_end(runner_output: RunOutput, status: RunStatus, run_id: int, url: str, write: Write) -> None:
    """Print the MLflow link and the result; a run that did not succeed raises with its error and trace."""
    if runner_output.mlflow_run_url:
        write(f"MLflow run: {runner_output.mlflow_run_url}")
    if not status.succeeded:
        detail = runner_output.error or status.state_message or "no error message"
        trace = f"\n{runner_output.error_trace.rstrip()}" if runner_output.error_trace else ""
        raise UserError(
            f"run {run_id} {status.life_cycle_state}/{status.result_state}: {detail}{trace}\n"
            f"log: {runner_output.log_location or url}"
        )
    result = runner_output.notebook_result
    write(f"run {run_id} succeeded{': ' + result if result else ''}")


def run_notebook(target: Target, settings: Settings, folder: str, notebook: str, run_name: str,
                 parameters: dict[str, str], libraries: list[str], write: Write) -> RunStatus:
    """Submit ``folder/notebook`` as a one-time run, print where to watch it, wait, and report its end."""
    request = RunRequest(
        run_name=run_name,
        notebook_path=join(folder, notebook),
        parameters=parameters,
        libraries=libraries,
        timeout_seconds=run_timeout_seconds(target, settings),
        idempotency_token=str(uuid.uuid4()),
    )
    submitted = target.runner.submit(request)
    write(f"run {submitted.run_id} of {request.notebook_path} submitted: {submitted.url}")
    try:
        status = wait_for_run(target.runner, submitted.run_id, request.timeout_seconds, RunProgress(write),
                              max_interval=target.max_poll_seconds)
    except RunTimeout as timeout:
        raise UserError(f"{timeout}; the run was cancelled") from None
    report_end(target.runner.output(submitted.run_id), status, submitted.run_id, submitted.url, write)
    return status


def unit_tests(project_dir: Path, write: Write, *, integration: bool = False) -> None:
    """The project's tests with JUnit XML in test-results.xml (without integration tests unless asked); red stops CI."""
    write("unit tests:" if not integration else "unit and integration tests:")
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={JUNIT_XML}", "tests"]
    if not integration:
        command += ["-m", "not integration"]
    if subprocess.run(command, cwd=project_dir, check=False).returncode != 0:
        raise UserError(f"tests failed (see {JUNIT_XML})")


@dataclass(frozen=True)
class CiRequest:
    """Which build of which branch CI checks."""

    build_id: str
    branch: str
    skip_tests: bool = False


def ci(target: Target, settings: Settings, request: CiRequest, write: Write) -> None:
    """Unit tests, then send to CI/<build>-<branch>/, build and deploy there, and run the training notebook."""
    folder = ci_folder(settings.workspace_root, request.build_id, request.branch)
    if not request.skip_tests:
        unit_tests(settings.project_dir, write)
    write(f"send to {folder}:")
    send_folder(target, settings, folder, ci_set_environment(settings), full=False, write=write)
    path = upload_library(target.libraries, build(settings, write), join(folder, "libraries"), write)
    run_notebook(target, settings, folder, settings.training_notebook,
                 f"CI-{request.build_id}-{request.branch}", {}, [path], write)


def master_send(target: Target, settings: Settings, write: Write) -> SendReport:
    """Production's notebooks into master/, set_environment -> production_config."""
    return send_folder(target, settings, master_folder(settings.workspace_root),
                       set_environment_notebook("production_config"), full=False, write=write)


def ci_via_repos(settings: Settings, request: CiRequest, profile: str | None, keep: bool, write: Write) -> None:
    """The Repos flavour of CI: unit tests, the library to CI/<build>-<branch>/libraries, the notebook run
    from a temporary Databricks Repo checked out at the branch (deleted afterwards unless ``keep``)."""
    from .databricks_target import databricks_target
    from .repos_ci import RepoRun, origin_url, repo_path, run_via_repos

    repos = settings.databricks.get("repos") or {}
    url = str(repos.get("git_url") or "") or origin_url(settings.project_dir)
    if not request.skip_tests:
        unit_tests(settings.project_dir, write)
    target = databricks_target(settings, profile)
    folder = ci_folder(settings.workspace_root, request.build_id, request.branch)
    library = upload_library(target.libraries, build(settings, write), join(folder, "libraries"), write)
    plan = RepoRun(
        url=url,
        branch=request.branch,
        path=repo_path(str(repos.get("prefix") or f"/Repos/ci/{settings.library_name}"), request.build_id,
                       request.branch),
        notebook=f"{settings.notebooks_package}/{settings.training_notebook}",
        run_name=f"CI-{request.build_id}-{request.branch}",
        timeout_seconds=int(float(settings.databricks.get("run_timeout_minutes", 25)) * 60),
        libraries=[library],
        provider=repos.get("provider") or None,
        keep=keep,
        set_environment=ci_set_environment(settings),
    )
    try:
        submitted, status = run_via_repos(
            target.client, target.runner, plan,
            lambda run: write(f"run {run.run_id} of {plan.path}/{plan.notebook} submitted: {run.url}"),
            RunProgress(write),
        )
    except RunTimeout as timeout:
        raise UserError(f"{timeout}; the run was cancelled") from None
    report_end(target.runner.output(submitted.run_id), status, submitted.run_id, submitted.url, write)


def clean(target: Target, settings: Settings, branch: str | None, ci_older_than_days: float | None,
          write: Write) -> None:
    """Remove a branch folder and/or CI folders untouched for more than N days."""
    from .cleanup import LocalModifiedTimes, remove_branch_folder, remove_stale_ci_folders
    from .workspace import LocalWorkspace

    if branch is None and ci_older_than_days is None:
        raise UserError("say what to clean: --branch NAME and/or --ci-older-than-days N")
    if branch is not None:
        removed = remove_branch_folder(target.workspace, settings.workspace_root, branch)
        target.snapshot(branch_folder(settings.workspace_root, branch)).clear()
        write(f"removed {removed}" if removed else f"nothing at {branch_folder(settings.workspace_root, branch)}")
    if ci_older_than_days is not None:
        workspace = target.workspace
        listing = LocalModifiedTimes(workspace) if isinstance(workspace, LocalWorkspace) else workspace
        stale = remove_stale_ci_folders(workspace, listing, settings.workspace_root, ci_older_than_days)
        write(f"removed {len(stale)} CI folder(s) older than {ci_older_than_days:g} days"
              + "".join(f"\n  {folder}" for folder in stale))


LIFE_CYCLE = ("ModelTraining", "ModelEvaluation", "BatchScoring")


def pipeline(target: Target, settings: Settings, branch: str, config: str | None, write: Write) -> None:
    """Send the branch, deploy its library, then train, evaluate (promote only a clear winner) and score."""
    send_branch(target, settings, branch, config, full=False, write=write)
    library = upload_library(target.libraries, build(settings, write),
                             libraries_folder(settings.workspace_root, branch, settings.release_branch), write)
    folder = branch_folder(settings.workspace_root, branch)
    for notebook in LIFE_CYCLE:
        write(f"{notebook}:")
        run_notebook(target, settings, folder, notebook, f"{branch}-{notebook}", {}, [library], write)
