"""Where built libraries go, and the path a run's ``libraries`` names for them."""

from __future__ import annotations

from posixpath import join
from typing import Protocol

from mlops_engine.contract.workspace import Workspace


class LibraryStore(Protocol):
    """A place runs install the team's library from."""

    def upload(self, libraries_folder: str, file_name: str, content: bytes) -> str:
        """Store a library in ``libraries_folder``; return the path runs install it from."""

    def location(self, libraries_folder: str, file_name: str) -> str:
        """The path a library in ``libraries_folder`` has, without connecting."""

    def read(self, libraries_folder: str, file_name: str) -> bytes | None:
        """The library stored there, or None when there is none: what a failed release puts back."""

    def delete(self, libraries_folder: str, file_name: str) -> None:
        """Remove the library stored there; no error if there is none."""


class WorkspaceLibraryStore:
    """Libraries kept as workspace files beside the notebooks."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def upload(self, libraries_folder: str, file_name: str, content: bytes) -> str:
        self.workspace.mkdirs(libraries_folder)
        path = self.location(libraries_folder, file_name)
        self.workspace.put_file(path, content)
        return path

    def location(self, libraries_folder: str, file_name: str) -> str:
        return join(libraries_folder, file_name)

    def read(self, libraries_folder: str, file_name: str) -> bytes | None:
        path = self.location(libraries_folder, file_name)
        return self.workspace.read(path) if self.workspace.exists(path) else None

    def delete(self, libraries_folder: str, file_name: str) -> None:
        self.workspace.delete(self.location(libraries_folder, file_name))
