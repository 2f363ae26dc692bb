"""A warm service's keeper process (the warm Spark driver, the Spark Connect server, the tracking server): whether it
runs, holds its lock, what its record says, and stopping it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STOP_TIMEOUT = 20.0
START_TIMEOUT = 120.0
HEARTBEAT_SECONDS = 30.0


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


def wait_for(running: Callable[[], dict[str, Any] | None], lock_file: Path,
             timeout: float = START_TIMEOUT) -> dict[str, Any] | None:
    """The keeper's record once ``running`` gives it; None when none is starting (nobody holds ``lock_file``) or
    it did not come up in time."""
    deadline = time.monotonic() + timeout
    grace = time.monotonic() + 5.0  # a keeper just launched takes a moment to take the lock
    while time.monotonic() < deadline:
        record = running()
        if record is not None:
            return record
        if time.monotonic() > grace and not lock_held(lock_file):
            return None
        time.sleep(0.1)
    return None


def _heartbeat(last_used: Path) -> None:
    while True:
        try:
            last_used.touch()
        except OSError:  # the workspace folder was deleted: the keeper stops by itself
            return
        time.sleep(HEARTBEAT_SECONDS)


def keep_alive(last_used: Path, name: str) -> None:
    """Tell the keeper a run is attached, for as long as this process lives (it stops after its idle time)."""
    threading.Thread(target=_heartbeat, args=(last_used,), name=name, daemon=True).start()
