"""``%pip`` on the local target: notebook-scoped libraries, installed by pip as on Databricks.

``%pip install`` takes what pip takes (names, pins and ranges, ``-r file``, ``-c file``, local or workspace
wheels and folders, ``--index-url``, ``--no-index --find-links <folder>``, URLs), with workspace paths
(``/Workspace/...``, ``/dbfs/...``, ``/Volumes/...``) mapped to the local workspace and relative paths
under the notebook's folder. pip installs from the index it is configured with (its configuration
files and ``PIP_*`` variables) into a layer of the run's own over the project's environment, which never
changes (``pip_layers``); what the project's environment already meets is not installed again, and a
repeat of the same install is served from the layer cache without running pip. When pip fails (no
network, no such version, a conflict) the cell fails naming the requirements and pip's reason.

``%pip list``, ``show``, ``freeze``, ``check`` ... answer for the run's whole environment (its layers and
the project's). ``%pip uninstall`` fails: see ``UNINSTALL``. As on Databricks Runtime 13 and above, ``%pip``
does not restart Python: a package imported before stays as imported until ``dbutils.library.restartPython()``.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from pathlib import Path

from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.pip_arguments import WORKSPACE_PREFIXES, ArgumentPreparer
from mlops_engine.local.notebook.pip_environment import pip_environment, pip_reason
from mlops_engine.local.notebook.pip_layers import RunLayers

__all__ = ["WORKSPACE_PREFIXES", "PipInstaller"]

QUERIES = {"list", "show", "freeze", "check", "inspect", "index", "download", "wheel", "hash", "help", "debug",
           "--version", "-V", "--help", "-h"}
"""pip commands that change no environment: run by the interpreter that sees the run's whole environment."""
UNINSTALL = ("%pip uninstall is not supported by the local target: what %pip installed lives in cached layers "
             "shared by runs, and the project's environment is never changed (Databricks cannot uninstall the "
             "runtime's libraries either). Remove the %pip install line that installed it (or pin the version "
             "you want) and run the notebook again")


class PipInstaller:
    """Runs one ``%pip`` line of a notebook whose folder is ``cwd``, in the run whose folder holds ``site_packages``."""

    def __init__(self, workspace_root: Path, site_packages: Path, cwd: Path) -> None:
        self.workspace_root = workspace_root
        self.site_packages = site_packages
        self.cwd = cwd

    def run(self, line: str) -> None:
        """``%pip <words>`` after ``$`` expansion."""
        words = shlex.split(line, comments=True)
        if not words:
            raise CellError("%pip needs a command, e.g. %pip install <package>")
        command, arguments = words[0], words[1:]
        if command == "install":
            self.install(arguments, line)
        elif command in QUERIES:
            self.query(command, arguments)
        elif command == "uninstall":
            raise CellError(UNINSTALL)
        else:
            raise CellError(f"%pip {command} is not supported by the local target (it runs %pip install and the "
                            f"commands that change nothing: {', '.join(sorted(q for q in QUERIES if q[0] != '-'))})")

    def install(self, arguments: list[str], line: str) -> None:
        """``%pip install``: the run's layer for these arguments, from the cache or built by pip."""
        with tempfile.TemporaryDirectory(prefix="mlops-pip-") as scratch:
            prepared = ArgumentPreparer(self.workspace_root, self.cwd, Path(scratch)).prepare(arguments)
            RunLayers(self.site_packages).install(prepared, line, self.cwd)

    def query(self, command: str, arguments: list[str]) -> None:
        """``%pip list/show/freeze ...`` for the run's environment: its layers over the project's."""
        python = RunLayers(self.site_packages).python()
        result = subprocess.run([python, "-m", "pip", command, *arguments], cwd=self.cwd, env=pip_environment(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        print(result.stdout, end="", flush=True)
        if result.returncode != 0:
            raise CellError(f"%pip {shlex.join([command, *arguments])} failed: "
                            f"{pip_reason(result.stderr.splitlines())}")
