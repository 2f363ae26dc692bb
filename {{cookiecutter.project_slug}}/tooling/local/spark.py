"""The notebook's ``spark``: one local SparkSession per run, quiet in the log as a Databricks run's output is."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any


class LazySpark:
    """The notebook's ``spark``: one local SparkSession per run, started in the background as the run begins."""

    def __init__(self, master: str, warehouse: Path) -> None:
        self._master = master
        self._warehouse = warehouse
        self._session: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Start the JVM in the background while the first cells (configs, imports) run."""
        threading.Thread(target=self.session, name="spark-warm-up", daemon=True).start()

    def session(self) -> Any:
        """The SparkSession, started if need be."""
        with self._lock:
            return self._start()

    def _start(self) -> Any:
        if self._session is None:
            from pyspark.sql import SparkSession

            started = time.monotonic()
            self._session = (
                SparkSession.builder.master(self._master)
                .appName("local-notebook-run")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.warehouse.dir", str(self._warehouse))
                .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={self._warehouse}")
                .getOrCreate()
            )
            self._session.sparkContext.setLogLevel("ERROR")
            print(f"spark: local session {self._master} started in {time.monotonic() - started:.1f} s", flush=True)
        return self._session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session(), name)

    def stop(self) -> None:
        """Stop the session if one was started."""
        with self._lock:
            if self._session is not None:
                self._session.stop()
