"""The workspace contract both targets keep: folders, notebooks and files addressed by absolute posix paths."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

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

    def create_new(self, path: str, content: bytes) -> bool:
        """Write a file only if nothing is at ``path``, in one step (a lock); False when something is."""

    def list_recursive(self, path: str) -> list[ObjectInfo]:
        """Every notebook and file below ``path``; an empty list if the folder does not exist."""

    def delete(self, path: str, recursive: bool = False) -> None:
        """Remove a notebook, file or folder; no error if it is already gone."""

    def exists(self, path: str) -> bool:
        """True when something is at ``path``."""

    def read(self, path: str) -> bytes:
        """The content of the notebook (in source format) or file at ``path``, as written."""

    def url(self, path: str) -> str:
        """Where a person can look at ``path``."""

    def modified_times(self, path: str) -> dict[str, float]:
        """Last change (epoch seconds) of every folder, notebook and file below ``path``, the folder included."""
