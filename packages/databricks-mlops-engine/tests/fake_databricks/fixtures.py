"""Pytest fixtures for the databricks target: a fake workspace and real SDK clients pointed at it.

conftest.py loads them as the plugin ``fake_databricks.fixtures``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .clock import FakeClock
from .server import FakeDatabricks

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

SDK_ENVIRONMENT = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_")


@pytest.fixture
def sdk_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials from the machine running the tests: no SDK variables, an empty config file."""
    for name in list(os.environ):
        if name.startswith(SDK_ENVIRONMENT):
            monkeypatch.delenv(name)
    config_file = tmp_path / "databrickscfg"
    config_file.write_text("")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("HOME", str(tmp_path))
    return config_file


@pytest.fixture
def fake() -> Iterator[FakeDatabricks]:
    with FakeDatabricks() as server:
        yield server


@pytest.fixture
def client(fake: FakeDatabricks, sdk_env: Path) -> WorkspaceClient:
    """A real SDK client with a PAT for the fake; its retries wait on a fake clock (no real sleeping) and give up
    after 20 s of that clock instead of 5 minutes. The SDK is imported here: tests that need no client do not
    pay for it."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    return WorkspaceClient(config=Config(host=fake.host, token=fake.token, retry_timeout_seconds=20,
                                         clock=FakeClock()))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
