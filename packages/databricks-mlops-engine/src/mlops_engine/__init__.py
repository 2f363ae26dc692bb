"""The engine behind a generated project's invoke tasks: one contract, two targets (a Databricks workspace and
a local folder with PySpark), the commands, an invoke collection and a pytest plugin."""

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata only when asked (it costs ``invoke --list`` 70 ms)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("databricks-mlops-engine")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    raise AttributeError(name)
