"""A warm Spark driver kept between local runs, as a workspace keeps its cluster running.

``python -m mlops_engine.local.spark.warm_spark serve <workspace> <master> <warehouse>`` starts Spark's JVM and
waits; it writes ``<workspace>/.spark-driver/driver.json`` (the py4j gateway's port and secret, mode
0600) and stops after ``LOCAL_SPARK_IDLE_SECONDS`` (default 1800) without a run attached, on
``stop(workspace)`` (``invoke stop-spark``), or when its workspace folder is deleted. One driver per
workspace: it holds ``.spark-driver/lock`` while it lives, so runs starting together share one. Each run
attached holds a lease (``.spark-driver/runs/<pid>.json``, naming its session's job tag): the driver cancels the
jobs of a run whose process ended (cancelled, timed out, killed), so they do not hold its cores, and a stop asked
for "when unused" (``invoke ci``) waits until no live run holds a lease. When its JVM dies (the OOM killer) the
driver ends at once, and the next run starts a new one. A run
attaches to the JVM through py4j as Databricks' notebook REPLs attach to their cluster's driver, and gets
its own SparkSession over the shared SparkContext: ``sc``, RDDs, Python UDFs and Delta work as in a run
of its own (Spark Connect would lose ``sc`` and RDDs), while temporary views and SQL settings stay the run's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
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
    attached_runs,
    stop_unless_leased,
    take_lease,
)
from mlops_engine.local.spark.driver_log import redirect_output
from mlops_engine.local.spark.keeper import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    keep_alive,
    lock_held,
    process_alive,
    read_record,
    terminate,
    wait_for,
)

DRIVER_DIR = ".spark-driver"
IDLE_ENV = "LOCAL_SPARK_IDLE_SECONDS"
WARM_ENV = "LOCAL_SPARK_WARM"
"""Set to 1 in a run's environment by the runner (mlops.local.warm_spark) to attach to the warm driver."""
WATCH_SECONDS = 1.0
"""How often the driver looks at its JVM and at its runs' leases."""
_attached: dict[str, Any] = {}
"""The record of the driver this process attached to, to tell its death from a cell's own error."""


def _files(workspace_root: Path) -> tuple[Path, Path, Path]:
    folder = workspace_root / DRIVER_DIR
    return folder / "driver.json", folder / "last-used", folder / "lock"


def _driver_alive(record: dict[str, Any]) -> bool:
    """Whether a driver's keeper and its JVM both run."""
    return process_alive(record["pid"]) and process_alive(record["jvm_pid"])


def running(workspace_root: Path) -> dict[str, Any] | None:
    """The warm driver's record when one is running for this workspace (its keeper and its JVM)."""
    record_file, _, _ = _files(workspace_root)
    record = read_record(record_file)
    return record if record is not None and _driver_alive(record) else None


def _end_dead_driver(workspace_root: Path) -> None:
    """Stop the keeper of a driver whose JVM died (killed, out of memory), so a new driver can start now."""
    record_file, _, _ = _files(workspace_root)
    record = read_record(record_file)
    if record is not None and process_alive(record["pid"]) and not _driver_alive(record):
        terminate(record["pid"])


def launch(workspace_root: Path, master: str, warehouse: Path) -> bool:
    """Start the warm driver in the background without waiting; False when one is already up or starting.

    The idle time is checked first: a bad value stops the command here, not the detached driver unseen."""
    idle_seconds()
    _end_dead_driver(workspace_root)
    record_file, _, lock_file = _files(workspace_root)
    if running(workspace_root) is not None or lock_held(lock_file):
        return False
    record_file.parent.mkdir(parents=True, exist_ok=True)
    mounts = filesystem_launch(workspace_root)  # its Python workers (the runs' UDFs) see /dbfs as the runs do
    with (record_file.parent / "driver.log").open("ab") as log:
        subprocess.Popen(
            mounts.wrap([sys.executable, "-m", "mlops_engine.local.spark.warm_spark", "serve", str(workspace_root),
                         master, str(warehouse)]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**driver_environment(os.environ), **mounts.environment},
        )
    return True


def wait_for_driver(workspace_root: Path, timeout: float = START_TIMEOUT) -> dict[str, Any] | None:
    """The driver's record once it is up; None when none is starting or it did not come up in time."""
    return wait_for(lambda: running(workspace_root), _files(workspace_root)[2], timeout)


def attach(record: dict[str, Any]) -> Any:
    """A new SparkSession of this process over the warm driver's SparkContext."""
    from py4j.java_gateway import GatewayParameters, JavaGateway, java_import
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    gateway = JavaGateway(gateway_parameters=GatewayParameters(
        port=record["port"], auth_token=record["secret"], auto_convert=True))
    jvm = gateway.jvm
    for package in ("org.apache.spark.SparkConf", "org.apache.spark.api.java.*", "org.apache.spark.api.python.*",
                    "org.apache.spark.ml.python.*", "org.apache.spark.mllib.api.python.*",
                    "org.apache.spark.resource.*",
                    "org.apache.spark.sql.*", "org.apache.spark.sql.api.python.*", "org.apache.spark.sql.hive.*",
                    "scala.Tuple2"):
        java_import(jvm, package)
    jsc = jvm.JavaSparkContext.fromSparkContext(jvm.org.apache.spark.SparkContext.getOrCreate())
    context = SparkContext(gateway=gateway, jsc=jsc)
    jsession = jvm.org.apache.spark.sql.classic.SparkSession.active().newSession()
    return SparkSession(context, jsparkSession=jsession)


