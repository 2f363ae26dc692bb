# Databricks notebook source
# MAGIC %md
# MAGIC # Runtime probe
# MAGIC What notebooks meet on the project's Databricks runtime: its versions and SQL settings, Delta Lake's own engine,
# MAGIC Unity Catalog's namespace, notebook-scoped %pip, one filesystem for every process. The exit value lists a verdict
# MAGIC per check.

# COMMAND ----------

import json
import subprocess

import pyspark
from pyspark.sql import SparkSession

verdicts = {}


def check(name, condition):
    verdicts[name] = "ok" if condition else "FAILED"


def fails_with(code, error_class):
    try:
        code()
    except Exception as error:  # noqa: BLE001 - the error class is what is checked
        return error_class in str(error)
    return False


dbutils.widgets.text("region", "north")
check("spark_is_a_session", isinstance(spark, SparkSession) and spark.version == pyspark.__version__)
check("ansi_mode", fails_with(lambda: spark.sql("SELECT CAST('' AS FLOAT)").collect(), "CAST_INVALID_INPUT"))

# COMMAND ----------

import matplotlib
import seaborn

check("preinstalled_libraries", bool(seaborn.__version__ and matplotlib.__version__))

# COMMAND ----------

# MAGIC %pip install \
# MAGIC   tabulate==0.9.0

# COMMAND ----------

import tabulate
from pyspark.sql.functions import udf

check("pip_installs_from_the_index", tabulate.__version__ == "0.9.0")
check("pip_reaches_python_workers",
      spark.range(1).rdd.map(lambda _: __import__("tabulate").__version__).collect() == ["0.9.0"])
tabulate_version = udf(lambda _: __import__("tabulate").__version__, "string")
check("pip_reaches_python_udfs", spark.range(1).select(tabulate_version("id")).first()[0] == "0.9.0")

# COMMAND ----------

spark.range(6).selectExpr("id", "id % 3 AS store").write.mode("overwrite").saveAsTable("probe_sales")
spark.sql("CREATE DATABASE IF NOT EXISTS probe_db")
spark.range(2).write.mode("overwrite").saveAsTable("probe_db.listed")
check("list_tables_after_save_as_table", [table.name for table in spark.catalog.listTables("probe_db")] == ["listed"])

# COMMAND ----------

# MAGIC %sql
# MAGIC merge into probe_sales t
# MAGIC   using (select 1 as id, 9 as store) s
# MAGIC   on t.id = s.id
# MAGIC   when matched then update set *

# COMMAND ----------

from delta.tables import DeltaTable

history = [row.operation for row in spark.sql("DESCRIBE HISTORY probe_sales").collect()]
check("delta_by_default_and_merge", spark.sql("DESCRIBE DETAIL probe_sales").first().format == "delta"
      and history[0] == "MERGE" and spark.table("probe_sales").where("store = 9").count() == 1)
spark.sql("OPTIMIZE probe_sales ZORDER BY (store)")
check("delta_time_travel", spark.sql("SELECT count(*) n FROM probe_sales VERSION AS OF 0").first().n == 6
      and DeltaTable.forName(spark, "probe_sales").history().first().operation == "OPTIMIZE")

# COMMAND ----------

# MAGIC %sql
# MAGIC DROP CATALOG IF EXISTS probe_catalog CASCADE;
# MAGIC CREATE CATALOG probe_catalog;
# MAGIC CREATE SCHEMA probe_catalog.sales;
# MAGIC CREATE TABLE probe_catalog.sales.regions AS SELECT getArgument('region') AS region;
# MAGIC USE CATALOG probe_catalog;
# MAGIC SELECT current_catalog() AS catalog, region FROM sales.regions

# COMMAND ----------

check("unity_catalog_namespace", tuple(_sqldf.first()) == ("probe_catalog", "north")
      and "probe_catalog" in [row.catalog for row in spark.sql("SHOW CATALOGS").collect()])
spark.sql("DROP CATALOG probe_catalog CASCADE")

# COMMAND ----------

import os

os.makedirs("/dbfs/tmp/probe", exist_ok=True)
with open("/dbfs/tmp/probe/x.csv", "w") as out:
    out.write("a,b\n1,2\n")

# COMMAND ----------

# MAGIC %sh head -1 /dbfs/tmp/probe/x.csv > sh_head.txt

# COMMAND ----------

check("one_filesystem", open("sh_head.txt").read().strip() == "a,b"
      and subprocess.run(["cat", "/dbfs/tmp/probe/x.csv"], capture_output=True, text=True).stdout.endswith("1,2\n")
      and spark.read.option("header", True).csv("dbfs:/tmp/probe/x.csv").first().b == "2")
dbutils.notebook.exit(json.dumps(verdicts))
