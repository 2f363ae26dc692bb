# Databricks notebook source
x = 1

# COMMAND ----------

def broken(:
    pass
