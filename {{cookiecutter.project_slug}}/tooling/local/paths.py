"""Where a workspace path lives on the local target: DBFS, volumes and workspace files inside the local folder.

On Databricks, ``dbfs:/x``, ``/dbfs/x`` (the FUSE mount) and a bare ``/x`` handed to Spark or
``dbutils.fs`` name the same DBFS file; ``/Volumes/<catalog>/<schema>/<volume>/...`` is a Unity
Catalog volume and ``/Workspace/...`` a workspace file. Locally each maps into the workspace folder.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..errors import UserError

DBFS_DIR = "dbfs"
VOLUMES_DIR = "Volumes"


def local_path(workspace_root: Path, path: str) -> Path:
    """The local file behind a DBFS, volume or workspace path; refuses one that would leave the folder."""
    if path.startswith("file:"):
        return Path(path.removeprefix("file:"))
    if path.startswith("dbfs:"):
        parts, base = PurePosixPath("/" + path.removeprefix("dbfs:").lstrip("/")).parts[1:], workspace_root / DBFS_DIR
    elif path.startswith("/dbfs/") or path == "/dbfs":
        parts, base = PurePosixPath(path).parts[2:], workspace_root / DBFS_DIR
    elif path.startswith("/Volumes/"):
        parts, base = PurePosixPath(path).parts[2:], workspace_root / VOLUMES_DIR
    elif path.startswith("/Workspace/"):
        parts, base = PurePosixPath(path).parts[2:], workspace_root
    elif path.startswith("/"):
        parts, base = PurePosixPath(path).parts[1:], workspace_root / DBFS_DIR
    else:
        raise UserError(f"{path!r} is not an absolute workspace, DBFS or volume path")
    if ".." in parts:
        raise UserError(f"{path!r} must not contain '..'")
    return base.joinpath(*parts)
