"""What a person sees while a run goes on: state changes at once, a heartbeat while nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from .runs import RunStatus


class RunProgress:
    """Prints a line when the state or progress changes, and at least every ``heartbeat`` seconds."""

    def __init__(self, write: Callable[[str], None] = print, heartbeat: float = 10.0) -> None:
        self._write = write
        self._heartbeat = heartbeat
        self._last_line = ""
        self._last_time = -heartbeat

    def __call__(self, status: RunStatus, elapsed: float) -> None:
        minutes, seconds = divmod(int(elapsed), 60)
        detail = status.progress or status.state_message
        line = f"{status.life_cycle_state}{' · ' + detail if detail else ''}"
        if line != self._last_line or elapsed - self._last_time >= self._heartbeat:
            self._write(f"  [{minutes:02d}:{seconds:02d}] {line}")
            self._last_line, self._last_time = line, elapsed
