"""A baked project's whole pinned environment for each Databricks runtime it can choose (``runtime_constraints/``).

The pins of the runtime's own libraries come from ``runtimes.json``; everything they and the engine depend on is
what a real install resolves, frozen. ``invoke lock-runtimes`` writes them again after a runtime or a pin changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bakery import ENGINE_DIR, bake, build_engine_wheel

CONSTRAINTS_DIR = Path(__file__).resolve().parent / "runtime_constraints"
RUNTIMES = ENGINE_DIR / "src" / "mlops_engine" / "runtimes.json"
COMPATIBILITY = ["SQLAlchemy<2.1", "alembic<1.17"]
"""Bounds a dependency's own range misses: MLflow before 3.9 imports ``FallbackAsyncAdaptedQueuePool``, which
SQLAlchemy 2.1 removed (the runtimes ship 2.0); alembic 1.17's plugins log seven INFO lines into every run that
opens the MLflow store."""
HEADER = ("# Every package of the project's development environment for\n"
          "# {name}, pinned: a fresh install next month resolves the same.\n"
          "# Written by `invoke lock-runtimes` (a real install); databricks-mlops-engine itself is pinned in\n"
          "# requirements-dev.txt.\n")


def supported_runtimes() -> dict[str, dict]:
    """The runtimes a project can choose, by key."""
    table = json.loads(RUNTIMES.read_text())["runtimes"]
    return {key: data for key, data in table.items() if data["engine_supported"]}


def python_for(minor: str) -> str:
    """An interpreter of ``minor`` (3.12): ``python3.12`` on PATH, else pyenv's newest 3.12.x."""
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{minor}.*/bin/python"))
    for candidate in (shutil.which(f"python{minor}"), *pyenv):
        if candidate and subprocess.run([str(candidate), "-V"], capture_output=True, check=False).returncode == 0:
            return str(candidate)
    raise SystemExit(f"error: no Python {minor} found (install it, e.g. pyenv install {minor})")


def lock(key: str, data: dict, write=print) -> Path:
    """Install the project's requirements for runtime ``key`` into a fresh environment and freeze it."""
    target = CONSTRAINTS_DIR / f"{key}.txt"
    if not target.exists():
        target.write_text(HEADER.format(name=data["name"]))  # the bake renders constraints.txt from it
    minor = ".".join(data["python"].split(".")[:2])
    with tempfile.TemporaryDirectory(prefix=f"lock-{key}-") as scratch:
        folder = Path(scratch)
        project = bake(folder / "bake", {"databricks_runtime": key})
        requirements = project / "requirements-dev.txt"
        requirements.write_text(requirements.read_text().replace("-c constraints.txt\n", "-c compatibility.txt\n"))
        (project / "compatibility.txt").write_text("\n".join(COMPATIBILITY) + "\n")
        wheelhouse = folder / "wheels"
        build_engine_wheel(wheelhouse)
        venv = folder / "venv"
        subprocess.run([python_for(minor), "-m", "venv", str(venv)], check=True)
        write(f"{key}: installing the project's requirements on Python {minor} ...")
        env = {**os.environ, "PIP_FIND_LINKS": f"{wheelhouse} {os.environ.get('PIP_FIND_LINKS', '')}".strip()}
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(requirements)], check=True, cwd=project, env=env)
        frozen = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all"], check=True,
                                capture_output=True, text=True).stdout.splitlines()
    pins = [line for line in frozen if not line.startswith(("databricks-mlops-engine", "pip=="))]
    scratch_file = target.with_suffix(".tmp")
    scratch_file.write_text(HEADER.format(name=data["name"]) + "\n".join(sorted(pins, key=str.lower)) + "\n")
    os.replace(scratch_file, target)
    write(f"{key}: {len(pins)} pins -> {target}")
    return target


if __name__ == "__main__":
    for runtime_key, runtime_data in supported_runtimes().items():
        if len(sys.argv) == 1 or runtime_key in sys.argv[1:]:
            lock(runtime_key, runtime_data)
