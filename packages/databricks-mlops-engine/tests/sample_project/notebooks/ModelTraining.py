# Databricks notebook source
# MAGIC %run ./set_environment

# COMMAND ----------

import samplelib

dbutils.notebook.exit(f"environment={ENVIRONMENT} value={samplelib.VALUE}")
