"""Running one SQL statement on the local target as a Databricks SQL warehouse or cluster would."""

from __future__ import annotations

from typing import Any


def run_sql(spark: Any, statement: str) -> Any:
    """Run ``statement`` and return its DataFrame."""
    return spark.sql(statement)
