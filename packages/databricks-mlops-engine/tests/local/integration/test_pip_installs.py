"""%pip install of local and workspace wheels: real pip installs them into the run's own folder, never into the
project's environment, and the newest wheel of a --find-links folder wins. Integration tests: each runs pip."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, WHEEL, Run, notebook, wheel_file

from mlops_engine.local.notebook.executor import NotebookFailure


@pytest.fixture
def clean_import() -> Any:
    yield
    for name in [name for name in sys.modules if name.startswith("probe_pkg")]:
        del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if not entry.endswith("site-packages") or ".venv" in entry
                   or "python3" in entry]


def test_a_workspace_wheel_named_by_a_variable_installs_into_the_run_folder(
        run_notebook: Run, workspace: Any, tmp_path: Path, clean_import: None) -> None:
    wheel_file(workspace.local_path(f"{FOLDER}/libraries/{WHEEL}"))
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


def test_find_links_installs_the_newest_wheel_of_the_folder_and_satisfies_the_unpinned_line(
        run_notebook: Run, workspace: Any, tmp_path: Path, clean_import: None, capfd: Any) -> None:
    libraries = f"{FOLDER}/libraries"
    for version in ("1.0", "2.0"):
        wheel_file(workspace.local_path(f"{libraries}/probe_pkg-{version}-py3-none-any.whl"), version=version)
    wheel_file(workspace.local_path(f"{libraries}/other_pkg-9.0-py3-none-any.whl"), version="9.0")
    shadow = wheel_file(tmp_path / "attached" / "probe_pkg-1.0-py3-none-any.whl")
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


def test_a_wheel_installed_with_its_dependencies_needs_them_in_the_environment(
        run_notebook: Run, workspace: Any, clean_import: None) -> None:
    wheel_file(workspace.local_path(f"{FOLDER}/libraries/probe_pkg-1.0-py3-none-any.whl"),
           requires="Requires-Dist: surely-absent-dependency>=1\nRequires-Dist: pandas\n")
    line = f"%pip install --no-index --find-links /Workspace{FOLDER}/libraries probe_pkg"
    with pytest.raises(NotebookFailure, match="probe-pkg needs surely-absent-dependency is not installed locally"):
        run_notebook({"Pip": notebook(line)})
