"""Real public Databricks notebooks run on the local target as corpus.json expects: SUCCESS, or FAILED saying why.

The corpus (``../shared/notebook_corpus`` beside this repository: 23 notebooks from public repositories, unmodified,
each with its source, commit and licence in SOURCES.md and LICENSES/) is test material, not part of the product: the
repository holds only what was written for it. Each entry folder is
copied into the notebooks package of one baked project and sent to a branch folder of its own (the entry folder is
then the repository root, as its Git folder was), its input data faked as the entry's ``fixtures`` say (``files``:
DBFS or /databricks-datasets paths and contents; ``setup_python``: code run as a notebook first), and run with
``invoke run --target local``; the runs share the workspace's warm Spark driver.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bakery import TEMPLATE_DIR

Invoke = Callable[..., subprocess.CompletedProcess[str]]
NOTEBOOK_HEADER = "# Databricks notebook source\n"


CORPUS = TEMPLATE_DIR.parent / "shared" / "notebook_corpus"
if not (CORPUS / "corpus.json").is_file():
    raise RuntimeError(f"the public notebook corpus is not at {CORPUS}: the tests read it from shared/ beside this "
                       "repository (see its README)")
ENTRIES: dict[str, Any] = json.loads((CORPUS / "corpus.json").read_text())
OUTCOMES = json.loads((Path(__file__).parent / "corpus_outcomes.json").read_text())
"""Where the project's runtime ends an entry otherwise than the shared file says (with why)."""
for _name, _outcome in OUTCOMES.items():
    if not _name.startswith("_"):
        ENTRIES[_name] = {**ENTRIES[_name], **{key: _outcome[key] for key in ("expect", "failure_contains")}}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus_project(project: Path, tmp_path_factory: pytest.TempPathFactory, invoke_in: Invoke) -> Iterator[Path]:
    """One baked project for every entry, its library built once: each entry goes to a branch folder of its
    own in one local workspace, as a team's notebooks share a workspace and its warm cluster."""
    copy = tmp_path_factory.mktemp("corpus") / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".workspace", ".runs", ".mlflow", "dist", "build"))
    result = invoke_in(copy, "build")
    assert result.returncode == 0, result.stderr
    yield copy
    invoke_in(copy, "stop-spark")


def run_entry(project: Path, name: str, spec: dict[str, Any], invoke_in: Invoke) -> subprocess.CompletedProcess[str]:
    """Add the entry to the notebooks package and its fixtures to the workspace, send, deploy, run; the run's
    command-line result. The entry's files leave the package afterwards (its branch folder keeps them)."""
    package = next(path.parent for path in project.glob("*/set_environment.py"))
    fixtures = spec.get("fixtures", {})
    added = [package / child.name for child in (CORPUS / name).iterdir()]
    added += [package / "corpus_setup.py"] if "setup_python" in fixtures else []
    assert not [path for path in added if path.exists()], "the entry would overwrite a file of the project"
    shutil.copytree(CORPUS / name, package, dirs_exist_ok=True)
    branch = name.replace("_", "-")
    for path, content in fixtures.get("files", {}).items():
        relative = path.removeprefix("dbfs:").lstrip("/")
        folder = "" if relative.startswith("databricks-datasets/") else "dbfs"
        file = project / ".workspace" / folder / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content)
    if "setup_python" in fixtures:
        (package / "corpus_setup.py").write_text(NOTEBOOK_HEADER + fixtures["setup_python"] + "\n")
    try:
        for args in (("send", "--branch", branch, "--target", "local"), ("deploy", "--branch", branch)):
            done = invoke_in(project, *args)
            assert done.returncode == 0, done.stdout + done.stderr
        if "setup_python" in fixtures:
            setup = invoke_in(project, "run", "--notebook", "corpus_setup", "--branch", branch, "--target", "local")
            assert setup.returncode == 0, setup.stdout + setup.stderr
        notebook = spec["notebook"].removeprefix(f"{name}/").removesuffix(".py")
        params = [arg for key, value in spec.get("widgets", {}).items() for arg in ("--param", f"{key}={value}")]
        return invoke_in(project, "run", "--notebook", notebook, "--branch", branch, "--target", "local", *params)
    finally:
        for path in added:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def verdict(spec: dict[str, Any], result: subprocess.CompletedProcess[str]) -> str:
    """'ok' when the run ended as expected, else what happened instead."""
    output = result.stdout + result.stderr
    if spec["expect"] == "SUCCESS":
        return "ok" if result.returncode == 0 else "FAILED instead of SUCCESS"
    if result.returncode == 0:
        return "SUCCESS instead of FAILED"
    if "INTERNAL_ERROR" in output:
        return "INTERNAL_ERROR instead of FAILED"
    return "ok" if spec["failure_contains"] in output else f"FAILED without {spec['failure_contains']!r}"


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_corpus_notebook_ends_as_expected(name: str, corpus_project: Path, invoke_in: Invoke) -> None:
    result = run_entry(corpus_project, name, ENTRIES[name], invoke_in)
    assert verdict(ENTRIES[name], result) == "ok", result.stdout[-3000:] + result.stderr[-3000:]
