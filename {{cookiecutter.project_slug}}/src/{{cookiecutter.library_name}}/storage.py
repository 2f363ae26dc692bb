"""Reading and writing the sales table wherever the configuration points."""

from __future__ import annotations

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession

from .data import DemandSpec, generate_sales


def table_exists(spark: SparkSession, uri: str, table_format: str = "parquet") -> bool:
    """True when a table of ``table_format`` can be read at ``uri``; False only when nothing is there (any other
    error, a permission or a format mismatch, is raised: demo data must never be written over it)."""
    try:
        read_sales(spark, uri, table_format).limit(0).collect()
    except AnalysisException as error:
        if error.getCondition() == "PATH_NOT_FOUND":
            return False
        raise
    return True


def read_sales(spark: SparkSession, uri: str, table_format: str = "parquet") -> DataFrame:
    """Load the sales table as a Spark DataFrame."""
    return spark.read.format(table_format).load(uri)


def write_demo_sales(spark: SparkSession, uri: str, spec: DemandSpec, table_format: str = "parquet") -> int:
    """Write generated sales to ``uri`` (overwriting) and return the row count."""
    frame = generate_sales(spec)
    spark.createDataFrame(frame).write.format(table_format).mode("overwrite").save(uri)
    return len(frame)
