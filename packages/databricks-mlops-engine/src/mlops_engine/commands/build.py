"""``invoke build``: the ML library as a wheel (or a legacy egg) in dist/, and putting it in a library store."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from filelock import FileLock

from mlops_engine.commands.progress import Write
from mlops_engine.contract.library_store import LibraryStore
from mlops_engine.errors import UserError
from mlops_engine.settings import Settings

FORMATS = {"wheel": ".whl", "egg": ".egg"}
STATE_DIR = ".mlops"
"""The project's own state of the engine's commands (git-ignored)."""
METADATA_FOLDERS = ("EGG-INFO",)
"""Beside a wheel's ``*.dist-info``: an egg's metadata, never the library's code."""
COMPILED_SUFFIXES = (".so", ".pyd")


def build_command(library_format: str, dist_dir: Path) -> list[str]:
    """The build command for ``library_format``, run from the project folder."""
    if library_format == "wheel":
        return [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist_dir), "."]
    if library_format == "egg":
        return [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "bdist_egg",
                "--dist-dir", str(dist_dir)]
    raise UserError(f"library_format {library_format!r} must be one of: {', '.join(FORMATS)}")


def build_library(project_dir: Path, library_format: str) -> Path:
    """Build the library into ``dist/`` and return the artifact.

    One build at a time per project (setuptools writes ``build/`` and ``*.egg-info`` in the tree): two commands at
    once (two ``invoke ci``) would mix their files. Each builds in a folder of its own and moves the artifact into
    ``dist/`` in one step, so a command still uploading the one it built never finds it gone or half written."""
    build_command(library_format, project_dir)  # an unknown format is refused before anything is written
    dist_dir = project_dir / "dist"
    suffix = FORMATS[library_format]
    (project_dir / STATE_DIR).mkdir(exist_ok=True)
    dist_dir.mkdir(exist_ok=True)
    with FileLock(project_dir / STATE_DIR / "build.lock"), \
            tempfile.TemporaryDirectory(dir=dist_dir, prefix=".building-") as scratch:
        command = build_command(library_format, Path(scratch))
        shutil.rmtree(project_dir / "build", ignore_errors=True)
        result = subprocess.run(command, cwd=project_dir, capture_output=True, text=True, check=False)
        shutil.rmtree(project_dir / "build", ignore_errors=True)
        if result.returncode != 0:
            raise UserError(f"building the {library_format} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        artifacts = sorted(Path(scratch).glob(f"*{suffix}"))
        if len(artifacts) != 1:
            raise UserError(f"expected one {suffix} from the build, found {len(artifacts)}")
        try:
            refuse_empty(artifacts[0])
        except UserError:  # an earlier build in dist/ is not this tree's library: a --prebuilt deploy finds none
            for earlier in dist_dir.glob(f"*{suffix}"):
                earlier.unlink()
            raise
        for earlier in dist_dir.glob(f"*{suffix}"):
            if earlier.name != artifacts[0].name:
                earlier.unlink()
        artifact = dist_dir / artifacts[0].name
        os.replace(artifacts[0], artifact)
    return artifact


def _has_code(source: bytes) -> bool:
    """True when a module does more than hold a docstring: an empty ``__init__.py`` gives nothing to import."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return True  # not ours to judge here: the import will say what is wrong with it
    docstring = bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)
    return len(body) > (1 if docstring else 0)


def refuse_empty(artifact: Path) -> None:
    """Refuse a built wheel or egg that holds no module with code (an empty ``src/<library>/`` after a bad merge):
    it would deploy and fail only when a notebook imports from it. The artifact is read, not the folder, so any
    layout and both formats are judged by what would be installed."""
    with zipfile.ZipFile(artifact) as archive:
        for entry in archive.infolist():
            path = PurePosixPath(entry.filename)
            if entry.is_dir() or path.parts[0].endswith(".dist-info") or path.parts[0] in METADATA_FOLDERS:
                continue
            if path.suffix in COMPILED_SUFFIXES or (path.suffix == ".py" and _has_code(archive.read(entry))):
                return
    raise UserError(f"{artifact.name} holds no Python code (no module besides empty __init__.py files): is "
                    "src/ empty after a merge? restore the library's modules, then build again; nothing was kept "
                    "in dist/")


def build(settings: Settings, write: Write) -> Path:
    """``invoke build``: the library as a wheel or egg in dist/."""
    artifact = build_library(settings.project_dir, settings.library_format)
    write(f"built {artifact.relative_to(settings.project_dir)}")
    return artifact


def built_artifact(settings: Settings) -> Path:
    """The library last built into dist/."""
    artifacts = sorted((settings.project_dir / "dist").glob(f"*{FORMATS[settings.library_format]}"))
    if not artifacts:
        raise UserError("no built library in dist/; run `invoke build` first")
    return artifacts[-1]


def upload_library(libraries: LibraryStore, artifact: Path, folder: str, write: Write) -> str:
    """Put ``artifact`` in the libraries ``folder`` of a library store; return the path runs install it from."""
    path = libraries.upload(folder, artifact.name, artifact.read_bytes())
    write(f"deployed {artifact.name} -> {path}")
    return path
