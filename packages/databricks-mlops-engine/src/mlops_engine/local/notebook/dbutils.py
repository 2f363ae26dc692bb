"""``dbutils`` for the local target, with Databricks' own names and keywords (``defaultValue=``, ``debugValue=``)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlops_engine.local.filesystem.dbfs import LocalFs
from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.context import EntryPoint, NotebookContext
from mlops_engine.local.notebook.executor import NotebookExit
from mlops_engine.local.notebook.secrets import Secrets


class Widgets:
    """``dbutils.widgets``: declared defaults, overridden by the run's parameters (or a ``%run``'s arguments)."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self._parameters = dict(parameters)
        self._defaults: dict[str, str] = {}

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:  # noqa: N803
        """Declare a text widget."""
        self._defaults[name] = str(defaultValue)

    def dropdown(self, name: str, defaultValue: str, choices: list[str], label: str | None = None) -> None:  # noqa: N803
        """Declare a dropdown widget; its default must be one of its choices, as Databricks checks."""
        self._declare_choice(name, defaultValue, choices)

    def combobox(self, name: str, defaultValue: str, choices: list[str], label: str | None = None) -> None:  # noqa: N803
        """Declare a combobox widget (any value allowed, choices offered)."""
        self._defaults[name] = str(defaultValue)

    def multiselect(self, name: str, defaultValue: str, choices: list[str], label: str | None = None) -> None:  # noqa: N803
        """Declare a multiselect widget; ``get`` gives the selected values joined by commas."""
        self._declare_choice(name, defaultValue, choices)

    def _declare_choice(self, name: str, default: str, choices: list[str]) -> None:
        if default not in choices:
            raise ValueError(f"widget {name!r}: default value {default!r} is not one of its choices {choices}")
        self._defaults[name] = str(default)

    def get(self, name: str) -> str:
        """The run parameter of that name, else the widget's default."""
        if name in self._parameters:
            return self._parameters[name]
        if name in self._defaults:
            return self._defaults[name]
        raise KeyError(f"InputWidgetNotDefined: no widget or run parameter named {name!r}")

    def getArgument(self, name: str, optional: str | None = None) -> str | None:  # noqa: N802 - Databricks' name
        """Deprecated ``getArgument``: the value, or ``optional`` when there is no such widget."""
        try:
            return self.get(name)
        except KeyError:
            return optional

    def getAll(self) -> dict[str, str]:  # noqa: N802 - Databricks' name
        """Every widget's current value."""
        return {**self._defaults, **self._parameters}

    def remove(self, name: str) -> None:
        """Forget one declared widget."""
        self._defaults.pop(name, None)

    def removeAll(self) -> None:  # noqa: N802 - Databricks' own name
        """Forget declared widgets."""
        self._defaults.clear()

    @contextlib.contextmanager
    def arguments(self, values: Mapping[str, str]) -> Iterator[None]:
        """``%run ./child $name="value"``: the child sees the values as widgets while it runs."""
        saved = dict(self._parameters)
        self._parameters.update(values)
        try:
            yield
        finally:
            self._parameters = saved


class Library:
    """``dbutils.library``: only ``restartPython`` is left in Databricks Runtime 11 and above."""

    def __init__(self, restart_python: Callable[[], None]) -> None:
        self._restart_python = restart_python

    def install(self, path: str) -> bool:
        raise CellError(f"dbutils.library.install({path!r}) was removed in Databricks Runtime 11: use "
                        f"%pip install {path} (an egg cannot be %pip-installed: build a wheel)")

    def installPyPI(self, project: str, version: str = "", repo: str = "", extras: str = "") -> bool:  # noqa: N802
        raise CellError(f"dbutils.library.installPyPI({project!r}) was removed in Databricks Runtime 11: use %pip")

    def restartPython(self) -> None:  # noqa: N802 - Databricks' own name
        """Reset the notebook's Python state, so modules a ``%pip`` installed are imported afresh."""
        self._restart_python()


class TaskValues:
    """``dbutils.jobs.taskValues``: a local run is a single task run outside a job, so ``get`` gives ``debugValue``."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def set(self, key: str, value: Any) -> None:
        """Keep a JSON-serialisable value for later tasks, as Databricks requires it."""
        json.dumps(value)
        self._values[key] = value
        print(f"task value {key!r} set")

    def get(self, taskKey: str, key: str, default: Any = None, debugValue: Any = None) -> Any:  # noqa: N803
        """Outside a job Databricks returns ``debugValue`` and raises a TypeError when it is None."""
        if debugValue is None:
            raise TypeError(f"dbutils.jobs.taskValues.get({taskKey!r}, {key!r}): a run outside a job needs "
                            "debugValue= (the local target runs one task, not a job)")
        return debugValue


class Jobs:
    """``dbutils.jobs``."""

    def __init__(self) -> None:
        self.taskValues = TaskValues()


class NotebookUtils:
    """``dbutils.notebook``: exit with a value, run another notebook, or read the notebook's context."""

    def __init__(self, run_child: Callable[[str, int, Mapping[str, str]], str], context: NotebookContext) -> None:
        self._run_child = run_child
        self.entry_point = EntryPoint(context)

    def exit(self, value: Any) -> None:
        """End the notebook, returning ``value`` as its result."""
        raise NotebookExit(str(value))

    def run(self, path: str, timeout_seconds: int = 0, arguments: Mapping[str, str] | None = None) -> str:
        """Run another notebook (relative to this one) in a fresh namespace; return its exit value."""
        return self._run_child(path, timeout_seconds, dict(arguments or {}))

    def getContext(self) -> Any:  # noqa: N802 - Databricks' name
        """The notebook's context, as ``entry_point.getDbutils().notebook().getContext()`` gives it."""
        return self.entry_point.getContext()


class LocalDbutils:
    """The ``dbutils`` object a locally run notebook sees."""

    def __init__(
        self,
        parameters: Mapping[str, str],
        secrets: Secrets,
        fs: LocalFs,
        run_child: Callable[[str, int, Mapping[str, str]], str],
        context: NotebookContext | None = None,
        restart_python: Callable[[], None] = lambda: print("note: restartPython: no run to restart"),
    ) -> None:
        self.context = context or NotebookContext("/local")
        self.widgets = Widgets(parameters)
        self.secrets = secrets
        self.fs = fs
        self.library = Library(restart_python)
        self.notebook = NotebookUtils(run_child, self.context)
        self.jobs = Jobs()

    def help(self, name: str = "") -> None:
        """What this ``dbutils`` offers locally."""
        utilities = {"fs": self.fs, "jobs": self.jobs, "library": self.library, "notebook": self.notebook,
                     "secrets": self.secrets, "widgets": self.widgets}
        for key, utility in utilities.items():
            if not name or name == key:
                methods = sorted(attr for attr in dir(utility) if not attr.startswith("_"))
                print(f"{key}: {', '.join(methods)}")
