"""The globals Databricks defines in every notebook: ``display``, ``displayHTML``, ``sc``, ``sqlContext``, ``sql``,
``table``, ``getArgument``, ``DataFrame.display()``, all bound to the run's ``spark`` and ``dbutils``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

ROWS_SHOWN = 20


def _table(rows: list[Any]) -> str | None:
    """A list of records (``dbutils.fs.ls`` results, Rows, dataclasses) as aligned text, or None."""
    if not rows:
        return None
    first = rows[0]
    if dataclasses.is_dataclass(first):
        records = [dataclasses.asdict(row) for row in rows]
    elif hasattr(first, "asDict"):
        records = [row.asDict() for row in rows]
    elif hasattr(first, "_asdict"):
        records = [row._asdict() for row in rows]
    else:
        return None
    import pandas as pd

    return pd.DataFrame.from_records(records[:ROWS_SHOWN]).to_string()


def display(obj: Any = None, *args: Any, **kwargs: Any) -> None:
    """Databricks' ``display``: a DataFrame's first rows, a list of records as a table, else the object."""
    if hasattr(obj, "limit") and hasattr(obj, "toPandas"):
        if getattr(obj, "isStreaming", False):
            raise NotImplementedError("display() of a streaming DataFrame: the local target shows batch results only; "
                                      "write the stream to a table and display that")
        # Spark's own rendering, as Databricks' table shows what Spark holds: pandas cannot hold every value
        # (a TIMESTAMP of year 3000 is out of its nanosecond range)
        obj.show(ROWS_SHOWN, truncate=False)
    elif hasattr(obj, "head") and hasattr(obj, "to_string"):
        print(obj.head(ROWS_SHOWN).to_string())
    elif isinstance(obj, list) and (table := _table(obj)) is not None:
        print(table)
    elif hasattr(obj, "savefig"):
        print(f"[figure {obj!r}: not shown by the local target; save it or log it to MLflow]")
    else:
        print(obj)


def displayHTML(html: str) -> None:  # noqa: N802 - Databricks' name
    """HTML cannot be rendered in a log: say so, with the start of it."""
    print(f"[displayHTML: {len(html)} characters of HTML, not rendered locally] {html[:200]}")


class Lazy:
    """An object built on first use (``sc`` and ``sqlContext`` need the Spark session, started in the background)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._value: Any = None

    def _get(self) -> Any:
        if self._value is None:
            self._value = self._build()
        return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


def _sql_context(spark: Any) -> Any:
    from pyspark.sql import SQLContext

    session = spark.session() if hasattr(spark, "session") else spark
    return SQLContext(session.sparkContext, session)


def _patch_dataframe_display() -> None:
    """``df.display()`` as on Databricks, for the classic and the Spark Connect DataFrame."""
    from pyspark.sql import DataFrame

    classes = [DataFrame]
    try:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectDataFrame

        classes.append(ConnectDataFrame)
    except (ImportError, SystemExit):  # SystemExit: PySpark's doctest guard when __main__ has no file (xdist)
        pass
    for cls in classes:
        cls.display = lambda self, *args, **kwargs: display(self)  # type: ignore[attr-defined]


def databricks_globals(spark: Any, dbutils: Any) -> dict[str, Any]:
    """The names a Databricks notebook finds defined before its first cell."""
    _patch_dataframe_display()
    return {
        "__name__": "__main__",
        "spark": spark,
        "dbutils": dbutils,
        "display": display,
        "displayHTML": displayHTML,
        "sc": Lazy(lambda: spark.sparkContext),
        "sqlContext": Lazy(lambda: _sql_context(spark)),
        "sql": lambda *args, **kwargs: spark.sql(*args, **kwargs),
        "table": lambda name: spark.table(name),
        "getArgument": dbutils.widgets.getArgument,
    }
