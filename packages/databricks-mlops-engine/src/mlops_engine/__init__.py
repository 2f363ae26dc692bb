"""The engine behind a generated project's invoke tasks: one contract, two targets (a Databricks workspace and
a local folder with PySpark), the commands, an invoke collection and a pytest plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("databricks-mlops-engine")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"
