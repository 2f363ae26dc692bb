"""The databricks target: a real workspace through databricks-sdk."""
