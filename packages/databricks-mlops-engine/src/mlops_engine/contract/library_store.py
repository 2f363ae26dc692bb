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
