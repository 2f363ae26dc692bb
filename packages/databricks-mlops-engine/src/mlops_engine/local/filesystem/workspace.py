"""The local target's workspace: a folder laid out like Databricks, notebooks stored as files without ``.py``."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from posixpath import join

from mlops_engine.contract.workspace import NOTEBOOK_HEADER, ObjectInfo, ObjectKind
from mlops_engine.errors import UserError
from mlops_engine.files import write_atomically


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
        write_atomically(target, content)

    def create_new(self, path: str, content: bytes) -> bool:
        target = self.local_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with target.open("xb") as handle:
                handle.write(content)
        except FileExistsError:
            return False
        return True

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

    def modified_times(self, path: str, skip: frozenset[str] = frozenset()) -> dict[str, float]:
        """Last change of ``path`` and everything below it; folders named in ``skip`` are not looked into."""
        top = self.local_path(path)
        if top.is_file():
            return {path: top.stat().st_mtime}
        if not top.is_dir():
            return {}
        found = {path: top.stat().st_mtime}
        pending = [top]
        while pending:
            for entry in pending.pop().iterdir():
                found[join(path, entry.relative_to(top).as_posix())] = entry.stat().st_mtime
                if entry.is_dir() and entry.name not in skip:
                    pending.append(entry)
        return found
