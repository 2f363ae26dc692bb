"""``dbutils`` for the local target: widgets, secrets, notebook exit/run, fs on local paths, library no-ops."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from .notebook_executor import NotebookExit

REDACTED = "[REDACTED]"


class Redactor:
    """Remembers secret values and blanks them out of any text on its way to a log."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: str) -> None:
        """Treat ``value`` as secret from now on."""
        if value:
            self._values.add(value)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text


class RedactingStream:
    """A text stream that redacts secrets before writing to the stream it wraps."""

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        self._stream = stream
        self._redact = redact

    def write(self, text: str) -> int:
        self._stream.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return False


def secret_env_name(scope: str, key: str) -> str:
    """The environment variable that holds a local secret, e.g. DATABRICKS_SECRET_MY_SCOPE__API_KEY."""
    def clean(part: str) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", part).upper()

    return f"DATABRICKS_SECRET_{clean(scope)}__{clean(key)}"


class Secrets:
    """``dbutils.secrets`` backed by environment variables or a git-ignored JSON file of scopes."""

    def __init__(self, secrets_file: Path | None, redact: Redactor) -> None:
        self._file = secrets_file
        self._redact = redact

    def _from_file(self) -> Mapping[str, Mapping[str, str]]:
        if self._file is None or not self._file.is_file():
            return {}
        return json.loads(self._file.read_text())

    def get(self, scope: str, key: str) -> str:
        """The secret's value; it is redacted from the run's log from now on."""
        value = os.environ.get(secret_env_name(scope, key))
        if value is None:
            value = self._from_file().get(scope, {}).get(key)
        if value is None:
            raise KeyError(
                f"secret {key!r} of scope {scope!r} is not set locally: export {secret_env_name(scope, key)} "
                f"or add it to {self._file.name if self._file else '.secrets.json'}"
            )
        self._redact.add(value)
        return value

    def listScopes(self) -> list[str]:  # noqa: N802 - Databricks' own name
        """Scopes of the secrets file."""
        return sorted(self._from_file())


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


class LocalFs:
    """``dbutils.fs`` over local paths, ``dbfs:/`` mapped onto the local DBFS folder."""

    def __init__(self, dbfs_root: Path) -> None:
        self._root = dbfs_root

    def _path(self, uri: str) -> Path:
        if uri.startswith("dbfs:/"):
            return self._root / uri.removeprefix("dbfs:/").lstrip("/")
        return Path(uri.removeprefix("file:"))

    def ls(self, uri: str) -> list[str]:
        """Entries of a folder."""
        return sorted(str(child) for child in self._path(uri).iterdir())

    def mkdirs(self, uri: str) -> bool:
        """Create a folder and its parents."""
        self._path(uri).mkdir(parents=True, exist_ok=True)
        return True

    def put(self, uri: str, contents: str, overwrite: bool = False) -> bool:
        """Write a text file."""
        path = self._path(uri)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{uri} exists; pass overwrite=True")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents)
        return True

    def head(self, uri: str, max_bytes: int = 65536) -> str:
        """The start of a text file."""
        return self._path(uri).read_text()[:max_bytes]

    def rm(self, uri: str, recurse: bool = False) -> bool:
        """Remove a file, or a folder with ``recurse``."""
        path = self._path(uri)
        if path.is_dir():
            if not recurse:
                raise IsADirectoryError(f"{uri} is a folder; pass recurse=True")
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        return True

    def cp(self, source: str, target: str, recurse: bool = False) -> bool:
        """Copy a file, or a folder with ``recurse``."""
        src, dst = self._path(source), self._path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir() and recurse:
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        return True


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
