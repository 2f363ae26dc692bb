"""Spark feature engineering: lags and rolling means per series, so the work scales on a cluster."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

LAGS = (7, 14, 28)
ROLLING_WINDOWS = (7, 28)
FEATURE_COLUMNS = (
    "store",
    "item",
    "promo",
    "day_of_week",
    "day_of_year",
    "month",
    *(f"lag_{lag}" for lag in LAGS),
    *(f"rolling_mean_{window}" for window in ROLLING_WINDOWS),
)
TARGET_COLUMN = "sales"
NAIVE_COLUMN = "lag_7"
"""The seasonal naive forecast (same weekday last week) every model must beat."""


def build_features(sales: DataFrame) -> DataFrame:
    """Add calendar, lag and trailing-mean features; rows without a full history are dropped.

    Only built-in Spark functions are used (no Python UDFs), so executors need no library install.
    Every feature of a day is known a week ahead: lags start at 7 and rolling means end 7 days back.
    """
    series = Window.partitionBy("store", "item").orderBy("date")
    frame = (
        sales.withColumn("date", F.to_date("date"))
        .withColumn("day_of_week", F.dayofweek("date"))
        .withColumn("day_of_year", F.dayofyear("date"))
        .withColumn("month", F.month("date"))
    )
    for lag in LAGS:
        frame = frame.withColumn(f"lag_{lag}", F.lag(TARGET_COLUMN, lag).over(series))
    for window in ROLLING_WINDOWS:
        trailing = series.rowsBetween(-(window + 6), -7)
        frame = frame.withColumn(f"rolling_mean_{window}", F.avg(TARGET_COLUMN).over(trailing))
    return frame.dropna(subset=[f"lag_{max(LAGS)}"])
