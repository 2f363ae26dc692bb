# Databricks notebook source
# MAGIC %md
# MAGIC # Serverless probe
# MAGIC What notebooks meet on serverless compute: `spark` is a Spark Connect session, so `sparkContext`, `sc` and RDDs
# MAGIC fail with Spark Connect's error and cluster-only settings with serverless' own; Delta tables, `%sql` (with
# MAGIC `getArgument` and `_sqldf`) and Unity Catalog's three-level names work. The exit value lists a verdict per check.

# COMMAND ----------

import json

import pyspark
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.connect.session import SparkSession as ConnectSparkSession

verdicts = {}


def check(name, condition):
    verdicts[name] = "ok" if condition else "FAILED"


def fails_with(code, message):
    try:
        code()
    except Exception as error:  # noqa: BLE001 - the message is what is checked
        return message in str(error)
    return False


dbutils.widgets.text("region", "north")
check("spark_is_a_connect_session", isinstance(spark, ConnectSparkSession) and spark.version == pyspark.__version__
      and SparkSession.builder.getOrCreate().version == spark.version)
check("no_spark_context", fails_with(lambda: spark.sparkContext, "[JVM_ATTRIBUTE_NOT_SUPPORTED]")
      and fails_with(lambda: sc.defaultParallelism, "[JVM_ATTRIBUTE_NOT_SUPPORTED]"))
check("no_rdd", fails_with(lambda: spark.range(3).rdd, "[NOT_IMPLEMENTED]"))
check("cluster_settings_refused",
      fails_with(lambda: spark.conf.set("spark.executor.memory", "4g"),
                 "[CONFIG_NOT_AVAILABLE] Configuration spark.executor.memory is not available")
      and fails_with(lambda: spark.sql("SET spark.databricks.delta.schema.autoMerge.enabled = true"),
                     "[CONFIG_NOT_AVAILABLE]"))
spark.conf.set("spark.sql.shuffle.partitions", "8")
check("serverless_settings_accepted", spark.conf.get("spark.sql.shuffle.partitions") == "8")
check("ansi_mode_and_functions", fails_with(lambda: spark.sql("SELECT CAST('' AS FLOAT)").collect(), "CAST_INVALID_INPUT")
      and spark.range(3).select((F.col("id") + 1).alias("n")).agg(F.sum("n")).first()[0] == 6)

# COMMAND ----------

# MAGIC %pip install tabulate==0.9.0

# COMMAND ----------

from pyspark.sql.functions import udf

tabulate_version = udf(lambda _: __import__("tabulate").__version__, "string")
check("pip_reaches_python_udfs", spark.range(2).select(tabulate_version("id")).first()[0] == "0.9.0")

# COMMAND ----------

spark.range(6).selectExpr("id", "id % 3 AS store").write.mode("overwrite").saveAsTable("serverless_sales")

# COMMAND ----------

# MAGIC %sql
# MAGIC merge into serverless_sales t
# MAGIC   using (select 1 as id, 9 as store) s
# MAGIC   on t.id = s.id
# MAGIC   when matched then update set *

# COMMAND ----------

from delta.tables import DeltaTable

history = [row.operation for row in spark.sql("DESCRIBE HISTORY serverless_sales").collect()]
check("delta_write_merge_read", spark.sql("DESCRIBE DETAIL serverless_sales").first().format == "delta"
      and history[0] == "MERGE" and spark.table("serverless_sales").where("store = 9").count() == 1
      and spark.sql("SELECT count(*) n FROM serverless_sales VERSION AS OF 0").first().n == 6)
check("delta_table_api_named_unsupported",
      fails_with(lambda: DeltaTable.forName(spark, "serverless_sales"), "Delta Connect"))

# COMMAND ----------

# MAGIC %sql
# MAGIC DROP CATALOG IF EXISTS serverless_catalog CASCADE;
# MAGIC CREATE CATALOG serverless_catalog;
# MAGIC CREATE SCHEMA serverless_catalog.sales;
# MAGIC CREATE TABLE serverless_catalog.sales.regions AS SELECT getArgument('region') AS region;
# MAGIC SELECT region FROM serverless_catalog.sales.regions

# COMMAND ----------

spark.table("serverless_sales").write.saveAsTable("serverless_catalog.sales.copy")
check("sql_cells_and_three_level_names", _sqldf.first().region == "north"
      and spark.table("serverless_catalog.sales.copy").count() == 6
      and spark.catalog.tableExists("serverless_catalog.sales.regions"))
display(spark.table("serverless_catalog.sales.regions"))
spark.sql("DROP CATALOG serverless_catalog CASCADE")
dbutils.notebook.exit(json.dumps(verdicts))
