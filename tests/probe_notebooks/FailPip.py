# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %pip install surely-not-installed-probe-pkg
