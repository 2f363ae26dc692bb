"""``SparkSession.builder.getOrCreate()`` in a notebook gives the run's own session, as on Databricks.

Many notebooks (and code written to run outside one too) start with ``spark = SparkSession.builder
.appName(...).getOrCreate()``. On Databricks that returns the notebook's session, already configured
(its ``spark.databricks.*`` conf set), with only the builder's runtime-modifiable settings applied.
Locally the run's session starts in the background, so without this a notebook could create a bare
session of its own first, without the workspace's paths, tables or context.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

_starting = threading.local()


@contextlib.contextmanager
def starting_session() -> Iterator[None]:
    """While the run itself builds its session, the builder works as PySpark's own."""
    _starting.active = True
    try:
        yield
    finally:
        _starting.active = False


def route_builder(run_session: Callable[[], Any]) -> None:
    """Make ``SparkSession.builder.getOrCreate()`` wait for and return ``run_session()``."""
    from pyspark.sql import SparkSession

    original = SparkSession.Builder.getOrCreate
    if getattr(original, "routed_to_run", False):
        return

    def get_or_create(builder: Any) -> Any:
        if getattr(_starting, "active", False):
            return original(builder)
        session = run_session()
        options = dict(getattr(builder, "_options", {}))
        if options:
            try:
                module = SparkSession._get_j_spark_session_module(session._jvm)
                module.applyModifiableSettings(session._jsparkSession, options)
            except Exception:  # noqa: BLE001 - not a classic session: apply what the session accepts
                refused = []
                for key, value in options.items():
                    try:
                        session.conf.set(key, value)
                    except Exception:  # noqa: BLE001 - a static setting: said below, as Spark warns on Databricks
                        refused.append(key)
                if refused:
                    print(f"note: using the run's existing Spark session; these settings cannot change on it and were "
                          f"not applied: {', '.join(sorted(refused))}", flush=True)
        return session

    get_or_create.routed_to_run = True  # type: ignore[attr-defined]
    SparkSession.Builder.getOrCreate = get_or_create  # type: ignore[method-assign]
