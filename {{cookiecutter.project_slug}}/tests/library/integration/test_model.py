"""The unified model interface and the training step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.library_name }}.data import DemandSpec, generate_sales
from {{ cookiecutter.library_name }}.features import build_features
from {{ cookiecutter.library_name }}.model import ESTIMATORS, ForecastModel
from {{ cookiecutter.library_name }}.training import split_by_date, train_and_score


@pytest.fixture(scope="module")
def features(spark: SparkSession) -> pd.DataFrame:
    sales = generate_sales(DemandSpec(stores=2, items=3, days=400, seed=3))
    return build_features(spark.createDataFrame(sales)).toPandas()


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_every_estimator_fits_and_predicts_non_negative_demand(features: pd.DataFrame, estimator: str) -> None:
    params = {"n_estimators": 10, "random_state": 0} if estimator == "random_forest" else {}
    predicted = ForecastModel(estimator, params).fit(features).predict(features)
    assert predicted.shape == (len(features),)
    assert np.all(predicted >= 0)


def test_unknown_estimator_names_the_choices() -> None:
    with pytest.raises(ValueError, match="hist_gradient_boosting"):
        ForecastModel("xgboost")


def test_missing_columns_are_named(features: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="lag_7"):
        ForecastModel().fit(features.drop(columns=["lag_7"]))


def test_holdout_is_the_last_days(features: pd.DataFrame) -> None:
    train, holdout = split_by_date(features, 28)
    assert pd.to_datetime(train["date"]).max() < pd.to_datetime(holdout["date"]).min()
    assert pd.to_datetime(holdout["date"]).nunique() == 28


def test_trained_model_beats_the_seasonal_naive_forecast(features: pd.DataFrame) -> None:
    result = train_and_score(features, 28, "hist_gradient_boosting", {"max_iter": 50, "random_state": 0})
    assert result.metrics["mae"] < 0.9 * result.metrics["naive_mae"]
    assert result.holdout_rows == 2 * 3 * 28
