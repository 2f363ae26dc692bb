"""A real ``mlflow server`` on a temporary store: SQLite backend, local artifact root, a free port on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 120
STOP_GRACE_SECONDS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(uri: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"mlflow server did not answer on {uri} within {STARTUP_TIMEOUT_SECONDS}s:\n"
                       f"{log.read_text()[-2000:]}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and the workers it started (its own process group), forcibly after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=STOP_GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
    server.wait()


def start_server(root: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``mlflow server`` with its store in ``root`` and wait until it answers; its URI and process."""
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    log = root / "server.log"
    options = {
        "--host": "127.0.0.1",
        "--port": str(port),
        "--workers": "1",
        "--backend-store-uri": f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination": str(root / "artifacts"),
    }
    command = [sys.executable, "-m", "mlflow", "server", *(part for option in options.items() for part in option)]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    try:
        _wait_until_up(uri, server, log)
    except BaseException:
        _stop(server)
        raise
    return uri, server


class ServerStarter:
    """Starts the server on a thread as soon as the chosen tests need it (its store's migrations take seconds),
    so it comes up while other tests run; ``uri`` waits for it only if it is not up yet."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._uri = ""
        self._server: subprocess.Popen[bytes] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._root = Path(tempfile.mkdtemp(prefix="mlflow-server-"))
            self._thread = threading.Thread(target=self._run, name="mlflow-server-start", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        assert self._root is not None
        try:
            self._uri, self._server = start_server(self._root)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test that asks for the server
            self._error = error

    def uri(self) -> str:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._uri

    def stop(self) -> None:
        """Stop the server (after its start, if it is still starting) and remove its store."""
        if self._thread is None:
            return
        self._thread.join()
        if self._server is not None:
            _stop(self._server)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
