"""%pip install from the package index, of workspace wheels and of --find-links folders: real pip installs into the
run's own cached layer, never into the project's environment, and the run's Python, its child processes and Spark's
Python workers (UDFs, RDD functions) all import what it installed. Integration tests: pip downloads from the index
pip is configured with, and Spark runs Python workers."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, WHEEL, Run, notebook, wheel_file

from mlops_engine.local.notebook import pip_runtime
from mlops_engine.local.notebook.executor import NotebookFailure
from mlops_engine.local.notebook.pip_environment import CACHE_ENV

PACKAGE = "tabulate"
"""A small pure-Python package from the index, absent from the project's environment."""


def installed_in_run(file: str, tmp_path: Path, cache: Path) -> bool:
    """Whether ``file`` is imported from the run's link to a layer of the cache."""
    return Path(file).is_relative_to(tmp_path / "site-packages") and Path(file).resolve().is_relative_to(cache)


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spark: Any) -> Iterator[Path]:
    """A layer cache of the test's own; the process' paths, imports and Spark's worker environment restored after."""
    cache = tmp_path / "layer-cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name, empty in (("_ACTIVE", []), ("_SCRIPTS", []), ("_OURS", set())):
        monkeypatch.setattr(pip_runtime, name, empty)
    saved = dict(spark.sparkContext.environment)
    yield cache
    spark.sparkContext.environment.clear()
    spark.sparkContext.environment.update(saved)
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def test_a_package_from_the_index_reaches_udfs_rdds_and_child_processes_and_a_repeat_comes_from_the_cache(
        run_notebook: Run, tmp_path: Path, layers: Path, capfd: Any) -> None:
    assert importlib.util.find_spec(PACKAGE) is None, f"{PACKAGE} must not be in the project's environment"
    cells = (
        f"%pip install {PACKAGE}",
        f"import {PACKAGE}\nwhere = {PACKAGE}.__file__",
        "from pyspark.sql.functions import udf\n"
        "def table(value):\n"
        f"    import {PACKAGE}\n"
        f"    return {PACKAGE}.tabulate([[value]], tablefmt='plain').strip()\n"
        "cells = [row[0] for row in spark.range(2).select(udf(table, 'string')('id')).collect()]\n"
        f"workers = sc.parallelize([1]).map(lambda _: __import__('{PACKAGE}').__file__).collect()",
        "import subprocess, sys\n"
        f"child = subprocess.run([sys.executable, '-c', 'import {PACKAGE}; print({PACKAGE}.__file__)'], "
        "capture_output=True, text=True, check=True).stdout.strip()",
        f"# MAGIC %sh {sys.executable} -c 'import {PACKAGE}; print({PACKAGE}.__file__)' > from_sh.txt",
    )
    namespace = run_notebook({"Install": notebook(*cells)})
    out = capfd.readouterr().out
    assert re.search(rf"%pip: {PACKAGE}: installed {PACKAGE} \S+ in [\d.]+ s", out), out
    assert installed_in_run(namespace["where"], tmp_path, layers)
    assert namespace["cells"] == ["0", "1"]
    assert installed_in_run(namespace["workers"][0], tmp_path, layers)
    assert installed_in_run(namespace["child"], tmp_path, layers)
    assert Path("from_sh.txt").read_text().strip() == namespace["where"]
    environment = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    assert not any(Path(folder, PACKAGE).exists() for folder in environment)  # the project's environment unchanged

    (tmp_path / "pip-layers.json").unlink()  # a new run of the same notebook
    del sys.modules[PACKAGE]
    namespace = run_notebook({"Again": notebook(cells[0], cells[1])})
    served = re.search(rf"%pip: {PACKAGE}: installed {PACKAGE} \S+ from the cache \(([\d.]+) s", capfd.readouterr().out)
    assert served is not None and float(served.group(1)) < 1
    assert installed_in_run(namespace["where"], tmp_path, layers)


