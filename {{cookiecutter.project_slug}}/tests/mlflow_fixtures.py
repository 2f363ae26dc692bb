"""A real ``mlflow server`` for the tests: SQLite backend store, local artifact root, a free port on 127.0.0.1.

Load it with ``pytest_plugins = ["mlflow_fixtures"]``; ``mlflow_server`` yields the tracking URI,
``mlflow_tracking`` points the ``mlflow`` client at it for one test and ``names`` gives that test
its own experiment and model names. The helpers log models whose predictions are known by
construction: each returns one column of its input. MLflow and scikit-learn are imported by the fixtures
and helpers that use them, so loading the plugin costs a run of unit tests nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sklearn.linear_model import LinearRegression, LogisticRegression

STARTUP_TIMEOUT_SECONDS = 120
STOP_GRACE_SECONDS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(uri: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text()[-2000:]
    raise RuntimeError(f"mlflow server did not answer on {uri} within {STARTUP_TIMEOUT_SECONDS}s:\n{tail}")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the workers it started (its own process group), forcibly after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=STOP_GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
    server.wait()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``mlflow server`` for the session and yield its tracking URI."""
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    log = root / "server.log"
    options = {
        "--host": "127.0.0.1",
        "--port": str(port),
        "--workers": "1",
        "--backend-store-uri": f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination": str(root / "artifacts"),
    }
    command = [sys.executable, "-m", "mlflow", "server", *(part for option in options.items() for part in option)]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    try:
        _wait_until_up(uri, server, log)
        yield uri
    finally:
        _stop(server)


@pytest.fixture
def mlflow_tracking(mlflow_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the mlflow client (tracking and registry) at the session's server for one test."""
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


@pytest.fixture
def names(mlflow_tracking: str) -> dict[str, str]:
    """Fresh experiment and model names, so tests never see each other's runs."""
    suffix = uuid.uuid4().hex[:8]
    return {"experiment": f"train-{suffix}", "model": f"model-{suffix}", "evaluation": f"eval-{suffix}"}


def column_regressor(column: str) -> LinearRegression:
    """A fitted regressor whose prediction is exactly ``column``."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    model = LinearRegression()
    model.coef_, model.intercept_ = np.array([1.0]), 0.0
    model.feature_names_in_, model.n_features_in_ = np.array([column], dtype=object), 1
    return model


def column_classifier(column: str) -> LogisticRegression:
    """A fitted classifier whose P(class 1) is increasing in ``column`` (so its ROC AUC is the column's)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression()
    model.coef_, model.intercept_, model.classes_ = np.array([[1.0]]), np.array([0.0]), np.array([0, 1])
    model.feature_names_in_, model.n_features_in_ = np.array([column], dtype=object), 1
    return model


def log_candidate(experiment: str, model, candidate: str = "true") -> str:
    """Log ``model`` the way training does: artifact ``model``, tag ``candidate``."""
    import mlflow

    mlflow.set_experiment(experiment)
    with mlflow.start_run(tags={"candidate": candidate}) as run:
        mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
    return run.info.run_id
