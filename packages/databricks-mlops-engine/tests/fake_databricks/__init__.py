"""A stateful fake of the Databricks REST API on 127.0.0.1, driven in tests by the real databricks-sdk."""

from .clock import FakeClock
from .jobs import RunScript
from .server import FakeDatabricks

__all__ = ["FakeClock", "FakeDatabricks", "RunScript"]
