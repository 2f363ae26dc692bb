"""A warm Spark Connect server per local workspace: serverless compute, locally.

Serverless notebooks reach Spark through Spark Connect only. Where a project's compute is serverless, its local runs
do too: ``python -m mlops_engine.local.spark.connect_server serve <workspace> <master> <warehouse>`` starts Spark
(Delta, the workspace's metastore and warehouse: ``session.session_config``) with Spark's own Connect plugin on a
port of 127.0.0.1 that only a holder of its token may use, writes ``<workspace>/.spark-connect/server.json`` (pid,
port, token; mode 0600) and stays up as the warm driver does: one per workspace (it holds ``.spark-connect/lock``),
stopped after ``LOCAL_SPARK_IDLE_SECONDS`` without a run attached, by ``invoke stop-spark``, or when its workspace
folder is deleted. Each run gets a Spark Connect session of its own (its temporary views and settings stay its own).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.namespace import launch as filesystem_launch
from mlops_engine.local.spark.driver_environment import driver_environment
from mlops_engine.local.spark.driver_leases import (
    LEASES_DIR,
    STOP_WHEN_UNUSED,
    live_leases,
    stop_unless_leased,
    take_lease,
)
from mlops_engine.local.spark.driver_log import redirect_output
from mlops_engine.local.spark.keeper import (
    START_TIMEOUT,
    keep_alive,
    lock_held,
    process_alive,
    read_record,
    terminate,
    wait_for,
)
from mlops_engine.local.spark.warm_spark import WATCH_SECONDS, idle_seconds

SERVER_DIR = ".spark-connect"
CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"
TOKEN_ENV = "SPARK_CONNECT_AUTHENTICATE_TOKEN"
"""Spark Connect's pre-shared key: the server refuses a client without it (read by server and client alike)."""
CLIENT_ONLY_ENV = frozenset({TOKEN_ENV, "SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE"})
"""A run's Spark Connect switches, which the server (a classic Spark with the Connect plugin) must not inherit."""


def _files(workspace_root: Path) -> tuple[Path, Path, Path, Path]:
    folder = workspace_root / SERVER_DIR
    return folder / "server.json", folder / "last-used", folder / "lock", folder / "server.log"


def running(workspace_root: Path) -> dict[str, Any] | None:
    """The server's record when one is running for this workspace."""
    record_file, _, _, _ = _files(workspace_root)
    record = read_record(record_file)
    return record if record is not None and process_alive(record["pid"]) else None


def launch(workspace_root: Path, master: str, warehouse: Path) -> bool:
    """Start the server in the background without waiting; False when one is already up or starting."""
    idle_seconds()
    record_file, _, lock_file, log_file = _files(workspace_root)
    if running(workspace_root) is not None or lock_held(lock_file):
        return False
    record_file.parent.mkdir(parents=True, exist_ok=True)
    mounts = filesystem_launch(workspace_root)  # its Python workers (the runs' UDFs) see /dbfs as the runs do
    with log_file.open("ab") as log:
        subprocess.Popen(
            mounts.wrap([sys.executable, "-m", "mlops_engine.local.spark.connect_server", "serve",
                         str(workspace_root), master, str(warehouse)]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**{key: value for key, value in driver_environment(os.environ).items() if key not in CLIENT_ONLY_ENV},
                 **mounts.environment},
        )
    return True


def wait_for_server(workspace_root: Path, timeout: float = START_TIMEOUT) -> dict[str, Any] | None:
    """The server's record once it is up; None when none is starting or it did not come up in time."""
    return wait_for(lambda: running(workspace_root), _files(workspace_root)[2], timeout)


def connect(record: dict[str, Any]) -> Any:
    """A new Spark Connect session of this process on the server ``record`` describes."""
    from pyspark.sql.connect.session import SparkSession as ConnectSparkSession

    url = f"sc://localhost:{record['port']}/;token={record['token']};user_id=local"
    return ConnectSparkSession.builder.remote(url).create()


