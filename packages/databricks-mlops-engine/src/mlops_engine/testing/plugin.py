"""The pytest plugin of a project's tests (entry point ``mlops_engine``).

Fixtures: ``spark`` (one small local SparkSession, booted in the background as soon as a collected test asks for
it), ``mlflow_server`` and ``mlflow_tracking`` (a real ``mlflow server`` on a temporary store, and the ``mlflow``
client pointed at it for one test), ``project_notebooks`` (run a notebook of the project on the local target and
get its result). Tests in an ``integration/`` folder, or that need the MLflow server, are marked ``integration``:
``invoke ci`` leaves them to ``invoke test``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlops_engine.commands.unit_tests import INTEGRATION_FOLDER
from mlops_engine.settings import find_project_dir
from mlops_engine.testing.spark import SparkStarter

INTEGRATION_FIXTURES = {"mlflow_server", "mlflow_tracking", "project_notebooks"}
_STARTER = SparkStarter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"integration: in an {INTEGRATION_FOLDER}/ folder or needs a real service "
                                       "(MLflow server, notebook runs); `invoke test` runs them, `invoke ci` does not")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the integration tests; run the tests that need no Spark first, while its JVM boots."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if INTEGRATION_FOLDER in item.path.parent.parts or INTEGRATION_FIXTURES & fixtures:
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: "spark" in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Boot the JVM once the tests are chosen, and only if one of them uses Spark."""
    if not session.config.option.collectonly and any("spark" in getattr(item, "fixturenames", ())
                                                     for item in session.items):
        _STARTER.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _STARTER.stop()


@pytest.fixture(scope="session")
def spark() -> Any:
    """A small local SparkSession (one core, lean JVM), started once per test session."""
    return _STARTER.session()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` on a temporary SQLite store for the session; yields its tracking URI."""
    from mlops_engine.testing.mlflow_server import mlflow_server as serve

    with serve(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


@pytest.fixture
def mlflow_tracking(mlflow_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The ``mlflow`` client (tracking and registry) pointed at the session's server for one test."""
    import mlflow

    previous_tracking, previous_registry = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    mlflow.set_tracking_uri(mlflow_server)
    mlflow.set_registry_uri(mlflow_server)
    yield mlflow_server
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(previous_tracking)
    mlflow.set_registry_uri(previous_registry)


@pytest.fixture(scope="session")
def project_notebooks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The project's notebooks, sent to a local workspace of the session's own with the library deployed:
    ``project_notebooks.run("ModelTraining", {"param": "1"}, config="dev")`` returns a ``NotebookRun``."""
    from mlops_engine.testing.notebooks import ProjectNotebooks

    return ProjectNotebooks(find_project_dir(request.config.rootpath), tmp_path_factory.mktemp("notebooks"))
