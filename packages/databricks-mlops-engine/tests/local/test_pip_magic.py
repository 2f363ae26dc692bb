"""%pip installs notebook-scoped libraries with real pip into cached layers over the project's environment.

Offline: the packages are wheels built here, installed with ``--no-index --find-links`` or by path, and the
unreachable index is a closed local port. Installs from the package index are in
``integration/test_pip_installs.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, SEP, H

from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.notebook import pip_layers, pip_runtime
from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.context import NotebookContext
from mlops_engine.local.notebook.dbutils import LocalDbutils
from mlops_engine.local.notebook.executor import NotebookExecutor, NotebookFailure
from mlops_engine.local.notebook.ipython_syntax import to_python
from mlops_engine.local.notebook.pip import PipInstaller
from mlops_engine.local.notebook.pip_environment import CACHE_ENV

LIBRARIES = f"{FOLDER}/libraries"


def make_wheel(folder: Path, name: str = "probe_pkg", version: str = "1.0", requires: tuple[str, ...] = (),
               body: str = "") -> Path:
    """A pure-Python wheel of module ``name`` whose VALUE is its version."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {requirement}\n" for requirement in requires)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", f"VALUE = {version!r}\n{body}")
        wheel.writestr(f"{info}/METADATA", metadata)
        wheel.writestr(f"{info}/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A layer cache of the test's own; the process' paths and imports as they were afterwards."""
    cache = tmp_path / "layer-cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(pip_runtime, "_ACTIVE", [])
    monkeypatch.setattr(pip_runtime, "_SCRIPTS", [])
    monkeypatch.setattr(pip_runtime, "_OURS", set())
    context = sys.modules["pyspark"].SparkContext._active_spark_context if "pyspark" in sys.modules else None
    saved = dict(context.environment) if context is not None else {}
    yield cache
    if context is not None:
        context.environment.clear()
        context.environment.update(saved)
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def run(workspace: LocalWorkspace, run_dir: Path, *cells: str) -> dict[str, Any]:
    """Run a notebook of these cells as a run whose folder is ``run_dir`` (no Spark): its namespace."""
    workspace.import_notebook(f"{FOLDER}/Pip", (H + SEP.join(cells)).encode())
    context = NotebookContext(f"{FOLDER}/Pip", run_id=7, workspace_root=str(workspace.root),
                              site_packages=str(run_dir / "site-packages"))
    namespace: dict[str, Any] = {"dbutils": LocalDbutils({}, None, None, lambda *_: "", context)}  # type: ignore[arg-type]
    NotebookExecutor(lambda path: workspace.read(path).decode()).run(f"{FOLDER}/Pip", namespace)
    return namespace


def installer(workspace: LocalWorkspace, run_dir: Path) -> PipInstaller:
    return PipInstaller(workspace.root, run_dir / "site-packages", workspace.local_path(FOLDER))


def test_a_line_continued_with_backslashes_is_one_pip_line() -> None:
    code = to_python("%pip install --no-index \\\n    --find-links ./libs \\\n  probe_pkg\nx = 1")
    assert code.splitlines()[0].endswith("'%pip install --no-index --find-links ./libs probe_pkg')")
    assert code.splitlines()[1:] == ["", "", "x = 1"]  # later lines keep their numbers
    assert "'!ls -l /tmp')" in to_python("files = !ls \\\n -l /tmp")


def test_a_workspace_wheel_installs_into_a_layer_and_a_repeat_is_served_from_the_cache_without_pip(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    make_wheel(workspace.local_path(LIBRARIES))
    cells = (f'# MAGIC %pip install --no-index \\\n# MAGIC   --find-links /Workspace{LIBRARIES} \\\n'
             '# MAGIC   probe_pkg', "import probe_pkg\nvalue, where = probe_pkg.VALUE, probe_pkg.__file__")
    first = run(workspace, tmp_path / "run1", *cells)
    assert first["value"] == "1.0" and Path(first["where"]).is_relative_to(tmp_path / "run1" / "site-packages")
    assert Path(first["where"]).resolve().is_relative_to(layers)  # a link to the cached layer
    assert "installed probe-pkg 1.0 in" in capsys.readouterr().out
    del sys.modules["probe_pkg"]

    def no_pip(*_: Any) -> None:
        raise AssertionError("pip ran for an install the cache holds")

    monkeypatch.setattr(pip_layers, "run_pip", no_pip)
    started = time.perf_counter()
    installer(workspace, tmp_path / "run2").run(f"install --no-index --find-links /Workspace{LIBRARIES} probe_pkg")
    elapsed = time.perf_counter() - started
    assert elapsed < 1, f"a repeated install took {elapsed:.2f} s"
    assert "installed probe-pkg 1.0 from the cache" in capsys.readouterr().out
    import probe_pkg

    assert probe_pkg.VALUE == "1.0"
    record = json.loads((tmp_path / "run2" / "pip-layers.json").read_text())
    assert [Path(layer["path"]).parent for layer in record["layers"]] == [layers]


def test_two_runs_installing_the_same_together_build_it_once(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path) -> None:
    make_wheel(workspace.local_path(LIBRARIES))
    script = ("import sys; from pathlib import Path; from mlops_engine.local.notebook.pip import PipInstaller; "
              "PipInstaller(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])).run(sys.argv[4])")
    line = f"install --no-index --find-links /Workspace{LIBRARIES} probe_pkg"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(workspace.root), str(tmp_path / f"run{n}" /
                              "site-packages"), str(workspace.local_path(FOLDER)), line],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in (1, 2)]
    outputs = " ".join(run.communicate(timeout=120)[0] for run in runs)
    assert all(run.returncode == 0 for run in runs), outputs
    assert outputs.count("installed probe-pkg 1.0 in ") == 1 and outputs.count("from the cache") == 1, outputs
    assert sorted(entry.name for entry in layers.iterdir() if not entry.name.endswith(".lock")) == [
        json.loads((tmp_path / "run1" / "pip-layers.json").read_text())["layers"][0]["key"]]


