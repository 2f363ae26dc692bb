"""``dbutils.fs`` locally: DBFS paths mapped onto a folder of the local workspace."""

from __future__ import annotations

import shutil
from pathlib import Path


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
