"""%pip checks pins against this environment, installs local and workspace wheels into the run's folder only."""

from __future__ import annotations

import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, Run, notebook

from tooling.local.dbutils import LocalDbutils
from tooling.local.notebook_executor import NotebookFailure

WHEEL = "probe_pkg-1.0-py3-none-any.whl"


def _wheel(path: Path, requires: str = "", version: str = "1.0") -> Path:
    """A minimal wheel of module ``probe_pkg`` (VALUE = the version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = f"probe_pkg-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("probe_pkg/__init__.py", f"VALUE = {version!r}\n")
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: probe-pkg\nVersion: {version}\n{requires}")
        wheel.writestr(f"{info}/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def clean_import() -> Any:
    yield
    for name in [name for name in sys.modules if name.startswith("probe_pkg")]:
        del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if not entry.endswith("site-packages") or ".venv" in entry
                   or "python3" in entry]


def test_a_workspace_wheel_named_by_a_variable_installs_into_the_run_folder(
        run_notebook: Run, workspace: Any, tmp_path: Path, clean_import: None) -> None:
    _wheel(workspace.local_path(f"{FOLDER}/libraries/{WHEEL}"))
    namespace = run_notebook({"Install": notebook(
        f'library = "/Workspace{FOLDER}/libraries/{WHEEL}"',
        "%pip install $library",
        "import probe_pkg\nvalue = probe_pkg.VALUE",
    )})
    assert namespace["value"] == "1.0"
    assert (tmp_path / "site-packages" / "probe_pkg" / "__init__.py").is_file()
    environment = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}  # where pip would have put it
    installed = ("probe_pkg", "probe_pkg-1.0.dist-info")
    assert not any(Path(folder, name).exists() for folder in environment for name in installed)


@pytest.mark.parametrize(("line", "message"), [
    ("%pip install pandas==0.0.1", "pandas==0.0.1 asked, pandas .* installed locally"),
    ("%pip install -U surely-not-installed-pkg", "surely-not-installed-pkg is not installed locally and this machine "
                                                 "cannot download it"),
    ("%pip install https://example.com/x.whl", "must be downloaded"),
    ("%pip install /dbfs/libs/missing.whl", "no file at /dbfs/libs/missing.whl"),
    ("%pip install -r requirements.txt", "nope-not-here is not installed locally"),
])
def test_what_cannot_be_met_offline_fails_the_cell(run_notebook: Run, workspace: Any, line: str, message: str) -> None:
    workspace.put_file(f"{FOLDER}/requirements.txt", b"# pins\npandas>=1\nnope-not-here==1.0\n")
    with pytest.raises(NotebookFailure, match=f"cell 1 `{line[:20]}.*%pip install refused: .*{message}"):
        run_notebook({"Pip": notebook(line)})


def test_installed_pins_and_ranges_pass(run_notebook: Run, capfd: Any) -> None:
    run_notebook({"Pins": notebook("# MAGIC %pip install -q 'pandas>=1' mlflow-skinny packaging")})
    assert "satisfied by pandas" in capfd.readouterr().out


def test_find_links_installs_the_newest_wheel_of_the_folder_and_satisfies_the_unpinned_line(
        run_notebook: Run, workspace: Any, tmp_path: Path, clean_import: None, capfd: Any) -> None:
    libraries = f"{FOLDER}/libraries"
    for version in ("1.0", "2.0"):
        _wheel(workspace.local_path(f"{libraries}/probe_pkg-{version}-py3-none-any.whl"), version=version)
    _wheel(workspace.local_path(f"{libraries}/other_pkg-9.0-py3-none-any.whl"), version="9.0")
    shadow = _wheel(tmp_path / "attached" / "probe_pkg-1.0-py3-none-any.whl")
    sys.path.append(str(shadow))  # a library attached to the run comes after what %pip installs
    try:
        namespace = run_notebook({"Install": notebook(
            f'LIBRARY_FOLDER = "/Workspace{libraries}"',
            "# MAGIC %pip install -q --no-index --no-deps --force-reinstall --find-links $LIBRARY_FOLDER probe_pkg",
            "# MAGIC %pip install --quiet probe-pkg",
            "import probe_pkg\nvalue, where = probe_pkg.VALUE, probe_pkg.__file__",
        )})
    finally:
        sys.path.remove(str(shadow))
    out = capfd.readouterr().out
    assert namespace["value"] == "2.0"
    assert Path(namespace["where"]).is_relative_to(tmp_path / "site-packages")
    assert f"installed probe_pkg-2.0-py3-none-any.whl from /Workspace{libraries} into this run's" in out
    assert "probe-pkg satisfied by probe-pkg 2.0, installed in this run's" in out
    assert not (tmp_path / "site-packages" / "other_pkg").exists()


@pytest.mark.parametrize("wheel", [None, "other_pkg-1.0-py3-none-any.whl"])
def test_find_links_to_a_folder_without_the_wheel_fails_naming_the_folder(
        run_notebook: Run, workspace: Any, tmp_path: Path, wheel: str | None) -> None:
    workspace.mkdirs(f"{FOLDER}/libraries")
    if wheel:
        _wheel(workspace.local_path(f"{FOLDER}/libraries/{wheel}"))
    line = f"%pip install --no-index --find-links /Workspace{FOLDER}/libraries probe_pkg"
    expected = (f"cell 1 .*no probe-pkg wheel in --find-links /Workspace{FOLDER}/libraries "
                r"\(locally .*/libraries\) and --no-index allows no other source")
    with pytest.raises(NotebookFailure, match=expected):
        run_notebook({"Pip": notebook(line)})
    assert not (tmp_path / "site-packages" / "probe_pkg").exists()


def test_a_wheel_installed_with_its_dependencies_needs_them_in_the_environment(
        run_notebook: Run, workspace: Any, clean_import: None) -> None:
    _wheel(workspace.local_path(f"{FOLDER}/libraries/probe_pkg-1.0-py3-none-any.whl"),
           requires="Requires-Dist: surely-absent-dependency>=1\nRequires-Dist: pandas\n")
    line = f"%pip install --no-index --find-links /Workspace{FOLDER}/libraries probe_pkg"
    with pytest.raises(NotebookFailure, match="probe-pkg needs surely-absent-dependency is not installed locally"):
        run_notebook({"Pip": notebook(line)})


def test_restart_python_clears_the_notebooks_variables(run_notebook: Run) -> None:
    namespace: dict[str, Any] = {}

    def restart() -> None:
        namespace.clear()

    dbutils = LocalDbutils({}, None, None, lambda *_: "", restart_python=restart)  # type: ignore[arg-type]
    namespace["x"] = 1
    dbutils.library.restartPython()
    assert namespace == {}
    with pytest.raises(Exception, match="removed in Databricks Runtime 11"):
        dbutils.library.install("dbfs:/x.egg")
