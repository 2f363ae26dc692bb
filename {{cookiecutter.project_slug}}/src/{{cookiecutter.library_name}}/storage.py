"""Reading and writing the sales table wherever the configuration points."""

from __future__ import annotations

import os

from pyspark.sql import DataFrame, SparkSession

from .data import DemandSpec, generate_sales

LOCAL_DBFS_ROOT_ENV = "LOCAL_DBFS_ROOT"


def resolve(uri: str) -> str:
    """Map a ``dbfs:/`` URI onto the local target's DBFS folder; elsewhere the URI is used as is."""
    root = os.environ.get(LOCAL_DBFS_ROOT_ENV)
    if root and uri.startswith("dbfs:/"):
        return os.path.join(root, uri.removeprefix("dbfs:/").lstrip("/"))
    return uri


def table_exists(spark: SparkSession, uri: str, table_format: str = "parquet") -> bool:
    """True when a table of ``table_format`` can be read at ``uri``."""
    try:
        read_sales(spark, uri, table_format).limit(0).collect()
    except Exception:  # noqa: BLE001 - Spark raises its own AnalysisException family
        return False
    return True


def read_sales(spark: SparkSession, uri: str, table_format: str = "parquet") -> DataFrame:
    """Load the sales table as a Spark DataFrame."""
    return spark.read.format(table_format).load(resolve(uri))


def write_demo_sales(spark: SparkSession, uri: str, spec: DemandSpec, table_format: str = "parquet") -> int:
    """Write generated sales to ``uri`` (overwriting) and return the row count."""
    frame = generate_sales(spec)
    spark.createDataFrame(frame).write.format(table_format).mode("overwrite").save(resolve(uri))
    return len(frame)
