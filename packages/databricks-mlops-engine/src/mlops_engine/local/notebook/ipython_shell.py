"""``get_ipython()`` in a local run: the shell object Databricks' IPython kernel gives a notebook.

Real notebooks reach the notebook's globals through it (``IPython.get_ipython().user_ns["dbutils"]``, as
code that also runs outside a notebook does) and run magics with ``run_line_magic``. The local target
runs no IPython kernel, so this stand-in answers those calls from the run's own namespace and line
magics. ``import IPython`` gives the stand-in only when IPython is not installed; when it is, its
``get_ipython`` is pointed at the stand-in while no real IPython shell exists.
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.line_magics import run_line
from mlops_engine.local.notebook.shell import bang_line

_ACTIVE: list[LocalShell] = []


class Events:
    """``shell.events``: callbacks kept by event name (matplotlib registers one); the local target fires none,
    as it has no display to refresh between cells."""

    def __init__(self) -> None:
        self.callbacks: dict[str, list[Callable[..., Any]]] = {}

    def register(self, event: str, function: Callable[..., Any]) -> None:
        """Keep the callback, and say that it will not run: a silent registration would hide the gap."""
        name = getattr(function, "__qualname__", repr(function))
        print(f"note: get_ipython().events.register({event!r}, {name}): the local target fires no IPython events, "
              "so this callback will not run", flush=True)
        self.callbacks.setdefault(event, []).append(function)

    def unregister(self, event: str, function: Callable[..., Any]) -> None:
        if function in self.callbacks.get(event, []):
            self.callbacks[event].remove(function)

    def trigger(self, event: str, *args: Any) -> None:
        for function in list(self.callbacks.get(event, [])):
            function(*args)


class LocalShell:
    """What ``get_ipython()`` returns: the notebook's namespace and its line magics."""

    def __init__(self, namespace: MutableMapping[str, Any]) -> None:
        self.user_ns = namespace
        self.events = Events()
        self.execution_count = 0

    @property
    def user_global_ns(self) -> MutableMapping[str, Any]:
        return self.user_ns

    @property
    def ns_table(self) -> dict[str, Any]:
        """IPython's namespaces by name (MLflow reads ``ns_table["user_global"]``)."""
        return {"user_global": self.user_ns, "user_local": self.user_ns, "builtin": builtins.__dict__}

    def run_line_magic(self, magic_name: str, line: str, _stack_depth: int = 1) -> Any:
        """``%name line``, as a Python cell's line runs it."""
        return run_line(self.user_ns, f"%{magic_name.lstrip('%')} {line}".rstrip())

    def magic(self, line: str) -> Any:
        """The old spelling of ``run_line_magic``: ``magic("pip install x")``."""
        name, _, rest = line.lstrip("%").partition(" ")
        return self.run_line_magic(name, rest)

    def system(self, command: str) -> None:
        """``!command``, its output in the run's log."""
        bang_line(command, Path.cwd())

    def getoutput(self, command: str) -> list[str]:
        """``x = !command``: the output lines."""
        return bang_line(command, Path.cwd())

    def run_cell_magic(self, magic_name: str, line: str, cell: str) -> Any:
        raise CellError(f"get_ipython().run_cell_magic({magic_name!r}, ...): cell magics run only as their own cell "
                        "on the local target (a cell starting with %" + magic_name + ")")

    def enable_gui(self, gui: str | None = None) -> None:
        print(f"note: the local target has no GUI event loop ({gui}); figures are not shown, save or log them")

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"get_ipython().{name} is not provided by the local target's stand-in for IPython's "
                             "shell (it offers user_ns, ns_table, run_line_magic, magic, system, getoutput, events)")


def attach(namespace: MutableMapping[str, Any]) -> LocalShell:
    """A shell for ``namespace``, reachable from the notebook as ``get_ipython()`` (IPython defines that global)."""
    shell = LocalShell(namespace)
    namespace["get_ipython"] = lambda: shell
    return shell


def get_ipython() -> LocalShell | None:
    """The shell of the notebook running now (None outside a run), as ``IPython.get_ipython()``."""
    return _ACTIVE[-1] if _ACTIVE else None


def activate(shell: LocalShell) -> None:
    """Make ``shell`` the one ``get_ipython()`` returns until ``deactivate`` (a child notebook has its own)."""
    _ACTIVE.append(shell)


def deactivate(shell: LocalShell) -> None:
    """Back to the shell of the notebook that started ``shell``'s."""
    if shell in _ACTIVE:
        _ACTIVE.remove(shell)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: serves ``import IPython`` only when no real IPython is installed."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(fullname, self) if fullname == "IPython" else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = "The local target's stand-in for IPython: only get_ipython() (IPython is not installed)."
        module.get_ipython = get_ipython  # type: ignore[attr-defined]
        module.version_info = (8, 24, 0, "local stand-in")  # type: ignore[attr-defined]
        module.__version__ = "8.24.0+local"  # type: ignore[attr-defined]


def install_ipython() -> None:
    """Let ``import IPython`` reach the run's shell: the stand-in module, or the real one's ``get_ipython``."""
    if any(isinstance(finder, _StandInFinder) for finder in sys.meta_path):
        return
    if importlib.util.find_spec("IPython") is None:
        sys.meta_path.append(_StandInFinder())
        return
    import IPython
    from IPython.core.interactiveshell import InteractiveShell

    if not InteractiveShell.initialized():
        IPython.get_ipython = get_ipython  # type: ignore[assignment]
        import IPython.core.getipython as real

        real.get_ipython = get_ipython  # type: ignore[assignment]
