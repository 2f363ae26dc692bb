"""``invoke ci --run-tests``: the RunTests notebook in the CI folder, after training, with the sha it tests."""

from __future__ import annotations

from posixpath import join

from ..git import head_sha
from ..pipeline_variables import pipeline_sha
from ..settings import Settings
from ..target.runs import RunStatus
from ..target.target import Target
from .progress import Write
from .run import run_notebook

RUN_TESTS_NOTEBOOK = "RunTests"


def run_integration_tests(target: Target, settings: Settings, folder: str, run_name: str, build_id: str,
                          libraries: list[str], write: Write) -> RunStatus:
    """Run RunTests where CI sent the notebooks, with the library CI deployed there; red if any test failed."""
    write("integration tests:")
    sha = pipeline_sha() or head_sha(settings.project_dir) or "uncommitted"
    return run_notebook(target, join(folder, RUN_TESTS_NOTEBOOK), f"{run_name}-tests",
                        {"git_sha": sha, "build_id": build_id}, libraries, write)
