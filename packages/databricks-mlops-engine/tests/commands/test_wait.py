"""Waiting for a run: backoff capped at 10 s, cancel on timeout, with an injected clock."""

from __future__ import annotations

import pytest
from fake_databricks import FakeClock

from mlops_engine.contract.runs import RunRequest, RunStatus, RunTimeout, SubmittedRun, cancel_and_wait, wait_for_run


class ScriptedRunner:
    """A runner whose run ends at a given time."""

    def __init__(self, clock: FakeClock, ends_at: float, cancel_takes: float | None = 3.0) -> None:
        self.clock, self.ends_at, self.cancelled = clock, ends_at, False
        self.cancel_takes = cancel_takes

    def submit(self, request: RunRequest) -> SubmittedRun:
        return SubmittedRun(1, "url")

    def status(self, run_id: int) -> RunStatus:
        if self.clock.now >= self.ends_at:
            return RunStatus("TERMINATED", "SUCCESS")
        return RunStatus("RUNNING")

    def cancel(self, run_id: int) -> None:
        """Accepted, not done: the run ends ``cancel_takes`` seconds later (never, for None)."""
        self.cancelled = True
        if self.cancel_takes is not None:
            self.ends_at = min(self.ends_at, self.clock.now + self.cancel_takes)


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
    assert runner.cancelled and 63 <= clock.now <= 70


def test_an_interrupt_cancels_and_waits_until_the_run_has_ended() -> None:
    clock = FakeClock()
    runner = ScriptedRunner(clock, 3600, cancel_takes=40)

    def interrupt_at_30_s(status: RunStatus, elapsed: float) -> None:
        if elapsed >= 30 and not runner.cancelled:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wait_for_run(runner, 1, 3600, interrupt_at_30_s, clock=clock)
    assert runner.cancelled and runner.status(1).is_terminal


def test_a_run_that_never_ends_after_its_cancel_is_waited_for_a_bounded_time() -> None:
    clock = FakeClock()
    runner = ScriptedRunner(clock, float("inf"), cancel_takes=None)
    assert cancel_and_wait(runner, 1, clock, bound_seconds=120) is None
    assert 120 <= clock.now <= 125


@pytest.mark.parametrize("seconds", [0, -5, 0.4])
def test_a_run_timeout_under_a_second_is_refused_never_sent_as_no_timeout(seconds: float) -> None:
    with pytest.raises(ValueError, match="at least 1 s"):
        RunRequest("r", "/P/x", timeout_seconds=seconds)  # type: ignore[arg-type]


def test_a_fractional_run_timeout_is_rounded_up() -> None:
    assert RunRequest("r", "/P/x", timeout_seconds=30.2).timeout_seconds == 31  # type: ignore[arg-type]
