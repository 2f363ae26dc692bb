"""Baking the template with the real `cookiecutter` command line: the one way the tasks, tests and benchmarks bake."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
ANSWERS_FILE = ".cookiecutter.json"
ENGINE_DIR = TEMPLATE_DIR / "packages" / "databricks-mlops-engine"


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


def baked_projects(output_dir: Path) -> list[Path]:
    """The projects baked into ``output_dir`` (each holds its saved answers)."""
    return [path for path in output_dir.iterdir() if (path / ANSWERS_FILE).is_file()] if output_dir.is_dir() else []


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)


def edited_files(project: Path) -> list[str]:
    """What changed in ``project`` since it was (re)baked: its git status; a project that is not a repository of its
    own cannot tell, so all of it counts as edited."""
    if not (project / ".git").exists():
        return ["(not a git repository: its edits cannot be told apart)"]
    return [line[3:] for line in _git(project, "status", "--porcelain").stdout.splitlines()]


def commit_rebake(project: Path) -> None:
    """Record a refresh as a commit of the project's repository, so its next refresh can tell edits apart."""
    _git(project, "add", "-A")
    if _git(project, "diff", "--cached", "--quiet").returncode:
        _git(project, "-c", "user.name=cookiecutter-databricks-mlops", "-c", "user.email=noreply@example.com",
             "commit", "-q", "--no-verify", "-m", "Re-baked from the template")


def bake(output_dir: Path, answers: dict[str, str], *, overwrite: bool = False) -> Path:
    """Bake into ``output_dir`` and return the project folder made; with ``overwrite``, refresh an earlier bake
    there, but never one with edits since its bake (they would be reverted): that raises BakeError instead."""
    if overwrite:
        for project in baked_projects(output_dir):
            edited = edited_files(project)
            if edited:
                raise BakeError(f"error: {project} has changes since it was baked ({', '.join(edited[:5])}); "
                                "commit or discard them there, or bake into another folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    result = run_cookiecutter(output_dir, answers, overwrite=overwrite)
    if result.returncode != 0:
        raise BakeError(result.stderr.strip() or result.stdout.strip())
    project = max(baked_projects(output_dir), key=lambda path: (path / ANSWERS_FILE).stat().st_mtime)
    if overwrite:
        commit_rebake(project)
    return project


def build_engine_wheel(wheelhouse: Path) -> Path:
    """The engine package as a wheel in ``wheelhouse``, built offline with this environment's setuptools from a
    copy of its sources (a build leaves build/ and egg-info behind: not in this checkout)."""
    with tempfile.TemporaryDirectory(prefix="engine-build-") as scratch:
        source = Path(scratch) / ENGINE_DIR.name
        shutil.copytree(ENGINE_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__",
                                                                          "tests"))
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                   "--disable-pip-version-check", "-w", str(wheelhouse), str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = wheelhouse.glob("databricks_mlops_engine-*.whl")
    return wheel
