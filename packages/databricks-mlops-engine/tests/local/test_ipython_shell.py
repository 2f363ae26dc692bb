"""``get_ipython()`` and ``import IPython`` in a notebook reach the run's namespace, as in Databricks' kernel."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FOLDER, notebook

from mlops_engine.local.filesystem.dbfs import LocalFs
from mlops_engine.local.notebook import ipython_shell
from mlops_engine.local.notebook.dbutils import LocalDbutils
from mlops_engine.local.notebook.executor import NotebookExecutor, NotebookFailure
from mlops_engine.local.notebook.redaction import Redactor
from mlops_engine.local.notebook.secrets import Secrets


@pytest.fixture
def stand_in() -> Iterator[None]:
    """The stand-in ``IPython`` module for one test, gone afterwards (MLflow and matplotlib look for IPython)."""
    ipython_shell.install_ipython()
    yield
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, ipython_shell._StandInFinder)]
    sys.modules.pop("IPython", None)
    os.environ.pop("PROBE_IPY", None)


def _run(workspace: Any, source: str) -> dict[str, Any]:
    workspace.import_notebook(f"{FOLDER}/Shell", source.encode())
    namespace: dict[str, Any] = {}
    namespace["dbutils"] = LocalDbutils({}, Secrets(None, Redactor()), LocalFs(workspace.root / "dbfs"), lambda *_: "")
    shell = ipython_shell.attach(namespace)
    ipython_shell.activate(shell)
    try:
        NotebookExecutor(lambda p: workspace.read(p).decode()).run(f"{FOLDER}/Shell", namespace)
    finally:
        ipython_shell.deactivate(shell)
    return namespace


@pytest.mark.skipif("IPython" in sys.modules or ipython_shell.importlib.util.find_spec("IPython") is not None,
                    reason="the real IPython is installed: its get_ipython is pointed at the shell instead")
def test_import_ipython_gives_the_notebooks_namespace_and_magics(workspace: Any, stand_in: None) -> None:
    namespace = _run(workspace, notebook(
        "import IPython\nfound = IPython.get_ipython().user_ns['dbutils']\nglobal_ns = get_ipython().ns_table",
        "get_ipython().run_line_magic('env', 'PROBE_IPY=1')\nout = get_ipython().getoutput('echo hi; pwd')",
    ))
    assert namespace["found"] is namespace["dbutils"]
    assert namespace["global_ns"]["user_global"]["dbutils"] is namespace["dbutils"]
    assert os.environ["PROBE_IPY"] == "1"
    assert namespace["out"] == ["hi", str(Path.cwd())]
    assert ipython_shell.get_ipython() is None


def test_what_the_stand_in_does_not_offer_fails_naming_it(workspace: Any, stand_in: None) -> None:
    with pytest.raises(NotebookFailure, match="get_ipython\\(\\).kernel is not provided by the local target"):
        _run(workspace, notebook("get_ipython().kernel"))


def test_a_child_notebook_has_its_own_shell_and_the_parents_comes_back() -> None:
    parent, child = ipython_shell.LocalShell({}), ipython_shell.LocalShell({})
    ipython_shell.activate(parent)
    ipython_shell.activate(child)
    assert ipython_shell.get_ipython() is child
    ipython_shell.deactivate(child)
    assert ipython_shell.get_ipython() is parent
    ipython_shell.deactivate(parent)
    assert ipython_shell.get_ipython() is None


def test_registering_an_event_callback_says_it_will_not_run(capsys: pytest.CaptureFixture[str]) -> None:
    shell = ipython_shell.attach({})
    shell.events.register("post_run_cell", print)
    assert "fires no IPython events, so this callback will not run" in capsys.readouterr().out
