"""Batch scoring: the latest days, predictions of regressors and classifiers, rows appended to the table."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from mlflow_helpers import column_classifier, column_regressor

from {{ cookiecutter.library_name }}.scoring import latest_days, predict, write_predictions


def test_classifiers_score_the_probability_of_the_positive_class():
    frame = pd.DataFrame({"other": [5.0, 6.0, 7.0], "score": [-2.0, 0.0, 3.0]})
    probability = predict(column_classifier("score"), frame, "classification")
    np.testing.assert_allclose(probability, 1 / (1 + np.exp(-frame["score"])))


def test_missing_feature_columns_are_named():
    with pytest.raises(KeyError, match="lacks the model's feature columns: score"):
        predict(column_regressor("score"), pd.DataFrame({"other": [1.0]}), "regression")


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
