"""Batch scoring on Spark: the latest days of sales, and predictions appended to the table."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.library_name }}.scoring import latest_days, write_predictions


def test_latest_days_and_appending_predictions(spark, tmp_path):
    days = [date(2024, 1, 1) + timedelta(days=offset) for offset in range(10)]
    sales = spark.createDataFrame(pd.DataFrame({"date": days * 2, "sales": np.arange(20.0)}))
    recent = latest_days(sales, 3).toPandas()
    assert sorted(set(recent["date"])) == days[-3:]
    assert len(recent) == 6
    with pytest.raises(ValueError, match="at least 1"):
        latest_days(sales, 0)
    predictions = recent.assign(prediction=1.0, model_version="3")
    target = str(tmp_path / "predictions")
    assert write_predictions(spark, predictions, target, "parquet") == 6
    write_predictions(spark, predictions, target, "parquet")
    assert spark.read.parquet(target).count() == 12
