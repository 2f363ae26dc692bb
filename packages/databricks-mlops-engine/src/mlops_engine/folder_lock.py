"""One send at a time per workspace folder, on both targets: a lock file the workspace creates only if absent.

Two sends to one folder at once would interleave their uploads and records: the folder could end with one
developer's set_environment and the other's record. The lock serialises them, so the last send's set_environment
and record agree. A lock left by a send that was killed is taken over once it is ``STALE_SECONDS`` old.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from posixpath import join

from mlops_engine.contract.workspace import Workspace
from mlops_engine.errors import UserError

LOCK = ".mlops-send.lock"
STALE_SECONDS = 600.0
POLL_SECONDS = 1.0


def _lock_content() -> bytes:
    return json.dumps({"since": time.time(), "host": socket.gethostname(), "pid": os.getpid()}).encode()


def _held_since(workspace: Workspace, path: str) -> float | None:
    """When the lock at ``path`` was taken; None when it is gone (released meanwhile) or unreadable."""
    try:
        return float(json.loads(workspace.read(path))["since"])
    except (UserError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def folder_lock(workspace: Workspace, folder: str, write: Callable[[str], None]) -> Iterator[None]:
    """Hold ``folder``'s send lock while the block runs; wait for another send's to be released."""
    path = join(folder, LOCK)
    workspace.mkdirs(folder)
    waiting = False
    while not workspace.create_new(path, _lock_content()):
        since = _held_since(workspace, path)
        if since is not None and time.time() - since > STALE_SECONDS:
            write(f"taking over the lock {path}, left {int(time.time() - since)} s ago by a send that did not end")
            workspace.delete(path)
            continue
        if not waiting:
            write(f"waiting for another send to {folder} to finish (its lock: {path})")
            waiting = True
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        workspace.delete(path)
