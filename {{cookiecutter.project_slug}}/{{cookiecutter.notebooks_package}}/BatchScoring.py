# Databricks notebook source
# MAGIC %md
# MAGIC # Batch scoring
# MAGIC Scores the latest `SCORING_DAYS` days of features with the registry's `MODEL_NAME@champion` (never a
# MAGIC run id, so only evaluated and promoted models reach production) and appends the predictions, with
# MAGIC the model version and the scoring time, to `PREDICTIONS_PATH`. Fails when there is no champion yet.

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

from {{ cookiecutter.library_name }}.champion import load_champion
from {{ cookiecutter.library_name }}.features import build_features
from {{ cookiecutter.library_name }}.scoring import latest_days, score, write_predictions
from {{ cookiecutter.library_name }}.storage import read_sales

# COMMAND ----------

if STORAGE_ACCOUNT:
    spark.conf.set(
        f"fs.azure.account.key.{STORAGE_ACCOUNT}.dfs.core.windows.net",
        dbutils.secrets.get(SECRET_SCOPE, STORAGE_KEY_SECRET),
    )

# COMMAND ----------

mlflow.set_registry_uri(REGISTRY_URI)
champion = load_champion(MODEL_NAME)
print(f"scoring with {MODEL_NAME} version {champion.version}")

# COMMAND ----------

features = build_features(read_sales(spark, SALES_PATH, SALES_FORMAT))
scoring_input = latest_days(features, SCORING_DAYS).toPandas()
predictions = score(scoring_input, champion, TASK_TYPE, keep=["date", "store", "item"])
rows = write_predictions(spark, predictions, PREDICTIONS_PATH, SALES_FORMAT)
display(predictions.head(20))

# COMMAND ----------

summary = {"model_name": MODEL_NAME, "model_version": champion.version, "rows": rows, "path": PREDICTIONS_PATH}
dbutils.notebook.exit(json.dumps(summary))
