"""``%fs`` cells: ``%fs ls /x`` is ``display(dbutils.fs.ls("/x"))``, flags as Databricks' shorthand writes them."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from mlops_engine.local.notebook.cell_error import CellError

FLAGS = {"-r": ("recurse", True), "--recurse": ("recurse", True), "-f": ("overwrite", True),
         "--overwrite": ("overwrite", True)}


def fs_cell(line: str, dbutils: Any, display: Callable[[Any], None]) -> None:
    """Run one ``%fs <command> <arguments>`` through ``dbutils.fs`` and display what it returns."""
    words = shlex.split(line)
    if not words:
        raise CellError("%fs needs a command, e.g. %fs ls /")
    command, arguments = words[0], words[1:]
    method = getattr(getattr(dbutils, "fs", None), command, None)
    if method is None or command.startswith("_"):
        raise CellError(f"%fs {command}: dbutils.fs has no command {command!r} on the local target")
    positional: list[Any] = []
    options: list[Any] = []
    keywords: dict[str, Any] = {}
    for word in arguments:
        if word in FLAGS:
            name, value = FLAGS[word]
            keywords[name] = value
        elif word.startswith("--") and "=" in word:
            name, _, value = word[2:].partition("=")
            if name in {"recurse", "overwrite"}:
                keywords[name] = value.lower() == "true"
            else:
                options.append(int(value) if value.isdigit() else value)
        else:
            positional.append(word)
    result = method(*positional, *options, **keywords)
    if result is not None:
        display(result)
