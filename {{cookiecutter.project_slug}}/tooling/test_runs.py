"""``invoke ci --run-tests``: the RunTests notebook in the CI folder, after training, with the sha it tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from posixpath import join

from .layout import ci_folder
from .operations import CiRequest, built_artifact, run_notebook
from .runs import RunStatus
from .settings import Settings
from .targets import Target

RUN_TESTS_NOTEBOOK = "RunTests"
SHA_VARIABLES = ("BUILD_SOURCEVERSION", "GITHUB_SHA")


def tested_sha(project_dir: Path) -> str:
    """The commit under test: the pipeline's, else HEAD's, else ``uncommitted`` (a fresh project)."""
    for name in SHA_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_dir, capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else "uncommitted"


def run_integration_tests(target: Target, settings: Settings, request: CiRequest,
                          write: Callable[[str], None]) -> RunStatus:
    """Run RunTests where CI sent the notebooks, with the library CI deployed there; red if any test failed."""
    folder = ci_folder(settings.workspace_root, request.build_id, request.branch)
    library = target.libraries.location(join(folder, "libraries"), built_artifact(settings).name)
    write("integration tests:")
    parameters = {"git_sha": tested_sha(settings.project_dir), "build_id": request.build_id}
    return run_notebook(target, settings, folder, RUN_TESTS_NOTEBOOK, f"CI-{request.build_id}-{request.branch}-tests",
                        parameters, [library], write)