def attach_or_start(workspace_root: Path, master: str, warehouse: Path) -> Any:
    """The run's Spark Connect session on the workspace's server, started first if need be; a loud error when the
    server cannot start (serverless has no classic session to fall back on)."""
    launch(workspace_root, master, warehouse)
    record = wait_for_server(workspace_root)
    _, last_used, _, log_file = _files(workspace_root)
    if record is None:
        raise UserError(f"the local Spark Connect server (serverless compute, locally) did not start: see {log_file}")
    if record["master"] != master:
        raise UserError(f"the local Spark Connect server runs {record['master']}, not {master}: stop it with "
                        "`invoke stop-spark` and run again")
    keep_alive(last_used, "spark-connect-heartbeat")
    take_lease(workspace_root / SERVER_DIR, None)  # a stop "when unused" (invoke ci) waits for this run's end
    return connect(record)


def stop_when_unused(workspace_root: Path) -> bool:
    """Stop the server once no run is attached: now when none is, else after the last one ends (a run of another
    command goes on). Whether it is down now."""
    _, _, lock_file, _ = _files(workspace_root)
    record = running(workspace_root) or (wait_for_server(workspace_root) if lock_held(lock_file) else None)
    return record is None or stop_unless_leased(record, workspace_root / SERVER_DIR)


def stop(workspace_root: Path) -> bool:
    """Stop the workspace's server (waiting for one still starting); False when none was up."""
    _, _, lock_file, _ = _files(workspace_root)
    record = running(workspace_root) or (wait_for_server(workspace_root) if lock_held(lock_file) else None)
    if record is None:
        return False
    terminate(record["pid"])
    return True


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_config(master: str, warehouse: Path, metastore: Path, port: int) -> dict[str, str]:
    """The local target's Spark settings (Delta, metastore, warehouse) with Spark Connect's plugin on ``port``."""
    from mlops_engine.local.spark.session import session_config

    return {**session_config(master, warehouse, metastore=metastore),
            "spark.app.name": "local-spark-connect",
            "spark.plugins": CONNECT_PLUGIN,
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port),
            "spark.python.daemon.module": "mlops_engine.local.spark.connect_worker"}  # runs' %pip layers reach UDFs


def serve(workspace_root: Path, master: str, warehouse: Path) -> None:
    """Run the server until it has been idle for ``LOCAL_SPARK_IDLE_SECONDS``; exit if one already runs."""
    record_file, last_used, lock_file, _ = _files(workspace_root)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_file.open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("spark connect server: another server serves this workspace", flush=True)
        return
    redirect_output(lock_file.parent)  # what the server and its Python workers write reaches server.log redacted
    (lock_file.parent / STOP_WHEN_UNUSED).unlink(missing_ok=True)  # asked of a server before this one
    shutil.rmtree(lock_file.parent / LEASES_DIR, ignore_errors=True)  # runs of a server before this one
    from pyspark.sql import SparkSession

    from mlops_engine.local.spark.session import metastore_path

    idle = idle_seconds()
    token = secrets.token_urlsafe(24)
    os.environ[TOKEN_ENV] = token  # the JVM started below inherits it: clients without it are refused
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    jvm: list[subprocess.Popen[bytes]] = []

    def end(signum: int = 0, frame: object = None) -> None:
        """Leave no record behind, close the JVM's pipe (it exits when its pipe closes), reap it and exit."""
        record_file.unlink(missing_ok=True)
        for process in jvm:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.stdin.close()  # type: ignore[union-attr]
                process.wait(timeout=10)
        os._exit(0)

    signal.signal(signal.SIGTERM, end)
    port = free_port()
    builder = SparkSession.builder
    for key, value in server_config(master, warehouse, metastore_path(workspace_root), port).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    jvm.append(session.sparkContext._gateway.proc)
    last_used.touch()
    scratch = record_file.with_suffix(".tmp")
    scratch.touch(mode=0o600)
    scratch.write_text(json.dumps({"pid": os.getpid(), "master": master, "port": port, "token": token}))
    os.replace(scratch, record_file)
    print(f"spark connect server {master} on 127.0.0.1:{port} ready (pid {os.getpid()}); stops after {idle:.0f} s "
          "idle", flush=True)
    try:
        while record_file.is_file() and time.time() - last_used.stat().st_mtime < idle and not (
                (record_file.parent / STOP_WHEN_UNUSED).is_file() and not live_leases(record_file.parent)):
            time.sleep(min(WATCH_SECONDS, idle))
    finally:
        end()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
