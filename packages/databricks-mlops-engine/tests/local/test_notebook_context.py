"""The notebook context, Databricks' globals and dbutils with Databricks' own names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import FOLDER, Run, notebook

from mlops_engine.local.notebook.dbutils import Widgets


def test_get_context_gives_options_and_json(run_notebook: Run) -> None:
    namespace = run_notebook({"Ctx": notebook(
        "ctx = dbutils.notebook.entry_point.getDbutils().notebook().getContext()\n"
        "path = ctx.notebookPath().get()\nrun = ctx.currentRunId().get().id()\nuser = ctx.userName().get()\n"
        "tag_user = ctx.tags().get('user').get()\nhas_token = ctx.apiToken().isDefined()\nraw = ctx.toJson()\n"
        "same = dbutils.notebook.getContext().notebookPath().get()",
    )})
    assert namespace["path"] == namespace["same"] == f"{FOLDER}/Ctx"
    assert namespace["run"] == 7 and namespace["user"] == namespace["tag_user"] and not namespace["has_token"]
    assert json.loads(namespace["raw"])["extraContext"]["notebook_path"] == f"{FOLDER}/Ctx"


def test_databricks_globals(run_notebook: Run, capfd: Any) -> None:
    namespace = run_notebook({"Globals": notebook(
        "same_context = sc.applicationId == spark.sparkContext.applicationId\n"
        "m = sqlContext.sql('SELECT 1 AS a').count()\n"
        "k = sql('SELECT 1 AS one').first().one\nspark.range(2).createOrReplaceTempView('two')\n"
        "t = table('two').count()\n"
        "arg = getArgument('w', 'fallback')\ndisplayHTML('<b>bold</b>')\nspark.range(1).display()\n"
        "dbutils.fs.put('dbfs:/listing/f.txt', 'x')\ndisplay(dbutils.fs.ls('dbfs:/listing'))",
    )})
    assert namespace["same_context"] and (namespace["m"], namespace["k"], namespace["t"]) == (1, 1, 2)
    assert namespace["arg"] == "fallback"
    out = capfd.readouterr().out
    assert "displayHTML" in out and "f.txt" in out and "modificationTime" in out


def test_widgets_take_databricks_keywords() -> None:
    widgets = Widgets({"env": "dev"})
    widgets.text("days", defaultValue="7", label="Days")
    widgets.combobox("store", defaultValue="1", choices=["1", "2"])
    widgets.multiselect("items", defaultValue="a", choices=["a", "b"])
    widgets.dropdown("env", defaultValue="prod", choices=["dev", "prod"])
    assert widgets.getAll() == {"days": "7", "store": "1", "items": "a", "env": "dev"}
    assert widgets.getArgument("missing", "x") == "x"
    widgets.remove("days")
    with pytest.raises(KeyError, match="InputWidgetNotDefined"):
        widgets.get("days")
    with pytest.raises(ValueError, match="not one of its choices"):
        widgets.dropdown("bad", defaultValue="z", choices=["a"])


def test_task_values_outside_a_job_need_a_debug_value(run_notebook: Run) -> None:
    namespace = run_notebook({"Tasks": notebook(
        "dbutils.jobs.taskValues.set(key='rows', value=3)\n"
        "got = dbutils.jobs.taskValues.get(taskKey='prep', key='rows', default=0, debugValue=42)",
    )})
    assert namespace["got"] == 42
    with pytest.raises(TypeError, match="debugValue"):
        namespace["dbutils"].jobs.taskValues.get("prep", "rows")
