"""A warm service's keeper process (the warm Spark driver, the Spark Connect server, the tracking server): whether it
runs, holds its lock, what its record says, and stopping it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

STOP_TIMEOUT = 20.0


def _exists(pid: int) -> bool:
    """Whether ``pid`` is still a process, ended or not; a driver this process launched and that ended is reaped."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its parent reaps it
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs: a process that ended but is not yet reaped by its parent (a killed JVM before its driver
    notices) is not alive."""
    if not _exists(pid):
        return False
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def lock_held(lock_file: Path) -> bool:
    """Whether a keeper (starting or running) holds its lock."""
    if not lock_file.is_file():
        return False
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def read_record(record_file: Path) -> dict[str, Any] | None:
    """A warm service's record (its pid and how to reach it), or None when there is none readable."""
    try:
        return json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None


def terminate(pid: int, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM a warm service's keeper, waiting up to ``timeout`` for it to end; SIGKILL it past that."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _exists(pid) and time.monotonic() < deadline:  # until reaped: its lock and files are released then
        time.sleep(0.1)
    if process_alive(pid):
        os.kill(pid, signal.SIGKILL)
