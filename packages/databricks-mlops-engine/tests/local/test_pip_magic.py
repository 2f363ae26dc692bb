"""%pip checks pins against this environment and refuses, naming why, what it cannot meet offline.

The installs themselves run pip: they are tested in ``integration/test_pip_installs.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, Run, notebook, wheel_file

from mlops_engine.local.notebook.dbutils import LocalDbutils
from mlops_engine.local.notebook.executor import NotebookFailure


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


@pytest.mark.parametrize("wheel", [None, "other_pkg-1.0-py3-none-any.whl"])
def test_find_links_to_a_folder_without_the_wheel_fails_naming_the_folder(
        run_notebook: Run, workspace: Any, tmp_path: Path, wheel: str | None) -> None:
    workspace.mkdirs(f"{FOLDER}/libraries")
    if wheel:
        wheel_file(workspace.local_path(f"{FOLDER}/libraries/{wheel}"))
    line = f"%pip install --no-index --find-links /Workspace{FOLDER}/libraries probe_pkg"
    expected = (f"cell 1 .*no probe-pkg wheel in --find-links /Workspace{FOLDER}/libraries "
                r"\(locally .*/libraries\) and --no-index allows no other source")
    with pytest.raises(NotebookFailure, match=expected):
        run_notebook({"Pip": notebook(line)})
    assert not (tmp_path / "site-packages" / "probe_pkg").exists()


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
