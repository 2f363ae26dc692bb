"""The process of one local run: sets up Spark, dbutils and MLflow, executes the notebook, records the end."""

from __future__ import annotations

import contextlib
import os
import posixpath
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .dbfs import LocalFs
from .dbutils import LocalDbutils
from .notebook_executor import NotebookExecutor, NotebookExit, NotebookFailure, resolve_relative
from .notebook_parser import Cell
from .redaction import RedactingStream, Redactor
from .run_record import RunRecord
from .secrets import Secrets
from .spark import LazySpark
from .workspace import LocalWorkspace

MLFLOW_UI = "http://127.0.0.1:5000"


def display(obj: Any, *args: Any, **kwargs: Any) -> None:
    """Databricks' ``display``: show a DataFrame's first rows, or print anything else."""
    if hasattr(obj, "limit") and hasattr(obj, "toPandas"):
        print(obj.limit(20).toPandas().to_string())
    elif hasattr(obj, "head") and hasattr(obj, "to_string"):
        print(obj.head(20).to_string())
    else:
        print(obj)


class NotebookTimeout(Exception):
    """A notebook started by ``dbutils.notebook.run`` outlived its timeout."""


@contextlib.contextmanager
def notebook_timeout(path: str, seconds: int) -> Iterator[None]:
    """Interrupt the body after ``seconds`` (0: no limit), as Databricks does for ``dbutils.notebook.run``."""
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise NotebookTimeout(f"notebook {path} timed out after {seconds} s")

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            signal.setitimer(signal.ITIMER_REAL, previous_delay)


class LocalRun:
    """Executes one run's notebook with the run's record kept up to date."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.record = RunRecord.load(run_dir)
        env = self.record.environment
        self.workspace = LocalWorkspace(Path(env["workspace_dir"]))
        self.redact = Redactor()
        self.spark = LazySpark(env["spark_master"], self.workspace.root / "spark-warehouse")
        self.secrets = Secrets(Path(env["secrets_file"]), self.redact)
        self.fs = LocalFs(Path(env["dbfs_root"]))
        self.executor = NotebookExecutor(self._read, self._on_cell)
        self.started = time.monotonic()

    def _read(self, path: str) -> str:
        return self.workspace.read(path).decode()

    def _on_cell(self, notebook_path: str, cell: Cell, total: int) -> None:
        name = posixpath.basename(notebook_path)
        self.record.progress = f"{name} cell {cell.number}/{total}"
        self.record.save(self.run_dir)
        elapsed = time.monotonic() - self.started
        print(f"--- [{elapsed:6.1f} s] {notebook_path} cell {cell.number}/{total}", flush=True)

    def namespace(self, parameters: Mapping[str, str], notebook_path: str) -> dict[str, Any]:
        """A fresh notebook namespace with Databricks' globals."""

        def run_child(path: str, timeout_seconds: int, arguments: Mapping[str, str]) -> str:
            child = resolve_relative(posixpath.dirname(notebook_path), path)
            with notebook_timeout(child, timeout_seconds):
                try:
                    self.executor.run(child, self.namespace(arguments, child))
                except NotebookExit as done:
                    return done.value
            return ""

        dbutils = LocalDbutils(parameters, self.secrets, self.fs, run_child)
        return {"__name__": "__main__", "spark": self.spark, "dbutils": dbutils, "display": display}

    def _prepare(self) -> None:
        env = self.record.environment
        os.environ["MLFLOW_TRACKING_URI"] = env["tracking_uri"]
        os.environ["LOCAL_DBFS_ROOT"] = env["dbfs_root"]
        for library in reversed(self.record.libraries):
            sys.path.insert(0, library)
            print(f"library: {Path(library).name} on the path (deployed for this folder)", flush=True)

    def _mlflow_link(self) -> str | None:
        if "mlflow" not in sys.modules:
            return None
        import mlflow

        run = mlflow.last_active_run()
        if run is None:
            return None
        return f"{MLFLOW_UI}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id} (serve it: invoke mlflow-ui)"

    def execute(self) -> None:
        """Run the notebook and record SUCCESS, FAILED (with the cell's error) or INTERNAL_ERROR."""
        self.record.pid = os.getpid()
        self.record.life_cycle_state = "RUNNING"
        self.record.save(self.run_dir)
        try:
            self._prepare()
            self.spark.warm_up()
            path = self.record.notebook_path
            self.executor.run(path, self.namespace(self.record.parameters, path))
            self._finish("SUCCESS")
        except NotebookExit as done:
            self.record.notebook_result = self.redact(done.value)
            self._finish("SUCCESS")
        except NotebookFailure as failure:
            self.record.error = self.redact(str(failure))
            self.record.error_trace = self.redact(failure.trace)
            print(self.record.error_trace, file=sys.stderr, flush=True)
            self._finish("FAILED")
        except KeyboardInterrupt:
            self._finish("CANCELED", "cancelled")
        except Exception as error:  # noqa: BLE001 - anything outside a cell is the runner's own failure
            self.record.error = self.redact(f"{type(error).__name__}: {error}")
            self.record.error_trace = self.redact(traceback.format_exc())
            self._finish(None, "the local runner failed", life_cycle_state="INTERNAL_ERROR")
        finally:
            self.spark.stop()

    def _finish(self, result: str | None, message: str = "", life_cycle_state: str = "TERMINATED") -> None:
        self.record.mlflow_run_url = self._mlflow_link()
        self.record.life_cycle_state = life_cycle_state
        self.record.result_state = result
        self.record.state_message = message or (self.record.error or "")
        self.record.save(self.run_dir)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(run_dir: str) -> None:
    """Entry point of ``python -m tooling.local.run_process <run_dir>``."""
    signal.signal(signal.SIGTERM, _interrupt)
    run = LocalRun(Path(run_dir))
    sys.stdout = RedactingStream(sys.stdout, run.redact)
    sys.stderr = RedactingStream(sys.stderr, run.redact)
    run.execute()


if __name__ == "__main__":
    main(sys.argv[1])
