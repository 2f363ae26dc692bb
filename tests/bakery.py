"""Baking the template with the real cookiecutter command line, and the answer matrix the tests cover."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
DEFAULTS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())


@dataclass(frozen=True)
class Bake:
    """One combination of answers, named for readable test ids."""

    name: str
    answers: dict[str, str] = field(default_factory=dict)

    def answer(self, key: str, default: str) -> str:
        """The answer for ``key``, else the value the template derives."""
        return self.answers.get(key, default)


def _choices(key: str) -> list[str]:
    return list(DEFAULTS[key])


MATRIX = [
    Bake("default"),
    *(Bake(f"{key}={choice}", {key: choice}) for key in ("library_format", "python_version", "ci_provider")
      for choice in _choices(key)[1:]),
    Bake("three-developers", {"developers": "kyle,joe,ann"}),
    Bake("custom-names", {"project_name": "Churn Model", "notebooks_package": "churn_notebooks",
                          "library_name": "churnlib", "workspace_root": "/Shared/teams/churn"}),
]


def run_cookiecutter(output_dir: Path, answers: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``cookiecutter --no-input -o OUTPUT TEMPLATE key=value ...`` as a user types it."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(output_dir), str(TEMPLATE_DIR),
               *(f"{key}={value}" for key, value in answers.items())]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def bake(output_dir: Path, answers: dict[str, str]) -> Path:
    """Bake and return the one project folder made."""
    result = run_cookiecutter(output_dir, answers)
    assert result.returncode == 0, result.stderr
    (project,) = [path for path in output_dir.iterdir() if path.is_dir()]
    return project
