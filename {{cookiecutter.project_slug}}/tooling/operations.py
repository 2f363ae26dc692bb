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
from .library import build_library, deploy_library
from .progress import RunProgress
from .runs import RunRequest, RunStatus, wait_for_run
from .settings import Settings
from .sync import SendReport, check_config, collect_package, send, set_environment_notebook, with_set_environment
from .targets import Target
from .workspace import NOTEBOOK_HEADER, ObjectKind

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
    if artifact is None:
        artifact = _built_artifact(settings)
    path = deploy_library(target.workspace, artifact, folder)
    write(f"deployed {artifact.name} -> {target.workspace.url(path)}")
    return path


def _built_artifact(settings: Settings) -> Path:
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


def folder_libraries(target: Target, settings: Settings, folder: str) -> list[str]:
    """The library a notebook in ``folder`` uses: the folder's own ``libraries/``, else production's."""
    for candidate in (join(folder, "libraries"), join(settings.workspace_root, "libraries")):
        found = [info.path for info in target.workspace.list_recursive(candidate) if info.kind is ObjectKind.FILE]
        suffix = ".whl" if settings.library_format == "wheel" else ".egg"
        found = sorted(path for path in found if path.endswith(suffix))
        if found:
            return [found[-1]]
    return []


def run_notebook(target: Target, settings: Settings, folder: str, notebook: str, run_name: str,
                 parameters: dict[str, str], write: Write, timeout_minutes: float | None = None) -> RunStatus:
    """Submit ``folder/notebook`` as a one-time run, print where to watch it, wait, and report its end."""
    libraries = folder_libraries(target, settings, folder)
    if not libraries:
        raise UserError(f"no {settings.library_format} deployed for {folder}; run `invoke deploy` first")
    minutes = timeout_minutes or (
        settings.local.run_timeout_minutes if target.name == "local"
        else float(settings.databricks.get("run_timeout_minutes", 25))
    )
    request = RunRequest(
        run_name=run_name,
        notebook_path=join(folder, notebook),
        parameters=parameters,
        libraries=libraries,
        timeout_seconds=int(minutes * 60),
        idempotency_token=str(uuid.uuid4()),
    )
    submitted = target.runner.submit(request)
    write(f"run {submitted.run_id} of {request.notebook_path} submitted: {submitted.url}")
    status = wait_for_run(target.runner, submitted.run_id, request.timeout_seconds, RunProgress(write))
    output = target.runner.output(submitted.run_id)
    if output.mlflow_run_url:
        write(f"MLflow run: {output.mlflow_run_url}")
    if not status.succeeded:
        detail = output.error or status.state_message or "no error message"
        trace = f"\n{output.error_trace.rstrip()}" if output.error_trace else ""
        raise UserError(
            f"run {submitted.run_id} {status.life_cycle_state}/{status.result_state}: {detail}{trace}\n"
            f"log: {output.log_location or submitted.url}"
        )
    write(f"run {submitted.run_id} succeeded{': ' + output.notebook_result if output.notebook_result else ''}")
    return status


def unit_tests(project_dir: Path, write: Write) -> None:
    """The project's unit tests with JUnit XML in test-results.xml; red stops CI."""
    write("unit tests:")
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={JUNIT_XML}", "tests"]
    if subprocess.run(command, cwd=project_dir, check=False).returncode != 0:
        raise UserError(f"unit tests failed (see {JUNIT_XML}); the notebook was not run")


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
    artifact = build(settings, write)
    path = deploy_library(target.workspace, artifact, join(folder, "libraries"))
    write(f"deployed {artifact.name} -> {target.workspace.url(path)}")
    run_notebook(target, settings, folder, settings.training_notebook,
                 f"CI-{request.build_id}-{request.branch}", {}, write)


def master_send(target: Target, settings: Settings, write: Write) -> SendReport:
    """Production's notebooks into master/, set_environment -> production_config."""
    return send_folder(target, settings, master_folder(settings.workspace_root),
                       set_environment_notebook("production_config"), full=False, write=write)
