"""The local executor runs notebooks as Databricks does: cells in order, %run in one namespace."""

from __future__ import annotations

import pytest

from mlops_engine.local.notebook.executor import NotebookExecutor, NotebookExit, NotebookFailure, resolve_relative
from mlops_engine.local.notebook.parser import parse_notebook

H = "# Databricks notebook source\n"
SEP = "\n# COMMAND ----------\n"
NOTEBOOKS = {
    "/root/branch/conf/base": H + "A = 1\nB = 'base'\n",
    "/root/branch/conf/dev": H + "# MAGIC %run ./base\n" + SEP + "B = 'dev'\n",
    "/root/branch/set_environment": H + "# MAGIC %run ./conf/dev\n",
    "/root/branch/Train": H + "# MAGIC %md\n# MAGIC # Title\n" + SEP + "# MAGIC %run ./set_environment\n" + SEP
    + "C = A + 1\n" + SEP + "assert C == 3, f'C is {C}'\n",
    "/root/branch/Exit": H + "X = 1\n" + SEP + "dbutils_exit('done')\n" + SEP + "X = 2\n",
    "/root/branch/Pip": H + "# MAGIC %pip install surely-not-installed-pkg\n",
}


def _executor(cells: list[str]) -> NotebookExecutor:
    return NotebookExecutor(NOTEBOOKS.__getitem__, lambda path, cell, total: cells.append(f"{path}:{cell.number}"))


def test_parse_splits_cells_and_unwraps_magics() -> None:
    cells = parse_notebook(NOTEBOOKS["/root/branch/Train"])
    assert [cell.magic for cell in cells] == ["%md", "%run", None, None]
    assert cells[1].magic_argument == "./set_environment"
    assert cells[2].source == "C = A + 1"


def test_parse_refuses_a_plain_python_file() -> None:
    with pytest.raises(ValueError, match="Databricks notebook source"):
        parse_notebook("print(1)\n")


@pytest.mark.parametrize(("folder", "target", "expected"), [
    ("/root/branch", "./conf/dev", "/root/branch/conf/dev"),
    ("/root/branch/conf", "../set_environment", "/root/branch/set_environment"),
    ("/root/branch", "/other/x", "/other/x"),
])
def test_run_paths_are_relative_to_the_notebook(folder: str, target: str, expected: str) -> None:
    assert resolve_relative(folder, target) == expected


def test_run_chain_shares_one_namespace_and_overrides_apply() -> None:
    namespace: dict[str, object] = {}
    visited: list[str] = []
    with pytest.raises(NotebookFailure) as failure:
        _executor(visited).run("/root/branch/Train", namespace)
    assert namespace["B"] == "dev" and namespace["C"] == 2
    assert failure.value.cell == 4 and "AssertionError: C is 2" in failure.value.error
    assert visited[:3] == ["/root/branch/Train:1", "/root/branch/Train:2", "/root/branch/set_environment:1"]


def test_notebook_exit_stops_the_notebook_with_its_value() -> None:
    def dbutils_exit(value: str) -> None:
        raise NotebookExit(value)

    namespace: dict[str, object] = {"dbutils_exit": dbutils_exit}
    with pytest.raises(NotebookExit, match="done"):
        _executor([]).run("/root/branch/Exit", namespace)
    assert namespace["X"] == 1


def test_pip_outside_a_run_fails_loudly() -> None:
    with pytest.raises(NotebookFailure, match="cell 1 `%pip install surely-not-installed-pkg`: %pip needs"):
        _executor([]).run("/root/branch/Pip", {})
