"""Python cells accept the IPython lines Databricks' kernel accepts: !cmd, %cd, %pwd, %env, $var expansion."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, notebook

from mlops_engine.local.notebook.executor import NotebookFailure
from mlops_engine.local.notebook.ipython_syntax import expand, to_python


def test_shell_and_magic_lines_become_calls_but_strings_and_continuations_do_not() -> None:
    source = 'files = !ls\n!echo hi\ntext = """\n!not a command\n"""\nx = (1\n     != 2)\nif x:\n    %pwd'
    code = to_python(source)
    assert code.count("run_line(globals()") == 3
    assert "!not a command" in code and "!= 2)" in code
    compile(code, "<cell>", "exec")


def test_expansion_reads_the_notebooks_variables() -> None:
    names = {"path": "/Workspace/a b", "n": 2}
    assert expand("install $path/x-{n + 1}.whl ${n} $$HOME {unknown_name} $missing", names) == (
        "install /Workspace/a b/x-3.whl 2 $HOME {unknown_name} $missing")


def test_ipython_lines_in_a_run(run_notebook: Run, workspace: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_PROBE", raising=False)
    namespace = run_notebook({"Shell": notebook(
        "import os\nname = 'made.txt'\n!touch $name\nlisted = !ls\n%env LOCAL_PROBE=1\nhere = %pwd\n%cd ..",
    )})
    folder = workspace.local_path("/root/branch")
    assert "made.txt" in namespace["listed"] and namespace["here"] == str(folder)
    assert os.environ["LOCAL_PROBE"] == "1" and Path.cwd() == folder.parent


def test_autoreload_says_what_it_does(run_notebook: Run, capfd: Any) -> None:
    run_notebook({"Reload": notebook("# MAGIC %load_ext autoreload\n# MAGIC %autoreload 2")})
    assert "nothing to reload" in capfd.readouterr().out


def test_a_failed_download_fails_the_cell_saying_so(run_notebook: Run) -> None:
    with pytest.raises(NotebookFailure, match="download from nowhere.invalid failed: the local target runs offline"):
        run_notebook({"Wget": notebook("!curl -sf https://nowhere.invalid/data.csv -o /dev/null")})
