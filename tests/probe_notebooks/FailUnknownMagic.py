# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %frobnicate now
