"""The project's own pytest suite, as ``invoke ci`` runs it first (unit tests) and ``invoke test`` runs it whole.

A unit run does not even collect the ``integration/`` folders (real services: an MLflow server, notebook runs),
so it pays for neither their imports nor their services. The JUnit XML goes to ``test-results.xml``, which the
pipelines publish, and coverage measures the team's library (``src/``). The first time on a machine, Spark's
class archive is made first (``spark_class_archive``): every later Spark starts sooner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from mlops_engine.commands.progress import Write
from mlops_engine.errors import UserError
from mlops_engine.spark_class_archive import ensure_archive

JUNIT_XML = "test-results.xml"
INTEGRATION_FOLDER = "integration"
"""The folder, within a test folder, of tests against real services (Spark, an MLflow server, notebook runs): the
plugin marks them ``integration``, and a unit run (``invoke ci``) does not even collect them."""
NO_TESTS_COLLECTED = 5
ONE_THREAD_EACH = {"OMP_NUM_THREADS": "1"}
"""Tests fit small data: OpenMP threads (scikit-learn's boosting) on a shared two-core agent only spin-wait."""


def pytest_command(report: Path, *, integration: bool, coverage: bool = True) -> list[str]:
    """pytest over ``tests/``; without integration tests, their folders are not even collected."""
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", "tests"]
    if coverage:
        command += ["--cov=src", "--cov-report=term:skip-covered", "--cov-report=xml:coverage.xml"]
    if not integration:
        command += ["-m", "not integration", f"--ignore-glob=*/{INTEGRATION_FOLDER}"]
    return command


def unit_tests(project_dir: Path, write: Write, *, integration: bool = False) -> None:
    """The tests with JUnit XML in test-results.xml (without integration tests unless asked); red stops CI.

    pytest's output streams through as it runs (it writes to this process's own stdout), so a CI log shows
    the tests' progress, not a silence.
    """
    ensure_archive(write)
    left_out = "" if integration else f" (the {INTEGRATION_FOLDER}/ folders are left to `invoke test`)"
    write(f"{'unit and integration' if integration else 'unit'} tests{left_out}:")
    command = pytest_command(Path(JUNIT_XML), integration=integration, coverage=integration)
    process = subprocess.Popen(command, cwd=project_dir, stdin=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, **ONE_THREAD_EACH, "PYTHONUNBUFFERED": "1"})
    try:
        code = process.wait()
    finally:
        if process.poll() is None:  # interrupted: stop pytest and its JVM
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    if code not in (0, NO_TESTS_COLLECTED):
        raise UserError(f"tests failed (see {JUNIT_XML})")
