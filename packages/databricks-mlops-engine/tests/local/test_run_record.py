"""A local run's record never says RUNNING for a run whose process is gone (killed, as by the OOM killer), whoever
reads it; a run still running, or one that recorded its end, is left as it is."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from mlops_engine.local.runs.record import RECORD_FILE, RunRecord


def record_of(run_dir: Path, pid: int, state: str = "RUNNING") -> None:
    run_dir.mkdir()
    RunRecord(run_id=1, run_name="r", notebook_path="/P/N", parameters={}, libraries=[], timeout_seconds=0,
              life_cycle_state=state, pid=pid).save(run_dir)


def test_a_run_whose_process_was_killed_is_recorded_as_ended_by_its_reader(tmp_path: Path) -> None:
    process = subprocess.Popen(["sleep", "60"])
    record_of(tmp_path / "1", process.pid)
    assert RunRecord.load(tmp_path / "1").life_cycle_state == "RUNNING"

    process.kill()
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped: a zombie is gone all the same
    record = RunRecord.load(tmp_path / "1")

    assert record.life_cycle_state == "INTERNAL_ERROR"
    assert record.state_message.startswith(f"the run's process (pid {process.pid}) ended without recording its end")
    assert json.loads((tmp_path / "1" / RECORD_FILE).read_text())["life_cycle_state"] == "INTERNAL_ERROR"
    process.wait()


def test_a_run_that_recorded_its_end_keeps_it(tmp_path: Path) -> None:
    process = subprocess.Popen(["true"])
    process.wait()
    record_of(tmp_path / "1", process.pid, state="TERMINATED")
    assert RunRecord.load(tmp_path / "1").life_cycle_state == "TERMINATED"
