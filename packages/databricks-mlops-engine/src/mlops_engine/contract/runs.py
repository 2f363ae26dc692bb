"""The runner interface both targets implement, and the wait loop that watches a run to its end."""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

TERMINAL_STATES = frozenset({"TERMINATED", "SKIPPED", "INTERNAL_ERROR"})


@dataclass(frozen=True)
class RunRequest:
    """A one-time run of one workspace notebook."""

    run_name: str
    notebook_path: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    libraries: Sequence[str] = ()
    timeout_seconds: int = 25 * 60
    """Whole seconds, at least one: Databricks reads ``timeout_seconds: 0`` as "no timeout"."""
    idempotency_token: str | None = None

    def __post_init__(self) -> None:
        if self.timeout_seconds < 1:
            raise ValueError(f"a run timeout must be at least 1 s, not {self.timeout_seconds!r}: 0 means no timeout")
        object.__setattr__(self, "timeout_seconds", math.ceil(self.timeout_seconds))


@dataclass(frozen=True)
class SubmittedRun:
    """What a submit returns: the id to poll and where a person can watch."""

    run_id: int
    url: str


@dataclass(frozen=True)
class RunStatus:
    """A run's life-cycle state (PENDING, RUNNING, TERMINATING, TERMINATED, INTERNAL_ERROR, SKIPPED)."""

    life_cycle_state: str
    result_state: str | None = None
    state_message: str = ""
    progress: str = ""

    @property
    def is_terminal(self) -> bool:
        """True once the run can change no more."""
        return self.life_cycle_state in TERMINAL_STATES

    @property
    def succeeded(self) -> bool:
        """True only for a run that ended with SUCCESS."""
        return self.life_cycle_state == "TERMINATED" and self.result_state == "SUCCESS"


@dataclass(frozen=True)
class RunOutput:
    """What a finished run left: its error and trace if it failed, its exit value, links."""

    error: str | None = None
    error_trace: str | None = None
    notebook_result: str | None = None
    log_location: str | None = None
    mlflow_run_url: str | None = None


class Runner(Protocol):
    """Submits one-time notebook runs and reports on them."""

    def submit(self, request: RunRequest) -> SubmittedRun:
        """Start a run; the same idempotency token never starts a second one."""

    def status(self, run_id: int) -> RunStatus:
        """The run's current state."""

    def output(self, run_id: int) -> RunOutput:
        """Error, trace and results of a finished run."""

    def cancel(self, run_id: int) -> None:
        """Stop a run (and anything it started)."""


class Clock(Protocol):
    """Time as the wait loop sees it; tests inject a fake one."""

    def time(self) -> float:
        """Seconds since some fixed point."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RunTimeout(Exception):
    """The run outlived its timeout and was cancelled."""


CANCEL_WAIT_SECONDS = 120.0


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Let a second Ctrl-C or SIGTERM not abort the cancel in progress (main thread only; others cannot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cancel_and_wait(runner: Runner, run_id: int, clock: Clock | None = None,
                    bound_seconds: float = CANCEL_WAIT_SECONDS, interval: float = 1.0) -> RunStatus | None:
    """Cancel the run and watch it until it has ended (or ``bound_seconds`` passed: then None).

    A cancel request is only accepted, not done: the command must not exit while the run still holds compute.
    """
    clock = clock or SystemClock()
    with _signals_deferred():
        runner.cancel(run_id)
        started = clock.time()
        while True:
            status = runner.status(run_id)
            if status.is_terminal:
                return status
            if clock.time() - started >= bound_seconds:
                return None
            clock.sleep(interval)


def wait_for_run(
    runner: Runner,
    run_id: int,
    timeout_seconds: float,
    on_progress: Callable[[RunStatus, float], None],
    clock: Clock | None = None,
    first_interval: float = 0.5,
    max_interval: float = 10.0,
) -> RunStatus:
    """Poll with backoff (never more than ``max_interval`` apart) until the run ends.

    On timeout or interruption (Ctrl-C, or SIGTERM raised as KeyboardInterrupt) the run is cancelled and
    watched until it has ended before the exception propagates, so no compute is left running.
    """
    clock = clock or SystemClock()
    started = clock.time()
    interval = first_interval
    try:
        while True:
            status = runner.status(run_id)
            elapsed = clock.time() - started
            on_progress(status, elapsed)
            if status.is_terminal:
                return status
            if elapsed >= timeout_seconds:
                raise RunTimeout(f"run {run_id} did not finish within {timeout_seconds:.0f} s")
            clock.sleep(min(interval, max_interval, max(timeout_seconds - elapsed, 0.01)))
            interval = min(interval * 1.5, max_interval)
    except (RunTimeout, KeyboardInterrupt):
        cancel_and_wait(runner, run_id, clock, interval=min(max_interval, 5.0))
        raise
