# Databricks notebook source
# MAGIC %md
# MAGIC # Production configuration
# MAGIC The base configuration: it defines every constant the notebooks use. Every other config
# MAGIC `%run`s this one and overrides only what differs, so a diff shows exactly what changes.
# MAGIC Constants only: no functions, and never a secret's value (only its scope and key names).

# COMMAND ----------

ENVIRONMENT = "production"
WORKSPACE_ROOT = "{{ cookiecutter.workspace_root }}"

# Data: where the sales history lives. The demo writes generated data there first.
SALES_PATH = "dbfs:/{{ cookiecutter.project_slug }}/production/sales"
SALES_FORMAT = "parquet"
GENERATE_DEMO_DATA = True
DEMO_STORES = 10
DEMO_ITEMS = 20
DEMO_DAYS = 3 * 365
DEMO_SEED = 7

# Training
ESTIMATOR = "hist_gradient_boosting"
ESTIMATOR_PARAMS = {"max_iter": 200, "learning_rate": 0.08, "random_state": 0}
HOLDOUT_DAYS = 28
MAX_MAE_RATIO_TO_NAIVE = 0.9
EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/training"

# Evaluation and scoring
TASK_TYPE = "regression"
# Model registry: Unity Catalog's where the workspace has it (REGISTRY_URI "databricks-uc", MLflow 3's default
# on Databricks), which names a model <catalog>.<schema>.<model> and moves aliases (@champion), never stages.
# CATALOG = "" selects the workspace registry and plain names, for a workspace without Unity Catalog. On the
# local target both URIs mean the run's own MLflow store, which takes either kind of name.
CATALOG = "main"
SCHEMA = "{{ cookiecutter.notebooks_package }}"
REGISTRY_URI = "databricks-uc" if CATALOG else "databricks"
MODEL_PREFIX = f"{CATALOG}.{SCHEMA}." if CATALOG else ""
MODEL_NAME = f"{MODEL_PREFIX}{{ cookiecutter.library_name }}"
EVAL_EXPERIMENT_NAME = f"{WORKSPACE_ROOT}/experiments/evaluation"
EVAL_METRIC = "mae"
EVAL_RESAMPLES = 1000
EVAL_WIN_RATIO = 0.9
EVAL_SEED = 42
EVAL_WINDOW_DAYS = 28
EVAL_CHUNK_SIZE = 100
SCORING_DAYS = 7
PREDICTIONS_PATH = "dbfs:/{{ cookiecutter.project_slug }}/production/predictions"

# Secrets: names only; values come from dbutils.secrets.get(SECRET_SCOPE, key).
SECRET_SCOPE = "{{ cookiecutter.project_slug }}"
STORAGE_ACCOUNT = ""
STORAGE_KEY_SECRET = "storage-account-key"
