"""The workspace interface both targets implement, and the local one: a folder laid out like Databricks."""

from __future__ import annotations

import enum
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from .errors import UserError

NOTEBOOK_HEADER = "# Databricks notebook source"


class ObjectKind(enum.Enum):
    """What a workspace path holds."""

    DIRECTORY = "DIRECTORY"
    NOTEBOOK = "NOTEBOOK"
    FILE = "FILE"


@dataclass(frozen=True)
class ObjectInfo:
    """One entry of a workspace listing."""

    path: str
    kind: ObjectKind


class Workspace(Protocol):
    """A Databricks-like tree of folders, notebooks and files addressed by absolute posix paths."""

    def mkdirs(self, path: str) -> None:
        """Create a folder and its parents; no error if it exists."""

    def import_notebook(self, path: str, source: bytes) -> None:
        """Write a Python notebook in source format at ``path`` (no extension), overwriting."""

    def put_file(self, path: str, content: bytes) -> None:
        """Write a workspace file (a library, say), overwriting."""

    def list_recursive(self, path: str) -> list[ObjectInfo]:
        """Every notebook and file below ``path``; an empty list if the folder does not exist."""

    def delete(self, path: str, recursive: bool = False) -> None:
        """Remove a notebook, file or folder; no error if it is already gone."""

    def exists(self, path: str) -> bool:
        """True when something is at ``path``."""

    def url(self, path: str) -> str:
        """Where a person can look at ``path``."""


class LocalWorkspace:
    """A folder standing in for the workspace: notebooks are files named without ``.py``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def local_path(self, path: str) -> Path:
        """The file that holds workspace ``path``; refuses paths that would leave the folder."""
        posix = PurePosixPath(path)
        if not posix.is_absolute() or ".." in posix.parts:
            raise UserError(f"workspace path {path!r} must be absolute and must not contain '..'")
        return self.root.joinpath(*posix.parts[1:])

    def mkdirs(self, path: str) -> None:
        self.local_path(path).mkdir(parents=True, exist_ok=True)

    def import_notebook(self, path: str, source: bytes) -> None:
        if not source.startswith(NOTEBOOK_HEADER.encode()):
            source = f"{NOTEBOOK_HEADER}\n".encode() + source
        self._write(path, source)

    def put_file(self, path: str, content: bytes) -> None:
        self._write(path, content)

    def _write(self, path: str, content: bytes) -> None:
        target = self.local_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.partial")
        temporary.write_bytes(content)
        temporary.replace(target)

    def list_recursive(self, path: str) -> list[ObjectInfo]:
        folder = self.local_path(path)
        if not folder.is_dir():
            return []
        found = []
        for file in sorted(folder.rglob("*")):
            hidden = any(part.startswith(".") for part in file.relative_to(folder).parts)
            if file.is_file() and not hidden:
                found.append(ObjectInfo(self._workspace_path(file), self._kind(file)))
        return found

    def read(self, path: str) -> bytes:
        """The bytes stored at ``path``."""
        file = self.local_path(path)
        if not file.is_file():
            raise UserError(f"no notebook or file at {path} in the local workspace {self.root}")
        return file.read_bytes()

    def delete(self, path: str, recursive: bool = False) -> None:
        target = self.local_path(path)
        if target.is_dir():
            if any(target.iterdir()) and not recursive:
                raise UserError(f"folder {path} is not empty; delete it recursively")
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    def exists(self, path: str) -> bool:
        return self.local_path(path).exists()

    def url(self, path: str) -> str:
        return self.local_path(path).as_uri()

    def _workspace_path(self, file: Path) -> str:
        return "/" + file.relative_to(self.root).as_posix()

    @staticmethod
    def _kind(file: Path) -> ObjectKind:
        if file.suffix == "":
            with file.open("rb") as handle:
                if handle.readline().rstrip(b"\r\n") == NOTEBOOK_HEADER.encode():
                    return ObjectKind.NOTEBOOK
        return ObjectKind.FILE
