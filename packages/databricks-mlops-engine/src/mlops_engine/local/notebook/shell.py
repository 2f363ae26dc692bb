"""Shell commands of a notebook (``%sh`` cells, ``!cmd`` lines) in bash, their output in the run's log."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mlops_engine.local.notebook.cell_error import CellError

_URL = re.compile(r"\b(?:https?|ftp|s3|gs|abfss?|wasbs?)://([^/\s\"']+)")


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


def shell_cell(script: str, cwd: Path | None = None) -> None:
    """A ``%sh`` cell: a non-zero exit fails the cell, as on Databricks."""
    status, output = run_shell(script, cwd)
    if status != 0:
        tail = " | ".join(line for line in output[-3:] if line.strip())
        raise CellError(f"%sh exited with status {status}{': ' + tail if tail else ''}{download_hint(script)}")


def bang_line(command: str, cwd: Path | None = None) -> list[str]:
    """A ``!cmd`` line: its output lines (for ``x = !cmd``); IPython does not stop the cell on a non-zero exit.

    A failed command that names a URL fails the cell: locally that is the machine being offline, not the notebook.
    """
    status, output = run_shell(command, cwd)
    if status != 0:
        hint = download_hint(command)
        if hint:
            raise CellError(f"!{command.split()[0]} exited with status {status}{hint}")
        print(f"note: !{command} exited with status {status}; IPython carries on with the cell", file=sys.stderr)
    return output