def test_a_requirement_the_index_does_not_have_fails_the_cell_naming_it_and_pips_reason(
        run_notebook: Run, layers: Path) -> None:
    expected = (r"(?s)cell 1 `%pip install -q nonexistent-package-zz9==1.0`: %pip install nonexistent-package-zz9==1.0 "
                r"failed: ERROR: Could not find a version that satisfies the requirement nonexistent-package-zz9==1.0.*"
                r"No matching distribution found for nonexistent-package-zz9==1.0")
    with pytest.raises(NotebookFailure, match=expected) as failure:
        run_notebook({"Pip": notebook("%pip install -q nonexistent-package-zz9==1.0")})
    assert "Traceback" not in str(failure.value)
    assert [entry.name for entry in layers.iterdir() if not entry.name.endswith(".lock")] == []


def test_a_workspace_wheel_named_by_a_variable_installs_into_the_runs_layer(
        run_notebook: Run, workspace: Any, tmp_path: Path, layers: Path) -> None:
    wheel_file(workspace.local_path(f"{FOLDER}/libraries/{WHEEL}"))
    namespace = run_notebook({"Install": notebook(
        f'library = "/Workspace{FOLDER}/libraries/{WHEEL}"',
        "%pip install $library",
        "import probe_pkg\nvalue, where = probe_pkg.VALUE, probe_pkg.__file__",
    )})
    assert namespace["value"] == "1.0"
    assert installed_in_run(namespace["where"], tmp_path, layers)
    environment = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}  # where pip would have put it
    installed = ("probe_pkg", "probe_pkg-1.0.dist-info")
    assert not any(Path(folder, name).exists() for folder in environment for name in installed)


def test_find_links_installs_the_newest_wheel_of_the_folder_and_satisfies_the_unpinned_line(
        run_notebook: Run, workspace: Any, tmp_path: Path, layers: Path, capfd: Any) -> None:
    libraries = f"{FOLDER}/libraries"
    for version in ("1.0", "2.0"):
        wheel_file(workspace.local_path(f"{libraries}/probe_pkg-{version}-py3-none-any.whl"), version=version)
    wheel_file(workspace.local_path(f"{libraries}/other_pkg-9.0-py3-none-any.whl"), version="9.0")
    shadow = wheel_file(tmp_path / "attached" / "probe_pkg-1.0-py3-none-any.whl")
    sys.path.append(str(shadow))  # a library attached to the run comes after what %pip installs
    namespace = run_notebook({"Install": notebook(
        f'LIBRARY_FOLDER = "/Workspace{libraries}"',
        "# MAGIC %pip install -q --no-index --no-deps --force-reinstall --find-links $LIBRARY_FOLDER probe_pkg",
        "# MAGIC %pip install --quiet probe-pkg",
        "import probe_pkg\nvalue, where = probe_pkg.VALUE, probe_pkg.__file__",
    )})
    out = capfd.readouterr().out
    assert namespace["value"] == "2.0"
    assert installed_in_run(namespace["where"], tmp_path, layers)
    assert "%pip: probe_pkg: installed probe-pkg 2.0 in" in out
    assert "%pip: probe-pkg: already satisfied by the project's environment or an earlier %pip of this run" in out


def test_a_wheels_dependency_found_nowhere_fails_naming_it(
        run_notebook: Run, workspace: Any, layers: Path) -> None:
    wheel_file(workspace.local_path(f"{FOLDER}/libraries/probe_pkg-1.0-py3-none-any.whl"),
               requires="Requires-Dist: surely-absent-dependency>=1\nRequires-Dist: pandas\n")
    line = f"%pip install --no-index --find-links /Workspace{FOLDER}/libraries probe_pkg"
    with pytest.raises(NotebookFailure, match="(?s)%pip install probe_pkg failed: .*requirement "
                                              "surely-absent-dependency>=1 .*from probe-pkg"):
        run_notebook({"Pip": notebook(line)})
