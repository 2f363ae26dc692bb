"""``dbutils.fs`` locally: DBFS, volume and workspace paths mapped onto folders of the local workspace.

Results and errors follow Databricks' ``dbutils.fs``: ``ls`` returns ``FileInfo`` tuples whose ``path`` is
a ``dbfs:/`` URI (folders end with ``/``), ``rm`` of a missing path returns False, a missing source
raises ``java.io.FileNotFoundException: File ... does not exist.``, ``put`` prints ``Wrote N bytes.``
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

from mlops_engine.local.filesystem.paths import PathMap


class FileInfo(NamedTuple):
    """One entry of ``dbutils.fs.ls``, with Databricks' field names (``modificationTime`` in ms)."""

    path: str
    name: str
    size: int
    modificationTime: int  # noqa: N815 - Databricks' own name


def _missing(uri: str) -> FileNotFoundError:
    return FileNotFoundError(f"java.io.FileNotFoundException: File {uri} does not exist.")


class LocalFs:
    """``dbutils.fs`` over the local workspace; ``dbfs_root`` is the folder standing for ``dbfs:/``."""

    def __init__(self, dbfs_root: Path) -> None:
        self._map = PathMap(dbfs_root.parent, dbfs_root)

    def _path(self, uri: str) -> Path:
        return self._map.local(uri)

    def _existing(self, uri: str) -> Path:
        path = self._path(uri)
        if not path.exists():
            raise _missing(uri)
        return path

    def _info(self, shown: str, path: Path) -> FileInfo:
        stat = path.stat()
        folder = path.is_dir()
        name = path.name + ("/" if folder else "")
        return FileInfo(shown.rstrip("/") + ("/" if folder else ""), name, 0 if folder else stat.st_size,
                        int(stat.st_mtime * 1000))

    def ls(self, dir: str) -> list[FileInfo]:  # noqa: A002 - Databricks' own parameter name
        """Entries of a folder (or the file itself), sorted by name."""
        path = self._existing(dir)
        shown = self._map.display(dir)
        if path.is_file():
            return [self._info(shown, path)]
        base = shown.rstrip("/")
        return [self._info(f"{base}/{child.name}", child) for child in sorted(path.iterdir())]

    def mkdirs(self, dir: str) -> bool:  # noqa: A002
        """Create a folder and its parents."""
        self._path(dir).mkdir(parents=True, exist_ok=True)
        return True

    def put(self, file: str, contents: str, overwrite: bool = False) -> bool:
        """Write a text file (UTF-8); an existing one only with ``overwrite``."""
        path = self._path(file)
        if path.exists() and not overwrite:
            raise FileExistsError(f"java.nio.file.FileAlreadyExistsException: {file} exists; pass overwrite=True")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = contents.encode()
        path.write_bytes(data)
        print(f"Wrote {len(data)} bytes.")
        return True

    def head(self, file: str, maxBytes: int = 65536) -> str:  # noqa: N803 - Databricks' own name
        """The first ``maxBytes`` bytes of a file, decoded as UTF-8."""
        path = self._existing(file)
        if path.is_dir():
            raise IsADirectoryError(f"java.io.IOException: {file} is a directory")
        with path.open("rb") as stream:
            data = stream.read(maxBytes)
        if path.stat().st_size > maxBytes:
            print(f"[Truncated to first {maxBytes} bytes]")
        return data.decode(errors="replace")

    def rm(self, dir: str, recurse: bool = False) -> bool:  # noqa: A002
        """Remove a file, or a folder with ``recurse``; False when nothing was there."""
        path = self._path(dir)
        if not path.exists():
            return False
        if path.is_dir():
            if any(path.iterdir()) and not recurse:
                raise OSError(f"java.io.IOException: {dir} is a non-empty directory; pass recurse=True")
            shutil.rmtree(path)
        else:
            path.unlink()
        return True

    def cp(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Copy a file, or a folder with ``recurse``; into a folder when ``to`` is one."""
        src, dst = self._existing(from_), self._path(to)
        if src.is_dir():
            if not recurse:
                raise IsADirectoryError(f"java.io.IOException: {from_} is a directory; pass recurse=True")
            shutil.copytree(src, dst, dirs_exist_ok=True)
            return True
        if dst.is_dir():
            dst = dst / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        return True

    def mv(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Move a file, or a folder with ``recurse``."""
        src, dst = self._existing(from_), self._path(to)
        if src.is_dir() and not recurse:
            raise IsADirectoryError(f"java.io.IOException: {from_} is a directory; pass recurse=True")
        if dst.is_dir() and src.is_file():
            dst = dst / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(dst))
        return True

    def help(self, method: str = "") -> None:
        """What locally mapped ``dbutils.fs`` offers."""
        print("dbutils.fs (local target): ls, mkdirs, put, head, rm, cp, mv over the local workspace folder")
