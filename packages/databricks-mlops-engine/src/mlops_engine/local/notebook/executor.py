"""Executing a workspace notebook in-process as Databricks does: cells in order, ``%run`` in one namespace.

Every cell either runs or fails the run naming the cell: Python (with the IPython lines Databricks'
kernel accepts), ``%sql``, ``%sh``, ``%fs`` and ``%run`` run; ``%md`` is documentation; any other
language or magic fails loudly instead of being skipped.
"""

from __future__ import annotations

import contextlib
import posixpath
import socket
import traceback
import urllib.error
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.fs_magic import fs_cell
from mlops_engine.local.notebook.ipython_syntax import to_python
from mlops_engine.local.notebook.parser import Cell, parse_notebook, run_arguments
from mlops_engine.local.notebook.shell import shell_cell
from mlops_engine.local.notebook.sql_cells import sql_cell

Reader = Callable[[str], str]
"""Returns the source of the notebook at a workspace path."""

DOCUMENTATION = frozenset({"%md", "%md-sandbox"})


class NotebookExit(Exception):
    """Raised by ``dbutils.notebook.exit(value)`` to end a notebook with a value."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@dataclass
class NotebookFailure(Exception):
    """A cell raised: which notebook, which cell (and its first line), the error and its trace."""

    notebook_path: str
    cell: int
    error: str
    trace: str
    line: str = ""

    def __str__(self) -> str:
        line = f" `{self.line[:100]}`" if self.line else ""
        return f"{self.notebook_path}, cell {self.cell}{line}: {self.error}"


class NotebookExecutor:
    """Runs notebooks read through ``reader`` into a shared namespace, reporting each cell started."""

    def __init__(self, reader: Reader, on_cell: Callable[[str, Cell, int], None] = lambda *_: None) -> None:
        self.reader = reader
        self.on_cell = on_cell

    def run(self, notebook_path: str, namespace: MutableMapping[str, Any]) -> None:
        """Execute every cell of ``notebook_path``; a ``%run`` executes its target in the same namespace."""
        self._run_cells(notebook_path, parse_notebook(self.reader(notebook_path)), namespace)

    def _run_cells(self, notebook_path: str, cells: list[Cell], namespace: MutableMapping[str, Any]) -> None:
        for cell in cells:
            self.on_cell(notebook_path, cell, len(cells))
            try:
                self._run_cell(notebook_path, cell, namespace)
            except (NotebookExit, NotebookFailure, KeyboardInterrupt):
                raise
            except BaseException as error:  # noqa: BLE001 - every cell error, SystemExit included, fails the run
                raise NotebookFailure(notebook_path, cell.number, describe(error), traceback.format_exc(),
                                      cell.first_line) from error

    def _run_cell(self, notebook_path: str, cell: Cell, namespace: MutableMapping[str, Any]) -> None:
        display = namespace.get("display", print)
        if cell.magic in DOCUMENTATION:
            return
        if cell.magic == "%run":
            self._run_child(notebook_path, cell, namespace)
        elif cell.magic in {None, "%python"}:
            code = compile(to_python(cell.body), f"<{notebook_path} cell {cell.number}>", "exec")
            exec(code, namespace)  # noqa: S102 - executing the notebook is the point
        elif cell.magic == "%sql":
            sql_cell(cell.body, namespace, display)
        elif cell.magic == "%sh":
            shell_cell(cell.body, Path.cwd())
        elif cell.magic == "%fs":
            fs_cell(cell.body, namespace.get("dbutils"), display)
        else:
            raise CellError(f"{cell.magic} cells cannot run on the local target, which runs Python, %sql, %sh and "
                            "%fs cells: rewrite the cell in Python, or run the notebook with --target databricks")

    def _run_child(self, notebook_path: str, cell: Cell, namespace: MutableMapping[str, Any]) -> None:
        try:
            target, arguments = run_arguments(cell.magic_argument)
        except ValueError as error:
            raise CellError(str(error)) from None
        child = resolve_relative(posixpath.dirname(notebook_path), target)
        try:
            cells = parse_notebook(self.reader(child))
        except Exception as error:  # noqa: BLE001 - a missing or unreadable target is this cell's failure
            raise CellError(f"%run {target}: {error}") from None
        widgets = getattr(namespace.get("dbutils"), "widgets", None)
        scope = widgets.arguments(arguments) if arguments and widgets is not None else contextlib.nullcontext()
        if arguments and widgets is None:
            raise CellError(f"%run {target} with arguments needs dbutils.widgets in the notebook")
        with scope:
            self._run_cells(child, cells, namespace)


def resolve_relative(folder: str, target: str) -> str:
    """The workspace path a ``%run`` target names, relative to the running notebook's folder."""
    target = target.strip().strip('"').strip("'")
    if not target:
        raise ValueError("%run needs a notebook path")
    joined = target if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(joined)


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def describe(error: BaseException) -> str:
    """The cell's error as the run reports it, with what to do when the cause is this machine, not the notebook."""
    if isinstance(error, CellError):
        return str(error)
    text = f"{type(error).__name__}: {error}"
    chain = _chain(error)
    if any(isinstance(e, (urllib.error.URLError, socket.gaierror, ConnectionError)) or "ConnectionError" in
           type(e).__name__ for e in chain):
        return (f"{text} (the cell tried a download from a host this machine does not reach: put the input in "
                "the local workspace first)")
    if isinstance(error, ModuleNotFoundError):
        return (f"{text} (neither the runtime nor the notebook installs it: %pip install it in the notebook, as "
                "on Databricks, or add it to requirements-dev.txt if the runtime preinstalls it)")
    return text
