"""A warm Spark driver kept between local runs, as a workspace keeps its cluster running.

``python -m tooling.local.warm_spark serve <workspace> <master> <warehouse>`` starts Spark's JVM and
waits; it writes ``<workspace>/.spark-driver/driver.json`` (the py4j gateway's port and secret, mode
0600) and stops after ``LOCAL_SPARK_IDLE_SECONDS`` (default 1800) without a run attaching, or on
``stop(workspace)``, or when its workspace folder is deleted. A run attaches to the JVM through py4j as
Databricks' notebook REPLs attach to their cluster's driver, and gets its own SparkSession over the
shared SparkContext: ``sc``, RDDs, Python UDFs and Delta work as in a run of its own (Spark Connect
would lose ``sc`` and RDDs).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DRIVER_DIR = ".spark-driver"
IDLE_ENV = "LOCAL_SPARK_IDLE_SECONDS"
WARM_ENV = "LOCAL_SPARK_WARM"
"""Set to 1 in a run's environment by the runner (mlops.local.warm_spark) to attach to the warm driver."""
START_TIMEOUT = 120.0


def _files(workspace_root: Path) -> tuple[Path, Path]:
    folder = workspace_root / DRIVER_DIR
    return folder / "driver.json", folder / "last-used"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def running(workspace_root: Path) -> dict[str, Any] | None:
    """The warm driver's record when one is running for this workspace."""
    record_file, _ = _files(workspace_root)
    if not record_file.is_file():
        return None
    record = json.loads(record_file.read_text())
    return record if _alive(record["pid"]) else None


def start(workspace_root: Path, master: str, warehouse: Path) -> dict[str, Any] | None:
    """Start the warm driver in the background and wait for it; None when it did not come up."""
    record_file, _ = _files(workspace_root)
    record_file.parent.mkdir(parents=True, exist_ok=True)
    log = (record_file.parent / "driver.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tooling.local.warm_spark", "serve", str(workspace_root), master, str(warehouse)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={key: value for key, value in os.environ.items() if not key.startswith("PYSPARK_GATEWAY")},
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        record = running(workspace_root)
        if record is not None and record["pid"] == process.pid:
            return record
        time.sleep(0.1)
    return None


def attach(record: dict[str, Any]) -> Any:
    """A new SparkSession of this process over the warm driver's SparkContext."""
    from py4j.java_gateway import GatewayParameters, JavaGateway
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
        from py4j.java_gateway import java_import

        java_import(jvm, package)
    jsc = jvm.JavaSparkContext.fromSparkContext(jvm.org.apache.spark.SparkContext.getOrCreate())
    context = SparkContext(gateway=gateway, jsc=jsc)
    jsession = jvm.org.apache.spark.sql.classic.SparkSession.active().newSession()
    return SparkSession(context, jsparkSession=jsession)


def attach_or_start(workspace_root: Path, master: str, warehouse: Path) -> Any | None:
    """The run's session on the warm driver (started first if need be), or None to start one in-process."""
    record = running(workspace_root) or start(workspace_root, master, warehouse)
    if record is None or record["master"] != master:
        return None
    _, last_used = _files(workspace_root)
    last_used.touch()
    return attach(record)


def stop(workspace_root: Path) -> bool:
    """Stop the workspace's warm driver; False when none was running."""
    record = running(workspace_root)
    if record is None:
        return False
    os.kill(record["pid"], signal.SIGTERM)
    return True


def serve(workspace_root: Path, master: str, warehouse: Path) -> None:
    """Run the warm driver until it has been idle for ``LOCAL_SPARK_IDLE_SECONDS``."""
    from .spark_session import start_session

    idle = float(os.environ.get(IDLE_ENV, "1800"))
    session = start_session(master, warehouse)
    gateway = session.sparkContext._gateway
    record_file, last_used = _files(workspace_root)
    last_used.touch()
    scratch = record_file.with_suffix(".tmp")
    scratch.touch(mode=0o600)
    scratch.write_text(json.dumps({"pid": os.getpid(), "master": master, "port": gateway.gateway_parameters.port,
                                   "secret": gateway.gateway_parameters.auth_token}))
    os.replace(scratch, record_file)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(f"warm spark driver {master} ready (pid {os.getpid()}); stops after {idle:.0f} s idle", flush=True)
    try:
        while record_file.is_file() and time.time() - last_used.stat().st_mtime < idle:
            time.sleep(min(5.0, idle))
    finally:
        record_file.unlink(missing_ok=True)
        session.stop()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
