# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %r
# MAGIC y <- 2
