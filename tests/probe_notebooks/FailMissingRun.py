# Databricks notebook source
x = 1

# COMMAND ----------

# MAGIC %run ./NoSuchNotebook
