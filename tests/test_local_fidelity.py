"""The local target runs notebooks as a workspace does, or fails loudly at the cell it cannot run.

Probe notebooks (tests/probe_notebooks) are sent into a baked project's notebooks package and run
through the real ``invoke`` command line: one probe whose exit value lists a verdict per semantic,
probes that must fail at a given cell with a given reason, and one that starts with the cells every
generated notebook starts with (install the library deployed for its folder) and exits with the path
the library was imported from.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

PROBES = Path(__file__).parent / "probe_notebooks"
BRANCH = "probe"
Invoke = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.slow

FAILURES = {
    "FailScala": r"cell 2 `%scala`: %scala cells cannot run on the local target",
    "FailR": r"cell 2 `%r`: %r cells cannot run on the local target",
    "FailUnknownMagic": r"cell 2 `%frobnicate now`: IPython magic %frobnicate is not supported",
    "FailMissingRun": r"cell 2 `%run ./NoSuchNotebook`: %run ./NoSuchNotebook: no notebook",
    "FailSyntax": r"cell 2 `def broken\(:`: SyntaxError",
    "FailShExit": r"cell 2 `%sh`: %sh exited with status 3: about to fail",
    "FailPip": r"cell 2 `%pip install surely-not-installed-probe-pkg`: %pip install surely-not-installed-probe-pkg "
               r"failed: [\s\S]*No matching distribution found for surely-not-installed-probe-pkg",
    "FailPipEmptyFolder": r"cell 3 `%pip install --no-index --find-links \$LIBRARY_FOLDER probe_library`: [\s\S]*"
                          r"No matching distribution found for probe_library[\s\S]*--find-links "
                          r"/Workspace/\S+/probe/probes/libraries \(locally \S+\) holds no wheel",
}
LIBRARY_PROBE = "LibraryProbe"


@pytest.fixture(scope="module")
def probe_project(project: Path, tmp_path_factory: pytest.TempPathFactory, invoke_in: Invoke) -> Path:
    """A baked project with the probes in its notebooks package, sent and deployed to the branch folder."""
    copy = tmp_path_factory.mktemp("fidelity") / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".workspace", ".runs", ".mlflow", "dist", "build"))
    package = next(path.parent for path in copy.glob("*/set_environment.py"))
    shutil.copytree(PROBES, package / "probes")
    (package / f"{LIBRARY_PROBE}.py").write_text(library_probe(package / "ModelTraining.py", library_name(copy)))
    for args in (("send", "--branch", BRANCH, "--target", "local"), ("build",), ("deploy", "--branch", BRANCH)):
        result = invoke_in(copy, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return copy


def library_name(project: Path) -> str:
    """The project's library, as invoke.yaml names it."""
    return re.search(r"library_name: (\S+)", (project / "invoke.yaml").read_text()).group(1)


def library_probe(training: Path, library: str) -> str:
    """The generated training notebook's cells up to its own code (the library install), then an import."""
    head = training.read_text().split("# MAGIC %run ./set_environment")[0]
    assert "--find-links $LIBRARY_FOLDER" in head, head
    return f"{head}import {library}\n\ndbutils.notebook.exit({library}.__file__)\n"


def _run(invoke_in: Invoke, project: Path, notebook: str) -> subprocess.CompletedProcess[str]:
    return invoke_in(project, "run", "--notebook", f"probes/{notebook}", "--branch", BRANCH, "--target", "local")


def _verdicts(invoke_in: Invoke, project: Path, notebook: str) -> dict[str, str]:
    result = _run(invoke_in, project, notebook)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^run \d+ succeeded:$", result.stdout, re.M), result.stdout  # a JSON result is read as lines
    run_dir = Path(re.search(r"file://(\S+)/log\.txt", result.stdout).group(1))
    return json.loads(json.loads((run_dir / "run.json").read_text())["notebook_result"])


def test_every_semantic_holds_in_a_local_run(probe_project: Path, invoke_in: Invoke) -> None:
    verdicts = _verdicts(invoke_in, probe_project, "FidelityProbe")
    assert len(verdicts) == 12, verdicts
    assert {name for name, verdict in verdicts.items() if verdict != "ok"} == set(), verdicts


def test_the_runtime_s_versions_delta_catalogs_pip_and_filesystem_hold_in_a_local_run(
        probe_project: Path, invoke_in: Invoke) -> None:
    """The project's runtime as a notebook meets it: ANSI mode, preinstalled libraries, a real %pip install reaching
    Spark's workers, Delta's own engine by default, Unity Catalog's namespace with getArgument in %sql, and /dbfs for
    %sh, a child process and Spark alike."""
    verdicts = _verdicts(invoke_in, probe_project, "RuntimeProbe")
    assert len(verdicts) == 11, verdicts
    assert {name for name, verdict in verdicts.items() if verdict != "ok"} == set(), verdicts


@pytest.mark.parametrize("notebook", sorted(FAILURES))
def test_what_cannot_run_fails_at_its_cell_saying_why(probe_project: Path, invoke_in: Invoke, notebook: str) -> None:
    result = _run(invoke_in, probe_project, notebook)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "TERMINATED/FAILED" in output and "INTERNAL_ERROR" not in output, output
    assert re.search(f"probes/{notebook}, {FAILURES[notebook]}", output), output


def test_a_notebook_installs_the_wheel_deployed_for_its_folder(probe_project: Path, invoke_in: Invoke) -> None:
    """As on Databricks: %pip takes the folder's wheel into the run's own environment, and the import uses it."""
    result = invoke_in(probe_project, "run", "--notebook", LIBRARY_PROBE, "--branch", BRANCH, "--target", "local")
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = Path(re.search(r"file://(\S+)/log\.txt", result.stdout).group(1))
    log = (run_dir / "log.txt").read_text()
    library = library_name(probe_project)
    folder = re.search(r"workspace_root: \"?([^\"\s]+)", (probe_project / "invoke.yaml").read_text()).group(1)
    dist = library.replace("_", "[-_]")
    assert re.search(rf"%pip: .*: installed {dist} \S+ .*into this run's notebook-scoped environment", log, re.I), log
    assert f"/Workspace{folder}/{BRANCH}/libraries" in log, log
    imported_from = Path(re.search(r"succeeded: (\S+)", result.stdout).group(1))
    assert imported_from.is_relative_to(run_dir / "site-packages"), result.stdout
