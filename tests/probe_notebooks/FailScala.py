# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %scala
# MAGIC val y = 2
