# Databricks notebook source
# MAGIC %md
# MAGIC # Model training
# MAGIC Reads the sales history from the configured location, builds features with Spark, trains the
# MAGIC configured estimator, logs it to MLflow as a candidate (`candidate=true`) for the evaluation
# MAGIC pipeline, and fails when the model is no better than the seasonal naive forecast.

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

import mlflow
from {{ cookiecutter.library_name }} import __version__ as library_version
from {{ cookiecutter.library_name }}.data import DemandSpec
from {{ cookiecutter.library_name }}.features import build_features
from {{ cookiecutter.library_name }}.storage import read_sales, table_exists, write_demo_sales
from {{ cookiecutter.library_name }}.tracking import log_candidate
from {{ cookiecutter.library_name }}.training import train_and_score

print(f"environment={ENVIRONMENT} library={library_version} mlflow={mlflow.__version__}")

# COMMAND ----------

if STORAGE_ACCOUNT:
    spark.conf.set(
        f"fs.azure.account.key.{STORAGE_ACCOUNT}.dfs.core.windows.net",
        dbutils.secrets.get(SECRET_SCOPE, STORAGE_KEY_SECRET),
    )

# COMMAND ----------

if GENERATE_DEMO_DATA and not table_exists(spark, SALES_PATH, SALES_FORMAT):
    spec = DemandSpec(stores=DEMO_STORES, items=DEMO_ITEMS, days=DEMO_DAYS, seed=DEMO_SEED)
    rows = write_demo_sales(spark, SALES_PATH, spec, SALES_FORMAT)
    print(f"wrote {rows} rows of demo sales to {SALES_PATH}")

# COMMAND ----------

features = build_features(read_sales(spark, SALES_PATH, SALES_FORMAT)).toPandas()
print(f"{len(features)} rows of features")

# COMMAND ----------

result = train_and_score(features, HOLDOUT_DAYS, ESTIMATOR, ESTIMATOR_PARAMS)
run_id = log_candidate(EXPERIMENT_NAME, result, ESTIMATOR_PARAMS, features.head(100))
display(result.metrics)

# COMMAND ----------

ratio = result.metrics["mae_ratio_to_naive"]
assert ratio <= MAX_MAE_RATIO_TO_NAIVE, (
    f"model MAE is {ratio:.2f}x the seasonal naive forecast's; at most {MAX_MAE_RATIO_TO_NAIVE} is required"
)

# COMMAND ----------

dbutils.notebook.exit(f"mlflow_run_id={run_id} mae={result.metrics['mae']:.3f} ratio_to_naive={ratio:.3f}")
