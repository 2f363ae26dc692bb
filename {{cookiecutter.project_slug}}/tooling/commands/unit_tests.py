"""The project's own pytest suite, as ``invoke ci`` runs it first and ``invoke test`` runs it whole.

The suite runs as pytest processes side by side: the folders whose tests share one Spark session (each
folder on its own when the long integration tests are included), and everything else. Each imports only
what its tests need (Spark's JVM, MLflow and scikit-learn on one side, the Databricks SDK on the other), so
on two cores the suite takes about the time of its longest part.
Their JUnit XML is merged into one ``test-results.xml``, which the pipelines publish. The first time on a
machine, Spark's class archive is made first (``spark_class_archive``): every later Spark starts sooner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from ..errors import UserError
from ..files import write_atomically
from ..spark_class_archive import ensure_archive
from .progress import Write

JUNIT_XML = "test-results.xml"
SPARK_TEST_FOLDERS = ("library", "local")
"""Folders of ``tests/`` whose tests use the session's Spark (tests/conftest.py boots it when it collects them)."""
INTEGRATION_FOLDER = "integration"
"""The folder, within a test folder, of the tests that start real services and tools (an MLflow server, Delta
tables, pip, Python workers, git and builds): a unit run does not import them, nor pay for MLflow's import."""
NO_TESTS_COLLECTED = 5
ONE_THREAD_EACH = {"OMP_NUM_THREADS": "1"}
"""Tests fit small data: OpenMP threads (scikit-learn's boosting) sharing two cores with the other group only
spin-wait for each other, which made one test ten times slower."""


def suite_groups(tests_dir: Path, *, integration: bool = False) -> list[list[Path]]:
    """The Spark folders, then every other test folder and module of ``tests/``: nothing is left out.

    Unit tests alone share one JVM (one group for the Spark folders); with the integration tests (an MLflow
    server, Delta tables, runs in subprocesses: minutes) each Spark folder gets a process of its own.
    """
    entries = sorted(child for child in tests_dir.iterdir()
                     if (child.is_dir() and any(child.rglob("test_*.py")))
                     or (child.is_file() and child.name.startswith("test_") and child.suffix == ".py"))
    spark = [entry for entry in entries if entry.name in SPARK_TEST_FOLDERS]
    rest = [entry for entry in entries if entry.name not in SPARK_TEST_FOLDERS]
    spark_groups = [[entry] for entry in spark] if integration else [spark]
    return [group for group in (*spark_groups, rest) if group]


def merge_junit(reports: list[Path]) -> bytes:
    """One JUnit XML document holding every report's test suites."""
    merged = ElementTree.Element("testsuites")
    for report in reports:
        root = ElementTree.parse(report).getroot()
        merged.extend(root.findall("testsuite") if root.tag == "testsuites" else [root])
    return ElementTree.tostring(merged, encoding="utf-8", xml_declaration=True)


def pytest_command(project_dir: Path, group: list[Path], report: Path, *, integration: bool) -> list[str]:
    """pytest over the group's folders; without integration tests, their folders are not even collected."""
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}",
               *(str(path.relative_to(project_dir)) for path in group)]
    if not integration:
        command += ["-m", "not integration", f"--ignore-glob=*/{INTEGRATION_FOLDER}"]
    return command


def _start(project_dir: Path, group: list[Path], report: Path, log: Path, integration: bool) -> subprocess.Popen[bytes]:
    command = pytest_command(project_dir, group, report, integration=integration)
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=project_dir, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, **ONE_THREAD_EACH})


def unit_tests(project_dir: Path, write: Write, *, integration: bool = False) -> None:
    """The tests with JUnit XML in test-results.xml (without integration tests unless asked); red stops CI."""
    ensure_archive(write)
    groups = suite_groups(project_dir / "tests", integration=integration)
    names = ["+".join(path.name for path in group) for group in groups]
    left_out = "" if integration else f" (the {INTEGRATION_FOLDER}/ folders are left to `invoke test`)"
    write(f"{'unit and integration' if integration else 'unit'} tests, in parallel: {' | '.join(names)}{left_out}")
    with tempfile.TemporaryDirectory(prefix="unit-tests-") as scratch:
        folder = Path(scratch)
        processes = [_start(project_dir, group, folder / f"{index}.xml", folder / f"{index}.log", integration)
                     for index, group in enumerate(groups)]
        try:
            codes = [process.wait() for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:  # interrupted: stop the group's pytest and its JVM
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait()
        for index, name in enumerate(names):
            write(f"--- tests: {name}\n{(folder / f'{index}.log').read_text(errors='replace').strip()}")
        reports = [folder / f"{index}.xml" for index in range(len(groups)) if (folder / f"{index}.xml").is_file()]
        if reports:
            write_atomically(project_dir / JUNIT_XML, merge_junit(reports))
    if any(code not in (0, NO_TESTS_COLLECTED) for code in codes):
        raise UserError(f"tests failed (see {JUNIT_XML})")
