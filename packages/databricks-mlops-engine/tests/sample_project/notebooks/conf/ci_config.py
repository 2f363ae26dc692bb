# Databricks notebook source
# MAGIC %run ./production_config

# COMMAND ----------

ENVIRONMENT = "ci"
SALES_PATH = "dbfs:/sample/ci/sales"
