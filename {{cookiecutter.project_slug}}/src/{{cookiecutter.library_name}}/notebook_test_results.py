"""Running the integration-test notebooks and reporting their outcomes.

The RunTests notebook is the project's test driver: each test notebook runs with a timeout, its outcome
and duration go to an MLflow run tagged with the git sha (``tracking.log_test_results``), so test history
compares across commits.
For ``invoke ci`` the notebook exits with the outcomes as JSON (``outcomes_json``), which ci turns into
JUnit XML for the pipeline's test tab.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from posixpath import basename

MAX_MESSAGE = 500
MAX_TRACE = 4000
RESULTS_FORMAT = "notebook-test-results/1"


@dataclass(frozen=True)
class NotebookOutcome:
    """How one test notebook ended: passed or not, how long it took, its exit value or error."""

    name: str
    passed: bool
    duration_seconds: float
    message: str
    trace: str = ""


class NotebookTestsFailed(AssertionError):
    """At least one test notebook failed; the message names each with its error."""


def notebook_name(path: str) -> str:
    """The name a test notebook is logged under: its file name."""
    return basename(path.rstrip("/"))


def run_test_notebooks(
    run: Callable[[str, int], str],
    paths: Sequence[str],
    timeout_seconds: int,
    clock: Callable[[], float] = time.monotonic,
) -> list[NotebookOutcome]:
    """Run every notebook (``run`` is ``dbutils.notebook.run`` without arguments) and time it; never stop early."""
    outcomes = []
    for path in paths:
        started = clock()
        trace = ""
        try:
            message, passed = str(run(path, timeout_seconds) or "passed"), True
        except Exception as error:  # noqa: BLE001 - a failing notebook raises whatever its cell raised
            trace = f"{type(error).__name__}: {error}"
            message, passed = (trace.splitlines() or [trace])[0], False
        duration = round(clock() - started, 3)
        outcomes.append(NotebookOutcome(notebook_name(path), passed, duration, message[:MAX_MESSAGE],
                                        trace[-MAX_TRACE:]))
    return outcomes


def summary(outcomes: Sequence[NotebookOutcome]) -> str:
    """One line per notebook: PASS/FAIL, duration, message."""
    return "\n".join(f"{'PASS' if o.passed else 'FAIL'}  {o.name}  {o.duration_seconds:.1f}s  {o.message}"
                     for o in outcomes)


def raise_if_failed(outcomes: Sequence[NotebookOutcome]) -> None:
    """Fail the driver run when any test notebook failed, naming each."""
    failed = [outcome for outcome in outcomes if not outcome.passed]
    if failed:
        raise NotebookTestsFailed(
            f"{len(failed)} of {len(outcomes)} test notebooks failed: "
            + "; ".join(f"{outcome.name}: {outcome.message}" for outcome in failed)
        )


def outcomes_json(outcomes: Sequence[NotebookOutcome], mlflow_run_id: str = "") -> str:
    """The outcomes as the notebook's exit value, for ``invoke ci`` to write as JUnit XML (kept well under the
    exit value's size limit: messages and traces are already capped)."""
    return json.dumps({
        "format": RESULTS_FORMAT,
        "mlflow_run_id": mlflow_run_id,
        "tests": [{"name": o.name, "passed": o.passed, "duration_seconds": o.duration_seconds,
                   "message": o.message, "trace": o.trace} for o in outcomes],
    })
