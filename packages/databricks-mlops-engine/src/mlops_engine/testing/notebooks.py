"""Running a notebook of the project on the local target from a test, as ``invoke run`` does after a send and a
deploy, in a workspace, runs folder and MLflow store of the test session's own (the project's are left alone)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from posixpath import join

import yaml
from invoke.config import merge_dicts

from mlops_engine.commands.build import build_library, upload_library
from mlops_engine.commands.run import submit_and_wait
from mlops_engine.commands.send import send_branch
from mlops_engine.contract.runs import RunOutput, RunStatus
from mlops_engine.contract.target import Target
from mlops_engine.layout import branch_folder, libraries_folder
from mlops_engine.open_target import open_target
from mlops_engine.settings import DEFAULTS, PROJECT_CONFIG, LocalSettings, Settings, load_settings

BRANCH = "pytest"
"""The workspace folder the notebooks are sent to, in the test session's own local workspace."""


@dataclass(frozen=True)
class NotebookRun:
    """How a notebook's run ended, what it returned (``dbutils.notebook.exit``) and what the run printed."""

    status: RunStatus
    output: RunOutput
    lines: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status.succeeded

    @property
    def result(self) -> str | None:
        return self.output.notebook_result

    def describe(self) -> str:
        """The run's end, error, trace and log location: an assertion message for a run that failed."""
        output = self.output
        return f"{self.status}: {output.error}\n{output.error_trace or ''}\nlog: {output.log_location}"


def project_settings(project_dir: Path, scratch: Path) -> Settings:
    """The project's settings (the engine's defaults under its invoke.yaml) with the local target's workspace,
    runs and MLflow store in ``scratch``, and no warm driver left behind."""
    config = merge_dicts({"mlops": DEFAULTS}, yaml.safe_load((project_dir / PROJECT_CONFIG).read_text()) or {})
    settings = load_settings(project_dir, config)
    local = LocalSettings(workspace_dir=scratch / "workspace", runs_dir=scratch / "runs",
                          mlflow_dir=scratch / "mlflow", spark_master=settings.local.spark_master,
                          run_timeout_minutes=settings.local.run_timeout_minutes, warm_spark=False)
    return replace(settings, local=local, target="local")


class ProjectNotebooks:
    """Sends the project's notebooks and deploys its library once, then runs any notebook of them."""

    def __init__(self, project_dir: Path, scratch: Path) -> None:
        self.settings = project_settings(project_dir, scratch)
        self.scratch = scratch
        self._target: Target | None = None
        self._library: str | None = None
        self.lines: list[str] = []

    def _prepared(self, config: str | None) -> tuple[Target, str]:
        if self._target is None:
            self._target = open_target(self.settings, "local")
        send_branch(self._target, self.settings, BRANCH, config or self.settings.default_config, full=False,
                    write=self.lines.append)
        if self._library is None:
            source = self.scratch / "library"
            shutil.copytree(self.settings.project_dir, source, ignore=shutil.ignore_patterns(
                ".*", "dist", "build", "*.egg-info", "__pycache__", "tests", self.settings.notebooks_package))
            artifact = build_library(source, self.settings.library_format)
            folder = libraries_folder(self.settings.workspace_root, BRANCH, self.settings.release_branch)
            self._library = upload_library(self._target.libraries, artifact, folder, self.lines.append)
        return self._target, self._library

    def run(self, notebook: str, parameters: Mapping[str, str] | None = None, config: str | None = None) -> NotebookRun:
        """Run ``notebook`` (relative to the notebooks package, e.g. ``ModelTraining``) with the developer config
        ``config`` (default from invoke.yaml) as ``invoke run`` does, and wait for it (the project's run timeout)."""
        target, library = self._prepared(config)
        path = join(branch_folder(self.settings.workspace_root, BRANCH), notebook)
        submitted, status = submit_and_wait(target, path, f"pytest-{notebook}", parameters or {}, [library],
                                            lambda *_: None, self.lines.append)
        return NotebookRun(status, target.runner.output(submitted.run_id), list(self.lines))
