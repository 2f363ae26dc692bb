"""What a person sees while a command works: whole lines always, one live status line on a terminal.

In a CI log (no terminal) every progress report is a plain line; on a terminal the latest report
replaces the previous one in place, and lasting events (a state change, the end) stay as lines.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TextIO

from mlops_engine.contract.runs import RunStatus

Write = Callable[[str], None]
"""Prints one whole line; commands take one so tests can collect what a user would see."""

CLEAR_LINE = "\r\x1b[K"


class Console:
    """A thread-safe writer of whole lines with an optional live status line (only on a terminal)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self._lock = threading.Lock()
        self._status = ""

    def __call__(self, line: str) -> None:
        with self._lock:
            if self._status:
                self.stream.write(CLEAR_LINE)
                self._status = ""
            self.stream.write(line + "\n")
            self.stream.flush()

    def status(self, text: str) -> None:
        """Show ``text`` in place of the previous status on a terminal; as a plain line elsewhere."""
        if not self.live:
            self(text)
            return
        with self._lock:
            self.stream.write(CLEAR_LINE + text)
            self.stream.flush()
            self._status = text

    def end_status(self) -> None:
        """Remove the status line, if any, before other output."""
        with self._lock:
            if self._status:
                self.stream.write(CLEAR_LINE)
                self.stream.flush()
                self._status = ""


def show_status(write: Write, text: str) -> None:
    """A live status where ``write`` is a terminal Console, else a plain line."""
    if isinstance(write, Console):
        write.status(text)
    else:
        write(text)


class FileProgress:
    """Counts files as they finish, from any thread: ``[i/N] path`` in completion order, one whole line each."""

    def __init__(self, write: Write, total: int) -> None:
        self._write = write
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def __call__(self, path: str) -> None:
        with self._lock:
            self._done += 1
            show_status(self._write, f"  [{self._done}/{self._total}] {path}")

    def finish(self) -> None:
        """Clear a live status line before the summary."""
        if isinstance(self._write, Console):
            self._write.end_status()


class RunProgress:
    """Reports a run while it goes: a line per state change; between them a heartbeat line (or a live clock)."""

    def __init__(self, write: Write = print, heartbeat: float = 10.0) -> None:
        self._write = write
        self._heartbeat = heartbeat
        self._last_line = ""
        self._last_time = -heartbeat

    def __call__(self, status: RunStatus, elapsed: float) -> None:
        minutes, seconds = divmod(int(elapsed), 60)
        detail = status.progress or status.state_message
        line = f"{status.life_cycle_state}{' · ' + detail if detail else ''}"
        stamped = f"  [{minutes:02d}:{seconds:02d}] {line}"
        if line != self._last_line or status.is_terminal:
            self._write(stamped)
            self._last_line, self._last_time = line, elapsed
        elif isinstance(self._write, Console) and self._write.live:
            self._write.status(stamped)
        elif elapsed - self._last_time >= self._heartbeat:
            self._write(stamped)
            self._last_time = elapsed
