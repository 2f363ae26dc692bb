"""``dbutils`` for the local target: widgets, secrets, notebook exit/run, fs on local paths, library no-ops."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .dbfs import LocalFs
from .notebook_executor import NotebookExit
from .secrets import Secrets


class Widgets:
    """``dbutils.widgets``: declared defaults, overridden by the run's parameters."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self._parameters = dict(parameters)
        self._defaults: dict[str, str] = {}

    def text(self, name: str, default_value: str = "", label: str | None = None) -> None:
        """Declare a text widget."""
        self._defaults[name] = default_value

    def dropdown(self, name: str, default_value: str, choices: list[str], label: str | None = None) -> None:
        """Declare a dropdown widget."""
        self._defaults[name] = default_value

    def get(self, name: str) -> str:
        """The run parameter of that name, else the widget's default."""
        if name in self._parameters:
            return self._parameters[name]
        if name in self._defaults:
            return self._defaults[name]
        raise KeyError(f"no widget or run parameter named {name!r}")

    def removeAll(self) -> None:  # noqa: N802 - Databricks' own name
        """Forget declared widgets."""
        self._defaults.clear()


class Library:
    """``dbutils.library``: locally the run already has the folder's library on its path."""

    def install(self, path: str) -> bool:
        print(f"note: dbutils.library.install({path!r}) is a no-op locally; the run uses the deployed library")
        return True

    def restartPython(self) -> None:  # noqa: N802 - Databricks' own name
        print("note: dbutils.library.restartPython() is a no-op locally")


class NotebookUtils:
    """``dbutils.notebook``: exit with a value, or run another notebook with parameters."""

    def __init__(self, run_child: Callable[[str, int, Mapping[str, str]], str]) -> None:
        self._run_child = run_child

    def exit(self, value: Any) -> None:
        """End the notebook, returning ``value`` as its result."""
        raise NotebookExit(str(value))

    def run(self, path: str, timeout_seconds: int = 0, arguments: Mapping[str, str] | None = None) -> str:
        """Run another notebook (relative to this one) in a fresh namespace; return its exit value."""
        return self._run_child(path, timeout_seconds, dict(arguments or {}))


class LocalDbutils:
    """The ``dbutils`` object a locally run notebook sees."""

    def __init__(
        self,
        parameters: Mapping[str, str],
        secrets: Secrets,
        fs: LocalFs,
        run_child: Callable[[str, int, Mapping[str, str]], str],
    ) -> None:
        self.widgets = Widgets(parameters)
        self.secrets = secrets
        self.fs = fs
        self.library = Library()
        self.notebook = NotebookUtils(run_child)
