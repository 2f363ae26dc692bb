"""Spark features: lags and trailing means that only look a week or more back."""

from __future__ import annotations

import pandas as pd
from pyspark.sql import SparkSession

from {{ cookiecutter.library_name }}.data import DemandSpec, generate_sales
from {{ cookiecutter.library_name }}.features import FEATURE_COLUMNS, LAGS, build_features


def _series(days: int) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    return pd.DataFrame({"date": dates, "store": 1, "item": 1, "promo": 0, "sales": [float(i) for i in range(days)]})


def test_lags_and_trailing_means_use_only_the_past(spark: SparkSession) -> None:
    frame = build_features(spark.createDataFrame(_series(60))).toPandas().sort_values("date")
    first = frame.iloc[0]
    assert first["sales"] == max(LAGS)
    assert first["lag_7"] == first["sales"] - 7 and first["lag_28"] == first["sales"] - 28
    assert first["rolling_mean_7"] == sum(range(int(first["sales"]) - 13, int(first["sales"]) - 6)) / 7
    assert len(frame) == 60 - max(LAGS)


def test_every_feature_column_is_built_per_series(spark: SparkSession) -> None:
    sales = generate_sales(DemandSpec(stores=2, items=2, days=90, seed=1))
    frame = build_features(spark.createDataFrame(sales)).toPandas()
    assert set(FEATURE_COLUMNS) <= set(frame.columns)
    assert frame.groupby(["store", "item"]).size().eq(90 - max(LAGS)).all()
    assert not frame[list(FEATURE_COLUMNS)].isna().any().any()
