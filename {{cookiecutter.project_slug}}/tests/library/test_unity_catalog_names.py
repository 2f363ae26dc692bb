"""Unity Catalog's three-level model names and aliases, on the local sqlite store a local run uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_fixtures import column_regressor, log_candidate

from {{ cookiecutter.library_name }}.champion import promote, register_version, rollback
from {{ cookiecutter.library_name }}.scoring import load_champion, predict
from tooling.local.notebook_executor import NotebookExecutor

UC_MODEL = "main.forecasting.demand"
PROJECT = Path(__file__).resolve().parents[2]
CONF_DIR = PROJECT / "{{ cookiecutter.notebooks_package }}" / "conf"
LIBRARY = PROJECT / "src" / "{{ cookiecutter.library_name }}"


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


def _config(name: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    NotebookExecutor(lambda path: (CONF_DIR / f"{Path(path).name}.py").read_text()).run(f"/conf/{name}", namespace)
    return namespace


@pytest.mark.parametrize("name", sorted(path.stem for path in CONF_DIR.glob("*_config.py")))
def test_every_config_names_its_model_in_the_registry_it_selects(name: str):
    config = _config(name)
    catalog, schema = config["CATALOG"], config["SCHEMA"]
    assert config["REGISTRY_URI"] == "databricks-uc"
    assert re.fullmatch(rf"{catalog}\.{schema}\.\w+", str(config["MODEL_NAME"])), config["MODEL_NAME"]
    assert str(config["MODEL_NAME"]).count(".") == 2


def test_without_a_catalog_the_workspace_registry_and_plain_names():
    source = (CONF_DIR / "production_config.py").read_text().replace('CATALOG = "main"', 'CATALOG = ""')
    assert 'CATALOG = ""' in source
    namespace: dict[str, object] = {}
    NotebookExecutor(lambda _path: source).run("/conf/production_config", namespace)
    assert namespace["REGISTRY_URI"] == "databricks"
    assert namespace["MODEL_NAME"] == "{{ cookiecutter.library_name }}"


def test_the_library_moves_aliases_never_stages():
    for module in ("champion", "evaluation", "scoring", "tracking"):
        source = (LIBRARY / f"{module}.py").read_text()
        assert not re.search(r"transition_model_version_stage|stage\s*=|/Production|/Staging", source), module
