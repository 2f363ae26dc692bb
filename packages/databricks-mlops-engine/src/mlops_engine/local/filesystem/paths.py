"""Where a workspace path lives on the local target: DBFS, volumes and workspace files inside the local folder.

On Databricks, ``dbfs:/x``, ``/dbfs/x`` (the FUSE mount) and a bare ``/x`` handed to Spark or
``dbutils.fs`` name the same DBFS file; ``/Volumes/<catalog>/<schema>/<volume>/...`` is a Unity
Catalog volume, ``/Workspace/...`` a workspace file and ``/databricks-datasets/...`` Databricks' sample
data. Locally each maps into the workspace folder; the samples are not shipped, so a test (or a user)
places a small copy under ``<workspace>/databricks-datasets``, and reading one that is absent says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlops_engine.errors import UserError

DBFS_DIR = "dbfs"
VOLUMES_DIR = "Volumes"
DATASETS_DIR = "databricks-datasets"
FUSE_PREFIXES = ("/dbfs/", "/Volumes/", "/Workspace/")


class SampleDatasetMissing(UserError, FileNotFoundError):
    """A ``/databricks-datasets`` path with no local copy: the samples are not available offline."""


@dataclass(frozen=True)
class PathMap:
    """The mapping of one local workspace: its folder, and the folder standing for DBFS."""

    workspace_root: Path
    dbfs_root: Path

    @classmethod
    def of(cls, workspace_root: Path) -> PathMap:
        """The standard layout: DBFS in ``<workspace>/dbfs``."""
        return cls(workspace_root, workspace_root / DBFS_DIR)

    def local(self, path: str) -> Path:
        """The local file behind a DBFS, volume or workspace path; refuses one that would leave the folder."""
        if path.startswith("file:"):
            return Path(path.removeprefix("file:"))
        if path.startswith("dbfs:"):
            path = "/" + path.removeprefix("dbfs:").lstrip("/")
        elif path.startswith("/dbfs/") or path == "/dbfs":
            path = "/" + path.removeprefix("/dbfs").lstrip("/")
        if not path.startswith("/"):
            raise UserError(f"{path!r} is not an absolute workspace, DBFS or volume path")
        parts = PurePosixPath(path).parts[1:]
        if ".." in parts:
            raise UserError(f"{path!r} must not contain '..'")
        head = parts[0] if parts else ""
        if head == VOLUMES_DIR:
            return self.workspace_root.joinpath(VOLUMES_DIR, *parts[1:])
        if head == "Workspace":
            return self.workspace_root.joinpath(*parts[1:])
        if head == DATASETS_DIR:
            return self._dataset(path, self.workspace_root.joinpath(*parts))
        return self.dbfs_root.joinpath(*parts)

    def _dataset(self, path: str, local: Path) -> Path:
        if not local.exists():
            raise SampleDatasetMissing(
                f"{path}: Databricks' sample datasets (/databricks-datasets) are not available offline; "
                f"place a copy at {local} to run this notebook locally"
            )
        return local

    def owns(self, path: str) -> bool:
        """True for a path already inside the local workspace (mapped before, so left as it is)."""
        return path == str(self.workspace_root) or path.startswith(str(self.workspace_root) + "/")

    def spark(self, path: str) -> str:
        """The path Spark should use: workspace paths mapped, other schemes (``s3://``, relative) untouched."""
        if path.startswith("dbfs:") or (path.startswith("/") and not self.owns(path)):
            return str(self.local(path))
        return path

    def fuse(self, path: str) -> str | None:
        """The local path behind a FUSE path (``/dbfs/x``, ``/Volumes/...``, ``/Workspace/...``), else None."""
        mounts = tuple(prefix.rstrip("/") for prefix in FUSE_PREFIXES)  # the mount points themselves too
        if path in mounts or path.startswith(FUSE_PREFIXES) or path.startswith("/" + DATASETS_DIR + "/"):
            return str(self.local(path))
        return None

    def display(self, path: str) -> str:
        """The URI dbutils.fs shows for a path: ``dbfs:/...`` for DBFS and volumes, ``file:/...`` for local."""
        if path.startswith("file:"):
            return "file:" + path.removeprefix("file:")
        if path.startswith("dbfs:"):
            return "dbfs:/" + path.removeprefix("dbfs:").lstrip("/")
        if path.startswith("/dbfs/") or path == "/dbfs":
            return "dbfs:/" + path.removeprefix("/dbfs").lstrip("/")
        return "dbfs:" + path


def local_path(workspace_root: Path, path: str) -> Path:
    """The local file behind a DBFS, volume or workspace path; refuses one that would leave the folder."""
    return PathMap.of(workspace_root).local(path)
