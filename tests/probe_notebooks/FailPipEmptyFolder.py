# Databricks notebook source
# MAGIC %run ../conf/install_library

# COMMAND ----------

# The folder install_library names for this notebook (probes/libraries), made empty: nothing was deployed there.
import os

os.makedirs("libraries", exist_ok=True)

# COMMAND ----------

# MAGIC %pip install --no-index --find-links $LIBRARY_FOLDER probe_library
