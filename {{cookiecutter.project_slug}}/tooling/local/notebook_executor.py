"""Executing a workspace notebook in-process as Databricks does: cells in order, ``%run`` in one namespace."""

from __future__ import annotations

import importlib.metadata
import posixpath
import re
import shlex
import traceback
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from .notebook_parser import Cell, parse_notebook

Reader = Callable[[str], str]
"""Returns the source of the notebook at a workspace path."""


class NotebookExit(Exception):
    """Raised by ``dbutils.notebook.exit(value)`` to end a notebook with a value."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@dataclass
class NotebookFailure(Exception):
    """A cell raised: which notebook, which cell, the error and its trace."""

    notebook_path: str
    cell: int
    error: str
    trace: str

    def __str__(self) -> str:
        return f"{self.notebook_path}, cell {self.cell}: {self.error}"


class NotebookExecutor:
    """Runs notebooks read through ``reader`` into a shared namespace, reporting each cell started."""

    def __init__(self, reader: Reader, on_cell: Callable[[str, Cell, int], None] = lambda *_: None) -> None:
        self.reader = reader
        self.on_cell = on_cell

    def run(self, notebook_path: str, namespace: MutableMapping[str, Any]) -> None:
        """Execute every cell of ``notebook_path``; a ``%run`` executes its target in the same namespace."""
        cells = parse_notebook(self.reader(notebook_path))
        folder = posixpath.dirname(notebook_path)
        for cell in cells:
            self.on_cell(notebook_path, cell, len(cells))
            if cell.magic == "%run":
                self.run(resolve_relative(folder, cell.magic_argument), namespace)
            elif cell.magic == "%pip":
                check_pip(cell, notebook_path)
            elif cell.magic is not None:
                continue
            else:
                self._execute(notebook_path, cell, namespace)

    @staticmethod
    def _execute(notebook_path: str, cell: Cell, namespace: MutableMapping[str, Any]) -> None:
        code = compile(cell.source, f"<{notebook_path} cell {cell.number}>", "exec")
        try:
            exec(code, namespace)  # noqa: S102 - executing the notebook is the point
        except (NotebookExit, NotebookFailure):
            raise
        except BaseException as error:  # noqa: BLE001 - every cell error, SystemExit included, fails the run
            raise NotebookFailure(
                notebook_path, cell.number, f"{type(error).__name__}: {error}", traceback.format_exc()
            ) from error


def resolve_relative(folder: str, target: str) -> str:
    """The workspace path a ``%run`` target names, relative to the running notebook's folder."""
    target = target.strip().strip('"').strip("'")
    if not target:
        raise ValueError("%run needs a notebook path")
    joined = target if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(joined)


_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_pip(cell: Cell, notebook_path: str) -> None:
    """A ``%pip install`` is satisfied locally only by what the project's environment already has."""
    words = shlex.split(cell.source)[1:]
    if not words or words[0] != "install":
        return
    for requirement in (word for word in words[1:] if not word.startswith("-")):
        name = _REQUIREMENT_NAME.match(requirement)
        if name is None or "/" in requirement:
            continue
        try:
            importlib.metadata.version(name.group(0))
        except importlib.metadata.PackageNotFoundError:
            raise NotebookFailure(
                notebook_path, cell.number,
                f"%pip install {requirement}: not installed locally; add it to requirements-dev.txt and reinstall",
                "",
            ) from None
