"""Running one SQL statement on the local target as a Databricks cluster would.

Delta's engine runs the statement; what open-source Spark's parser does not know of Databricks SQL is carried out
first: Unity Catalog's namespace statements (``namespace``), then the rewrites of names and paths (``rewrite``).
Statements that need Databricks itself are refused naming the operation.
"""

from __future__ import annotations

from typing import Any

from mlops_engine.local.sql.namespace import namespace_statement
from mlops_engine.local.sql.rewrite import refuse_unsupported, rewrite


def _session(spark: Any) -> Any:
    """The real SparkSession behind the notebook's lazy ``spark``."""
    session = getattr(spark, "session", None)
    return session() if callable(session) else spark


def run_sql(spark: Any, statement: str, args: Any = None, **kwargs: Any) -> Any:
    """Run one statement as Databricks would and return its DataFrame."""
    session = _session(spark)
    refuse_unsupported(statement)
    result = namespace_statement(session, statement)
    if result is not None:
        return result
    return session.sql(rewrite(session, statement), args, **kwargs)
