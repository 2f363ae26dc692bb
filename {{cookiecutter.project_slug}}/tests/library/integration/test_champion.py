"""The registry side of scoring: ``@champion`` loaded or a clear error, and Unity Catalog's three-level names
promoted, scored and rolled back, on the session's MLflow server (its store is sqlite, as a local run's is)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_helpers import column_regressor, log_candidate

from {{ cookiecutter.library_name }}.champion import NoChampionError, load_champion, promote, register_version, rollback
from {{ cookiecutter.library_name }}.scoring import predict, score

UC_MODEL = "main.forecasting.demand"


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


@pytest.fixture
def uc_model(mlflow_tracking: str) -> Iterator[str]:
    """``main.forecasting.demand`` in the session's MLflow server, whose store is sqlite as a local run's is
    (a fresh sqlite store would cost 5 s of schema migrations per test)."""
    client = MlflowClient()
    yield UC_MODEL
    client.delete_registered_model(UC_MODEL)


def test_a_three_level_model_is_registered_promoted_scored_and_rolled_back(uc_model: str):
    client = MlflowClient()
    first = register_version(log_candidate("uc", column_regressor("old")), UC_MODEL, {"candidate": "true"})
    assert promote(client, UC_MODEL, str(first.version), expected_champion=None)
    second = register_version(log_candidate("uc", column_regressor("new")), UC_MODEL, {"candidate": "true"})
    assert not promote(client, UC_MODEL, str(second.version), expected_champion=None), "a stale champion stays"
    assert promote(client, UC_MODEL, str(second.version), expected_champion=str(first.version))

    assert client.get_registered_model(UC_MODEL).aliases == {"champion": second.version, "previous": first.version}
    champion = load_champion(UC_MODEL)
    assert (champion.model_name, champion.version) == (UC_MODEL, str(second.version))
    assert rollback(client, UC_MODEL) == (str(second.version), str(first.version))
    by_alias = mlflow.sklearn.load_model(f"models:/{UC_MODEL}@champion")
    frame = pd.DataFrame({"old": [1.0, 2.0], "new": [10.0, 20.0]})
    assert list(predict(by_alias, frame, "regression")) == [1.0, 2.0], "the rolled-back champion scores"
