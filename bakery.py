"""Baking the template with the real `cookiecutter` command line: the one way the tasks, tests and benchmarks bake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
ANSWERS_FILE = ".cookiecutter.json"


class BakeError(Exception):
    """cookiecutter refused the answers or failed; the message is what it printed."""


def run_cookiecutter(output_dir: Path, answers: dict[str, str], *, overwrite: bool = False
                     ) -> subprocess.CompletedProcess[str]:
    """``cookiecutter --no-input -o OUTPUT TEMPLATE key=value ...`` as a user types it."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(output_dir), str(TEMPLATE_DIR),
               *(f"{key}={value}" for key, value in answers.items())]
    if overwrite:
        command.insert(3, "--overwrite-if-exists")
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def bake(output_dir: Path, answers: dict[str, str], *, overwrite: bool = False) -> Path:
    """Bake into ``output_dir`` and return the project folder made (or, with ``overwrite``, refreshed)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    result = run_cookiecutter(output_dir, answers, overwrite=overwrite)
    if result.returncode != 0:
        raise BakeError(result.stderr.strip() or result.stdout.strip())
    projects = [path for path in output_dir.iterdir() if (path / ANSWERS_FILE).is_file()]
    return max(projects, key=lambda path: (path / ANSWERS_FILE).stat().st_mtime)
