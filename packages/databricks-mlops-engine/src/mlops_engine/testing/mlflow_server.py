"""A real ``mlflow server`` on a temporary store: SQLite backend, local artifact root, a free port on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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
        # Artifacts in a folder clients read and write themselves, as the project's own tracking server has them
        # (MLflow 3.8's client can hang downloading a model through the server's artifact proxy)
        "--default-artifact-root": str(root / "artifacts"),
    }
    command = [sys.executable, "-m", "mlflow", "server", *(part for option in options.items() for part in option),
               "--no-serve-artifacts"]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    try:
        _wait_until_up(uri, server, log)
    except BaseException:
        _stop(server)
        raise
    return uri, server


def start_scratch_server() -> tuple[str, subprocess.Popen[bytes], Path]:
    """A server on a store in a new temporary folder; its URI, process and folder."""
    root = Path(tempfile.mkdtemp(prefix="mlflow-server-"))
    uri, server = start_server(root)
    return uri, server, root


def stop_scratch_server(uri: str, server: subprocess.Popen[bytes], root: Path) -> None:
    """Stop the server and remove its store."""
    _stop(server)
    shutil.rmtree(root, ignore_errors=True)
