"""The notebook's ``spark``: a local Spark with a workspace's paths, tables and Delta, warm between runs.

A workspace keeps its cluster running; locally, the first run starts a Spark driver process
(``warm_spark``) that later runs of the same workspace attach to in about a second, each with its own
SparkSession over the shared SparkContext, as notebooks on one cluster share it. The runner turns it on
with ``LOCAL_SPARK_WARM=1``; without it (or when the warm driver cannot start) the run starts its own.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.fuse import install_path_mapping
from mlops_engine.local.filesystem.paths import PathMap
from mlops_engine.local.spark.session import start_session
from mlops_engine.local.spark.warm_spark import WARM_ENV, attach_or_start
from mlops_engine.local.sql.tables import LocalCatalog


def prepare_session(session: Any, workspace_root: Path, warehouse: Path) -> Any:
    """Give a session Delta, workspace paths and the local metastore's tables."""
    from mlops_engine.local.filesystem.spark_paths import install_spark_paths
    from mlops_engine.local.sql.delta import DeltaDataSource
    from mlops_engine.local.sql.table_io import activate, install_table_io

    activate(session)  # a data source's name is registered with, and looked up through, the active session
    session.dataSource.register(DeltaDataSource)
    install_spark_paths(PathMap.of(workspace_root))
    local = LocalCatalog(workspace_root, warehouse)
    install_table_io(session, local)
    local.restore(session)
    return session


class LazySpark:
    """The notebook's ``spark``: started (or attached to the warm driver) in the background as the run begins."""

    def __init__(self, master: str, warehouse: Path) -> None:
        self._master = master
        self._warehouse = warehouse
        self._workspace_root = warehouse.parent
        self._session: Any = None
        self._attached = False
        self._lock = threading.Lock()
        self._active_in: set[int] = set()
        install_path_mapping(self._workspace_root)

    def warm_up(self) -> None:
        """Start (or attach to) Spark in the background while the first cells (configs, imports) run."""
        threading.Thread(target=self.session, name="spark-warm-up", daemon=True).start()

    def session(self) -> Any:
        """The SparkSession, started if need be, and the active one of the calling thread (as the notebook's
        session is on Databricks: ``SparkSession.getActiveSession()`` and Python data sources rely on it)."""
        with self._lock:
            session = self._start()
        if threading.get_ident() not in self._active_in:
            from mlops_engine.local.sql.table_io import activate

            activate(session)
            self._active_in.add(threading.get_ident())
        return session

    def _start(self) -> Any:
        if self._session is None:
            started = time.monotonic()
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers run the run's own venv
            session, how = None, "local session"
            if os.environ.get(WARM_ENV, "0") == "1":
                session = attach_or_start(self._workspace_root, self._master, self._warehouse)
                self._attached = session is not None
                if session is None:
                    print(f"spark: no warm driver for {self._master} could be reached or started (see "
                          f"{self._workspace_root / '.spark-driver'}); starting this run's own session", flush=True)
                else:
                    how = "warm driver"
            if session is None:
                session = start_session(self._master, self._warehouse)
            self._session = prepare_session(session, self._workspace_root, self._warehouse)
            print(f"spark: {how} {self._master} ready in {time.monotonic() - started:.1f} s", flush=True)
        return self._session

    def sql(self, sqlQuery: str, args: Any = None, **kwargs: Any) -> Any:  # noqa: N803 - PySpark's own name
        """``spark.sql`` with Databricks SQL (catalogs, Delta commands, workspace paths) carried out locally."""
        from mlops_engine.local.sql.rewrite import rewrite
        from mlops_engine.local.sql.statements import run_sql

        if args or kwargs:
            return self.session().sql(rewrite(self.session(), sqlQuery), args, **kwargs)
        return run_sql(self.session(), sqlQuery)

    def __getattr__(self, name: str) -> Any:
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