def test_a_changed_wheel_is_a_new_layer(workspace: LocalWorkspace, tmp_path: Path, layers: Path) -> None:
    wheel = make_wheel(workspace.local_path(LIBRARIES))
    line = f"install /Workspace{LIBRARIES}/{wheel.name}"
    installer(workspace, tmp_path / "run1").run(line)
    make_wheel(workspace.local_path(LIBRARIES), body="CHANGED = True\n")  # same file name, other content
    installer(workspace, tmp_path / "run2").run(line)
    assert len([entry for entry in layers.iterdir() if entry.is_dir()]) == 2


def test_a_requirements_file_beside_the_notebook_with_workspace_paths_and_continuations(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path) -> None:
    make_wheel(workspace.local_path(LIBRARIES), "other_pkg", "2.0")
    make_wheel(workspace.local_path(f"{FOLDER}/wheels"), requires=("other-pkg>=2",))
    workspace.put_file(f"{FOLDER}/requirements.txt", (
        "# the notebook's own pins\n--no-index \\\n  --find-links /Workspace" + LIBRARIES + "\n"
        "-r more/requirements.txt  # nested, relative to this file\n").encode())
    workspace.put_file(f"{FOLDER}/more/requirements.txt", b"./wheels/probe_pkg-1.0-py3-none-any.whl\n")
    namespace = run(workspace, tmp_path / "run", "%pip install -r requirements.txt",
                    "import probe_pkg, other_pkg\nvalues = probe_pkg.VALUE, other_pkg.VALUE")
    assert namespace["values"] == ("1.0", "2.0")


def test_a_requirement_that_cannot_be_met_fails_naming_it_and_pips_reason(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path) -> None:
    make_wheel(workspace.local_path(LIBRARIES), requires=("absent-zz9>=2",))
    with pytest.raises(NotebookFailure, match=r"(?s)cell 1 .*%pip install probe_pkg failed: .*ERROR: Could not find "
                                              r"a version that satisfies the requirement absent-zz9>=2"):
        run(workspace, tmp_path / "run", f"%pip install --no-index --find-links /Workspace{LIBRARIES} probe_pkg")
    assert [entry.name for entry in layers.iterdir() if not entry.name.endswith(".lock")] == []  # nothing half-built
    with pytest.raises(CellError, match=r"(?s)no-such-zz9 failed: .*No matching distribution.*"
                                        rf"--find-links /Workspace{FOLDER}/missing \(locally .*\) does not exist"):
        installer(workspace, tmp_path / "run").run(f"install --no-index --find-links /Workspace{FOLDER}/missing "
                                                   "no-such-zz9")


