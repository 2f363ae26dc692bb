"""The process of one local run: sets up Spark, dbutils and MLflow, executes the notebook, records the end."""

from __future__ import annotations

import contextlib
import functools
import os
import posixpath
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.dbfs import LocalFs
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.notebook.context import NotebookContext
from mlops_engine.local.notebook.dbutils import LocalDbutils
from mlops_engine.local.notebook.executor import NotebookExecutor, NotebookExit, NotebookFailure, resolve_relative
from mlops_engine.local.notebook.ipython_shell import activate, attach, deactivate, install_ipython
from mlops_engine.local.notebook.mlflow_uris import map_databricks_uris
from mlops_engine.local.notebook.parser import Cell
from mlops_engine.local.notebook.pip_layers import forget_installed_modules
from mlops_engine.local.notebook.pip_runtime import export_to_spark, on_layers
from mlops_engine.local.notebook.redaction import RedactingStream, Redactor
from mlops_engine.local.notebook.runtime_globals import databricks_globals, display
from mlops_engine.local.notebook.secrets import Secrets, receive
from mlops_engine.local.runs.record import RunRecord
from mlops_engine.local.spark.connect_layers import export_layers
from mlops_engine.local.spark.connect_server import SERVER_DIR
from mlops_engine.local.spark.driver_log import register_secrets
from mlops_engine.local.spark.notebook_builder import route_builder, starting_session
from mlops_engine.local.spark.session import WAREHOUSE_DIR
from mlops_engine.local.spark.warm_spark import DRIVER_DIR, attached_driver_died
from mlops_engine.local.spark.workspace_session import LazySpark

MLFLOW_UI = "http://127.0.0.1:5000"
ORPHANED = ("stopped: the invoke that started this run ended without stopping it (killed?), and nothing read its "
            "log any more")
DRIVER_DIED = ("the warm Spark driver died during the run (its JVM was killed, as the out-of-memory killer does: "
               "give Spark less data or the machine more memory); run again: the next run starts a new driver")
PACKAGE_MARKER = "set_environment"
"""Every folder a package is sent to holds this notebook: the nearest one above a notebook is its repository root."""

__all__ = ["LocalRun", "NotebookTimeout", "display", "main", "notebook_timeout"]


class NotebookTimeout(Exception):
    """A notebook started by ``dbutils.notebook.run`` outlived its timeout."""


@contextlib.contextmanager
def notebook_timeout(path: str, seconds: float) -> Iterator[None]:
    """Interrupt the body after ``seconds`` (0: no limit), as Databricks does for ``dbutils.notebook.run``."""
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise NotebookTimeout(f"notebook {path} timed out after {seconds:g} s")

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            signal.setitimer(signal.ITIMER_REAL, previous_delay)


class ContextSpark(LazySpark):
    """The run's Spark session with the ``spark.databricks.*`` conf of the notebook's context set on start."""

    conf_values: Mapping[str, str] = {}
    secret_values: Sequence[str] = ()
    """The run's secrets: a warm driver it attaches to blanks them out of its log."""

    def _start(self) -> Any:
        started = self._session is None
        with starting_session():
            session = super()._start()
        if started and (self._attached or self._connect):  # before the run's first job
            register_secrets(self._workspace_root / (SERVER_DIR if self._connect else DRIVER_DIR), self.secret_values)
        if started:
            for key, value in self.conf_values.items():
                session.conf.set(key, value)
            if self._connect:  # what %pip installs (before Spark was up too) reaches the server's workers
                on_layers(functools.partial(export_layers, session))
            else:
                export_to_spark(session.sparkContext)  # ...or the warm driver's
        return session


def repository_root(workspace: LocalWorkspace, notebook_path: str) -> Path:
    """The folder the package was sent to (a Git folder's root on Databricks): the nearest holding set_environment."""
    folder = posixpath.dirname(notebook_path)
    while folder not in {"/", ""}:
        if workspace.local_path(posixpath.join(folder, PACKAGE_MARKER)).is_file():
            return workspace.local_path(folder)
        folder = posixpath.dirname(folder)
    return workspace.local_path(posixpath.dirname(notebook_path) or "/")


