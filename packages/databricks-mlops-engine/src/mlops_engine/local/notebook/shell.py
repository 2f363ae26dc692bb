"""Shell commands of a notebook (``%sh`` cells, ``!cmd`` lines) in bash, their output in the run's log.

Inside the run's filesystem namespace bash sees ``/dbfs``, ``/Volumes``, ``/Workspace`` and ``/databricks-datasets``
as the notebook's Python does. Outside it (``fuse.child_view_problem`` says why) a command naming one of them is
refused before it runs, naming the cause and the fix, rather than failing with "No such file".
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.fuse import child_view_problem, mapped_root
from mlops_engine.local.filesystem.paths import PathMap, SampleDatasetMissing
from mlops_engine.local.notebook.cell_error import CellError

_URL = re.compile(r"\b(?:https?|ftp|s3|gs|abfss?|wasbs?)://([^/\s\"']+)")
_FUSE_PATH = re.compile(r"(?<![\w./$~}-])/(?:dbfs|Volumes|Workspace|databricks-datasets)(?![\w.-])")
_SAMPLE = re.compile(r"(?<![\w./$~}-])/databricks-datasets/[^\s\"';|&<>()`]+")


def check_mounts(kind: str, script: str) -> None:
    """Refuse a command naming a workspace path that bash would not see (the run is outside its namespace)."""
    named = _FUSE_PATH.search(script)
    if named is None:
        return
    problem = child_view_problem()
    if problem:
        raise CellError(f"{kind} names {named.group(0)}, which only this run's Python sees (it maps the path "
                        f"itself); shell commands and other processes do not, because {problem}")


def run_shell(script: str, cwd: Path | None = None) -> tuple[int, list[str]]:
    """Run ``script`` in bash in ``cwd`` (the notebook's folder), echoing each output line to the log."""
    process = subprocess.Popen(
        ["bash", "-c", script], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, errors="replace",
    )
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line.rstrip("\n"))
        print(line, end="", flush=True)
    return process.wait(), output


def download_hint(script: str) -> str:
    """Why a command that names a URL probably failed on this machine, or ''."""
    url = _URL.search(script)
    if url is None:
        return ""
    return (f"; the download from {url.group(1)} failed: the local target runs offline, so put the input in the "
            "local workspace first (a /dbfs, /Volumes or workspace path) and read it from there")


def sample_hint(script: str) -> str:
    """Why a command naming a ``/databricks-datasets`` file with no local copy failed, or ''."""
    root = mapped_root()
    if root is None:
        return ""
    for path in _SAMPLE.findall(script):
        try:
            PathMap.of(root).local(path)
        except SampleDatasetMissing as missing:
            return f"; {missing}"
        except UserError:  # a hint only: a path PathMap refuses ('..') explains nothing here
            continue
    return ""


def shell_cell(script: str, cwd: Path | None = None) -> None:
    """A ``%sh`` cell: a non-zero exit fails the cell, as on Databricks."""
    check_mounts("%sh", script)
    status, output = run_shell(script, cwd)
    if status != 0:
        tail = " | ".join(line for line in output[-3:] if line.strip())
        hint = download_hint(script) or sample_hint(script)
        raise CellError(f"%sh exited with status {status}{': ' + tail if tail else ''}{hint}")


def bang_line(command: str, cwd: Path | None = None) -> list[str]:
    """A ``!cmd`` line: its output lines (for ``x = !cmd``); IPython does not stop the cell on a non-zero exit.

    A failed command that names a URL fails the cell: locally that is the machine being offline, not the notebook.
    """
    check_mounts(f"!{command.split()[0] if command.split() else ''}", command)
    status, output = run_shell(command, cwd)
    if status != 0:
        hint = download_hint(command) or sample_hint(command)
        if hint:
            raise CellError(f"!{command.split()[0]} exited with status {status}{hint}")
        print(f"note: !{command} exited with status {status}; IPython carries on with the cell", file=sys.stderr)
    return output
