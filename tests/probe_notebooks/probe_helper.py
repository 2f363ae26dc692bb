"""A workspace module beside the probe notebooks: importable as in a Databricks Git folder."""

GREETING = "hello from a workspace file"