class LocalRun:
    """Executes one run's notebook with the run's record kept up to date."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.record = RunRecord.load(run_dir)
        env = self.record.environment
        self.workspace = LocalWorkspace(Path(env["workspace_dir"]))
        self.redact = Redactor()
        try:
            secrets = receive(env["secrets_fd"])
        except ValueError:  # the pipe closed empty: the invoke that started the run died first
            self._finish(None, "the run's secrets never arrived: the invoke that started it ended first (killed?)",
                         life_cycle_state="INTERNAL_ERROR")
            raise SystemExit(1) from None
        for value in secrets.values():
            self.redact.add(value)
        self.site_packages = run_dir.resolve() / "site-packages"
        self.spark = ContextSpark(env["spark_master"], self.workspace.root / WAREHOUSE_DIR)
        self.spark.conf_values = self.context(self.record.notebook_path).spark_conf()
        self.spark.secret_values = secrets.values()
        self.secrets = Secrets(secrets, self.redact)
        self.fs = LocalFs(Path(env["dbfs_root"]))
        self.executor = NotebookExecutor(self._read, self._on_cell)
        self.started = time.monotonic()
        self.orphaned = False

    def _read(self, path: str) -> str:
        return self.workspace.read(path).decode()

    def _on_cell(self, notebook_path: str, cell: Cell, total: int) -> None:
        name = posixpath.basename(notebook_path)
        self.record.progress = f"{name} cell {cell.number}/{total}"
        self.record.save(self.run_dir)
        elapsed = time.monotonic() - self.started
        print(f"--- [{elapsed:6.1f} s] {notebook_path} cell {cell.number}/{total}", flush=True)

    def context(self, notebook_path: str) -> NotebookContext:
        """What ``getContext()`` tells the notebook at ``notebook_path`` about itself and this run."""
        return NotebookContext(notebook_path, run_id=self.record.run_id, workspace_root=str(self.workspace.root),
                               site_packages=str(self.site_packages))

    def namespace(self, parameters: Mapping[str, str], notebook_path: str) -> dict[str, Any]:
        """A fresh notebook namespace with Databricks' globals."""

        def run_child(path: str, timeout_seconds: int, arguments: Mapping[str, str]) -> str:
            child = resolve_relative(posixpath.dirname(notebook_path), path)
            folder = self.workspace.local_path(posixpath.dirname(child))
            with notebook_timeout(child, timeout_seconds), contextlib.chdir(folder):
                try:
                    self.run_notebook(child, self.namespace(arguments, child))
                except NotebookExit as done:
                    return done.value
            return ""

        namespace: dict[str, Any] = {}
        dbutils = LocalDbutils(parameters, self.secrets, self.fs, run_child, self.context(notebook_path),
                               lambda: self.restart_python(namespace, dbutils))
        self._fill(namespace, dbutils)
        return namespace

    def _fill(self, namespace: MutableMapping[str, Any], dbutils: LocalDbutils) -> None:
        namespace.update(databricks_globals(self.spark, dbutils))
        attach(namespace)

    def run_notebook(self, path: str, namespace: MutableMapping[str, Any]) -> None:
        """Execute one notebook with its namespace's shell as ``IPython.get_ipython()`` while it runs."""
        shell = namespace["get_ipython"]()
        activate(shell)
        try:
            self.executor.run(path, namespace)
        finally:
            deactivate(shell)

    def restart_python(self, namespace: MutableMapping[str, Any], dbutils: LocalDbutils) -> None:
        """``restartPython()``: the notebook's variables are gone and what %pip installed is imported afresh."""
        shell = namespace["get_ipython"]()
        forget_installed_modules(self.site_packages)
        namespace.clear()
        namespace.update(databricks_globals(self.spark, dbutils))
        namespace["get_ipython"] = lambda: shell
        print("restartPython: notebook variables cleared; modules installed by %pip will be imported afresh "
              "(the Spark session, widgets and the working directory are kept, as on Databricks)", flush=True)

    def _prepare(self) -> None:
        env = self.record.environment
        os.environ["MLFLOW_TRACKING_URI"] = env["tracking_uri"]
        os.environ["_MLFLOW_SERVER_ARTIFACT_ROOT"] = str(Path.cwd().resolve() / "mlruns")
        map_databricks_uris(env["tracking_uri"])
        home = self.run_dir.resolve() / "home"
        home.mkdir(exist_ok=True)
        os.environ.setdefault("MPLCONFIGDIR", str(Path.home() / ".config" / "matplotlib"))
        os.environ["HOME"] = str(home)
        for library in reversed(self.record.libraries):
            sys.path.insert(0, library)
            print(f"library: {Path(library).name} on the path (deployed for this folder; a %pip install of the "
                  "notebook takes precedence, as notebook-scoped libraries do on Databricks)", flush=True)
        folder = self.workspace.local_path(posixpath.dirname(self.record.notebook_path))
        root = repository_root(self.workspace, self.record.notebook_path)
        self.site_packages.mkdir(exist_ok=True)
        sys.path[:0] = list(dict.fromkeys([str(folder), str(root), str(self.site_packages)]))
        install_ipython()
        route_builder(self.spark.session)
        os.chdir(folder)
        print(f"working directory: {folder} (the notebook's folder; it and {root.name}/ are on sys.path)", flush=True)

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
            self.run_notebook(path, self.namespace(self.record.parameters, path))
            self._finish("SUCCESS")
        except NotebookExit as done:
            self.record.notebook_result = self.redact(done.value)
            self._finish("SUCCESS")
        except NotebookFailure as failure:
            trace = self.redact(failure.trace)
            print(trace, file=sys.stderr, flush=True)
            if attached_driver_died():  # the cell's error is only the connection it lost: say why it was lost
                self.record.error = DRIVER_DIED
            else:
                self.record.error, self.record.error_trace = self.redact(str(failure)), trace
            self._finish("FAILED")
        except KeyboardInterrupt:
            self._finish("CANCELED", ORPHANED if self.orphaned else "cancelled")
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


def stop_when_unread(run: LocalRun) -> None:
    """End the run, recorded as stopped, when its log's reader (the ``invoke`` that started it) is gone: killed, it
    can neither follow nor stop the run, whose output would go nowhere."""

    def watch() -> None:
        log = select.poll()
        log.register(sys.__stdout__.fileno(), 0)  # a pipe's writer is told POLLERR once no reader is left
        if any(events & select.POLLERR for _, events in log.poll()):  # waits for as long as the run lives
            run.orphaned = True
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="log-reader-watch", daemon=True).start()


def main(run_dir: str) -> None:
    """Entry point of ``python -m mlops_engine.local.runs.process <run_dir>``."""
    signal.signal(signal.SIGTERM, _interrupt)
    run = LocalRun(Path(run_dir))
    stop_when_unread(run)
    sys.stdout = RedactingStream(sys.stdout, run.redact)
    sys.stderr = RedactingStream(sys.stderr, run.redact)
    run.execute()


if __name__ == "__main__":
    main(sys.argv[1])
