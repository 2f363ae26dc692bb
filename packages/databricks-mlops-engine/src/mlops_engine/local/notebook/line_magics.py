"""IPython lines of a Python cell (``!cmd``, ``%pip``, ``%cd``, ``%pwd``, ``%env`` ...) as Databricks runs them."""

from __future__ import annotations

import os
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from mlops_engine.local.filesystem.paths import local_path
from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.ipython_syntax import expand
from mlops_engine.local.notebook.pip import WORKSPACE_PREFIXES, PipInstaller
from mlops_engine.local.notebook.shell import bang_line

CELL_ONLY = {"%run", "%sql", "%md", "%md-sandbox", "%fs", "%python", "%scala", "%r", "%sh"}
NO_RELOAD = "modules are imported once per local run, from the files as sent; there is nothing to reload"
NOTES = {
    "%autoreload": NO_RELOAD,
    "%load_ext autoreload": NO_RELOAD,
    "%matplotlib": "figures are not shown by the local target; save them (plt.savefig) or log them to MLflow",
}


def _workspace_root(namespace: MutableMapping[str, Any]) -> Path:
    context = getattr(namespace.get("dbutils"), "context", None)
    root = getattr(context, "workspace_root", None)
    if root is None:
        raise CellError("this line needs the local run's workspace folder; run the notebook with `invoke run`")
    return Path(root)


def _cd(namespace: MutableMapping[str, Any], argument: str) -> str:
    target = argument or "~"
    path = local_path(_workspace_root(namespace), target) if target.startswith(WORKSPACE_PREFIXES) else (
        Path(target).expanduser())
    os.chdir(path)
    print(os.getcwd())
    return os.getcwd()


def _env(argument: str) -> Any:
    if not argument:
        return dict(os.environ)
    name, sep, value = argument.partition("=") if "=" in argument else argument.partition(" ")
    if not sep:
        return os.environ.get(name)
    os.environ[name.strip()] = value.strip()
    print(f"env: {name.strip()}={value.strip()}")
    return None


def _pip(namespace: MutableMapping[str, Any], argument: str) -> None:
    context = getattr(namespace.get("dbutils"), "context", None)
    site_packages = getattr(context, "site_packages", None)
    if site_packages is None:
        raise CellError("%pip needs the local run's folder; run the notebook with `invoke run`")
    PipInstaller(_workspace_root(namespace), Path(site_packages), Path.cwd()).run(argument)


def _time(namespace: MutableMapping[str, Any], statement: str) -> None:
    started = time.perf_counter()
    exec(compile(statement, "<%time>", "exec"), namespace)  # noqa: S102 - %time runs the notebook's statement
    print(f"Wall time: {time.perf_counter() - started:.3f} s")


def run_line(namespace: MutableMapping[str, Any], text: str) -> Any:
    """Run one IPython line with ``$name``/``{expression}`` expanded from the notebook's variables."""
    if text.startswith("!"):
        return bang_line(expand(text[1:], namespace), Path.cwd())
    word, _, rest = text.partition(" ")
    argument = expand(rest.strip(), namespace)
    if word in {"%pip", "%pip3"}:
        return _pip(namespace, argument)
    if word == "%cd":
        return _cd(namespace, argument)
    if word == "%pwd":
        print(os.getcwd())
        return os.getcwd()
    if word in {"%env", "%set_env"}:
        return _env(argument)
    if word in {"%time", "%%time"}:
        return _time(namespace, rest)
    if word in {"%sh", "%system", "%sx"}:
        return bang_line(argument, Path.cwd())
    note = NOTES.get(f"{word} {argument}".strip()) or NOTES.get(word)
    if note is not None:
        print(f"note: {text}: {note}")
        return None
    if word == "%load_ext":
        raise CellError(f"{text}: IPython extensions need IPython's kernel, which the local target does not run")
    if word in CELL_ONLY:
        raise CellError(f"{word} must be the first line of its own cell (Databricks runs it as a cell magic)")
    if word == "%conda":
        raise CellError("%conda is not supported (Databricks removed it too): use %pip install")
    raise CellError(f"IPython magic {word} is not supported by the local target: rewrite the line in Python, "
                    "or run the notebook with --target databricks")
