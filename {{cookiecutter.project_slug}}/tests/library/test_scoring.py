"""Batch scoring: always the ``@champion`` version, a clear error without one, predictions traceable to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_fixtures import column_classifier, column_regressor, log_candidate

from {{ cookiecutter.library_name }}.scoring import (
    NoChampionError,
    latest_days,
    load_champion,
    predict,
    score,
    write_predictions,
)


def test_scoring_without_a_champion_says_what_to_do(names):
    with pytest.raises(NoChampionError, match=rf"{names['model']}.*no @champion.*run ModelEvaluation"):
        load_champion(names["model"])
    mlflow.register_model(f"runs:/{log_candidate(names['experiment'], column_regressor('a'))}/model", names["model"])
    with pytest.raises(NoChampionError):
        load_champion(names["model"])


def test_scoring_uses_the_champion_and_records_its_version(names):
    for column in ("old", "new"):
        run_id = log_candidate(names["experiment"], column_regressor(column))
        version = mlflow.register_model(f"runs:/{run_id}/model", names["model"]).version
    MlflowClient().set_registered_model_alias(names["model"], "champion", version)
    frame = pd.DataFrame({"key": [1, 2, 3], "old": [1.0, 2.0, 3.0], "new": [10.0, 20.0, 30.0]})
    before = datetime.now(UTC).replace(tzinfo=None)
    scored = score(frame, load_champion(names["model"]), "regression", keep=["key"])
    after = datetime.now(UTC).replace(tzinfo=None)
    assert list(scored.columns) == ["key", "prediction", "model_name", "model_version", "scored_at"]
    assert scored["prediction"].tolist() == [10.0, 20.0, 30.0]
    assert set(scored["model_version"]) == {"2"}
    assert set(scored["model_name"]) == {names["model"]}
    assert before <= scored["scored_at"].iloc[0] <= after


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
