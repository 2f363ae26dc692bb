# Databricks notebook source
# MAGIC %run ./production_config

# COMMAND ----------

ENVIRONMENT = "dev"
SALES_PATH = "dbfs:/sample/dev/sales"
