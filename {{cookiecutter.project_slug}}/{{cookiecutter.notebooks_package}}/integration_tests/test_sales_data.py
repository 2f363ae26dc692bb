# Databricks notebook source
# MAGIC %md
# MAGIC # Test: the sales history is usable
# MAGIC The table ModelTraining read is there, has the expected columns, rows, and no missing values.

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
from {{ cookiecutter.library_name }}.data import SALES_COLUMNS
from {{ cookiecutter.library_name }}.storage import read_sales, table_exists

assert table_exists(spark, SALES_PATH, SALES_FORMAT), f"no sales table at {SALES_PATH}; run ModelTraining first"
sales = read_sales(spark, SALES_PATH, SALES_FORMAT)
missing = sorted(set(SALES_COLUMNS) - set(sales.columns))
assert not missing, f"sales at {SALES_PATH} lacks columns {missing}"

# COMMAND ----------

rows = sales.count()
nulls = sales.select([F.sum(F.col(name).isNull().cast("int")).alias(name) for name in SALES_COLUMNS]).first()
assert rows > 0, f"sales at {SALES_PATH} is empty"
assert not any(nulls), f"sales at {SALES_PATH} has missing values: {nulls.asDict()}"
dbutils.notebook.exit(f"{rows} rows")
