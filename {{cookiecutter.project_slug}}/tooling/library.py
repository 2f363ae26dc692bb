"""Building the ML library as a wheel (or a legacy egg) and deploying it to a libraries folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .errors import UserError

FORMATS = {"wheel": ".whl", "egg": ".egg"}


def build_command(library_format: str, dist_dir: Path) -> list[str]:
    """The build command for ``library_format``, run from the project folder."""
    if library_format == "wheel":
        return [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist_dir), "."]
    if library_format == "egg":
        return [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "bdist_egg",
                "--dist-dir", str(dist_dir)]
    raise UserError(f"library_format {library_format!r} must be one of: {', '.join(FORMATS)}")


def build_library(project_dir: Path, library_format: str) -> Path:
    """Build the library into ``dist/`` (emptied first) and return the artifact."""
    dist_dir = project_dir / "dist"
    command = build_command(library_format, dist_dir)
    shutil.rmtree(dist_dir, ignore_errors=True)
    shutil.rmtree(project_dir / "build", ignore_errors=True)
    result = subprocess.run(command, cwd=project_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise UserError(f"building the {library_format} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    shutil.rmtree(project_dir / "build", ignore_errors=True)
    artifacts = sorted(dist_dir.glob(f"*{FORMATS[library_format]}"))
    if len(artifacts) != 1:
        raise UserError(f"expected one {FORMATS[library_format]} in {dist_dir}, found {len(artifacts)}")
    return artifacts[0]
