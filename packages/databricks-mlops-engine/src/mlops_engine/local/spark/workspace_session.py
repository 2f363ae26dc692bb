"""The notebook's ``spark``: a local Spark with a workspace's paths, tables and Delta, warm between runs.

``spark`` is a ``SparkSession`` (``isinstance`` holds, as code and libraries check it) that starts in the
background as the run begins and delegates to the real session once it is up. Tables live in a Hive metastore in
the workspace (``.spark-metastore``), which the warm driver owns and its runs share, so they persist between runs.

A workspace keeps its cluster running; locally, the first run starts a Spark driver process
(``warm_spark``) that later runs of the same workspace attach to in about a second, each with its own
SparkSession over the shared SparkContext, as notebooks on one cluster share it. The runner turns it on
with ``LOCAL_SPARK_WARM=1``; without it (or when the warm driver cannot start) the run starts its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from mlops_engine.local.filesystem.fuse import install_path_mapping
from mlops_engine.local.filesystem.paths import PathMap
from mlops_engine.local.spark.connect_session import (
    ConnectDelegation,
    connect_mode,
    install_connect_api,
    refuse_unsupported_conf,
    start_connect_session,
)
from mlops_engine.local.spark.session import metastore_path, readable_delta_errors, start_session
from mlops_engine.local.spark.warm_spark import WARM_ENV, attach_or_start

RUNTIME_CONF_ENV = "MLOPS_RUNTIME_SPARK_CONF"
"""The runtime's session settings (JSON) whose defaults differ from Apache Spark's, set by the runner."""


def activate(spark: Any) -> None:
    """Make ``spark`` the active session of this thread, in Python and in the JVM, as a notebook's always is."""
    session = getattr(spark, "_jsparkSession", None)
    if session is None:
        return  # not a classic session (Spark Connect): nothing thread-bound to set
    SparkSession._activeSession = spark
    SparkSession._get_j_spark_session_class(spark._jvm).setActiveSession(session)


def install_api_wrappers(workspace_root: Path) -> None:
    """Workspace paths and Unity Catalog's names in PySpark's readers, writers and catalog, in this process."""
    from mlops_engine.local.filesystem.spark_paths import install_spark_paths
    from mlops_engine.local.sql.table_names import install_table_names

    install_spark_paths(PathMap.of(workspace_root))
    install_table_names()
    readable_delta_errors()


def prepare_session(session: Any, workspace_root: Path) -> Any:
    """Give a session the runtime's settings, workspace paths and Unity Catalog's names."""
    activate(session)
    for key, value in json.loads(os.environ.get(RUNTIME_CONF_ENV) or "{}").items():
        session.conf.set(key, value)
    install_api_wrappers(workspace_root)
    return session


class LazySpark(ConnectDelegation, SparkSession):
    """The notebook's ``spark``: started (or attached to the warm driver) in the background as the run begins."""

    def __init__(self, master: str, warehouse: Path) -> None:  # noqa: D107 - SparkSession's own start comes later
        self._connect = connect_mode()  # serverless compute: a Spark Connect session (connect_session)
        self._master = master
        self._warehouse = warehouse
        self._workspace_root = warehouse.parent
        self._session: Any = None
        self._attached = False
        self._lock = threading.Lock()
        self._active_in: set[int] = set()
        install_path_mapping(self._workspace_root)
        install_api_wrappers(self._workspace_root)  # now: a method looked up before the session starts is wrapped
        if self._connect:
            install_connect_api(self._workspace_root)

    def warm_up(self) -> None:
        """Start (or attach to) Spark in the background while the first cells (configs, imports) run."""
        threading.Thread(target=self.session, name="spark-warm-up", daemon=True).start()

    def session(self) -> Any:
        """The SparkSession, started if need be, and the active one of the calling thread (as the notebook's
        session is on Databricks: ``SparkSession.getActiveSession()`` and Python data sources rely on it)."""
        with self._lock:
            session = self._start()
        if self._connect:
            refuse_unsupported_conf()  # from the notebook's first use on: the run's own settings are in
        if threading.get_ident() not in self._active_in:
            activate(session)
            self._active_in.add(threading.get_ident())
        return session

    def _start(self) -> Any:
        if self._session is None:
            started = time.monotonic()
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers run the run's own venv
            session, how = None, "local session"
            if self._connect:
                session, how = start_connect_session(self._workspace_root, self._master, self._warehouse), (
                    "Spark Connect server (serverless compute)")
            elif os.environ.get(WARM_ENV, "0") == "1":
                session = attach_or_start(self._workspace_root, self._master, self._warehouse)
                self._attached = session is not None
                if session is None:
                    print(f"spark: no warm driver for {self._master} could be reached or started (see "
                          f"{self._workspace_root / '.spark-driver'}); starting this run's own session", flush=True)
                else:
                    how = "warm driver"
            if session is None:
                session = start_session(self._master, self._warehouse, metastore=metastore_path(self._workspace_root))
            self._session = prepare_session(session, self._workspace_root)
            print(f"spark: {how} {self._master} ready in {time.monotonic() - started:.1f} s", flush=True)
        return self._session

    def sql(self, sqlQuery: str, args: Any = None, **kwargs: Any) -> Any:  # noqa: N803 - PySpark's own name
        """``spark.sql`` with Databricks SQL (Unity Catalog's names, workspace paths) carried out locally."""
        from mlops_engine.local.sql.statements import run_sql

        return run_sql(self.session(), sqlQuery, args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.session(), name)

    def stop(self) -> None:
        """Stop a session of this process; a warm driver's context stays up for the next run.

        A session still starting (a run that failed or ended before it needed Spark) is not waited for: its
        JVM ends with this process, so the run reports its end at once instead of after Spark's start.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._session is not None and not self._attached:
                self._session.stop()
        finally:
            self._lock.release()
