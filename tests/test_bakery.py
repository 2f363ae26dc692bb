"""Re-baking refreshes a project only when nothing was edited since its bake; the demo lives outside this
repository; a project's setup script stops when the Python it asks for is missing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix import MATRIX, Bake

from bakery import TEMPLATE_DIR, BakeError, bake
from tasks import DEMO_DIR


def commits(project: Path) -> list[str]:
    return subprocess.run(["git", "log", "--format=%s"], cwd=project, capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_a_rebake_refreshes_an_untouched_project_and_refuses_an_edited_one(tmp_path: Path) -> None:
    project = bake(tmp_path, {}, overwrite=True)
    again = bake(tmp_path, {}, overwrite=True)
    assert again == project and commits(project) == ["Project baked from cookiecutter-databricks-mlops"]
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "A line the team wrote.\n")
    with pytest.raises(BakeError, match=r"has changes since it was baked \(README.md\)"):
        bake(tmp_path, {}, overwrite=True)
    assert readme.read_text().endswith("A line the team wrote.\n")


def test_the_demo_is_baked_outside_this_repository() -> None:
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=TEMPLATE_DIR, capture_output=True, text=True)
    assert not DEMO_DIR.is_relative_to(TEMPLATE_DIR)
    assert top.returncode != 0 or not DEMO_DIR.is_relative_to(Path(top.stdout.strip()))


def test_setup_refuses_another_python_than_the_project_s(baked: Callable[[Bake], Path], tmp_path: Path) -> None:
    bare_path = "/usr/bin:/bin"
    if shutil.which("python3.12", path=bare_path):
        pytest.skip("this machine has python3.12 on its system path")
    project = tmp_path / "p312"
    shutil.copytree(baked(MATRIX[0]), project)  # the default runtime, 18 LTS ML, runs Python 3.12
    result = subprocess.run(["bash", "scripts/setup_dev.sh"], cwd=project, capture_output=True, text=True,
                            env={"PATH": bare_path, "HOME": str(tmp_path)}, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: python3.12 not found: this project runs on Python 3.12")
    assert not (project / ".venv").exists()
