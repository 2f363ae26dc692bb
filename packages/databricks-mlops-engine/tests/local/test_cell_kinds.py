"""Every cell kind runs or fails loudly naming the cell: %sql, %sh, %fs, %run with arguments, other languages."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Run, notebook

from mlops_engine.local.notebook import sql_cells
from mlops_engine.local.notebook.executor import NotebookFailure
from mlops_engine.local.notebook.parser import parse_notebook
from mlops_engine.local.notebook.sql_cells import split_statements


@pytest.fixture
def plain_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statements straight to the session's spark.sql: these tests are about the cell, not the local catalog."""
    monkeypatch.setattr(sql_cells, "run_sql", lambda spark, statement: spark.sql(statement))


def test_a_title_line_does_not_change_a_cells_kind() -> None:
    (cell,) = parse_notebook(notebook("# DBTITLE 1,Create\n# MAGIC %sql\n# MAGIC SELECT 1"))
    assert cell.magic == "%sql" and cell.body == "SELECT 1"


def test_line_magics_make_a_python_cell_and_languages_a_cell_magic() -> None:
    cells = parse_notebook(notebook("# MAGIC %pip install x\n# MAGIC dbutils.library.restartPython()",
                                    "# MAGIC %scala\n# MAGIC val x = 1", "# MAGIC %sh ls"))
    assert [cell.magic for cell in cells] == [None, "%scala", "%sh"]
    assert cells[2].body == "ls"


def test_sql_splits_on_semicolons_outside_quotes_and_comments_and_substitutes_widgets() -> None:
    sql = "-- a; comment\nDROP TABLE IF EXISTS ${db}.t; SELECT ';' AS s, '${day}' AS d, :who AS w, x::int FROM $db.t;"
    assert split_statements(sql, {"db": "sales", "day": "2024-01-01", "who": "o'k"}) == [
        "-- a; comment\nDROP TABLE IF EXISTS sales.t",
        "SELECT ';' AS s, '2024-01-01' AS d, 'o\\'k' AS w, x::int FROM sales.t",
    ]


def test_sql_cell_runs_every_statement_and_binds_the_last_result(run_notebook: Run, plain_sql: None) -> None:
    namespace = run_notebook({"Sql": notebook(
        'dbutils.widgets.text("n", "3")',
        "# MAGIC %sql\n# MAGIC CREATE OR REPLACE TEMP VIEW v AS SELECT id FROM range(${n});\n"
        "# MAGIC SELECT count(*) AS c FROM v WHERE id < :n",
    )})
    assert namespace["_sqldf"].collect()[0].c == 3


def test_sql_failure_names_the_statement(run_notebook: Run, plain_sql: None) -> None:
    with pytest.raises(NotebookFailure, match=r"cell 1 `%sql`: %sql statement 2 of 2 \(SELECT \* FROM nowhere\)"):
        run_notebook({"Bad": notebook("# MAGIC %sql\n# MAGIC SELECT 1;\n# MAGIC SELECT * FROM nowhere")})


def test_sh_runs_in_the_notebooks_folder_and_a_non_zero_exit_fails(run_notebook: Run, capfd: Any) -> None:
    run_notebook({"Sh": notebook("# MAGIC %sh\n# MAGIC pwd\n# MAGIC echo hello > made.txt")})
    assert capfd.readouterr().out.strip().endswith("/root/branch")
    with pytest.raises(NotebookFailure, match="cell 2 `%sh exit 3`: %sh exited with status 3"):
        run_notebook({"Exit": notebook("x = 1", "# MAGIC %sh exit 3", "x = 2")})


def test_fs_cell_goes_through_dbutils_fs(run_notebook: Run, capfd: Any) -> None:
    namespace = run_notebook({"Fs": notebook('dbutils.fs.put("dbfs:/in/a.txt", "x")', "# MAGIC %fs ls /in")})
    assert "a.txt" in capfd.readouterr().out
    assert namespace["dbutils"].fs.ls("dbfs:/in")


@pytest.mark.parametrize("magic", ["%scala", "%r", "%R"])
def test_other_languages_fail_naming_the_cell(run_notebook: Run, magic: str) -> None:
    with pytest.raises(NotebookFailure, match=f"cell 2 `{magic}`: {magic} cells cannot run on the local target"):
        run_notebook({"Lang": notebook("x = 1", f"# MAGIC {magic}\n# MAGIC val y = 2")})


def test_unknown_magic_fails(run_notebook: Run) -> None:
    with pytest.raises(NotebookFailure, match="cell 1 `%frobnicate`: IPython magic %frobnicate is not supported"):
        run_notebook({"Unknown": notebook("# MAGIC %frobnicate")})


def test_run_passes_arguments_as_widgets_and_keeps_the_namespace(run_notebook: Run) -> None:
    namespace = run_notebook({
        "Parent": notebook('# MAGIC %run ./Child $name="from parent" $n=2', "after = seen"),
        "Child": notebook('seen = dbutils.widgets.get("name") + "/" + dbutils.widgets.get("n")'),
    })
    assert namespace["after"] == "from parent/2"
    with pytest.raises(KeyError):
        namespace["dbutils"].widgets.get("name")


def test_missing_run_target_and_syntax_errors_are_the_cells_failure(run_notebook: Run) -> None:
    with pytest.raises(NotebookFailure, match="cell 1 `%run ./Nowhere`: %run ./Nowhere: no notebook"):
        run_notebook({"Missing": notebook("# MAGIC %run ./Nowhere")})
    with pytest.raises(NotebookFailure, match="cell 2 `def broken\\(:`: SyntaxError"):
        run_notebook({"Syntax": notebook("x = 1", "def broken(:\n    pass")})


def test_markdown_is_documentation(run_notebook: Run) -> None:
    assert run_notebook({"Md": notebook("# MAGIC %md\n# MAGIC # Title", "# MAGIC %md-sandbox\n# MAGIC <b>x</b>",
                                        "done = True")})["done"]
