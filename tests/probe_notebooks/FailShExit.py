# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %sh
# MAGIC echo about to fail
# MAGIC exit 3
