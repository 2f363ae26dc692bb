# Databricks notebook source
# MAGIC %md
# MAGIC # Test: features build on the cluster's data
# MAGIC The Spark feature pipeline gives every feature column, without missing values, for every store and item.

# COMMAND ----------

{% if cookiecutter.library_format == "wheel" -%}
# MAGIC %run ../conf/install_library

# COMMAND ----------

# MAGIC %pip install --quiet --no-index --no-deps --force-reinstall --find-links $LIBRARY_FOLDER {{ cookiecutter.library_name }}

# COMMAND ----------

# MAGIC %pip install --quiet {{ cookiecutter.library_name }}

# COMMAND ----------

{% endif -%}
# MAGIC %run ../set_environment

# COMMAND ----------

from pyspark.sql import functions as F
from {{ cookiecutter.library_name }}.features import FEATURE_COLUMNS, build_features
from {{ cookiecutter.library_name }}.storage import read_sales

sales = read_sales(spark, SALES_PATH, SALES_FORMAT)
features = build_features(sales)
missing = sorted(set(FEATURE_COLUMNS) - set(features.columns))
assert not missing, f"features lack columns {missing}"

# COMMAND ----------

nulls = features.select([F.sum(F.col(name).isNull().cast("int")).alias(name) for name in FEATURE_COLUMNS]).first()
assert not any(nulls), f"features have missing values: {nulls.asDict()}"
pairs = features.select("store", "item").distinct().count()
expected = sales.select("store", "item").distinct().count()
assert pairs == expected, f"features cover {pairs} store-item pairs of {expected}"
dbutils.notebook.exit(f"{features.count()} rows, {pairs} series")
