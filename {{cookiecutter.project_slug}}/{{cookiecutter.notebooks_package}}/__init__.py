"""Notebooks of {{ cookiecutter.project_name }}: sent to the workspace as Databricks notebooks."""
