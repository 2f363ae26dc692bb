"""The project's own pytest suite, as ``invoke ci`` runs it first and ``invoke test`` runs it whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..errors import UserError
from .progress import Write

JUNIT_XML = "test-results.xml"


def unit_tests(project_dir: Path, write: Write, *, integration: bool = False) -> None:
    """The tests with JUnit XML in test-results.xml (without integration tests unless asked); red stops CI."""
    write("unit and integration tests:" if integration else "unit tests:")
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={JUNIT_XML}", "tests"]
    if not integration:
        command += ["-m", "not integration"]
    if subprocess.run(command, cwd=project_dir, check=False).returncode != 0:
        raise UserError(f"tests failed (see {JUNIT_XML})")
