# Databricks notebook source
# MAGIC %md
# MAGIC # Integration tests
# MAGIC Runs each notebook of `integration_tests/` on this cluster with a timeout, logs its outcome and
# MAGIC duration to an MLflow run tagged with the git sha (compare test history across commits in the
# MAGIC experiment `<workspace root>/experiments/<environment>-tests`), and fails if any failed.
# MAGIC `invoke ci --run-tests` runs it after ModelTraining, with the sha and build id as parameters and
# MAGIC `results=json`: the notebook then exits with the outcomes as JSON instead of failing, and ci writes them
# MAGIC as JUnit XML (notebook-test-results.xml) for the pipeline's test tab, red when any failed.

# COMMAND ----------

{% if cookiecutter.library_format == "wheel" -%}
# MAGIC %run ./conf/install_library

# COMMAND ----------

# MAGIC %pip install --quiet --no-index --no-deps --force-reinstall --find-links $LIBRARY_FOLDER {{ cookiecutter.library_name }}

# COMMAND ----------

# MAGIC %pip install --quiet {{ cookiecutter.library_name }}

# COMMAND ----------

{% endif -%}
# MAGIC %run ./set_environment

# COMMAND ----------

dbutils.widgets.text("git_sha", "unknown")
dbutils.widgets.text("build_id", "")
dbutils.widgets.text("timeout_seconds", "900")
dbutils.widgets.dropdown("results", "raise", ["raise", "json"])

# COMMAND ----------

from {{ cookiecutter.library_name }}.notebook_test_results import (
    outcomes_json,
    raise_if_failed,
    run_test_notebooks,
    summary,
)
from {{ cookiecutter.library_name }}.tracking import log_test_results

TEST_NOTEBOOKS = ["./integration_tests/test_sales_data", "./integration_tests/test_features"]

outcomes = run_test_notebooks(
    lambda path, timeout: dbutils.notebook.run(path, timeout, {}),
    TEST_NOTEBOOKS,
    int(dbutils.widgets.get("timeout_seconds")),
)
run_id = log_test_results(f"{WORKSPACE_ROOT}/experiments/{ENVIRONMENT}-tests", outcomes,
                          dbutils.widgets.get("git_sha"), dbutils.widgets.get("build_id"))
print(summary(outcomes))

# COMMAND ----------

if dbutils.widgets.get("results") == "json":
    dbutils.notebook.exit(outcomes_json(outcomes, run_id))
raise_if_failed(outcomes)
dbutils.notebook.exit(f"mlflow_run_id={run_id} passed={len(outcomes)}")
