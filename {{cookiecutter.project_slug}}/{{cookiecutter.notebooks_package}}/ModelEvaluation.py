# Databricks notebook source
# MAGIC %md
# MAGIC # Model evaluation
# MAGIC Compares every candidate (runs tagged `candidate=true` by ModelTraining) and the current `@champion`
# MAGIC on the most recent `EVAL_WINDOW_DAYS` days with a paired bootstrap of `EVAL_METRIC`, and promotes a
# MAGIC candidate only when it beats the other candidates and the champion on at least `EVAL_WIN_RATIO` of
# MAGIC the resamples (a first champion must beat the seasonal naive forecast instead). The evaluation is
# MAGIC an MLflow run in `EVAL_EXPERIMENT_NAME`: decision, reason, intervals, win ratios and a plot.

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

import json

import mlflow

from {{ cookiecutter.library_name }}.evaluation import EvaluationConfig, evaluate
from {{ cookiecutter.library_name }}.features import NAIVE_COLUMN, TARGET_COLUMN, build_features
from {{ cookiecutter.library_name }}.scoring import latest_days
from {{ cookiecutter.library_name }}.storage import read_sales

# COMMAND ----------

if STORAGE_ACCOUNT:
    spark.conf.set(
        f"fs.azure.account.key.{STORAGE_ACCOUNT}.dfs.core.windows.net",
        dbutils.secrets.get(SECRET_SCOPE, STORAGE_KEY_SECRET),
    )

# COMMAND ----------

features = build_features(read_sales(spark, SALES_PATH, SALES_FORMAT))
evaluation_set = latest_days(features, EVAL_WINDOW_DAYS).toPandas()
print(f"{len(evaluation_set)} rows from {evaluation_set['date'].min()} to {evaluation_set['date'].max()}")

# COMMAND ----------

mlflow.set_registry_uri(REGISTRY_URI)
config = EvaluationConfig(
    experiment_name=EXPERIMENT_NAME,
    model_name=MODEL_NAME,
    evaluation_experiment_name=EVAL_EXPERIMENT_NAME,
    task_type=TASK_TYPE,
    metric=EVAL_METRIC,
    resamples=EVAL_RESAMPLES,
    win_ratio=EVAL_WIN_RATIO,
    seed=EVAL_SEED,
    chunk_size=EVAL_CHUNK_SIZE,
    max_ratio_to_baseline=MAX_MAE_RATIO_TO_NAIVE,
)
result = evaluate(evaluation_set, TARGET_COLUMN, config, baseline=evaluation_set[NAIVE_COLUMN].to_numpy())
print(f"{result.decision}: {result.reason}")
for run_id, error in result.skipped.items():
    print(f"skipped candidate {run_id}: {error}")
display(result.to_frame())

# COMMAND ----------

dbutils.notebook.exit(json.dumps(result.to_dict()))