def attach_or_start(workspace_root: Path, master: str, warehouse: Path) -> Any | None:
    """The run's session on the warm driver (started first if need be), or None to start one in-process."""
    launch(workspace_root, master, warehouse)
    record = wait_for_driver(workspace_root)
    if record is None or record["master"] != master:
        return None
    _, last_used, _ = _files(workspace_root)
    keep_alive(last_used, "spark-heartbeat")
    session = attach(record)
    take_lease(workspace_root / DRIVER_DIR, session._jsparkSession.sessionJobTag())
    _attached.update(record)
    return session


def attached_driver_died() -> bool:
    """Whether this process attached to a warm driver that has died since (its JVM was killed)."""
    return bool(_attached) and not _driver_alive(_attached)


def stop(workspace_root: Path) -> bool:
    """Stop the workspace's warm driver (waiting for one still starting) and its end; False when none was up."""
    _, _, lock_file = _files(workspace_root)
    record = running(workspace_root) or (wait_for_driver(workspace_root) if lock_held(lock_file) else None)
    if record is None:
        return False
    terminate(record["pid"])
    return True


def stop_when_unused(workspace_root: Path) -> bool:
    """Stop the driver once no run is attached: now when none is (waiting for its end), else after the last one
    (a run of another command goes on). Whether it is down now."""
    _, _, lock_file = _files(workspace_root)
    record = running(workspace_root) or (wait_for_driver(workspace_root) if lock_held(lock_file) else None)
    return record is None or stop_unless_leased(record, workspace_root / DRIVER_DIR)


def idle_seconds() -> float:
    """How long a driver stays up without a run: ``LOCAL_SPARK_IDLE_SECONDS``, 30 minutes unless set."""
    value = os.environ.get(IDLE_ENV, "1800")
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:  # also refuses nan
        raise UserError(f"{IDLE_ENV}={value!r}: give the seconds a warm Spark driver stays up without a run, "
                        "a number above 0 (unset: 1800)")
    return seconds


def serve(workspace_root: Path, master: str, warehouse: Path) -> None:
    """Run the warm driver until it has been idle for ``LOCAL_SPARK_IDLE_SECONDS``; exit if one already runs."""
    record_file, last_used, lock_file = _files(workspace_root)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_file.open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("warm spark driver: another driver serves this workspace", flush=True)
        return
    redirect_output(lock_file.parent)
    from mlops_engine.local.spark.session import metastore_path, start_session

    idle = idle_seconds()
    stop_marker = workspace_root / DRIVER_DIR / STOP_WHEN_UNUSED
    stop_marker.unlink(missing_ok=True)  # asked of a driver before this one
    shutil.rmtree(workspace_root / DRIVER_DIR / LEASES_DIR, ignore_errors=True)  # runs of a driver before this one
    jvm: list[subprocess.Popen[bytes]] = []

    def end(signum: int = 0, frame: object = None) -> None:
        """Leave no record behind, close the JVM's pipe (it exits when its pipe closes: stopping the SparkContext
        from here can hang on runs' py4j connections), reap it and exit."""
        record_file.unlink(missing_ok=True)
        for process in jvm:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.stdin.close()  # type: ignore[union-attr]
                process.wait(timeout=STOP_TIMEOUT / 2)
        os._exit(0)

    signal.signal(signal.SIGTERM, end)
    session = start_session(master, warehouse, metastore=metastore_path(workspace_root))
    jvm.append(session.sparkContext._gateway.proc)
    gateway = session.sparkContext._gateway
    last_used.touch()
    scratch = record_file.with_suffix(".tmp")
    scratch.touch(mode=0o600)
    scratch.write_text(json.dumps({"pid": os.getpid(), "jvm_pid": jvm[0].pid, "master": master,
                                   "port": gateway.gateway_parameters.port,
                                   "secret": gateway.gateway_parameters.auth_token}))
    os.replace(scratch, record_file)
    print(f"warm spark driver {master} ready (pid {os.getpid()}); stops after {idle:.0f} s idle", flush=True)
    try:
        while record_file.is_file():
            if jvm[0].poll() is not None:
                print(f"warm spark driver: its JVM ended (exit code {jvm[0].returncode}); the next run starts a new "
                      "driver", flush=True)
                break
            attached = attached_runs(workspace_root / DRIVER_DIR, session)
            if not attached and (stop_marker.is_file() or time.time() - last_used.stat().st_mtime >= idle):
                break
            time.sleep(min(WATCH_SECONDS, idle))
    finally:
        stop_marker.unlink(missing_ok=True)
        end()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
