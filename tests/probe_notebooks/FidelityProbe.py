# Databricks notebook source
# MAGIC %md
# MAGIC # Local fidelity probe
# MAGIC Each cell checks one Databricks semantic; the exit value lists every check's verdict.

# COMMAND ----------

import json
import os
import sys

verdicts = {}


def check(name, condition):
    verdicts[name] = "ok" if condition else "FAILED"


dbutils.widgets.text("table_name", "probe_view")

# COMMAND ----------

# DBTITLE 1,a title line keeps the cell's kind
# MAGIC %sql
# MAGIC CREATE OR REPLACE TEMP VIEW ${table_name} AS SELECT id FROM range(5); -- two statements; one comment
# MAGIC SELECT count(*) AS n FROM IDENTIFIER(:table_name) WHERE id < 3

# COMMAND ----------

check("sql_statements_widgets_sqldf", _sqldf.first().n == 3)

# COMMAND ----------

# MAGIC %sh
# MAGIC test -f probe_helper.py && echo "sh runs in the notebook folder" > sh_marker.txt

# COMMAND ----------

check("sh_in_notebook_folder", open("sh_marker.txt").read().startswith("sh runs"))
dbutils.fs.put("dbfs:/probe/in.txt", "x", True)

# COMMAND ----------

# MAGIC %fs ls dbfs:/probe

# COMMAND ----------

# MAGIC %run ./ProbeChild $who="parent"

# COMMAND ----------

check("run_arguments_as_widgets", child_saw == "parent")
name = "bang.txt"
!echo bang > $name
listing = !ls
here = %pwd
%env PROBE_ENV=1
check("ipython_lines", "bang.txt" in listing and here == os.getcwd() and os.environ["PROBE_ENV"] == "1")

# COMMAND ----------

# MAGIC %load_ext autoreload
# MAGIC %autoreload 2

# COMMAND ----------

context = dbutils.notebook.entry_point.getDbutils().notebook().getContext()
notebook_path = context.notebookPath().get()
check("context_notebook_path", notebook_path.endswith("/probes/FidelityProbe"))
check("context_json", json.loads(context.toJson())["tags"]["user"] == context.userName().get())
check("spark_conf_notebook_path", spark.conf.get("spark.databricks.notebook.path") == notebook_path)
from pyspark.sql import SparkSession

check("globals", sc.parallelize([1, 2]).count() == 2 and sql("SELECT 1 AS a").first().a == 1
      and getArgument("table_name") == "probe_view" and callable(displayHTML)
      and SparkSession.getActiveSession() is not None and SparkSession.getActiveSession().range(2).count() == 2)
spark.range(1).display()

# COMMAND ----------

import probe_helper

check("workspace_module_import", probe_helper.GREETING.startswith("hello") and os.getcwd() in sys.path)
dbutils.jobs.taskValues.set(key="rows", value=3)
check("task_values", dbutils.jobs.taskValues.get(taskKey="t", key="rows", debugValue=3) == 3)

# COMMAND ----------

import mlflow
from sklearn.linear_model import LinearRegression

mlflow.set_tracking_uri("databricks")
mlflow.set_registry_uri("databricks-uc")
user = context.userName().get()
mlflow.set_experiment(f"/Users/{user}/fidelity-probe")
with mlflow.start_run():
    model = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])
    info = mlflow.sklearn.log_model(model, name="model", input_example=[[0.0]])
version = mlflow.register_model(info.model_uri, "main.probes.fidelity_model")
check("mlflow_databricks_uris", mlflow.get_tracking_uri().startswith("http://127.0.0.1:") and int(version.version) >= 1)

# COMMAND ----------

root = "/Workspace" + notebook_path.rsplit("/probes/", 1)[0]
library = f"{root}/libraries/{sorted(os.listdir('../libraries'))[-1]}"
with open("verdicts.json", "w") as saved:
    json.dump(verdicts, saved)

# COMMAND ----------

# MAGIC %pip install $library

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

import json

with open("verdicts.json") as saved:
    verdicts = json.load(saved)
verdicts["restart_python_clears_variables"] = "ok" if "library" not in globals() else "FAILED"
dbutils.notebook.exit(json.dumps(verdicts))
