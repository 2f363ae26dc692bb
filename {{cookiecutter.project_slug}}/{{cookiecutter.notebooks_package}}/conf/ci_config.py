# Databricks notebook source
# MAGIC %run ./production_config

# COMMAND ----------

# MAGIC %md
# MAGIC CI trains on a small subset so a build gets its answer in minutes.

# COMMAND ----------

ENVIRONMENT = "ci"
SALES_PATH = "dbfs:/{{ cookiecutter.project_slug }}/ci/sales"
DEMO_STORES = 2
DEMO_ITEMS = 4
DEMO_DAYS = 2 * 365
ESTIMATOR_PARAMS = {"max_iter": 60, "learning_rate": 0.1, "random_state": 0}
EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/ci"
EVAL_EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/ci-evaluation"
MODEL_NAME = f"{MODEL_PREFIX}{{ cookiecutter.library_name }}_ci"
EVAL_RESAMPLES = 200
PREDICTIONS_PATH = "dbfs:/{{ cookiecutter.project_slug }}/ci/predictions"