def test_an_unreachable_index_fails_naming_the_requirement_and_the_network(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.delenv("PIP_NO_INDEX", raising=False)
    monkeypatch.setenv("PIP_RETRIES", "1")  # pip says why it failed only when it retries
    with pytest.raises(CellError, match=r"(?s)%pip install tabulate==0.9.0 failed: the package index could not be "
                                        r"reached \(.*Connection refused\).*No matching distribution found for "
                                        r"tabulate==0.9.0"):
        installer(workspace, tmp_path / "run").run("install tabulate==0.9.0")
    assert [entry.name for entry in layers.iterdir() if not entry.name.endswith(".lock")] == []


def test_a_layer_shadows_the_projects_version_and_the_projects_environment_never_changes(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path, capsys: Any) -> None:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    freeze = [sys.executable, "-m", "pip", "freeze", "--all"]
    before = subprocess.run(freeze, capture_output=True, text=True, check=True, env=env).stdout
    assert "\nsix==" in before
    make_wheel(workspace.local_path(LIBRARIES), "six", "0.0.1")
    pip = installer(workspace, tmp_path / "run")
    pip.run(f"install -q --no-index --find-links /Workspace{LIBRARIES} six==0.0.1")
    out = capsys.readouterr().out
    assert "installed six 0.0.1" in out
    assert "in this run, six of this layer take(s) precedence over the version(s) the project's environment" in out
    pip.run("freeze")
    assert "six==0.0.1" in capsys.readouterr().out  # the run's environment: its layer first
    after = subprocess.run(freeze, capture_output=True, text=True, check=True, env=env).stdout
    assert after == before


def test_pip_list_show_the_runs_whole_environment_and_uninstall_and_target_are_refused(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path, capsys: Any) -> None:
    make_wheel(workspace.local_path(LIBRARIES))
    pip = installer(workspace, tmp_path / "run")
    pip.run(f"install --no-index --find-links /Workspace{LIBRARIES} probe_pkg")
    capsys.readouterr()
    pip.run("list --format=freeze")
    listed = capsys.readouterr().out
    assert "probe-pkg==1.0" in listed and "pandas==" in listed
    with pytest.raises(CellError, match="%pip uninstall is not supported by the local target: what %pip installed "
                                        "lives in cached layers"):
        pip.run("uninstall -y probe_pkg")
    with pytest.raises(CellError, match="%pip install --target is not supported"):
        pip.run("install --target /tmp/x probe_pkg")
    with pytest.raises(CellError, match=r"%pip install /dbfs/libs/missing.whl: no file at /dbfs/libs/missing.whl "
                                        r"\(locally .*\); deploy or copy it there first"):
        pip.run("install /dbfs/libs/missing.whl")


def test_a_newer_version_takes_effect_after_restart_python(
        workspace: LocalWorkspace, tmp_path: Path, layers: Path) -> None:
    libraries = workspace.local_path(LIBRARIES)
    make_wheel(libraries)
    make_wheel(libraries, version="2.0")
    site_packages = tmp_path / "run" / "site-packages"
    folder = str(workspace.local_path(FOLDER))
    sys.path[:0] = [folder, str(site_packages)]  # as a run's process starts: the notebook's folder, the run's own
    pip = installer(workspace, tmp_path / "run")
    pip.run(f"install --no-index --find-links {libraries} probe_pkg==1.0")
    import probe_pkg

    assert probe_pkg.VALUE == "1.0"
    pip.run(f"install --no-index --find-links {libraries} probe_pkg==2.0")
    assert sys.modules["probe_pkg"].VALUE == "1.0"  # as on Databricks Runtime 13+: %pip does not restart Python
    first, second = (str(site_packages / f"layer-{layer['key'][:16]}")
                     for layer in json.loads((tmp_path / "run" / "pip-layers.json").read_text())["layers"])
    order = [sys.path.index(entry) for entry in (folder, second, first, str(site_packages))]
    assert order == sorted(order), sys.path[:6]  # the newest layer first, after the notebook's folder
    pip_layers.forget_installed_modules(site_packages)
    assert "probe_pkg" not in sys.modules
    import probe_pkg as fresh

    assert fresh.VALUE == "2.0"
    assert Path(os.environ["PYTHONPATH"].split(os.pathsep)[0]).resolve().is_relative_to(layers)


def test_spark_workers_get_the_layers_first_on_their_path(layers: Path) -> None:
    class Context:
        environment = {"PYTHONPATH": "/kept", "PYTHONHASHSEED": "0"}

    older, newer = layers / "a" / "site-packages", layers / "b" / "site-packages"
    for folder in (older, newer):
        folder.mkdir(parents=True)
        pip_runtime.activate(folder, folder.parent / "scripts")
    pip_runtime.activate(older, older.parent / "scripts")  # installed again: first again
    pip_runtime.export_to_spark(Context)
    assert Context.environment["PYTHONPATH"].split(os.pathsep) == [str(older), str(newer), "/kept"]
    assert sys.path.index(str(older)) < sys.path.index(str(newer))


def test_library_install_is_gone_and_restart_python_is_the_runs() -> None:
    calls: list[str] = []
    dbutils = LocalDbutils({}, None, None, lambda *_: "", restart_python=lambda: calls.append("restart"))  # type: ignore[arg-type]
    dbutils.library.restartPython()
    assert calls == ["restart"]
    with pytest.raises(Exception, match="removed in Databricks Runtime 11"):
        dbutils.library.install("dbfs:/x.egg")
