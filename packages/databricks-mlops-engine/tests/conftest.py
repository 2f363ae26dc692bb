"""The engine's tests: the plugin (``mlops_engine.testing``) gives ``spark`` and the MLflow server; the fake
Databricks REST API is this suite's own."""

from __future__ import annotations

pytest_plugins = ["fake_databricks.fixtures"]
