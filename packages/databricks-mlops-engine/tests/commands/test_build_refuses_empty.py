"""``invoke build`` refuses a library with no code (an empty ``src/<library>/`` after a bad merge), wheel and egg alike:
such a build would deploy and fail only when a notebook imports from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sample import SAMPLE_DIR

LIBRARY = "samplelib"
SUFFIXES = {"wheel": ".whl", "egg": ".egg"}


def project(tmp_path: Path, library_format: str) -> Path:
    """The sample project with its tasks, building ``library_format``."""
    shutil.copytree(SAMPLE_DIR, tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                                     "dist", "build"))
    root = tmp_path / "project"
    (root / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    config = root / "invoke.yaml"
    config.write_text(config.read_text().replace("library_format: wheel", f"library_format: {library_format}"))
    return root


def invoke_build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", "build"], cwd=root, capture_output=True, text=True,
                          check=False, timeout=300)


@pytest.mark.parametrize("library_format", ["wheel", "egg"])
@pytest.mark.parametrize("left", ["nothing", "an empty __init__.py", "a docstring-only __init__.py"])
def test_a_library_without_code_is_refused_in_one_line_and_nothing_is_left_in_dist(
    tmp_path: Path, library_format: str, left: str
) -> None:
    root = project(tmp_path, library_format)
    package = root / "src" / LIBRARY
    shutil.rmtree(package)
    if left != "nothing":
        package.mkdir()
        (package / "__init__.py").write_text('"""The library."""\n' if "docstring" in left else "")

    done = invoke_build(root)

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and "holds no Python code" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert not list(root.glob(f"dist/*{SUFFIXES[library_format]}")), "the empty build was left for a --prebuilt deploy"


@pytest.mark.parametrize("library_format", ["wheel", "egg"])
def test_a_library_with_code_builds(tmp_path: Path, library_format: str) -> None:
    root = project(tmp_path, library_format)

    done = invoke_build(root)

    assert done.returncode == 0, done.stderr
    (artifact,) = (root / "dist").glob(f"*{SUFFIXES[library_format]}")
    assert f"{LIBRARY}/__init__.py" in zipfile.ZipFile(artifact).namelist()


def test_an_earlier_good_build_of_the_same_name_is_not_left_for_a_prebuilt_deploy(tmp_path: Path) -> None:
    root = project(tmp_path, "wheel")
    assert invoke_build(root).returncode == 0
    shutil.rmtree(root / "src" / LIBRARY)

    done = invoke_build(root)

    assert done.returncode == 1 and "holds no Python code" in done.stderr, done.stderr
    assert not list(root.glob("dist/*.whl")), "an earlier build would ship in place of this tree's library"
