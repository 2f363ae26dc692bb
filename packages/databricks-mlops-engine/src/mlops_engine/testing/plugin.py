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
from mlops_engine.local.runs import tracking_server
from mlops_engine.settings import find_project_dir
from mlops_engine.testing.background import Background
from mlops_engine.testing.mlflow_server import start_scratch_server, stop_scratch_server
from mlops_engine.testing.spark import start_session, stop_session

INTEGRATION_FIXTURES = {"mlflow_server", "mlflow_tracking", "project_notebooks"}
START_ORDER = ({"spark"}, {"mlflow_server"}, {"project_notebooks"})
_SPARK = Background(start_session, "spark-start")
_MLFLOW = Background(start_scratch_server, "mlflow-server-start")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"integration: in an {INTEGRATION_FOLDER}/ folder or needs a real service "
                                       "(MLflow server, notebook runs); `invoke test` runs them, `invoke ci` does not")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the integration tests; order the tests so that the services they wait for boot meanwhile."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if INTEGRATION_FOLDER in item.path.parent.parts or INTEGRATION_FIXTURES & fixtures:
            item.add_marker(pytest.mark.integration)
    items.sort(key=_start_order)


def _start_order(item: pytest.Item) -> int:
    """Tests that need nothing first, then those waiting for Spark's JVM (seconds), then those waiting for the MLflow
    server (its store's migrations: tens of seconds), then notebook runs: each service boots while the tests
    before it run."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return next((rank for rank, names in enumerate(START_ORDER, 1) if names & fixtures), 0)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are chosen, boot the JVM and the MLflow server in the background, each only if a chosen
    test uses it."""
    if session.config.option.collectonly:
        return
    used = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if "spark" in used:
        _SPARK.start()
    if "mlflow_server" in used:
        _MLFLOW.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    spark, server = _SPARK.made(), _MLFLOW.made()
    if spark is not None:
        stop_session(spark)
    if server is not None:
        stop_scratch_server(*server)
    stop_tracking_servers(session.config)


def stop_tracking_servers(config: pytest.Config) -> None:
    """Stop the MLflow tracking servers that local runs of this session started in its temporary folders (they
    would otherwise wait out their idle time after the tests)."""
    factory = getattr(config, "_tmp_path_factory", None)
    base = getattr(factory, "_basetemp", None)
    if base is None:
        return
    for record in base.rglob(f"{tracking_server.FOLDER}/server.json"):
        tracking_server.stop(record.parent.parent)


@pytest.fixture(scope="session")
def spark() -> Any:
    """A small local SparkSession (one core, lean JVM), started once per test session."""
    return _SPARK.result()


@pytest.fixture(scope="session")
def mlflow_server() -> str:
    """A real ``mlflow server`` on a temporary SQLite store for the session (removed at its end); its URI."""
    return _MLFLOW.result()[0]


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
