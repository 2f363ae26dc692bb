"""``invoke ci --run-tests``: the RunTests notebook in the CI folder, after training, with the sha it tests.

RunTests exits with its notebooks' outcomes as JSON; they are written as JUnit XML
(``notebook-test-results.xml``) whatever happened, so the pipeline shows them, then any failure is red.
"""

from __future__ import annotations

from dataclasses import replace
from posixpath import join

from mlops_engine.commands.notebook_junit import NOTEBOOK_JUNIT_XML, NotebookResult, parse_results, write_junit
from mlops_engine.commands.progress import Write
from mlops_engine.commands.run import run_notebook
from mlops_engine.contract.runs import Runner, RunOutput, RunRequest, RunStatus, SubmittedRun
from mlops_engine.contract.target import Target
from mlops_engine.errors import UserError
from mlops_engine.git import head_sha
from mlops_engine.pipeline_variables import pipeline_sha
from mlops_engine.settings import Settings

RUN_TESTS_NOTEBOOK = "RunTests"


class OutputKeepingRunner:
    """A runner that keeps the last output it fetched, for the notebook's exit value once the run is reported."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.last_output: RunOutput | None = None

    def submit(self, request: RunRequest) -> SubmittedRun:
        return self.runner.submit(request)

    def status(self, run_id: int) -> RunStatus:
        return self.runner.status(run_id)

    def output(self, run_id: int) -> RunOutput:
        self.last_output = self.runner.output(run_id)
        return self.last_output

    def cancel(self, run_id: int) -> None:
        self.runner.cancel(run_id)


def run_integration_tests(target: Target, settings: Settings, folder: str, run_name: str, build_id: str,
                          libraries: list[str], write: Write) -> list[NotebookResult]:
    """Run RunTests where CI sent the notebooks; write every outcome as JUnit XML; red if any test failed."""
    write("integration tests:")
    sha = pipeline_sha() or head_sha(settings.project_dir) or "uncommitted"
    junit = settings.project_dir / NOTEBOOK_JUNIT_XML
    runner = OutputKeepingRunner(target.runner)
    try:
        run_notebook(replace(target, runner=runner), join(folder, RUN_TESTS_NOTEBOOK), f"{run_name}-tests",
                     {"git_sha": sha, "build_id": build_id, "results": "json"}, libraries, write)
    except UserError as error:
        write_junit(junit, [NotebookResult(RUN_TESTS_NOTEBOOK, False, 0.0, str(error).splitlines()[0], str(error))])
        raise
    results = parse_results(runner.last_output.notebook_result if runner.last_output else None)
    write_junit(junit, results)
    failed = [result for result in results if not result.passed]
    write(f"{len(results) - len(failed)} of {len(results)} test notebooks passed; results in {NOTEBOOK_JUNIT_XML}")
    if failed:
        raise UserError(f"{len(failed)} of {len(results)} test notebooks failed: "
                        + "; ".join(f"{result.name}: {result.message}" for result in failed))
    return results

