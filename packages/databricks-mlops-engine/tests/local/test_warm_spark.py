"""The warm driver's bookkeeping: no driver is claimed where none runs or starts, and stopping one is safe."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from mlops_engine.errors import UserError
from mlops_engine.local.spark.warm_compute import WarmSparkDriver
from mlops_engine.local.spark.warm_spark import DRIVER_DIR, IDLE_ENV, launch, running, stop, wait_for_driver


def test_nothing_is_running_or_starting_in_a_fresh_workspace(tmp_path: Path) -> None:
    assert running(tmp_path) is None
    assert wait_for_driver(tmp_path, timeout=0.1) is None
    assert stop(tmp_path) is False
    assert WarmSparkDriver(tmp_path, "local[2]", used_by_runs=True).still_up_note() is None


def test_a_record_left_by_a_dead_driver_is_not_a_driver(tmp_path: Path) -> None:
    (tmp_path / DRIVER_DIR).mkdir()
    (tmp_path / DRIVER_DIR / "driver.json").write_text(json.dumps({"pid": 2**22 + 12345, "master": "local[2]"}))
    assert running(tmp_path) is None and stop(tmp_path) is False


def test_a_driver_holding_the_lock_is_waited_for_until_it_gives_up(tmp_path: Path) -> None:
    (tmp_path / DRIVER_DIR).mkdir()
    with (tmp_path / DRIVER_DIR / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a driver still starting holds it
        assert wait_for_driver(tmp_path, timeout=0.1) is None  # timed out waiting, not "none starting"
    record = {"pid": os.getpid(), "jvm_pid": os.getpid(), "master": "local[2]"}
    (tmp_path / DRIVER_DIR / "driver.json").write_text(json.dumps(record))
    assert running(tmp_path) == record


def test_a_driver_whose_jvm_died_is_not_a_driver(tmp_path: Path) -> None:
    (tmp_path / DRIVER_DIR).mkdir()
    record = {"pid": os.getpid(), "jvm_pid": 2**22 + 12345, "master": "local[2]"}  # the OOM killer took its JVM
    (tmp_path / DRIVER_DIR / "driver.json").write_text(json.dumps(record))
    assert running(tmp_path) is None


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", ""])
def test_a_bad_idle_time_stops_the_launch_before_any_driver_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(IDLE_ENV, value)
    with pytest.raises(UserError, match=f"{IDLE_ENV}='{value}': give the seconds .* a number above 0"):
        launch(tmp_path, "local[2]", tmp_path / "warehouse")
    assert not (tmp_path / DRIVER_DIR).exists()
