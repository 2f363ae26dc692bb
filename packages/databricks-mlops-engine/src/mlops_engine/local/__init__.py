"""The local target: a folder as the workspace, notebooks run in PySpark local mode, a local MLflow store."""
