"""Waiting for a run: backoff capped at 10 s, cancel on timeout, with an injected clock."""

from __future__ import annotations

import pytest
from fake_databricks import FakeClock

from tooling.target.runs import RunRequest, RunStatus, RunTimeout, SubmittedRun, wait_for_run


class ScriptedRunner:
    """A runner whose run ends at a given time."""

    def __init__(self, clock: FakeClock, ends_at: float) -> None:
        self.clock, self.ends_at, self.cancelled = clock, ends_at, False

    def submit(self, request: RunRequest) -> SubmittedRun:
        return SubmittedRun(1, "url")

    def status(self, run_id: int) -> RunStatus:
        if self.clock.now >= self.ends_at:
            return RunStatus("TERMINATED", "SUCCESS")
        return RunStatus("RUNNING")

    def cancel(self, run_id: int) -> None:
        self.cancelled = True


def test_a_25_minute_run_is_seen_ending_within_10_seconds() -> None:
    clock = FakeClock()
    seen: list[str] = []
    status = wait_for_run(ScriptedRunner(clock, 25 * 60), 1, 30 * 60, lambda s, e: seen.append(s.life_cycle_state),
                          clock=clock)
    assert status.succeeded
    assert max(clock.sleeps) <= 10 and clock.now - 25 * 60 <= 10
    assert seen[0] == "RUNNING" and seen[-1] == "TERMINATED"


def test_timeout_cancels_the_run() -> None:
    clock = FakeClock()
    runner = ScriptedRunner(clock, 3600)
    with pytest.raises(RunTimeout):
        wait_for_run(runner, 1, 60, lambda s, e: None, clock=clock)
    assert runner.cancelled and clock.now <= 61
