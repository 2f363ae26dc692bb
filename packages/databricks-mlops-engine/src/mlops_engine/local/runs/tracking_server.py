"""The project's local MLflow tracking server, kept between runs as a workspace's tracking service is.

On Databricks tracking is a service: a notebook whose ``%pip`` brings another MLflow talks to it over HTTP and never
touches the store's schema. Were local runs to open the SQLite store themselves, such a notebook would migrate the
store past what the project's MLflow reads, and every later run would fail. So a run reaches the store through an
``mlflow server`` of the project's own MLflow, started with the first run and kept up, like the warm Spark driver,
until ``LOCAL_SPARK_IDLE_SECONDS`` pass without a run, ``invoke stop-spark``, or its folder is deleted. The tasks
keep opening the store directly: they run the project's MLflow, the server's own.

``python -m mlops_engine.local.runs.tracking_server serve <mlflow_dir>`` is the server's keeper: it holds
``server/lock`` while it lives, starts the server on a free port, writes ``server/server.json`` once the server
answers, and stops it (its whole process group) when it ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from filelock import FileLock

from mlops_engine.errors import UserError
from mlops_engine.local.spark.keeper import lock_held, process_alive, read_record, terminate
from mlops_engine.local.spark.warm_spark import idle_seconds

FOLDER = "server"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
UNUSED_SECONDS = 10.0
"""Asked to stop when unused, the server stops once no run has said it uses it for this long (runs say so at each
status poll, every second or so)."""
STOP_WHEN_UNUSED = "stop-when-unused"
STORE_LOCK = "mlflow.db.lock"


def _files(mlflow_dir: Path) -> tuple[Path, Path, Path]:
    folder = mlflow_dir / FOLDER
    return folder / "server.json", folder / "last-used", folder / "lock"


def store_uri(mlflow_dir: Path) -> str:
    """The project's tracking store, as the tasks open it."""
    return f"sqlite:///{(mlflow_dir / 'mlflow.db').resolve()}"


def running(mlflow_dir: Path) -> dict[str, Any] | None:
    """The server's record while it runs with the project's MLflow."""
    record_file, _, _ = _files(mlflow_dir)
    record = read_record(record_file)
    if record is None or not process_alive(record["pid"]) or record["mlflow"] != importlib.metadata.version("mlflow"):
        return None
    return record


def touch(mlflow_dir: Path) -> None:
    """Tell the keeper a run uses the server."""
    _, last_used, _ = _files(mlflow_dir)
    with contextlib.suppress(OSError):
        last_used.touch()


def launch(mlflow_dir: Path) -> bool:
    """Start the server's keeper in the background without waiting; False when one is up or starting."""
    record_file, last_used, lock_file = _files(mlflow_dir)
    if running(mlflow_dir) is not None:
        return False
    if (old := read_record(record_file)) is not None and process_alive(old["pid"]):
        stop(mlflow_dir)  # a keeper of another MLflow version: the project's environment changed
    record_file.parent.mkdir(parents=True, exist_ok=True)
    last_used.touch()
    if lock_held(lock_file):
        return False
    with (record_file.parent / "keeper.log").open("ab") as log:
        subprocess.Popen([sys.executable, "-m", "mlops_engine.local.runs.tracking_server", "serve",
                          str(mlflow_dir.resolve())], stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    return True


def ensure(mlflow_dir: Path) -> str:
    """The running server's URI, starting it first if need be (about 3 s); a loud error when it cannot start."""
    launch(mlflow_dir)
    _, _, lock_file = _files(mlflow_dir)
    started = time.monotonic()
    while (record := running(mlflow_dir)) is None:
        waited = time.monotonic() - started
        if waited > START_TIMEOUT or (waited > 3.0 and not lock_held(lock_file)):  # its keeper gave up
            raise UserError(why_not_started(mlflow_dir))
        time.sleep(0.1)
    touch(mlflow_dir)
    return record["uri"]


def why_not_started(mlflow_dir: Path) -> str:
    """One line on why the server is not up, from its log."""
    log = mlflow_dir / FOLDER / "server.log"
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    if any("Can't locate revision" in line for line in lines[-5:]):
        return (f"the MLflow store {mlflow_dir / 'mlflow.db'} was written by a newer MLflow than this project's "
                f"({importlib.metadata.version('mlflow')}, its runtime's): keep it aside (mv {mlflow_dir} "
                f"{mlflow_dir}.newer-mlflow) and run again with a new store")
    last = lines[-1].strip() if lines else "no output"
    return f"the local MLflow tracking server did not start ({last}); see {log}"


def stop(mlflow_dir: Path) -> bool:
    """Stop the server and its keeper; False when none was up."""
    record_file, _, _ = _files(mlflow_dir)
    record = read_record(record_file)
    if record is None or not process_alive(record["pid"]):
        return False
    terminate(record["pid"], STOP_TIMEOUT)
    return True


def stop_when_unused(mlflow_dir: Path) -> None:
    """Have the server stop once no run has used it for ``UNUSED_SECONDS`` (a run of another command goes on)."""
    record_file, _, _ = _files(mlflow_dir)
    record = read_record(record_file)
    if record is not None and process_alive(record["pid"]):
        (mlflow_dir / FOLDER / STOP_WHEN_UNUSED).touch()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(uri: str) -> bool:
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=1) as response:  # noqa: S310 - loopback http
            return response.status == 200
    except OSError:
        return False


def serve(mlflow_dir: Path) -> None:
    """Keep the server up until it has been idle for ``LOCAL_SPARK_IDLE_SECONDS``; exit if a keeper already runs."""
    record_file, last_used, lock_file = _files(mlflow_dir)
    lock = lock_file.open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return
    idle, port = idle_seconds(), _free_port()
    stop_marker = mlflow_dir / FOLDER / STOP_WHEN_UNUSED
    stop_marker.unlink(missing_ok=True)  # asked of a server before this one
    uri = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
               "--backend-store-uri", store_uri(mlflow_dir),
               "--default-artifact-root", str((mlflow_dir / "mlruns").resolve()), "--no-serve-artifacts"]
    # One server at a time creates or migrates the store: two alembic migrations of one new SQLite file fail
    # ("Online migration expected to match one row"), and a server of a keeper that is ending may still run
    with FileLock(mlflow_dir / STORE_LOCK):
        with (record_file.parent / "server.log").open("ab") as log:
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      cwd=mlflow_dir, start_new_session=True)

        def end(signum: int = 0, frame: object = None) -> None:
            record_file.unlink(missing_ok=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=STOP_TIMEOUT / 2)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            os._exit(0)

        signal.signal(signal.SIGTERM, end)
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(uri):
            if server.poll() is not None or time.monotonic() > deadline:
                end()
            time.sleep(0.2)
    scratch = record_file.with_suffix(".tmp")
    scratch.write_text(json.dumps({"pid": os.getpid(), "uri": uri, "mlflow": importlib.metadata.version("mlflow")}))
    os.replace(scratch, record_file)
    try:
        while record_file.is_file() and server.poll() is None and time.time() - last_used.stat().st_mtime < (
                min(idle, UNUSED_SECONDS) if stop_marker.is_file() else idle):
            time.sleep(min(1.0, idle))
    except OSError:
        pass  # the folder was deleted
    stop_marker.unlink(missing_ok=True)
    end()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]))
