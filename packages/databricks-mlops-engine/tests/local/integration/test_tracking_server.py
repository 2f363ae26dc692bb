"""The runs' MLflow tracking server: one per store, reused, stopped with nothing left; a store it cannot open is
refused in one line, at once, saying what to do."""

from __future__ import annotations

import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest

from mlops_engine.errors import UserError
from mlops_engine.local.runs import tracking_server
from mlops_engine.local.spark.warm_spark import process_alive


def test_the_server_starts_once_answers_and_stops(tmp_path: Path) -> None:
    uri = tracking_server.ensure(tmp_path)
    with urllib.request.urlopen(f"{uri}/health", timeout=5) as response:
        assert response.status == 200
    keeper = tracking_server.running(tmp_path)["pid"]
    started = time.monotonic()
    assert tracking_server.ensure(tmp_path) == uri and time.monotonic() - started < 1
    assert tracking_server.stop(tmp_path)
    assert not process_alive(keeper) and tracking_server.running(tmp_path) is None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{uri}/health", timeout=2)


def test_a_store_of_a_newer_mlflow_is_refused_at_once_saying_what_to_do(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "mlflow.db") as store:
        store.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        store.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    started = time.monotonic()
    with pytest.raises(UserError, match=r"was written by a newer MLflow than this project's .*: keep it aside \(mv "):
        tracking_server.ensure(tmp_path)
    assert time.monotonic() - started < 60
    assert tracking_server.running(tmp_path) is None
