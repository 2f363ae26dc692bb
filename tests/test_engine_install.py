"""The engine installs by each route the generated README names: from a folder of wheels and from this
repository's git URL (here a file URL of this checkout; the real one is the same URL on the git host)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from bakery import ENGINE_DIR, TEMPLATE_DIR

VERSION = tomllib.loads((ENGINE_DIR / "pyproject.toml").read_text())["project"]["version"]


def pip_install(requirement: str, target: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
               "--target", str(target), *options, requirement]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def test_the_engine_installs_from_a_wheelhouse(engine_wheelhouse: Path, tmp_path: Path) -> None:
    done = pip_install(f"databricks-mlops-engine=={VERSION}", tmp_path, "--find-links", str(engine_wheelhouse))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mlops_engine" / "tasks.py").is_file()
    assert (tmp_path / f"databricks_mlops_engine-{VERSION}.dist-info" / "entry_points.txt").read_text().count(
        "mlops_engine = mlops_engine.testing.plugin") == 1


def test_the_engine_installs_from_this_repository_s_git_url(tmp_path: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=TEMPLATE_DIR, capture_output=True, text=True, check=True)
    url = f"git+file://{TEMPLATE_DIR}@{head.stdout.strip()}#subdirectory=packages/databricks-mlops-engine"
    done = pip_install(f"databricks-mlops-engine @ {url}", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mlops_engine" / "local" / "runs" / "runner.py").is_file()
    assert (tmp_path / f"databricks_mlops_engine-{VERSION}.dist-info").is_dir()
