# Databricks notebook source
# MAGIC %run ./production_config

# COMMAND ----------

# MAGIC %md
# MAGIC DEVELOPER_NAME's sandbox: own data, experiments and model, never production's.

# COMMAND ----------

ENVIRONMENT = "DEVELOPER_NAME"
SALES_PATH = "dbfs:/{{ cookiecutter.project_slug }}/dev/DEVELOPER_NAME/sales"
DEMO_STORES = 3
DEMO_ITEMS = 5
EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/DEVELOPER_NAME"
EVAL_EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/DEVELOPER_NAME-evaluation"
MODEL_NAME = f"{MODEL_PREFIX}{{ cookiecutter.library_name }}_DEVELOPER_NAME"
PREDICTIONS_PATH = "dbfs:/{{ cookiecutter.project_slug }}/dev/DEVELOPER_NAME/predictions"
